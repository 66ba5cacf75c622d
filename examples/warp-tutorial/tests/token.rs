//! `POST /token`: every row of the token table of docs/behaviour.md, in both variants and styles.

use tessera_core::UnixTime;
use tessera_core::http::Style;
use tessera_service::HashGate;
use tessera_tutorial::Variant;

use crate::support::*;

const HS256_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
const JOHNDOE: &str = "username=johndoe&password=secret";

/// The claims JSON the app must issue for johndoe with `scope`, at some `iat` in `window`,
/// with the token's own random `jti` (rfc style).
fn expected_claims(app: &App, scope: &str, iat: i64, jti: &str) -> String {
    let exp = iat + LIFETIME as i64;
    match (app.style, app.scoped()) {
        (Style::Rfc, false) => {
            format!(r#"{{"sub":"johndoe","iat":{iat},"exp":{exp},"jti":"{jti}"}}"#)
        }
        (Style::Rfc, true) => format!(
            r#"{{"sub":"johndoe","iat":{iat},"exp":{exp},"jti":"{jti}","scope":"{scope}"}}"#
        ),
        (Style::FastApi, false) => format!(r#"{{"sub":"johndoe","exp":{exp}}}"#),
        (Style::FastApi, true) => {
            format!(r#"{{"sub":"johndoe","scope":"{scope}","exp":{exp}}}"#)
        }
    }
}

#[tokio::test]
async fn success_body_headers_and_claims() {
    for (variant, style) in ALL {
        let app = app(variant, style);
        for (requested, granted) in [
            ("", ""),
            ("&scope=me+items", "me items"),
            ("&scope=items+++me", "items me"),
        ] {
            let before = UnixTime::now().0;
            let reply = app.login(&format!("{JOHNDOE}{requested}")).await;
            let after = UnixTime::now().0;
            let token = reply.access_token();
            let scope_member =
                if style == Style::Rfc && variant == Variant::Scopes && !granted.is_empty() {
                    format!(r#","scope":"{granted}""#)
                } else {
                    String::new()
                };
            let body = match style {
                Style::Rfc => {
                    let start = reply
                        .body
                        .find(r#""refresh_token":""#)
                        .expect("a refresh token");
                    let refresh = &reply.body[start + 17..start + 17 + 43];
                    assert!(
                        refresh
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                        "256 bits in base64url: {refresh}"
                    );
                    format!(
                        r#"{{"access_token":"{token}","token_type":"bearer","expires_in":{LIFETIME},"refresh_token":"{refresh}"{scope_member}}}"#
                    )
                }
                Style::FastApi => format!(r#"{{"access_token":"{token}","token_type":"bearer"}}"#),
            };
            reply.assert(200, &body, None);
            assert_eq!(reply.header("cache-control"), Some("no-store"));
            assert_eq!(reply.header("pragma"), Some("no-cache"));
            // The rfc style names the signing key; the fastapi style has FastAPI's header.
            let header = token.split('.').next().unwrap_or_default();
            match style {
                Style::Rfc => {
                    let sample = app.service.issue("x", "", UnixTime::now()).unwrap();
                    assert_eq!(sample.split('.').next(), Some(header));
                    assert_ne!(header, HS256_HEADER);
                }
                Style::FastApi => assert_eq!(header, HS256_HEADER),
            }
            let claims = app
                .service
                .verifier()
                .verify_owned(&token, UnixTime::now())
                .unwrap();
            let jti = claims.jti.clone().unwrap_or_default();
            assert_eq!(jti.is_empty(), style == Style::FastApi);
            assert!(
                (before..=after)
                    .any(|iat| claims.json == expected_claims(&app, granted, iat, &jti)),
                "{variant:?} {style:?}: {}",
                claims.json
            );
        }
    }
}

#[tokio::test]
async fn disabled_user_gets_a_token() {
    for (variant, style) in ALL {
        let app = app(variant, style);
        let reply = app.login("username=alice&password=secret2").await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let token = reply.access_token();
        let claims = app
            .service
            .verifier()
            .verify_owned(&token, UnixTime::now())
            .unwrap();
        assert_eq!(claims.sub, "alice");
    }
}

#[tokio::test]
async fn charset_parameter_and_grant_type_password_are_accepted() {
    let app = app(Variant::Jwt, Style::Rfc);
    let reply = app
        .send(
            warp::test::request()
                .method("POST")
                .path("/token")
                .header(
                    "content-type",
                    "application/x-www-form-urlencoded; charset=UTF-8",
                )
                .body(format!(
                    "grant_type=password&{JOHNDOE}&client_id=x&client_secret=y&other=z"
                )),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_answer_identically() {
    for (variant, style) in ALL {
        let app = app(variant, style);
        let wrong = app.login("username=johndoe&password=wrong").await;
        let unknown = app.login("username=nobody&password=secret").await;
        assert_eq!(wrong, unknown, "{variant:?} {style:?}");
        match (style, variant) {
            (Style::Rfc, _) => wrong.assert(
                400,
                &oauth_error("invalid_grant", "Incorrect username or password"),
                None,
            ),
            (Style::FastApi, Variant::Jwt) => wrong.assert(401, INCORRECT_LOGIN, Some("Bearer")),
            (Style::FastApi, Variant::Scopes) => wrong.assert(400, INCORRECT_LOGIN, None),
        }
        assert_eq!(wrong.header("cache-control"), None);
    }
}

/// A request with `content_type` (none when `None`) and `body` (none when `None`).
async fn post_token(app: &App, content_type: Option<&str>, body: Option<&str>) -> Reply {
    let mut request = warp::test::request().method("POST").path("/token");
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    if let Some(b) = body {
        request = request.body(b);
    }
    app.send(request).await
}

#[tokio::test]
async fn missing_fields_and_bodies_that_are_not_forms() {
    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");
    let both = [
        (FORM, Some("")),
        (FORM, Some("username=&password=")),
        (FORM, Some("scope=me&client_id=x")),
        (None, None),
        (
            Some("application/json"),
            Some(r#"{"username":"johndoe","password":"secret"}"#),
        ),
        (Some("text/plain"), Some(JOHNDOE)),
        (
            Some("multipart/form-data; boundary=XX"),
            Some(
                "--XX\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\njohndoe\r\n--XX\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nsecret\r\n--XX--\r\n",
            ),
        ),
        (None, Some(JOHNDOE)),
    ];
    for style in STYLES {
        let app = app(Variant::Jwt, style);
        for (ct, body) in both {
            let reply = post_token(&app, ct, body).await;
            match style {
                Style::Rfc => reply.assert(
                    400,
                    &oauth_error(
                        "invalid_request",
                        "Missing required parameters: username, password",
                    ),
                    None,
                ),
                Style::FastApi => reply.assert(
                    422,
                    &validation(&[missing("username"), missing("password")]),
                    None,
                ),
            }
        }
        for (body, field) in [
            ("username=johndoe", "password"),
            ("username=johndoe&password=", "password"),
            ("password=secret", "username"),
        ] {
            let reply = post_token(&app, FORM, Some(body)).await;
            match style {
                Style::Rfc => reply.assert(
                    400,
                    &oauth_error(
                        "invalid_request",
                        &format!("Missing required parameter: {field}"),
                    ),
                    None,
                ),
                Style::FastApi => reply.assert(422, &validation(&[missing(field)]), None),
            }
        }
    }
}

#[tokio::test]
async fn grant_type_other_than_password() {
    let mismatch = |input: &str| {
        format!(
            r#"{{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern '^password$'","input":"{input}","ctx":{{"pattern":"^password$"}}}}"#
        )
    };
    for (variant, style) in ALL {
        let app = app(variant, style);
        let reply = app
            .login(&format!("grant_type=client_credentials&{JOHNDOE}"))
            .await;
        match style {
            Style::Rfc => reply.assert(
                400,
                &oauth_error(
                    "unsupported_grant_type",
                    "Only the password and refresh_token grants are supported",
                ),
                None,
            ),
            Style::FastApi => {
                reply.assert(422, &validation(&[mismatch("client_credentials")]), None)
            }
        }
        // fastapi lists every field error, grant_type first.
        let reply = app.login("grant_type=PASSWORD&username=johndoe").await;
        match style {
            Style::Rfc => assert_eq!(reply.status, 400, "{reply:?}"),
            Style::FastApi => reply.assert(
                422,
                &validation(&[mismatch("PASSWORD"), missing("password")]),
                None,
            ),
        }
        // Empty counts as absent.
        let reply = app.login(&format!("grant_type=&{JOHNDOE}")).await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
}

#[tokio::test]
async fn repeated_parameters() {
    let rfc = app(Variant::Jwt, Style::Rfc);
    for body in [
        "username=johndoe&username=johndoe&password=secret",
        "username=johndoe&password=secret&password=secret",
        "grant_type=password&grant_type=password&username=johndoe&password=secret",
        "username=johndoe&password=secret&scope=me&scope=me",
        "username=johndoe&password=secret&client_id=a&client_id=b",
        "username=johndoe&password=secret&client_secret=a&client_secret=b",
    ] {
        rfc.login(body).await.assert(
            400,
            &oauth_error("invalid_request", "A parameter was repeated"),
            None,
        );
    }
    // An empty occurrence counts as omitted; unknown fields may repeat.
    assert_eq!(
        rfc.login("username=&username=johndoe&password=secret")
            .await
            .status,
        200
    );
    assert_eq!(
        rfc.login("x=1&x=2&username=johndoe&password=secret")
            .await
            .status,
        200
    );

    let fastapi = app(Variant::Scopes, Style::FastApi);
    let reply = fastapi
        .login(
            "username=nobody&username=johndoe&password=wrong&password=secret&scope=items&scope=me",
        )
        .await;
    let token = reply.access_token();
    let claims = fastapi
        .service
        .verifier()
        .verify_owned(&token, UnixTime::now())
        .unwrap();
    assert_eq!(
        (claims.sub.as_str(), claims.scope.as_deref()),
        ("johndoe", Some("me"))
    );
}

#[tokio::test]
async fn password_over_1024_bytes_is_refused_before_hashing() {
    for style in STYLES {
        let app = app(Variant::Jwt, style);
        let long = "a".repeat(1025);
        app.login(&format!("username=johndoe&password={long}"))
            .await
            .assert(
                400,
                &oauth_error("invalid_request", "The password is too long"),
                None,
            );
        // 1024 bytes are hashed: an ordinary failed login.
        let reply = app
            .login(&format!("username=johndoe&password={}", &long[1..]))
            .await;
        assert!(
            reply.body.contains("Incorrect username or password"),
            "{reply:?}"
        );
    }
}

#[tokio::test]
async fn body_over_16_kib_is_413() {
    for style in STYLES {
        let app = app(Variant::Jwt, style);
        let at_limit = format!(
            "{JOHNDOE}&pad={}",
            "x".repeat(16 * 1024 - JOHNDOE.len() - 5)
        );
        assert_eq!(at_limit.len(), 16 * 1024);
        assert_eq!(app.login(&at_limit).await.status, 200);
        let over = format!("{at_limit}x");
        app.login(&over)
            .await
            .assert(413, r#"{"detail":"Request body too large"}"#, None);
        // The limit holds whatever the content type.
        let reply = post_token(&app, Some("application/json"), Some(&over)).await;
        assert_eq!(reply.status, 413);
    }
}

#[tokio::test]
async fn five_failures_throttle_the_username_until_a_success_clears_them() {
    const THROTTLED: &str = r#"{"detail":"Too many failed login attempts; try again later"}"#;
    for style in STYLES {
        let app = app(Variant::Jwt, style);
        // Failures below the bound are cleared by a success.
        for _ in 0..4 {
            assert_ne!(
                app.login("username=johndoe&password=wrong").await.status,
                200
            );
        }
        assert_eq!(app.login(JOHNDOE).await.status, 200);
        for _ in 0..4 {
            assert_ne!(
                app.login("username=johndoe&password=wrong").await.status,
                429
            );
        }
        assert_eq!(app.login(JOHNDOE).await.status, 200);

        // Five failures in a row: even the right password waits.
        for _ in 0..5 {
            let reply = app.login("username=johndoe&password=wrong").await;
            assert!(
                reply.body.contains("Incorrect username or password"),
                "{reply:?}"
            );
        }
        let reply = app.login(JOHNDOE).await;
        reply.assert(429, THROTTLED, None);
        let retry: u32 = reply.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");

        // Unknown usernames are throttled the same way; others are not affected.
        for _ in 0..5 {
            app.login("username=ghost&password=x").await;
        }
        assert_eq!(app.login("username=ghost&password=x").await.status, 429);
        assert_eq!(
            app.login("username=alice&password=secret2").await.status,
            200
        );
    }
}

#[tokio::test]
async fn logins_beyond_the_hashing_bound_are_429() {
    for style in STYLES {
        let gate = HashGate::new(1);
        let service = service_with_key(Variant::Jwt, style, KEY).with_gate(gate.clone());
        let app = app_with(Variant::Jwt, style, service);
        let held = gate.try_acquire().unwrap();
        let reply = app.login(JOHNDOE).await;
        reply.assert(
            429,
            r#"{"detail":"Too many concurrent logins; try again later"}"#,
            None,
        );
        assert_eq!(reply.header("retry-after"), Some("1"));
        drop(held);
        assert_eq!(app.login(JOHNDOE).await.status, 200);
    }
}

#[tokio::test]
async fn other_methods_are_405_with_allow_post() {
    for (variant, style) in ALL {
        let app = app(variant, style);
        for method in ["GET", "PUT", "DELETE", "PATCH"] {
            let reply = app.method(method, "/token", &[]).await;
            reply.assert(405, r#"{"detail":"Method Not Allowed"}"#, None);
            assert_eq!(reply.header("allow"), Some("POST"));
        }
    }
}

#[tokio::test]
async fn authorization_header_is_ignored() {
    for style in STYLES {
        let app = app(Variant::Jwt, style);
        for header in [&b"Basic Og=="[..], b"Bearer \xff\xfe", b"Bearer"] {
            let request = warp::test::request()
                .method("POST")
                .path("/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("authorization", header_value(header))
                .body(JOHNDOE);
            assert_eq!(app.send(request).await.status, 200);
        }
    }
}

#[tokio::test]
async fn malformed_form_is_400_in_rfc_and_a_failed_login_in_fastapi() {
    for style in STYLES {
        let app = app(Variant::Jwt, style);
        let reply = app.login("username=john%zzdoe&password=secret").await;
        match style {
            Style::Rfc => reply.assert(
                400,
                &oauth_error("invalid_request", "Malformed form body"),
                None,
            ),
            // FastAPI decodes what it can (`john%zzdoe` stays as it is): an unknown user.
            Style::FastApi => reply.assert(
                401,
                r#"{"detail":"Incorrect username or password"}"#,
                Some("Bearer"),
            ),
        }
        // Percent-escapes and `+` are decoded.
        assert_eq!(
            app.login("username=john%64oe&password=s%65cret")
                .await
                .status,
            200
        );
    }
}
