//! `POST /token` (docs/behaviour.md "POST /token" and "Tokens the apps issue").

use rocket::http::Header;
use rocket::serde::json::serde_json::{self, Value};
use tessera_service::HashGate;

use crate::support::*;

const INVALID_GRANT_RFC: &str = r#"{"error":"invalid_grant","error_description":"Incorrect username or password","detail":"Incorrect username or password"}"#;
const INCORRECT_FASTAPI: &str = r#"{"detail":"Incorrect username or password"}"#;

/// The keys of a JSON object, in order.
fn keys(json: &str) -> Vec<String> {
    let v: serde_json::Map<String, Value> = serde_json::from_str(json).unwrap();
    // serde_json's map is sorted unless preserve_order is on, so read the order from the text.
    let mut found: Vec<(usize, String)> = v
        .keys()
        .map(|k| (json.find(&format!("\"{k}\":")).unwrap(), k.clone()))
        .collect();
    found.sort();
    found.into_iter().map(|(_, k)| k).collect()
}

#[rocket::async_test]
async fn success_rfc_jwt() {
    let app = app(Jwt, RFC).await;
    let before = now();
    let a = app
        .login_form("grant_type=password&username=johndoe&password=secret")
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    a.assert_json();
    assert_eq!(a.header("cache-control"), Some("no-store"));
    assert_eq!(a.header("pragma"), Some("no-cache"));
    assert_eq!(a.header("www-authenticate"), None);
    let token = a.json()["access_token"].as_str().unwrap().to_owned();
    let refresh = a.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(refresh.len(), 43, "256 bits in base64url");
    assert_eq!(
        a.body,
        format!(
            r#"{{"access_token":"{token}","token_type":"bearer","expires_in":{LIFETIME},"refresh_token":"{refresh}"}}"#
        )
    );
    let (header, claims) = parts(&token);
    // The rfc style names the signing key.
    assert_eq!(
        header,
        format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{}"}}"#, key().kid())
    );
    assert_eq!(keys(&claims), ["sub", "iat", "exp", "jti"]);
    let c: Value = serde_json::from_str(&claims).unwrap();
    assert_eq!(c["sub"], "johndoe");
    assert_eq!(
        c["jti"].as_str().unwrap().len(),
        22,
        "128 bits in base64url"
    );
    let iat = c["iat"].as_i64().unwrap();
    assert!((before..=now()).contains(&iat), "{claims}");
    assert_eq!(c["exp"].as_i64().unwrap() - iat, LIFETIME as i64);
}

#[rocket::async_test]
async fn success_rfc_scopes_carries_the_requested_scope() {
    let app = app(Scopes, RFC).await;
    let a = app
        .login_form("username=johndoe&password=secret&scope=items++%20me")
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let token = a.json()["access_token"].as_str().unwrap().to_owned();
    let refresh = a.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        a.body,
        format!(
            r#"{{"access_token":"{token}","token_type":"bearer","expires_in":{LIFETIME},"refresh_token":"{refresh}","scope":"items me"}}"#
        )
    );
    let (_, claims) = parts(&token);
    assert_eq!(keys(&claims), ["sub", "iat", "exp", "jti", "scope"]);
    assert_eq!(
        serde_json::from_str::<Value>(&claims).unwrap()["scope"],
        "items me"
    );

    // No scope requested: no `scope` member in the answer, an empty `scope` claim.
    let a = app.login_form("username=johndoe&password=secret").await;
    assert_eq!(a.status, 200, "{a:?}");
    assert!(
        !a.json().as_object().unwrap().contains_key("scope"),
        "{a:?}"
    );
    let (_, claims) = parts(a.json()["access_token"].as_str().unwrap());
    assert_eq!(serde_json::from_str::<Value>(&claims).unwrap()["scope"], "");
}

