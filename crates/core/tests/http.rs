//! The answers of docs/behaviour.md, byte for byte, from the one function both adapters call.

use tessera_core::form::{Field, FormError, Missing};
use tessera_core::http::{Answer, Failure, Style};

fn render(a: &Answer<'_>) -> (u16, Option<String>, String) {
    (
        a.status(),
        a.challenge().map(|c| c.to_string()),
        a.body().to_string(),
    )
}

fn both(f: Failure<'_>, scopes: &[&str]) -> [(u16, Option<String>, String); 2] {
    [
        render(&f.answer(Style::Rfc, scopes)),
        render(&f.answer(Style::FastApi, scopes)),
    ]
}

fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

#[test]
fn protected_route_answers() {
    let d = |t: &str| format!(r#"{{"detail":"{t}"}}"#);
    assert_eq!(
        both(Failure::MissingCredentials, &["items", "me"]),
        [
            (401, s("Bearer"), d("Not authenticated")),
            (401, s("Bearer"), d("Not authenticated"))
        ]
    );
    assert_eq!(
        both(Failure::InvalidToken, &[]),
        [
            (
                401,
                s(r#"Bearer error="invalid_token""#),
                d("Could not validate credentials")
            ),
            (401, s("Bearer"), d("Could not validate credentials"))
        ]
    );
    assert_eq!(
        both(Failure::InvalidToken, &["items", "me"]),
        [
            (
                401,
                s(r#"Bearer error="invalid_token", scope="items me""#),
                d("Could not validate credentials")
            ),
            (
                401,
                s(r#"Bearer scope="items me""#),
                d("Could not validate credentials")
            )
        ]
    );
    assert_eq!(
        both(Failure::InsufficientScope, &["me"]),
        [
            (
                403,
                s(r#"Bearer error="insufficient_scope", scope="me""#),
                d("Not enough permissions")
            ),
            (401, s(r#"Bearer scope="me""#), d("Not enough permissions"))
        ]
    );
    assert_eq!(
        both(Failure::InactiveUser, &["me"]),
        [
            (400, None, d("Inactive user")),
            (400, None, d("Inactive user"))
        ]
    );
    let [rfc, _] = both(Failure::MultipleAuthorization, &[]);
    assert_eq!(
        (rfc.0, rfc.1),
        (400, s(r#"Bearer error="invalid_request""#))
    );
    assert_eq!(both(Failure::NotFound, &[])[0], (404, None, d("Not Found")));
    let a = Failure::MethodNotAllowed("POST")
        .answer(Style::Rfc, &[])
        .to_response();
    assert_eq!(
        (a.status, a.header("allow"), a.body.as_str()),
        (405, Some("POST"), r#"{"detail":"Method Not Allowed"}"#)
    );
    assert_eq!(a.header("content-type"), Some("application/json"));
}

#[test]
fn token_endpoint_answers() {
    let incorrect = r#"{"error":"invalid_grant","error_description":"Incorrect username or password","detail":"Incorrect username or password"}"#;
    assert_eq!(
        render(&Failure::InvalidGrant { challenge: true }.answer(Style::Rfc, &[])),
        (400, None, incorrect.into())
    );
    assert_eq!(
        render(&Failure::InvalidGrant { challenge: true }.answer(Style::FastApi, &[])),
        (
            401,
            s("Bearer"),
            r#"{"detail":"Incorrect username or password"}"#.into()
        )
    );
    assert_eq!(
        render(&Failure::InvalidGrant { challenge: false }.answer(Style::FastApi, &[])),
        (
            400,
            None,
            r#"{"detail":"Incorrect username or password"}"#.into()
        )
    );
    let missing_both = FormError::Fields {
        grant_type: None,
        missing: Missing {
            grant_type: false,
            username: true,
            password: true,
        },
    };
    assert_eq!(
        render(&Failure::Form(missing_both).answer(Style::Rfc, &[])).2,
        r#"{"error":"invalid_request","error_description":"Missing required parameters: username, password","detail":"Missing required parameters: username, password"}"#
    );
    assert_eq!(
        render(&Failure::Form(missing_both).answer(Style::FastApi, &[])),
        (
            422,
            None,
            r#"{"detail":[{"type":"missing","loc":["body","username"],"msg":"Field required","input":null},{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}]}"#.into()
        )
    );
    let bad_grant = FormError::Fields {
        grant_type: Some("client_\"credentials"),
        missing: Missing {
            grant_type: false,
            username: false,
            password: true,
        },
    };
    assert_eq!(
        render(&Failure::Form(bad_grant).answer(Style::Rfc, &[])).0,
        400
    );
    assert!(
        render(&Failure::Form(bad_grant).answer(Style::Rfc, &[]))
            .2
            .starts_with(r#"{"error":"unsupported_grant_type""#)
    );
    assert_eq!(
        render(&Failure::Form(bad_grant).answer(Style::FastApi, &[])).2,
        r#"{"detail":[{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern '^password$'","input":"client_\"credentials","ctx":{"pattern":"^password$"}},{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}]}"#
    );
    for style in [Style::Rfc, Style::FastApi] {
        assert_eq!(
            Failure::Form(FormError::TooLarge)
                .answer(style, &[])
                .status(),
            413
        );
        let long = render(&Failure::Form(FormError::PasswordTooLong).answer(style, &[]));
        assert_eq!(long.0, 400);
        assert!(long.2.contains(r#""error":"invalid_request""#));
        let t = Failure::Throttled(42).answer(style, &[]).to_response();
        assert_eq!((t.status, t.header("retry-after")), (429, Some("42")));
        let u = Failure::Unavailable(5).answer(style, &[]).to_response();
        assert_eq!((u.status, u.header("retry-after")), (503, Some("5")));
        assert_eq!(u.body, r#"{"detail":"Service Unavailable"}"#);
    }
    assert!(
        render(&Failure::Form(FormError::Repeated(Field::Username)).answer(Style::Rfc, &[]))
            .2
            .contains("invalid_request")
    );
}

#[test]
fn descriptions_use_only_rfc6749_characters() {
    // error_description: %x20-21 / %x23-5B / %x5D-7E; never an echo of input.
    let forms = [
        FormError::Malformed,
        FormError::TooManyPairs,
        FormError::Repeated(Field::Password),
        FormError::UsernameTooLong,
        FormError::PasswordTooLong,
        FormError::InvalidScope,
        FormError::Fields {
            grant_type: Some("x\"\\y"),
            missing: Missing::default(),
        },
        FormError::Fields {
            grant_type: None,
            missing: Missing {
                grant_type: true,
                username: true,
                password: true,
            },
        },
    ];
    for f in forms {
        let body = Failure::Form(f).answer(Style::Rfc, &[]).body().to_string();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let d = v["error_description"].as_str().unwrap();
        assert!(
            d.bytes()
                .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E)),
            "{d}"
        );
        assert_eq!(v["detail"], v["error_description"]);
        assert!(!body.contains("x\\\"\\\\y"));
    }
}

#[test]
fn token_response_shapes() {
    let r = Answer::token(Style::Rfc, "a.b.c", 1800, "me items").to_response();
    assert_eq!(
        r.body,
        r#"{"access_token":"a.b.c","token_type":"bearer","expires_in":1800,"scope":"me items"}"#
    );
    assert_eq!(
        (r.header("cache-control"), r.header("pragma")),
        (Some("no-store"), Some("no-cache"))
    );
    let r = Answer::token(Style::Rfc, "a.b.c", 1800, "").to_response();
    assert_eq!(
        r.body,
        r#"{"access_token":"a.b.c","token_type":"bearer","expires_in":1800}"#
    );
    let r = Answer::token(Style::FastApi, "a.b.c", 1800, "me").to_response();
    assert_eq!(r.body, r#"{"access_token":"a.b.c","token_type":"bearer"}"#);
    let r = Answer::redirect("/users/me/").to_response();
    assert_eq!(
        (
            r.status,
            r.header("location"),
            r.body.as_str(),
            r.header("content-type")
        ),
        (307, Some("/users/me/"), "", None)
    );
}

#[test]
fn response_debug_leaves_the_token_out() {
    let r = Answer::token(
        Style::Rfc,
        "eyJhbGciOiJIUzI1NiJ9.SECRET-PAYLOAD.sig",
        1800,
        "",
    )
    .to_response();
    let dbg = format!("{r:?}");
    assert!(!dbg.contains("SECRET-PAYLOAD"), "{dbg}");
    assert!(dbg.contains("200"));
}

#[test]
fn validation_input_is_escaped_as_json_dumps_escapes() {
    // FastAPI writes its 422 body with json.dumps(ensure_ascii=False): short escapes for
    // \b \f \n \r \t, `\u00xx` (lower-case hex) for the other controls, U+007F and everything
    // above as it is. Expected bytes from json.dumps (Python 3.11); the same echoes as FastAPI
    // answered them are in tests/data/fastapi_form.json.
    let input =
        "\u{8}\u{c}\n\r\t\"\\/\u{0}\u{1}\u{1b}\u{1f}\u{7f}\u{80}\u{e9}\u{2028}\u{fffd}\u{1f511}";
    let e = Failure::Form(FormError::Fields {
        grant_type: Some(input),
        missing: Missing::default(),
    });
    let body = e.answer(Style::FastApi, &[]).body().to_string();
    let expected = concat!(
        r#"{"detail":[{"type":"string_pattern_mismatch","loc":["body","grant_type"],"#,
        r#""msg":"String should match pattern '^password$'","#,
        r#""input":"\b\f\n\r\t\"\\/\u0000\u0001\u001b\u001f"#,
        "\u{7f}\u{80}\u{e9}\u{2028}\u{fffd}\u{1f511}",
        r#"","ctx":{"pattern":"^password$"}}]}"#
    );
    assert_eq!(body, expected);
}
