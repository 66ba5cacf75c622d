//! Revocation and refresh tokens over HTTP, against every tutorial server (docs/behaviour.md,
//! token.refresh, revoke.request, tok.revoked, data.token_stores, data.key_rotation): in the rfc
//! style a login answers a refresh token, a
//! refresh rotates it, a reused one ends its family, `POST /revoke` ends an access token or a
//! family and answers 200 with an empty body whatever it was given; the fastapi style has
//! neither. Then a fleet: three instances (Rocket, Warp, axum) sharing Redis, and PostgreSQL
//! or not, where a revoked token is refused by every instance and the reuse of a refresh token
//! on one instance ends the family on all; and the same fleet, restarted on a new signing key
//! with the old one as a previous key, still takes the tokens issued before.
//!
//! The fleet test needs `REDIS_URL` (and `DATABASE_URL` and `psql` for its PostgreSQL half);
//! without them it says what it skipped. It uses its own Redis key prefix and its own schema.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tessera_tests::client::{Request, Response};
use tessera_tests::server::{self, Cfg, Env, Server, Style, Variant};

const INVALID_TOKEN: &str = r#"{"detail":"Could not validate credentials"}"#;
const INVALID_REFRESH: &str = r#"{"error":"invalid_grant","error_description":"The refresh token is invalid, expired or revoked","detail":"The refresh token is invalid, expired or revoked"}"#;

fn send(srv: &Server, request: &Request) -> Response {
    srv.send(request).unwrap_or_else(|e| panic!("{e}"))
}

fn post(srv: &Server, path: &str, form: &str) -> Response {
    send(srv, &Request::post(path).form(form))
}

/// A successful token answer's JSON, failing the test otherwise.
fn granted(srv: &Server, r: &Response) -> Value {
    assert_eq!(r.status, 200, "[{}] {}", srv.label(), r.text());
    r.json().expect("a JSON body")
}

fn field(v: &Value, name: &str) -> String {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {v}"))
        .to_owned()
}

/// A login of `user` (johndoe, or alice, who is disabled) with the tutorial's password.
fn login(srv: &Server, user: &str, extra: &str) -> Value {
    let password = if user == "alice" { "secret2" } else { "secret" };
    let r = post(
        srv,
        "/token",
        &format!("username={user}&password={password}{extra}"),
    );
    granted(srv, &r)
}

fn refresh(srv: &Server, token: &str, extra: &str) -> Response {
    post(
        srv,
        "/token",
        &format!("grant_type=refresh_token&refresh_token={token}{extra}"),
    )
}

fn me(srv: &Server, access: &str) -> Response {
    send(srv, &Request::get("/users/me/").bearer(access))
}

fn revoke(srv: &Server, token: &str) -> Response {
    let r = post(srv, "/revoke", &format!("token={token}"));
    assert_eq!(r.status, 200, "[{}] {}", srv.label(), r.text());
    assert!(r.body.is_empty(), "[{}] {}", srv.label(), r.text());
    r
}