#[rocket::async_test]
async fn success_fastapi_bodies_and_claims() {
    for (variant, expected) in [
        (Jwt, vec!["sub", "exp"]),
        (Scopes, vec!["sub", "scope", "exp"]),
    ] {
        let app = app(variant, FASTAPI).await;
        let a = app
            .login_form("username=johndoe&password=secret&scope=me")
            .await;
        assert_eq!(a.status, 200, "{a:?}");
        a.assert_json();
        assert_eq!(a.header("cache-control"), Some("no-store"));
        assert_eq!(a.header("pragma"), Some("no-cache"));
        let token = a.json()["access_token"].as_str().unwrap().to_owned();
        assert_eq!(
            a.body,
            format!(r#"{{"access_token":"{token}","token_type":"bearer"}}"#)
        );
        let (header, claims) = parts(&token);
        assert_eq!(header, r#"{"alg":"HS256","typ":"JWT"}"#);
        assert_eq!(keys(&claims), expected, "{claims}");
        let c: Value = serde_json::from_str(&claims).unwrap();
        assert!((c["exp"].as_i64().unwrap() - now() - LIFETIME as i64).abs() <= 2);
        if variant == Scopes {
            assert_eq!(c["scope"], "me");
        }
    }
}

#[rocket::async_test]
async fn disabled_user_can_log_in() {
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        let a = app.login_form("username=alice&password=secret2").await;
        assert_eq!(a.status, 200, "{variant:?} {style:?} {a:?}");
    }
}

#[rocket::async_test]
async fn issued_token_opens_the_protected_routes() {
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        let token = app.login("johndoe", "secret", app.full_scope()).await;
        let a = app.get_bearer("/users/me/", &token).await;
        assert_eq!(a.status, 200, "{variant:?} {style:?} {a:?}");
        let a = app.get_bearer("/users/me/items/", &token).await;
        assert_eq!(a.body, r#"[{"item_id":"Foo","owner":"johndoe"}]"#);
    }
}

#[rocket::async_test]
async fn wrong_password_and_unknown_user_answer_identically() {
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        let wrong = app.login_form("username=johndoe&password=nope").await;
        let unknown = app.login_form("username=nobody&password=secret").await;
        let alice_wrong = app.login_form("username=alice&password=secret").await;
        assert_eq!(wrong.status, unknown.status);
        assert_eq!(wrong.headers, unknown.headers);
        assert_eq!(wrong.body, unknown.body);
        assert_eq!(wrong.body, alice_wrong.body);
        wrong.assert_json();
        let expected = match (variant, style) {
            (_, Style::Rfc) => (400, None, INVALID_GRANT_RFC),
            (Jwt, Style::FastApi) => (401, Some("Bearer"), INCORRECT_FASTAPI),
            (Scopes, Style::FastApi) => (400, None, INCORRECT_FASTAPI),
        };
        assert_eq!(wrong.triple(), expected, "{variant:?} {style:?}");
        assert_eq!(wrong.header("cache-control"), None);
    }
}

