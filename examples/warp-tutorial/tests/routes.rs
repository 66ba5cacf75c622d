//! Protected routes, `/items/`, and requests no route takes: the route tables of docs/behaviour.md.

use tessera_core::http::Style;
use tessera_tutorial::Variant;

use crate::support::*;

/// The protected routes of `app` with the scopes each requires (challenge order), and the
/// body a valid request gets.
fn protected(app: &App) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut routes = vec![
        (
            "/users/me/",
            if app.scoped() { "me" } else { "" },
            JOHNDOE_JSON,
        ),
        (
            "/users/me/items/",
            if app.scoped() { "items me" } else { "" },
            JOHNDOE_ITEMS,
        ),
    ];
    if app.scoped() {
        routes.push(("/status/", "", r#"{"status":"ok"}"#));
    }
    routes
}

#[tokio::test]
async fn valid_token_from_the_token_endpoint() {
    for (variant, style) in ALL {
        let app = app(variant, style);
        let token = app.token("johndoe", "secret", "me items").await;
        for (path, _, body) in protected(&app) {
            app.get_with(path, &token).await.assert(200, body, None);
        }
        // Scope order and the case of the scheme do not matter.
        let token = app.mint("johndoe", "items me", 0);
        for (path, _, body) in protected(&app) {
            let auth = format!("bEaReR   {token} ");
            app.get(path, &[auth.as_bytes()])
                .await
                .assert(200, body, None);
        }
    }
}

#[tokio::test]
async fn head_is_answered_like_get() {
    let app = app(Variant::Jwt, Style::Rfc);
    let token = app.mint("johndoe", "", 0);
    let auth = format!("Bearer {token}");
    let reply = app.method("HEAD", "/users/me/", &[auth.as_bytes()]).await;
    assert_eq!(reply.status, 200);
    let reply = app.method("HEAD", "/users/me/", &[]).await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn missing_credentials() {
    for (variant, style) in ALL {
        let app = app(variant, style);
        let token = app.mint("johndoe", "me items", 0);
        let no_space = format!("Bearer{token}");
        let tab = format!("Bearer\t{token}");
        let basic = "Basic am9obmRvZTpzZWNyZXQ=";
        let cases: [&[&[u8]]; 6] = [
            &[],
            &[b""],
            &[basic.as_bytes()],
            &[no_space.as_bytes()],
            &[tab.as_bytes()],
            &[b"   "],
        ];
        let mut paths: Vec<_> = protected(&app).into_iter().map(|(p, _, _)| p).collect();
        paths.push("/items/");
        for path in paths {
            for case in cases {
                app.get(path, case)
                    .await
                    .assert(401, NOT_AUTHENTICATED, Some("Bearer"));
            }
            // A token in the query string or a cookie is not a credential.
            for request in [
                warp::test::request().path(&format!("{path}?access_token={token}")),
                warp::test::request().path(&format!("{path}?token={token}")),
                warp::test::request()
                    .path(path)
                    .header("cookie", format!("access_token={token}")),
            ] {
                app.send(request)
                    .await
                    .assert(401, NOT_AUTHENTICATED, Some("Bearer"));
            }
        }
    }
}

#[tokio::test]
async fn invalid_tokens() {
    for (variant, style) in ALL {
        let app = app(variant, style);
        let good = app.mint("johndoe", "me items", 0);
        let [_, payload, _]: [&str; 3] = good.split('.').collect::<Vec<_>>().try_into().unwrap();
        let other_key = service_with_key(variant, style, OTHER_KEY);
        let mut tampered = good.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        let scoped_service = service_with_key(Variant::Scopes, style, KEY);
        let now = tessera_core::UnixTime::now();
        let mut tokens = vec![
            (
                "expired",
                app.mint("johndoe", "me items", LIFETIME as i64 + 60),
            ),
            (
                "expires now",
                app.mint("johndoe", "me items", LIFETIME as i64),
            ),
            (
                "other key",
                other_key.issue("johndoe", "me items", now).unwrap(),
            ),
            ("tampered signature", tampered),
            (
                "alg none",
                format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}."),
            ),
            (
                "alg NONE, no signature",
                format!("eyJhbGciOiJOT05FIn0.{payload}."),
            ),
            (
                "two segments",
                format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}"),
            ),
            ("unknown sub", app.mint("nobody", "me items", 0)),
            (
                "malformed scope",
                scoped_service.issue("johndoe", "me  items", now).unwrap(),
            ),
            (
                "leading space in scope",
                scoped_service.issue("johndoe", " me", now).unwrap(),
            ),
            ("empty", String::new()),
            ("garbage", "not.a.token".to_owned()),
            ("extra word", format!("{good} extra")),
            ("too long", format!("{good}{}", "A".repeat(8192))),
        ];
        if style == Style::Rfc {
            tokens.push((
                "issued in the future",
                app.mint("johndoe", "me items", -3600),
            ));
        }
        for (path, scopes, _) in protected(&app) {
            let challenge = app.invalid_token_challenge(scopes);
            for (why, token) in &tokens {
                let reply = app.get_with(path, token).await;
                assert_eq!(reply.status, 401, "{why} on {path}: {reply:?}");
                reply.assert(401, INVALID_CREDENTIALS, Some(&challenge));
            }
            // Credentials that are not UTF-8 are an invalid token too, never a 500.
            app.get(path, &[b"Bearer \xff\xfe.\x80"]).await.assert(
                401,
                INVALID_CREDENTIALS,
                Some(&challenge),
            );
            // "Bearer" alone carries the empty token.
            app.get(path, &[b"Bearer"])
                .await
                .assert(401, INVALID_CREDENTIALS, Some(&challenge));
        }
    }
}