#[test]
fn refresh_tokens_rotate_and_a_reuse_ends_the_family() {
    for imp in server::selected() {
        let srv = Server::start(imp, Cfg::new(Variant::Jwt, Style::Rfc))
            .unwrap_or_else(|e| panic!("{e}"));
        let first = login(&srv, "johndoe", "");
        let r0 = field(&first, "refresh_token");
        assert_eq!(r0.len(), 43, "256 bits in base64url");
        assert_eq!(first["expires_in"], 1800);

        let r = refresh(&srv, &r0, "");
        let second = granted(&srv, &r);
        assert_eq!(
            r.header("cache-control").as_deref(),
            Some("no-store"),
            "[{}]",
            srv.label()
        );
        let r1 = field(&second, "refresh_token");
        assert_ne!(r1, r0);
        let access = field(&second, "access_token");
        assert_eq!(me(&srv, &access).status, 200, "[{}]", srv.label());

        // The old token again: the family ends, its newest token with it.
        let reused = refresh(&srv, &r0, "");
        assert_eq!(reused.status, 400, "[{}] {}", srv.label(), reused.text());
        assert_eq!(reused.text(), INVALID_REFRESH, "[{}]", srv.label());
        let after = refresh(&srv, &r1, "");
        assert_eq!(after.text(), INVALID_REFRESH, "[{}]", srv.label());
        // Another login's family is untouched.
        let other = field(&login(&srv, "johndoe", ""), "refresh_token");
        granted(&srv, &refresh(&srv, &other, ""));

        // Bad requests of the grant.
        let missing = post(&srv, "/token", "grant_type=refresh_token");
        assert_eq!(missing.status, 400, "[{}]", srv.label());
        assert_eq!(
            missing.text(),
            r#"{"error":"invalid_request","error_description":"Missing required parameter: refresh_token","detail":"Missing required parameter: refresh_token"}"#
        );
        let unknown = refresh(&srv, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "");
        assert_eq!(unknown.text(), INVALID_REFRESH, "[{}]", srv.label());
        let twice = refresh(&srv, &r1, &format!("&refresh_token={r1}"));
        assert_eq!(twice.status, 400, "[{}]", srv.label());
        assert!(twice.text().contains("invalid_request"), "{}", twice.text());
        let other_grant = post(&srv, "/token", "grant_type=client_credentials");
        assert_eq!(
            other_grant.text(),
            r#"{"error":"unsupported_grant_type","error_description":"Only the password and refresh_token grants are supported","detail":"Only the password and refresh_token grants are supported"}"#
        );
    }
}

#[test]
fn a_refresh_grants_at_most_the_scope_of_its_family() {
    for imp in server::selected() {
        let srv = Server::start(imp, Cfg::new(Variant::Scopes, Style::Rfc))
            .unwrap_or_else(|e| panic!("{e}"));
        let grant = login(&srv, "johndoe", "&scope=me");
        let r0 = field(&grant, "refresh_token");
        // More than the family holds: refused, and the token is not spent.
        let wider = refresh(&srv, &r0, "&scope=me+items");
        assert_eq!(wider.status, 400, "[{}] {}", srv.label(), wider.text());
        assert_eq!(
            wider.text(),
            r#"{"error":"invalid_scope","error_description":"The requested scope exceeds the scope granted","detail":"The requested scope exceeds the scope granted"}"#
        );
        let same = granted(&srv, &refresh(&srv, &r0, "&scope=me"));
        assert_eq!(same["scope"], "me", "[{}]", srv.label());
        // No scope asked: the family's.
        let r1 = field(&same, "refresh_token");
        let again = granted(&srv, &refresh(&srv, &r1, ""));
        assert_eq!(again["scope"], "me", "[{}]", srv.label());
        let access = field(&again, "access_token");
        assert_eq!(me(&srv, &access).status, 200, "[{}]", srv.label());
    }
}

#[test]
fn a_disabled_user_cannot_refresh() {
    for imp in server::selected() {
        let srv = Server::start(imp, Cfg::new(Variant::Jwt, Style::Rfc))
            .unwrap_or_else(|e| panic!("{e}"));
        // alice is disabled: she may log in (as in FastAPI's tutorial), not refresh.
        let grant = login(&srv, "alice", "");
        let r = refresh(&srv, &field(&grant, "refresh_token"), "");
        assert_eq!(r.text(), INVALID_REFRESH, "[{}]", srv.label());
    }
}