fn missing_rfc(what: &str) -> String {
    format!(r#"{{"error":"invalid_request","error_description":"{what}","detail":"{what}"}}"#)
}

fn missing_fastapi(fields: &[&str]) -> String {
    let items: Vec<String> = fields
        .iter()
        .map(|f| {
            format!(
                r#"{{"type":"missing","loc":["body","{f}"],"msg":"Field required","input":null}}"#
            )
        })
        .collect();
    format!(r#"{{"detail":[{}]}}"#, items.join(","))
}

#[rocket::async_test]
async fn missing_or_empty_fields() {
    let cases: [(&str, &[&str]); 5] = [
        ("password=secret", &["username"]),
        ("username=johndoe", &["password"]),
        ("username=&password=secret", &["username"]),
        ("username=johndoe&password=", &["password"]),
        ("grant_type=password&client_id=x", &["username", "password"]),
    ];
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        for (form, fields) in cases {
            let a = app.login_form(form).await;
            a.assert_json();
            let expected = match style {
                Style::Rfc => {
                    let what = if fields.len() > 1 {
                        format!("Missing required parameters: {}", fields.join(", "))
                    } else {
                        format!("Missing required parameter: {}", fields[0])
                    };
                    (400, None, missing_rfc(&what))
                }
                Style::FastApi => (422, None, missing_fastapi(fields)),
            };
            assert_eq!(
                (a.status, a.header("www-authenticate"), a.body.clone()),
                expected,
                "{form}"
            );
        }
    }
}

#[rocket::async_test]
async fn bodies_that_are_not_a_form() {
    let bodies: [(Option<&str>, &[u8]); 5] = [
        (None, b""),
        (Some("application/x-www-form-urlencoded"), b""),
        (Some("application/json"), br#"{"username":"johndoe","password":"secret"}"#),
        (Some("text/plain"), b"username=johndoe&password=secret"),
        (
            Some("multipart/form-data; boundary=X"),
            b"--X\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\njohndoe\r\n--X\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nsecret\r\n--X--\r\n",
        ),
    ];
    for style in [RFC, FASTAPI] {
        let app = app(Jwt, style).await;
        for (ct, body) in bodies {
            let a = app.post_token(ct, body).await;
            a.assert_json();
            let expected = match style {
                Style::Rfc => (
                    400,
                    missing_rfc("Missing required parameters: username, password"),
                ),
                Style::FastApi => (422, missing_fastapi(&["username", "password"])),
            };
            assert_eq!((a.status, a.body.clone()), expected, "{ct:?}");
        }
    }
}

#[rocket::async_test]
async fn form_content_type_with_charset_and_escapes() {
    let app = app(Jwt, RFC).await;
    let a = app
        .post_token(
            Some("Application/X-WWW-Form-URLEncoded; charset=UTF-8"),
            b"username=john%64oe&password=s%65cret&unknown=1",
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
}

#[rocket::async_test]
async fn grant_type_other_than_password() {
    let rfc = app(Jwt, RFC).await;
    let a = rfc
        .login_form("grant_type=client_credentials&username=johndoe&password=secret")
        .await;
    assert_eq!(a.status, 400, "{a:?}");
    a.assert_json();
    assert_eq!(a.json()["error"], "unsupported_grant_type");
    assert_eq!(a.json()["detail"], a.json()["error_description"]);

    let fastapi = app(Scopes, FASTAPI).await;
    let a = fastapi
        .login_form("grant_type=pass%22word&password=secret")
        .await;
    assert_eq!(a.status, 422);
    assert_eq!(
        a.body,
        r#"{"detail":[{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern '^password$'","input":"pass\"word","ctx":{"pattern":"^password$"}},{"type":"missing","loc":["body","username"],"msg":"Field required","input":null}]}"#
    );

    // Present and `password`, or empty (counts as omitted): accepted.
    for form in [
        "grant_type=password&username=johndoe&password=secret",
        "grant_type=&username=johndoe&password=secret",
    ] {
        assert_eq!(rfc.login_form(form).await.status, 200, "{form}");
    }
}

#[rocket::async_test]
async fn repeated_parameter() {
    let rfc = app(Scopes, RFC).await;
    for form in [
        "username=nobody&username=johndoe&password=secret",
        "username=johndoe&password=x&password=secret",
        "grant_type=password&grant_type=password&username=johndoe&password=secret",
        "scope=me&scope=items&username=johndoe&password=secret",
    ] {
        let a = rfc.login_form(form).await;
        assert_eq!(a.status, 400, "{form} {a:?}");
        assert_eq!(a.json()["error"], "invalid_request", "{form}");
    }
    // An empty occurrence counts as omitted.
    let a = rfc
        .login_form("username=&username=johndoe&password=secret")
        .await;
    assert_eq!(a.status, 200, "{a:?}");

    // fastapi: the last value wins.
    let fastapi = app(Scopes, FASTAPI).await;
    let a = fastapi
        .login_form(
            "username=nobody&username=johndoe&password=x&password=secret&scope=items&scope=me",
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let (_, claims) = parts(a.json()["access_token"].as_str().unwrap());
    let c: Value = serde_json::from_str(&claims).unwrap();
    assert_eq!(
        (c["sub"].as_str(), c["scope"].as_str()),
        (Some("johndoe"), Some("me"))
    );
}

#[rocket::async_test]
async fn password_over_1024_bytes() {
    for style in [RFC, FASTAPI] {
        let app = app(Jwt, style).await;
        let long = "a".repeat(1025);
        let a = app
            .login_form(&format!("username=johndoe&password={long}"))
            .await;
        assert_eq!(a.status, 400, "{a:?}");
        a.assert_json();
        assert_eq!(a.json()["error"], "invalid_request");
        assert_eq!(a.json()["detail"], a.json()["error_description"]);
        // 1024 bytes is allowed (and simply wrong here).
        let a = app
            .login_form(&format!("username=johndoe&password={}", "a".repeat(1024)))
            .await;
        assert_ne!(a.json()["error"], "invalid_request", "{a:?}");
        // Checked before the throttle and the credentials: never counted as a failure.
        for _ in 0..6 {
            let a = app
                .login_form(&format!("username=johndoe&password={long}"))
                .await;
            assert_eq!(a.status, 400);
        }
        assert_eq!(
            app.login_form("username=johndoe&password=secret")
                .await
                .status,
            200
        );
    }
}

#[rocket::async_test]
async fn body_over_16_kib() {
    for style in [RFC, FASTAPI] {
        let app = app(Jwt, style).await;
        let base = "username=johndoe&password=secret&pad=";
        let over = format!("{base}{}", "x".repeat(16 * 1024 + 1 - base.len()));
        assert_eq!(over.len(), 16 * 1024 + 1);
        let a = app.login_form(&over).await;
        assert_eq!(
            (a.status, a.body.as_str()),
            (413, r#"{"detail":"Request body too large"}"#)
        );
        a.assert_json();
        let huge = format!("{base}{}", "x".repeat(1 << 20));
        assert_eq!(app.login_form(&huge).await.status, 413);
        // Exactly 16 KiB is read.
        let exact = &over[..16 * 1024];
        assert_eq!(app.login_form(exact).await.status, 200);
    }
}

#[rocket::async_test]
async fn throttled_after_five_failures() {
    for style in [RFC, FASTAPI] {
        let app = app(Jwt, style).await;
        for user in ["johndoe", "nobody"] {
            for i in 0..5 {
                let a = app
                    .login_form(&format!("username={user}&password=wrong"))
                    .await;
                assert!(matches!(a.status, 400 | 401), "attempt {i}: {a:?}");
            }
            // Even the right password waits now.
            let password = if user == "johndoe" { "secret" } else { "wrong" };
            let a = app
                .login_form(&format!("username={user}&password={password}"))
                .await;
            assert_eq!(a.status, 429, "{a:?}");
            a.assert_json();
            assert!(a.json()["detail"].is_string());
            let retry: u32 = a.header("retry-after").unwrap().parse().unwrap();
            assert!((1..=60).contains(&retry), "{retry}");
        }
        // Other usernames are not affected.
        assert_eq!(
            app.login_form("username=alice&password=secret2")
                .await
                .status,
            200
        );
    }
}

#[rocket::async_test]
async fn success_clears_failures() {
    let app = app(Jwt, RFC).await;
    let fail = || app.login_form("username=johndoe&password=wrong");
    for _ in 0..4 {
        assert_eq!(fail().await.status, 400);
    }
    assert_eq!(
        app.login_form("username=johndoe&password=secret")
            .await
            .status,
        200
    );
    for _ in 0..5 {
        assert_eq!(fail().await.status, 400);
    }
    assert_eq!(fail().await.status, 429);
}

#[rocket::async_test]
async fn busy_when_the_hashing_bound_is_reached() {
    let gate = HashGate::new(1);
    let app = app_with(Jwt, RFC, service(Jwt, RFC).with_gate(gate.clone())).await;
    let held = gate.try_acquire().unwrap();
    let a = app.login_form("username=johndoe&password=secret").await;
    assert_eq!(a.status, 429, "{a:?}");
    a.assert_json();
    assert_eq!(a.header("retry-after"), Some("1"));
    drop(held);
    assert_eq!(
        app.login_form("username=johndoe&password=secret")
            .await
            .status,
        200
    );
}

#[rocket::async_test]
async fn get_token_is_405() {
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        let a = app.get("/token", &[]).await;
        assert_eq!(
            (a.status, a.header("allow"), a.body.as_str()),
            (405, Some("POST"), r#"{"detail":"Method Not Allowed"}"#)
        );
        a.assert_json();
    }
}

#[rocket::async_test]
async fn authorization_header_on_token_is_ignored() {
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        let r = app
            .client
            .post("/token")
            .header(Header::new(
                "Content-Type",
                "application/x-www-form-urlencoded",
            ))
            .header(Header::new("Authorization", "Basic Og=="))
            .header(Header::new("Authorization", "Bearer x"))
            .body("grant_type=password&username=johndoe&password=secret")
            .dispatch()
            .await;
        let a = Answer::read(r).await;
        assert_eq!(a.status, 200, "{a:?}");
    }
}

#[rocket::async_test]
async fn form_checks_come_before_the_throttle() {
    let app = app(Jwt, RFC).await;
    for _ in 0..5 {
        app.login_form("username=johndoe&password=wrong").await;
    }
    assert_eq!(
        app.login_form("username=johndoe&password=secret")
            .await
            .status,
        429
    );
    let long = "a".repeat(1025);
    let cases = [
        ("username=johndoe".to_owned(), 400, "invalid_request"),
        (
            format!("username=johndoe&password={long}"),
            400,
            "invalid_request",
        ),
        (
            "grant_type=x&username=johndoe&password=secret".to_owned(),
            400,
            "unsupported_grant_type",
        ),
        (
            "username=johndoe&password=%zz".to_owned(),
            400,
            "invalid_request",
        ),
    ];
    for (form, code, error) in cases {
        let a = app.login_form(&form).await;
        assert_eq!(
            (a.status, a.json()["error"].as_str()),
            (code, Some(error)),
            "{form}"
        );
    }
    let big = format!(
        "username=johndoe&password=secret&pad={}",
        "x".repeat(16 * 1024)
    );
    assert_eq!(app.login_form(&big).await.status, 413);
}
