//! Key rotation across instances, over HTTP, against every tutorial server (docs/behaviour.md:
//! issue.header, data.key_rotation):
//! - a token signed before a rotation (by the old `SECRET_KEY`) still works on an instance that
//!   signs with the new key and lists the old one in `PREVIOUS_SECRET_KEYS`, until it expires;
//! - tokens name their key (`kid`) in the rfc style; an instance without the new key refuses
//!   them, and a token naming a key the ring lacks is refused even when its signature is good;
//! - tokens without `kid` (the fastapi style's, FastAPI's and PyJWT's) are tried against every
//!   key; the fastapi style still issues FastAPI's exact header;
//! - an old key dropped from `PREVIOUS_SECRET_KEYS` no longer verifies.

use std::time::Duration;

use serde_json::json;
use tessera_core::Hs256Key;
use tessera_tests::client::{Request, Response};
use tessera_tests::server::{self, Cfg, Env, Impl, Server, Style, Variant};
use tessera_tests::token;

const OLD: &str = "old-key-0123456789abcdef0123456789abcdef";
const NEW: &str = "new-key-fedcba9876543210fedcba9876543210";

fn start(imp: Impl, style: Style, secret: &str, previous: Option<&str>) -> Server {
    let mut env = Env {
        secret_key: Some(secret.to_string()),
        ..Env::default()
    };
    if let Some(p) = previous {
        env.extra
            .push(("PREVIOUS_SECRET_KEYS".into(), p.to_string()));
    }
    Server::start_with(imp, Cfg::new(Variant::Jwt, style), &env).unwrap_or_else(|e| panic!("{e}"))
}

fn send(srv: &Server, request: &Request) -> Response {
    srv.send(request).unwrap_or_else(|e| panic!("{e}"))
}

fn login(srv: &Server) -> String {
    let r = send(
        srv,
        &Request::post("/token").form("username=johndoe&password=secret"),
    );
    assert_eq!(r.status, 200, "[{}] {}", srv.label(), r.text());
    r.json()
        .and_then(|v| v["access_token"].as_str().map(str::to_owned))
        .expect("a token")
}

fn me(srv: &Server, token: &str) -> u16 {
    send(srv, &Request::get("/users/me/").bearer(token)).status
}

fn header_of(token: &str) -> serde_json::Value {
    let (header, _) = token::parts(token).expect("a compact JWS");
    serde_json::from_slice(&header).expect("a JSON header")
}

fn kid(secret: &str) -> String {
    Hs256Key::new(secret.as_bytes())
        .expect("key")
        .kid()
        .to_owned()
}

#[test]
fn tokens_signed_before_a_rotation_work_after_it() {
    for imp in server::selected() {
        let before = start(imp, Style::Rfc, OLD, None);
        let after = start(imp, Style::Rfc, NEW, Some(OLD));
        let only_new = start(imp, Style::Rfc, NEW, None);
        let label = after.label().to_owned();

        let old_token = login(&before);
        assert_eq!(
            header_of(&old_token),
            json!({"alg": "HS256", "typ": "JWT", "kid": kid(OLD)}),
            "[{label}] rfc tokens name their key"
        );
        assert_eq!(
            me(&after, &old_token),
            200,
            "[{label}] the old key still verifies"
        );
        assert_eq!(
            me(&only_new, &old_token),
            401,
            "[{label}] once dropped, it does not"
        );

        let new_token = login(&after);
        assert_eq!(header_of(&new_token)["kid"], json!(kid(NEW)), "[{label}]");
        assert_eq!(me(&after, &new_token), 200, "[{label}]");
        assert_eq!(me(&only_new, &new_token), 200, "[{label}]");
        assert_eq!(
            me(&before, &new_token),
            401,
            "[{label}] an instance without the new key"
        );

        // A token without kid, as FastAPI and PyJWT sign them, is tried against each key.
        let exp = token::now() + 600;
        let payload = json!({"sub": "johndoe", "exp": exp}).to_string();
        let bare = token::sign_with(OLD.as_bytes(), token::JWT_HEADER, &payload);
        assert_eq!(
            me(&after, &bare),
            200,
            "[{label}] no kid: tried against each key"
        );
        // Signed by the old key but naming the new one: only the named key is tried.
        let named = format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{}"}}"#, kid(NEW));
        let misnamed = token::sign_with(OLD.as_bytes(), &named, &payload);
        assert_eq!(
            me(&after, &misnamed),
            401,
            "[{label}] kid routes to one key"
        );
        let unknown = token::sign_with(
            OLD.as_bytes(),
            r#"{"alg":"HS256","typ":"JWT","kid":"AAAAAAAA"}"#,
            &payload,
        );
        assert_eq!(me(&after, &unknown), 401, "[{label}] unknown kid");
    }
}

#[test]
fn the_fastapi_style_keeps_fastapis_header_through_a_rotation() {
    for imp in server::selected() {
        let before = start(imp, Style::FastApi, OLD, None);
        let after = start(imp, Style::FastApi, NEW, Some(OLD));
        let old_token = login(&before);
        assert_eq!(
            token::parts(&old_token).map(|(h, _)| h),
            Some(token::JWT_HEADER.as_bytes().to_vec()),
            "[{}] FastAPI's exact header",
            before.label()
        );
        assert_eq!(me(&after, &old_token), 200, "[{}]", after.label());
        let new_token = login(&after);
        assert_eq!(me(&after, &new_token), 200, "[{}]", after.label());
        assert_eq!(me(&before, &new_token), 401, "[{}]", before.label());
    }
}

#[test]
fn bad_previous_keys_stop_the_start_with_a_message() {
    for imp in server::selected() {
        let env = Env {
            extra: vec![(
                "PREVIOUS_SECRET_KEYS".into(),
                format!("{OLD} short-PREVIOUS-value"),
            )],
            ..Env::default()
        };
        let args = Cfg::new(Variant::Jwt, Style::Rfc).args();
        let exited = Server::run_expecting_exit(imp, &args, &env, Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !exited.listened,
            "{imp:?} listened with a bad PREVIOUS_SECRET_KEYS"
        );
        assert!(
            exited
                .log
                .contains("PREVIOUS_SECRET_KEYS: key 2 is 20 bytes"),
            "{imp:?}: {}",
            exited.log
        );
        assert!(
            !exited.log.contains("short-PREVIOUS-value"),
            "the value is never echoed"
        );
    }
}