#[test]
fn revoke_ends_an_access_token_or_a_family_and_tells_nothing() {
    for imp in server::selected() {
        let srv = Server::start(imp, Cfg::new(Variant::Jwt, Style::Rfc))
            .unwrap_or_else(|e| panic!("{e}"));
        let grant = login(&srv, "johndoe", "");
        let (access, r0) = (
            field(&grant, "access_token"),
            field(&grant, "refresh_token"),
        );
        let kept = field(&login(&srv, "johndoe", ""), "access_token");
        assert_eq!(me(&srv, &access).status, 200);

        revoke(&srv, &access);
        let refused = me(&srv, &access);
        assert_eq!(refused.status, 401, "[{}] {}", srv.label(), refused.text());
        assert_eq!(refused.text(), INVALID_TOKEN, "[{}]", srv.label());
        assert_eq!(
            refused.header("www-authenticate").as_deref(),
            Some(r#"Bearer error="invalid_token""#),
            "[{}]",
            srv.label()
        );
        // Another token of the same user still works.
        assert_eq!(me(&srv, &kept).status, 200, "[{}]", srv.label());

        // A refresh token: its family ends.
        revoke(&srv, &r0);
        assert_eq!(refresh(&srv, &r0, "").text(), INVALID_REFRESH);

        // Nothing tells a valid token from another: the same empty 200 for each.
        revoke(&srv, &access);
        revoke(&srv, "not-a-token");
        revoke(&srv, "a.b.c");
        let hinted = post(
            &srv,
            "/revoke",
            &format!("token={kept}&token_type_hint=refresh_token"),
        );
        assert_eq!(hinted.status, 200, "[{}]", srv.label());
        assert_eq!(me(&srv, &kept).status, 401, "the hint is not needed");

        let missing = post(&srv, "/revoke", "token_type_hint=access_token");
        assert_eq!(missing.status, 400, "[{}]", srv.label());
        assert_eq!(
            missing.text(),
            r#"{"error":"invalid_request","error_description":"Missing required parameter: token","detail":"Missing required parameter: token"}"#
        );
        let get = send(&srv, &Request::get("/revoke"));
        assert_eq!(get.status, 405, "[{}] {}", srv.label(), get.text());
    }
}

#[test]
fn the_fastapi_style_has_no_refresh_tokens_and_no_revoke() {
    for imp in server::selected() {
        let srv = Server::start(imp, Cfg::new(Variant::Jwt, Style::FastApi))
            .unwrap_or_else(|e| panic!("{e}"));
        let grant = login(&srv, "johndoe", "");
        let keys: Vec<&String> = grant.as_object().expect("an object").keys().collect();
        assert_eq!(keys, ["access_token", "token_type"], "[{}]", srv.label());
        let r = post(&srv, "/revoke", "token=x");
        assert_eq!(r.status, 404, "[{}] {}", srv.label(), r.text());
        let r = refresh(&srv, "x", "&username=johndoe&password=secret");
        assert_eq!(r.status, 422, "[{}] {}", srv.label(), r.text());
    }
}

/// Drops the schema when the test ends, also on a panic.
struct Schema {
    url: String,
    name: String,
}

impl Drop for Schema {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                &self.url,
                "-c",
                &format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name),
            ])
            .output();
    }
}

fn unique(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{test}_{}_{nanos}", std::process::id())
}

