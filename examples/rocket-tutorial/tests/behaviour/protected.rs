//! Protected routes, the `Authorization` header, invalid tokens and scope matching
//! (docs/behaviour.md "Authorization header", "Protected routes", "Invalid tokens", "Scope matching").

use tessera_core::Hs256Key;

use crate::support::*;

const JOHNDOE: &str = r#"{"username":"johndoe","email":"johndoe@example.com","full_name":"John Doe","disabled":false}"#;
const NOT_AUTHENTICATED: &str = r#"{"detail":"Not authenticated"}"#;
const INVALID: &str = r#"{"detail":"Could not validate credentials"}"#;
const NOT_ENOUGH: &str = r#"{"detail":"Not enough permissions"}"#;
const INACTIVE: &str = r#"{"detail":"Inactive user"}"#;

/// The `WWW-Authenticate` of an invalid token on a route requiring `scopes`.
fn invalid_challenge(style: Style, scopes: &str) -> String {
    match (style, scopes) {
        (Style::Rfc, "") => r#"Bearer error="invalid_token""#.to_owned(),
        (Style::Rfc, s) => format!(r#"Bearer error="invalid_token", scope="{s}""#),
        (Style::FastApi, "") => "Bearer".to_owned(),
        (Style::FastApi, s) => format!(r#"Bearer scope="{s}""#),
    }
}

/// The protected routes of a variant and the scopes their challenges list.
fn routes(variant: tessera_tutorial::Variant) -> Vec<(&'static str, &'static str)> {
    match variant {
        Jwt => vec![("/users/me/", ""), ("/users/me/items/", "")],
        Scopes => vec![
            ("/users/me/", "me"),
            ("/users/me/items/", "items me"),
            ("/status/", ""),
        ],
    }
}

#[rocket::async_test]
async fn valid_token() {
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        let token = app.mint("johndoe", app.full_scope());
        let a = app.get_bearer("/users/me/", &token).await;
        assert_eq!((a.status, a.body.as_str()), (200, JOHNDOE));
        a.assert_json();
        let a = app.get_bearer("/users/me/items/", &token).await;
        assert_eq!(
            (a.status, a.body.as_str()),
            (200, r#"[{"item_id":"Foo","owner":"johndoe"}]"#)
        );
        a.assert_json();
        let a = app.get_bearer("/status/", &token).await;
        match variant {
            Jwt => assert_eq!(a.status, 404),
            Scopes => {
                assert_eq!((a.status, a.body.as_str()), (200, r#"{"status":"ok"}"#));
                a.assert_json();
            }
        }
    }
}

#[rocket::async_test]
async fn missing_credentials() {
    let values: [&[&str]; 8] = [
        &[],
        &[""],
        &["Basic Og=="],
        &["Bearertoken"],
        &["Bearer\tabc"],
        &["Digest x=1"],
        &["   "],
        &["Token abc"],
    ];
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        for (path, _) in routes(variant) {
            for v in values {
                let a = app.get(path, v).await;
                assert_eq!(
                    a.triple(),
                    (401, Some("Bearer"), NOT_AUTHENTICATED),
                    "{variant:?} {style:?} {path} {v:?}"
                );
                a.assert_json();
            }
        }
    }
}

#[rocket::async_test]
async fn token_in_query_or_cookie_is_not_credentials() {
    let app = app(Jwt, RFC).await;
    let token = app.mint("johndoe", "");
    let a = app
        .get(&format!("/users/me/?access_token={token}"), &[])
        .await;
    assert_eq!(a.triple(), (401, Some("Bearer"), NOT_AUTHENTICATED));
    let r = app
        .client
        .get("/users/me/")
        .cookie(rocket::http::Cookie::new("access_token", token))
        .dispatch()
        .await;
    let a = Answer::read(r).await;
    assert_eq!(a.triple(), (401, Some("Bearer"), NOT_AUTHENTICATED));
}

#[rocket::async_test]
async fn header_tolerance() {
    let app = app(Scopes, RFC).await;
    let token = app.mint("johndoe", "me");
    for value in [
        format!("Bearer {token}"),
        format!("bearer {token}"),
        format!("BEARER    {token}"),
        format!("  Bearer {token}  "),
    ] {
        let a = app.get("/users/me/", &[&value]).await;
        assert_eq!(a.status, 200, "{value:?} {a:?}");
    }
}

/// `token` with the unused low bits of its signature's last character set: the same bytes,
/// but not the canonical encoding.
fn non_canonical(token: &str) -> String {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (head, last) = token.split_at(token.len() - 1);
    let value = ALPHABET.find(last).unwrap();
    // A 32-byte signature is 43 characters: the last one carries 2 unused bits.
    assert_eq!(value & 3, 0, "{token}");
    format!("{head}{}", &ALPHABET[value | 1..=value | 1])
}

/// Tokens the apps must refuse, each with a reason.
fn invalid_tokens(app: &App) -> Vec<(&'static str, String)> {
    let other_key = Hs256Key::new(b"another-key-that-is-32-bytes-long!!").unwrap();
    let exp = now() + 600;
    let good = app.mint("johndoe", app.full_scope());
    let mut segments = good.split('.');
    let (h, c) = (segments.next().unwrap(), segments.next().unwrap());
    vec![
        ("empty", String::new()),
        ("garbage", "not-a-token".to_owned()),
        ("two words", "a b".to_owned()),
        ("four segments", format!("{good}.x")),
        ("padding", format!("{good}=")),
        ("token extra", format!("{good} extra")),
        (
            "expired",
            signed(&format!(r#"{{"sub":"johndoe","exp":{}}}"#, now() - 1)),
        ),
        (
            "exp now",
            signed(&format!(r#"{{"sub":"johndoe","exp":{}}}"#, now())),
        ),
        ("no exp", signed(r#"{"sub":"johndoe"}"#)),
        (
            "other key",
            sign(
                &other_key,
                r#"{"alg":"HS256","typ":"JWT"}"#,
                &format!(r#"{{"sub":"johndoe","exp":{exp}}}"#),
            ),
        ),
        ("tampered", format!("{h}.{}x.{}", &c[..c.len() - 1], "AAAA")),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(br#"{"alg":"none","typ":"JWT"}"#),
                b64(format!(r#"{{"sub":"johndoe","exp":{exp}}}"#).as_bytes())
            ),
        ),
        (
            "alg none signed",
            sign(
                &key(),
                r#"{"alg":"none","typ":"JWT"}"#,
                &format!(r#"{{"sub":"johndoe","exp":{exp}}}"#),
            ),
        ),
        (
            "alg hs256",
            sign(
                &key(),
                r#"{"alg":"hs256"}"#,
                &format!(r#"{{"sub":"johndoe","exp":{exp}}}"#),
            ),
        ),
        (
            "alg HS512",
            sign(
                &key(),
                r#"{"alg":"HS512"}"#,
                &format!(r#"{{"sub":"johndoe","exp":{exp}}}"#),
            ),
        ),
        (
            "crit",
            sign(
                &key(),
                r#"{"alg":"HS256","crit":["exp"]}"#,
                &format!(r#"{{"sub":"johndoe","exp":{exp}}}"#),
            ),
        ),
        ("no sub", signed(&format!(r#"{{"exp":{exp}}}"#))),
        ("empty sub", signed(&format!(r#"{{"sub":"","exp":{exp}}}"#))),
        ("number sub", signed(&format!(r#"{{"sub":7,"exp":{exp}}}"#))),
        (
            "unknown sub",
            signed(&format!(r#"{{"sub":"nobody","exp":{exp}}}"#)),
        ),
        (
            "future nbf",
            signed(&format!(r#"{{"sub":"johndoe","exp":{exp},"nbf":{exp}}}"#)),
        ),
        (
            "future iat",
            signed(&format!(r#"{{"sub":"johndoe","exp":{exp},"iat":{exp}}}"#)),
        ),
        (
            "aud",
            signed(&format!(r#"{{"sub":"johndoe","exp":{exp},"aud":"x"}}"#)),
        ),
        (
            "duplicate sub",
            signed(&format!(r#"{{"sub":"johndoe","sub":"alice","exp":{exp}}}"#)),
        ),
        (
            "double-space scope",
            signed(&format!(
                r#"{{"sub":"johndoe","exp":{exp},"scope":"me  items"}}"#
            )),
        ),
        (
            "array scope",
            signed(&format!(
                r#"{{"sub":"johndoe","exp":{exp},"scope":["me","items"]}}"#
            )),
        ),
        (
            "leading-space scope",
            signed(&format!(
                r#"{{"sub":"johndoe","exp":{exp},"scope":" me items"}}"#
            )),
        ),
        ("plus", format!("{}+{}", &good[..10], &good[11..])),
        ("slash", format!("{}/{}", &good[..10], &good[11..])),
        ("non-canonical signature", non_canonical(&good)),
        (
            "header not an object",
            sign(&key(), "[]", &format!(r#"{{"sub":"johndoe","exp":{exp}}}"#)),
        ),
        (
            "alg missing",
            sign(
                &key(),
                r#"{"typ":"JWT"}"#,
                &format!(r#"{{"sub":"johndoe","exp":{exp}}}"#),
            ),
        ),
        (
            "alg RS256",
            sign(
                &key(),
                r#"{"alg":"RS256"}"#,
                &format!(r#"{{"sub":"johndoe","exp":{exp}}}"#),
            ),
        ),
        (
            "b64",
            sign(
                &key(),
                r#"{"alg":"HS256","b64":false}"#,
                &format!(r#"{{"sub":"johndoe","exp":{exp}}}"#),
            ),
        ),
        (
            "comment",
            signed(&format!(r#"{{"sub":"johndoe",/* x */"exp":{exp}}}"#)),
        ),
        (
            "trailing data",
            signed(&format!(r#"{{"sub":"johndoe","exp":{exp}}}x"#)),
        ),
        (
            "number jti",
            signed(&format!(r#"{{"sub":"johndoe","exp":{exp},"jti":1}}"#)),
        ),
        (
            "string exp",
            signed(&format!(r#"{{"sub":"johndoe","exp":"{exp}"}}"#)),
        ),
        (
            "too long",
            signed(&format!(
                r#"{{"sub":"johndoe","exp":{exp},"pad":"{}"}}"#,
                "x".repeat(8192)
            )),
        ),
    ]
}

#[rocket::async_test]
async fn invalid_tokens_are_refused() {
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        let tokens = invalid_tokens(&app);
        for (path, scopes) in routes(variant) {
            let challenge = invalid_challenge(style, scopes);
            for (why, token) in &tokens {
                let a = app.get_bearer(path, token).await;
                assert_eq!(
                    a.triple(),
                    (401, Some(challenge.as_str()), INVALID),
                    "{variant:?} {style:?} {path}: {why}"
                );
                a.assert_json();
            }
        }
    }
}

#[rocket::async_test]
async fn bearer_alone_is_an_invalid_token() {
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        for value in ["Bearer", "Bearer   ", "bearer"] {
            let a = app.get("/users/me/", &[value]).await;
            let challenge = invalid_challenge(style, app.me_scopes());
            assert_eq!(
                a.triple(),
                (401, Some(challenge.as_str()), INVALID),
                "{value:?}"
            );
        }
    }
}

#[rocket::async_test]
async fn accepted_token_variations() {
    let app = app(Scopes, RFC).await;
    let exp = now() + 600;
    for claims in [
        format!(r#"{{"sub":"johndoe","exp":{exp},"scope":"me","extra":[1,{{"a":null}}]}}"#),
        format!(r#"{{"sub":"john\u0064oe","exp":{exp}.5,"scope":"me"}}"#),
    ] {
        let token = signed(&claims);
        assert_eq!(
            app.get_bearer("/users/me/", &token).await.status,
            200,
            "{claims}"
        );
    }
    let named = format!(
        r#"{{"alg":"HS256","typ":"whatever","kid":"{}"}}"#,
        key().kid()
    );
    for header in [named.as_str(), r#"{"alg":"HS256"}"#] {
        let token = sign(
            &key(),
            header,
            &format!(r#"{{"sub":"johndoe","exp":{exp},"scope":"me"}}"#),
        );
        assert_eq!(
            app.get_bearer("/users/me/", &token).await.status,
            200,
            "{header}"
        );
    }
}

#[rocket::async_test]
async fn tokens_interoperate_between_styles() {
    // A token shaped as the FastAPI tutorial issues it opens the rfc app, and back.
    let rfc = app(Jwt, RFC).await;
    let fastapi = app(Jwt, FASTAPI).await;
    let from_fastapi = fastapi.mint("johndoe", "");
    let from_rfc = rfc.mint("johndoe", "");
    assert_eq!(
        rfc.get_bearer("/users/me/", &from_fastapi).await.status,
        200
    );
    assert_eq!(
        fastapi.get_bearer("/users/me/", &from_rfc).await.status,
        200
    );
    // A scopes-variant token works in the jwt variant (which requires no scope).
    let scoped = app(Scopes, RFC).await.mint("johndoe", "items");
    assert_eq!(
        rfc.get_bearer("/users/me/items/", &scoped).await.status,
        200
    );
}

#[rocket::async_test]
async fn missing_scope() {
    for style in [RFC, FASTAPI] {
        let app = app(Scopes, style).await;
        let cases = [
            ("/users/me/", "", "me"),
            ("/users/me/", "items", "me"),
            ("/users/me/items/", "me", "items me"),
            ("/users/me/items/", "items", "items me"),
            ("/users/me/items/", "ME ITEMS", "items me"),
            ("/users/me/items/", "me:read items:read", "items me"),
            ("/users/me/", "meitems", "me"),
        ];
        for (path, granted, listed) in cases {
            let token = app.mint("johndoe", granted);
            let a = app.get_bearer(path, &token).await;
            let expected = match style {
                Style::Rfc => (
                    403,
                    format!(r#"Bearer error="insufficient_scope", scope="{listed}""#),
                ),
                Style::FastApi => (401, format!(r#"Bearer scope="{listed}""#)),
            };
            assert_eq!(
                a.triple(),
                (expected.0, Some(expected.1.as_str()), NOT_ENOUGH),
                "{style:?} {path} {granted:?}"
            );
            a.assert_json();
        }
    }
}

#[rocket::async_test]
async fn scope_order_is_irrelevant() {
    let app = app(Scopes, RFC).await;
    for granted in ["me items", "items me", "items other me"] {
        let token = app.mint("johndoe", granted);
        assert_eq!(
            app.get_bearer("/users/me/items/", &token).await.status,
            200,
            "{granted}"
        );
    }
    // /status/ needs no scope.
    let token = app.mint("johndoe", "");
    assert_eq!(app.get_bearer("/status/", &token).await.status, 200);
}

#[rocket::async_test]
async fn two_authorization_headers() {
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        let good = format!("Bearer {}", app.mint("johndoe", app.full_scope()));
        for (path, scopes) in routes(variant) {
            let a = app.get(path, &[&good, "Bearer garbage"]).await;
            match style {
                Style::Rfc => {
                    assert_eq!(
                        a.triple(),
                        (
                            400,
                            Some(r#"Bearer error="invalid_request""#),
                            r#"{"detail":"Multiple Authorization headers"}"#
                        ),
                        "{variant:?} {path}"
                    );
                    a.assert_json();
                }
                Style::FastApi => {
                    assert_eq!(a.status, 200, "{path} {a:?}");
                    // The first one is used.
                    let a = app.get(path, &["Bearer garbage", &good]).await;
                    let challenge = invalid_challenge(style, scopes);
                    assert_eq!(a.triple(), (401, Some(challenge.as_str()), INVALID));
                }
            }
        }
        // On /items/ too.
        let a = app.get("/items/", &["Bearer a", "Bearer b"]).await;
        match style {
            Style::Rfc => assert_eq!(a.status, 400),
            Style::FastApi => assert_eq!(a.body, r#"{"token":"a"}"#),
        }
    }
}

#[rocket::async_test]
async fn disabled_user() {
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        let token = app.mint("alice", app.full_scope());
        for path in ["/users/me/", "/users/me/items/"] {
            let a = app.get_bearer(path, &token).await;
            assert_eq!(
                a.triple(),
                (400, None, INACTIVE),
                "{variant:?} {style:?} {path}"
            );
            a.assert_json();
        }
        if variant == Scopes {
            // The disabled flag is not checked on /status/.
            let a = app.get_bearer("/status/", &token).await;
            assert_eq!(a.status, 200);
        }
    }
}

#[rocket::async_test]
async fn disabled_user_without_scopes_gets_the_scope_error_first() {
    for style in [RFC, FASTAPI] {
        let app = app(Scopes, style).await;
        let token = app.mint("alice", "");
        let a = app.get_bearer("/users/me/", &token).await;
        assert_eq!(a.body, NOT_ENOUGH, "{style:?}");
        assert_eq!(a.status, if style == RFC { 403 } else { 401 });
        // A real login as alice, then use: refused later, on use.
        let token = app.login("alice", "secret2", "me").await;
        assert_eq!(
            app.get_bearer("/users/me/", &token).await.triple(),
            (400, None, INACTIVE)
        );
    }
}

#[rocket::async_test]
async fn items_returns_what_extraction_yields() {
    for (variant, style) in ALL {
        let app = app(variant, style).await;
        let cases = [
            ("Bearer", r#"{"token":""}"#),
            ("Bearer a b", r#"{"token":"a b"}"#),
            ("bearer   not-a-jwt  ", r#"{"token":"not-a-jwt"}"#),
            ("Bearer \"q\"", r#"{"token":"\"q\""}"#),
        ];
        for (value, body) in cases {
            let a = app.get("/items/", &[value]).await;
            assert_eq!((a.status, a.body.as_str()), (200, body), "{value:?}");
            a.assert_json();
        }
        for value in [&[][..], &["Basic Og=="][..], &["Bearertoken"][..]] {
            let a = app.get("/items/", value).await;
            assert_eq!(
                a.triple(),
                (401, Some("Bearer"), NOT_AUTHENTICATED),
                "{value:?}"
            );
        }
    }
}