#[tokio::test]
async fn missing_scopes() {
    for style in STYLES {
        let app = app(Variant::Scopes, style);
        let challenge = |scopes: &str| match style {
            Style::Rfc => format!(r#"Bearer error="insufficient_scope", scope="{scopes}""#),
            Style::FastApi => format!(r#"Bearer scope="{scopes}""#),
        };
        let status = if style == Style::Rfc { 403 } else { 401 };
        for (path, scopes, granted) in [
            ("/users/me/", "me", ""),
            ("/users/me/", "me", "items"),
            ("/users/me/", "me", "ME"),
            ("/users/me/", "me", "me:read"),
            ("/users/me/", "me", "meitems"),
            ("/users/me/items/", "items me", "me"),
            ("/users/me/items/", "items me", "items"),
            ("/users/me/items/", "items me", "Items me"),
        ] {
            let token = app.mint("johndoe", granted, 0);
            app.get_with(path, &token).await.assert(
                status,
                NOT_ENOUGH_PERMISSIONS,
                Some(&challenge(scopes)),
            );
        }
        // /status/ needs no scope.
        let token = app.mint("johndoe", "", 0);
        app.get_with("/status/", &token)
            .await
            .assert(200, r#"{"status":"ok"}"#, None);
        // Scopes are irrelevant in the jwt variant.
        let jwt = app_with(
            Variant::Jwt,
            style,
            service_with_key(Variant::Scopes, style, KEY),
        );
        jwt.get_with("/users/me/items/", &token)
            .await
            .assert(200, JOHNDOE_ITEMS, None);
    }
}

#[tokio::test]
async fn two_authorization_headers() {
    for (variant, style) in ALL {
        let app = app(variant, style);
        let good = format!("Bearer {}", app.mint("johndoe", "me items", 0));
        let bad = "Bearer garbage";
        let mut paths = protected(&app);
        paths.push(("/items/", "", ""));
        for (path, scopes, body) in paths {
            let first_good = app.get(path, &[good.as_bytes(), bad.as_bytes()]).await;
            let first_bad = app.get(path, &[bad.as_bytes(), good.as_bytes()]).await;
            match style {
                Style::Rfc => {
                    for reply in [first_good, first_bad] {
                        reply.assert(
                            400,
                            r#"{"detail":"Multiple Authorization headers"}"#,
                            Some(r#"Bearer error="invalid_request""#),
                        );
                    }
                }
                Style::FastApi if path == "/items/" => {
                    let token = &good["Bearer ".len()..];
                    first_good.assert(200, &format!(r#"{{"token":"{token}"}}"#), None);
                    first_bad.assert(200, r#"{"token":"garbage"}"#, None);
                }
                Style::FastApi => {
                    first_good.assert(200, body, None);
                    first_bad.assert(
                        401,
                        INVALID_CREDENTIALS,
                        Some(&app.invalid_token_challenge(scopes)),
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn disabled_user() {
    for (variant, style) in ALL {
        let app = app(variant, style);
        let token = app.token("alice", "secret2", "me items").await;
        for path in ["/users/me/", "/users/me/items/"] {
            app.get_with(path, &token)
                .await
                .assert(400, INACTIVE_USER, None);
        }
        if app.scoped() {
            // The disabled flag is not checked on /status/.
            app.get_with("/status/", &token)
                .await
                .assert(200, r#"{"status":"ok"}"#, None);
            // Scopes are checked before the disabled flag.
            let no_scopes = app.token("alice", "secret2", "").await;
            let reply = app.get_with("/users/me/", &no_scopes).await;
            match style {
                Style::Rfc => reply.assert(
                    403,
                    NOT_ENOUGH_PERMISSIONS,
                    Some(r#"Bearer error="insufficient_scope", scope="me""#),
                ),
                Style::FastApi => {
                    reply.assert(401, NOT_ENOUGH_PERMISSIONS, Some(r#"Bearer scope="me""#))
                }
            }
        }
    }
}

#[tokio::test]
async fn items_returns_what_bearer_extraction_yields() {
    for (variant, style) in ALL {
        let app = app(variant, style);
        for (header, token) in [
            (&b"Bearer"[..], ""),
            (b"Bearer   ", ""),
            (b"Bearer a b", "a b"),
            (b"bearer  xyz ", "xyz"),
            (b"BEARER not-verified", "not-verified"),
            (b"Bearer \"quoted\\", "\\\"quoted\\\\"),
        ] {
            app.get("/items/", &[header]).await.assert(
                200,
                &format!(r#"{{"token":"{token}"}}"#),
                None,
            );
        }
        // An expired token is not checked here.
        let expired = app.mint("johndoe", "", 100_000);
        app.get_with("/items/", &expired).await.assert(
            200,
            &format!(r#"{{"token":"{expired}"}}"#),
            None,
        );
        for header in [&b"Basic Og=="[..], b"Bearertoken"] {
            app.get("/items/", &[header])
                .await
                .assert(401, NOT_AUTHENTICATED, Some("Bearer"));
        }
        // Not UTF-8: no token can be extracted, and nothing panics.
        app.get("/items/", &[b"Bearer \xc3\x28"]).await.assert(
            401,
            INVALID_CREDENTIALS,
            Some(&app.invalid_token_challenge("")),
        );
    }
}

#[tokio::test]
async fn unknown_paths_are_404() {
    for (variant, style) in ALL {
        let app = app(variant, style);
        let mut paths = vec![
            "/",
            "/nope",
            "/users/",
            "/users/me/x",
            "/users/me//",
            "/docs/index.html",
            "/items/x",
            "/USERS/ME/",
        ];
        if variant == Variant::Jwt {
            paths.push("/status/");
        }
        let token = format!("Bearer {}", app.mint("johndoe", "me items", 0));
        for path in paths {
            for auth in [&[][..], &[token.as_bytes()][..], &[&b"Bearer x"[..]][..]] {
                let reply = app.get(path, auth).await;
                reply.assert(404, r#"{"detail":"Not Found"}"#, None);
            }
        }
    }
}

#[tokio::test]
async fn wrong_methods_are_405() {
    for (variant, style) in ALL {
        let app = app(variant, style);
        let mut paths = vec!["/items/", "/users/me/", "/users/me/items/"];
        if variant == Variant::Scopes {
            paths.push("/status/");
        }
        let token = format!("Bearer {}", app.mint("johndoe", "me items", 0));
        for path in paths {
            for method in ["POST", "PUT", "DELETE"] {
                let reply = app.method(method, path, &[token.as_bytes()]).await;
                reply.assert(405, r#"{"detail":"Method Not Allowed"}"#, None);
                assert_eq!(reply.header("allow"), Some("GET"));
            }
        }
    }
}

/// The `Location` of a redirect to `target`: the path itself in the rfc style, an absolute URL
/// built from the `Host` these requests carry (`test`) in the fastapi style.
fn location(style: Style, target: &str) -> String {
    match style {
        Style::Rfc => target.to_owned(),
        Style::FastApi => format!("http://test{target}"),
    }
}

#[tokio::test]
async fn path_without_trailing_slash_redirects_before_auth() {
    for (variant, style) in ALL {
        let app = app(variant, style);
        let mut paths = vec!["/items", "/users/me", "/users/me/items"];
        if variant == Variant::Scopes {
            paths.push("/status");
        }
        for path in paths {
            for auth in [
                &[][..],
                &[&b"Bearer invalid"[..]][..],
                &[&b"Bearer a"[..], &b"Bearer b"[..]][..],
            ] {
                let reply = app.get(path, auth).await;
                assert_eq!(reply.status, 307, "{path}: {reply:?}");
                assert_eq!(
                    reply.header("location"),
                    Some(location(style, &format!("{path}/")).as_str())
                );
                assert_eq!(reply.body, "");
                assert_eq!(reply.header("content-type"), None);
                assert_eq!(reply.header("www-authenticate"), None);
            }
            let reply = app.get(&format!("{path}?a=1&b=2"), &[]).await;
            assert_eq!(
                reply.header("location"),
                Some(location(style, &format!("{path}/?a=1&b=2")).as_str())
            );
        }
        // One slash too many, or several: every trailing slash goes (any method).
        for (path, target) in [
            ("/token/", "/token"),
            ("/token//", "/token"),
            ("/openapi.json/", "/openapi.json"),
            ("/docs/", "/docs"),
            ("/docs//", "/docs"),
        ] {
            for method in ["GET", "POST"] {
                let reply = app.method(method, path, &[]).await;
                assert_eq!(reply.status, 307, "{method} {path}: {reply:?}");
                assert_eq!(
                    reply.header("location"),
                    Some(location(style, target).as_str())
                );
            }
        }
        // The canonical path is the route itself.
        let token = app.mint("johndoe", "me items", 0);
        app.get_with("/users/me/", &token)
            .await
            .assert(200, JOHNDOE_JSON, None);
        app.get("/users/me/", &[])
            .await
            .assert(401, NOT_AUTHENTICATED, Some("Bearer"));
    }
}

#[tokio::test]
async fn query_string_does_not_change_the_route() {
    let app = app(Variant::Scopes, Style::Rfc);
    let token = app.mint("johndoe", "me items", 0);
    app.get_with("/users/me/?x=1", &token)
        .await
        .assert(200, JOHNDOE_JSON, None);
}
