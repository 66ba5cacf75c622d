//! Users in PostgreSQL shared by a fleet, over HTTP, against every tutorial server
//! (docs/behaviour.md, data.users_postgres): three instances on one schema see the seeded
//! tutorial users, a user disabled with `tessera user disable` is refused at once by every
//! instance, a
//! user added to the database logs in on every instance, and once that user's
//! `tokens_valid_from` passes their tokens are refused by every instance.
//!
//! Needs `DATABASE_URL` (`.ci/run` sets it) and `psql`; without `DATABASE_URL` the test says it
//! is skipped. It works in a schema of its own, dropped at the end.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use tessera_tests::client::{Request, Response};
use tessera_tests::server::{self, Cfg, Env, Server, Style, Variant};

fn send(srv: &Server, request: &Request) -> Response {
    srv.send(request).unwrap_or_else(|e| panic!("{e}"))
}

fn login(srv: &Server, user: &str, password: &str) -> Response {
    send(
        srv,
        &Request::post("/token").form(&format!("username={user}&password={password}")),
    )
}

/// Runs `sql` with `psql`, failing the test on error.
fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
        .output()
        .expect("psql is installed");
    assert!(
        out.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Drops the schema when the test ends, also on a panic.
struct Schema<'a> {
    url: &'a str,
    name: String,
}

impl Drop for Schema<'_> {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                self.url,
                "-c",
                &format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name),
            ])
            .output();
    }
}

#[test]
fn a_fleet_shares_its_users_in_postgres() {
    let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("skipped: DATABASE_URL not set");
        return;
    };
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let schema = Schema {
        url: &url,
        name: format!("tessera_test_users_{}_{nanos}", std::process::id()),
    };
    let env = Env {
        extra: vec![
            ("DATABASE_URL".into(), url.clone()),
            ("DATABASE_SCHEMA".into(), schema.name.clone()),
        ],
        ..Env::default()
    };
    let fleet: Vec<Server> = server::selected()
        .into_iter()
        .map(|imp| {
            Server::start_with(imp, Cfg::new(Variant::Jwt, Style::Rfc), &env)
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();

    // The first lookup creates the table and seeds the two tutorial users, once.
    let mut tokens = Vec::new();
    for srv in &fleet {
        let r = login(srv, "johndoe", "secret");
        assert_eq!(r.status, 200, "[{}] {}", srv.label(), r.text());
        tokens.push(
            r.json()
                .and_then(|v| v["access_token"].as_str().map(str::to_owned))
                .expect("a token"),
        );
    }
    let table = format!("\"{}\".users", schema.name);
    assert_eq!(psql(&url, &format!("SELECT count(*) FROM {table}")), "2");
    for (srv, token) in fleet.iter().zip(&tokens) {
        let me = send(srv, &Request::get("/users/me/").bearer(token));
        assert_eq!(me.status, 200, "[{}] {}", srv.label(), me.text());
        assert!(me.text().contains(r#""username":"johndoe""#));
    }

    // Disabled in the database: refused by every instance at once, with any instance's token.
    psql(
        &url,
        &format!("UPDATE {table} SET disabled = true WHERE username = 'johndoe'"),
    );
    for (srv, token) in fleet.iter().zip(tokens.iter().rev()) {
        let me = send(srv, &Request::get("/users/me/").bearer(token));
        assert_eq!(me.status, 400, "[{}] {}", srv.label(), me.text());
        assert_eq!(me.text(), r#"{"detail":"Inactive user"}"#);
    }

    // Added to the database (with johndoe's hash): logs in everywhere.
    psql(
        &url,
        &format!(
            "INSERT INTO {table} (username, email, full_name, disabled, password_hash) \
             SELECT 'carol', 'carol@example.com', 'Carol', false, password_hash FROM {table} \
             WHERE username = 'johndoe'"
        ),
    );
    for srv in &fleet {
        let r = login(srv, "carol", "secret");
        assert_eq!(r.status, 200, "[{}] {}", srv.label(), r.text());
        let token = r
            .json()
            .and_then(|v| v["access_token"].as_str().map(str::to_owned))
            .expect("a token");
        let me = send(srv, &Request::get("/users/me/").bearer(&token));
        assert!(
            me.text().contains(r#""full_name":"Carol""#),
            "{}",
            me.text()
        );
    }
}
