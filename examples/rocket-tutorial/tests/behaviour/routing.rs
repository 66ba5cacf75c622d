//! Unmatched requests: 404, 405 with `Allow`, and the 307 to the trailing-slash path, which
//! comes before any authentication (docs/behaviour.md "Protected routes").

use rocket::http::Method;

use crate::support::*;

#[rocket::async_test]
async fn unknown_path_is_404() {
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        for path in [
            "/nope",
            "/",
            "/users/",
            "/users/me/items/x",
            "/users//me/",
            "/users/me//",
            "/docs/x",
            "/docs/index.html",
        ] {
            let a = app.get(path, &[]).await;
            assert_eq!(
                (a.status, a.body.as_str()),
                (404, r#"{"detail":"Not Found"}"#),
                "{path}"
            );
            a.assert_json();
        }
    }
    // /status/ exists only in the scopes variant.
    let a = app(Jwt, RFC).await.get("/status/", &[]).await;
    assert_eq!(a.status, 404);
}

#[rocket::async_test]
async fn wrong_method_is_405() {
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        let mut cases = vec![
            (Method::Post, "/users/me/", "GET"),
            (Method::Delete, "/users/me/items/", "GET"),
            (Method::Put, "/items/", "GET"),
            (Method::Get, "/token", "POST"),
            (Method::Delete, "/token", "POST"),
        ];
        if variant == Scopes {
            cases.push((Method::Post, "/status/", "GET"));
        }
        for (method, path, allow) in cases {
            let a = Answer::read(app.client.req(method, path).dispatch().await).await;
            assert_eq!(
                (a.status, a.header("allow"), a.body.as_str()),
                (405, Some(allow), r#"{"detail":"Method Not Allowed"}"#),
                "{method} {path}"
            );
            a.assert_json();
        }
    }
}

#[rocket::async_test]
async fn missing_trailing_slash_redirects_before_auth() {
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        let mut cases = vec![
            ("/users/me", "/users/me/"),
            ("/users/me/items", "/users/me/items/"),
            ("/items", "/items/"),
            ("/users/me?x=1&y", "/users/me/?x=1&y"),
            ("/token/", "/token"),
            ("/token//", "/token"),
            ("/openapi.json/", "/openapi.json"),
            ("/docs/", "/docs"),
            ("/docs//", "/docs"),
        ];
        if variant == Scopes {
            cases.push(("/status", "/status/"));
        }
        for (path, location) in cases {
            // No credentials, bad credentials, two headers: the redirect comes first.
            for auth in [
                &[][..],
                &["Bearer garbage"][..],
                &["Bearer a", "Bearer b"][..],
            ] {
                let a = app.get(path, auth).await;
                // The fastapi style's Location is absolute: this client sends no `Host`, so
                // it is built from the server's configured address.
                let want = if style == FASTAPI {
                    format!("http://127.0.0.1:8000{location}")
                } else {
                    location.to_owned()
                };
                assert_eq!(
                    (a.status, a.header("location"), a.body.as_str()),
                    (307, Some(want.as_str()), ""),
                    "{variant:?} {style:?} {path} {auth:?}"
                );
                assert_eq!(a.header("www-authenticate"), None);
                assert_eq!(a.header("content-type"), None);
            }
        }
    }
}

#[rocket::async_test]
async fn jwt_variant_has_no_status_route() {
    let app = app(Jwt, RFC).await;
    let token = app.mint("johndoe", "");
    assert_eq!(app.get("/status", &[]).await.status, 404);
    assert_eq!(app.get_bearer("/status/", &token).await.status, 404);
}