/// One instance of each server, started with `env`.
fn start_fleet(env: &Env) -> Vec<Server> {
    server::selected()
        .into_iter()
        .map(|imp| {
            Server::start_with(imp, Cfg::new(Variant::Jwt, Style::Rfc), env)
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

/// The fleet scenario on instances started with `env`.
fn fleet_scenario(env: &Env) {
    let fleet = start_fleet(env);
    let n = fleet.len();

    // A token revoked on one instance is refused by every instance.
    let grant = login(&fleet[0], "johndoe", "");
    let access = field(&grant, "access_token");
    for srv in &fleet {
        assert_eq!(me(srv, &access).status, 200, "[{}]", srv.label());
    }
    revoke(&fleet[1 % n], &access);
    for srv in &fleet {
        let r = me(srv, &access);
        assert_eq!(r.status, 401, "[{}] {}", srv.label(), r.text());
        assert_eq!(r.text(), INVALID_TOKEN);
    }

    // A family rotates across instances; a reuse on one ends it on all.
    let mut current = field(&grant, "refresh_token");
    let first = current.clone();
    for srv in &fleet {
        current = field(&granted(srv, &refresh(srv, &current, "")), "refresh_token");
    }
    let reused = refresh(&fleet[n - 1], &first, "");
    assert_eq!(reused.text(), INVALID_REFRESH, "[{}]", fleet[n - 1].label());
    for srv in &fleet {
        assert_eq!(
            refresh(srv, &current, "").text(),
            INVALID_REFRESH,
            "[{}]",
            srv.label()
        );
    }

    // A family revoked on one instance is over on all.
    let other = field(&login(&fleet[n - 1], "johndoe", ""), "refresh_token");
    revoke(&fleet[0], &other);
    for srv in &fleet {
        assert_eq!(refresh(srv, &other, "").text(), INVALID_REFRESH);
    }
}

#[test]
fn a_fleet_shares_revocations_and_refresh_families() {
    let Some(redis) = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("skipped: REDIS_URL not set");
        return;
    };
    let prefix = format!("tessera-test:{}:", unique("tokens"));
    // Families in Redis.
    fleet_scenario(&Env {
        extra: vec![
            ("REDIS_URL".into(), redis.clone()),
            ("REDIS_KEY_PREFIX".into(), prefix.clone()),
        ],
        ..Env::default()
    });
    // Families in PostgreSQL beside the users, revocations in Redis.
    let Some(database) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("skipped (the PostgreSQL half): DATABASE_URL not set");
        return;
    };
    let schema = Schema {
        url: database.clone(),
        name: format!("tessera_test_{}", unique("tokens")),
    };
    fleet_scenario(&Env {
        extra: vec![
            ("REDIS_URL".into(), redis),
            ("REDIS_KEY_PREFIX".into(), format!("{prefix}pg:")),
            ("DATABASE_URL".into(), database),
            ("DATABASE_SCHEMA".into(), schema.name.clone()),
        ],
        ..Env::default()
    });
    let families = Command::new("psql")
        .args([
            &schema.url,
            "-At",
            "-c",
            &format!("SELECT count(*) FROM \"{}\".refresh_families", schema.name),
        ])
        .output()
        .expect("psql is installed");
    let count = String::from_utf8_lossy(&families.stdout).trim().to_owned();
    assert_eq!(
        count, "2",
        "both families of the scenario are in PostgreSQL"
    );
}

#[test]
fn a_fleet_rotates_its_key_without_logging_anyone_out() {
    let (Some(redis), Some(database)) = (
        std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()),
        std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()),
    ) else {
        eprintln!("skipped: REDIS_URL and DATABASE_URL are both needed");
        return;
    };
    const OLD: &str = "rotation-old-key-0123456789abcdef0123456789";
    const NEW: &str = "rotation-new-key-fedcba9876543210fedcba9876";
    let schema = Schema {
        url: database.clone(),
        name: format!("tessera_test_{}", unique("rotate")),
    };
    let shared = vec![
        ("REDIS_URL".into(), redis),
        (
            "REDIS_KEY_PREFIX".into(),
            format!("tessera-test:{}:", unique("rotate")),
        ),
        ("DATABASE_URL".into(), database),
        ("DATABASE_SCHEMA".into(), schema.name.clone()),
    ];
    let before = start_fleet(&Env {
        secret_key: Some(OLD.into()),
        extra: shared.clone(),
        ..Env::default()
    });
    let grant = login(&before[0], "johndoe", "");
    let (access, refresh_token) = (
        field(&grant, "access_token"),
        field(&grant, "refresh_token"),
    );
    let revoked = field(&login(&before[0], "johndoe", ""), "access_token");
    revoke(&before[0], &revoked);
    drop(before);

    // Restarted on the new key, the old one kept as a previous key.
    let mut extra = shared;
    extra.push(("PREVIOUS_SECRET_KEYS".into(), OLD.into()));
    let after = start_fleet(&Env {
        secret_key: Some(NEW.into()),
        extra,
        ..Env::default()
    });
    for srv in &after {
        assert_eq!(
            me(srv, &access).status,
            200,
            "[{}] the old key's token",
            srv.label()
        );
        assert_eq!(
            me(srv, &revoked).status,
            401,
            "[{}] still revoked",
            srv.label()
        );
    }
    // The family survived the restart (it is in PostgreSQL) and now gets new-key tokens.
    let r = refresh(&after[1 % after.len()], &refresh_token, "");
    let fresh = field(&granted(&after[0], &r), "access_token");
    let header = fresh.split('.').next().unwrap_or_default().to_owned();
    let old_header = access.split('.').next().unwrap_or_default().to_owned();
    assert_ne!(
        header, old_header,
        "signed with the new key, named by its kid"
    );
    for srv in &after {
        assert_eq!(me(srv, &fresh).status, 200, "[{}]", srv.label());
    }
}
