//! Conformance and parity: every row of docs/behaviour.md against the Rocket, Warp and axum tutorial
//! servers, in the four configurations (jwt/scopes × rfc/fastapi).
//!
//! Each configuration test starts one server per implementation, sends every applicable
//! scenario of the table (`conformance/table.rs`) to both, checks each answer against the spec
//! and the two answers against each other, then runs the multi-request sequences (issued
//! tokens across servers, the docs page, throttling). All failures are collected and reported
//! together; the full report is also written next to the server logs.

#[path = "conformance/expect.rs"]
mod expect;
#[path = "conformance/table.rs"]
mod table;
#[path = "conformance/tokens.rs"]
mod tokens;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use expect::{self as e, Expect, JOHN, JOHN_ITEMS, STATUS_OK};
use tessera_tests::client::{self, Request, Response};
use tessera_tests::server::{self, Cfg, Env, Server, Style, Variant};
use tessera_tests::token;

/// Collected failures of one test.
#[derive(Default)]
struct Report {
    failures: Vec<String>,
    checked: usize,
}

impl Report {
    fn fail(&mut self, msg: impl Into<String>) {
        self.failures.push(msg.into());
    }

    /// Checks `r` against `want`; returns whether it conformed.
    fn expect(&mut self, what: &str, srv: &Server, cfg: Cfg, want: &Expect, r: &Response) -> bool {
        self.checked += 1;
        let errors = e::check(cfg, want, r);
        for err in &errors {
            self.fail(format!("[{}] {what}: {err}", srv.label()));
        }
        errors.is_empty()
    }

    /// Sends `req` to `srv` and checks the answer; returns it when one came.
    fn send_expect(
        &mut self,
        what: &str,
        srv: &Server,
        cfg: Cfg,
        req: &Request,
        want: &Expect,
    ) -> Option<Response> {
        match srv.send(req) {
            Ok(r) => {
                self.expect(what, srv, cfg, want, &r);
                Some(r)
            }
            Err(err) => {
                self.fail(format!("[{}] {what}: no answer: {err}", srv.label()));
                None
            }
        }
    }

    fn parity(&mut self, what: &str, answers: &[(&Server, Response)], loose_retry_after: bool) {
        // Every server against the first.
        if let [(a, ra), rest @ ..] = answers {
            for (b, rb) in rest {
                for d in e::parity(ra, rb, loose_retry_after) {
                    self.fail(format!(
                        "[parity {} vs {}] {what}: {d}",
                        a.label(),
                        b.label()
                    ));
                }
            }
        }
    }

    fn finish(self, title: &str) {
        let dir = server::profile_dir().map(|d| d.join("tessera-tests-logs"));
        let mut text = format!(
            "{title}: {} checks, {} failures\n",
            self.checked,
            self.failures.len()
        );
        for f in &self.failures {
            let _ = writeln!(text, "- {f}");
        }
        if let Ok(dir) = &dir {
            let _ = std::fs::create_dir_all(dir);
            let _ = std::fs::write(dir.join(format!("{}.txt", title.replace('/', "-"))), &text);
        }
        if self.failures.is_empty() {
            println!("{}", text.lines().next().unwrap_or_default());
        } else {
            const SHOWN: usize = 150;
            let mut shown: String = text.lines().take(SHOWN + 1).collect::<Vec<_>>().join("\n");
            if self.failures.len() > SHOWN {
                let _ = write!(
                    shown,
                    "\n… {} more in {}",
                    self.failures.len() - SHOWN,
                    dir.map(|d| d.display().to_string()).unwrap_or_default()
                );
            }
            panic!("{shown}");
        }
    }
}

fn start_all(cfg: Cfg, env: &Env) -> Vec<Server> {
    let mut servers = Vec::new();
    let mut errors = Vec::new();
    for imp in server::selected() {
        match Server::start_with(imp, cfg, env) {
            Ok(s) => servers.push(s),
            Err(err) => errors.push(err),
        }
    }
    assert!(
        errors.is_empty(),
        "servers did not start:\n{}",
        errors.join("\n\n")
    );
    servers
}

fn login(body: &str) -> Request {
    Request::post("/token").form(body)
}

fn run_config(cfg: Cfg) {
    let servers = start_all(cfg, &Env::default());
    let mut report = Report::default();
    let mut count = 0;
    for s in table::scenarios().into_iter().filter(|s| (s.only)(cfg)) {
        count += 1;
        let req = (s.request)();
        let want = (s.expect)(cfg);
        let what = format!("{} [{}] ({})", s.name, s.row, req.describe());
        let mut answers = Vec::new();
        for srv in &servers {
            if let Some(r) = report.send_expect(&what, srv, cfg, &req, &want) {
                answers.push((srv, r));
            }
        }
        report.parity(&what, &answers, false);
    }
    println!(
        "{cfg}: {count} table scenarios on {} server(s)",
        servers.len()
    );
    issued_tokens(cfg, &servers, &mut report);
    docs(cfg, &servers, &mut report);
    success_clears_failures(cfg, &servers, &mut report);
    hashing_bound(cfg, &servers, &mut report);
    throttling(cfg, &servers, &mut report);
    for srv in &servers {
        if let Err(err) = srv.check_no_panic() {
            report.fail(err);
        }
    }
    report.finish(&format!(
        "conformance-{}-{}",
        cfg.variant.as_str(),
        cfg.style.as_str()
    ));
}

/// Logs in on `srv`; the token when the answer is a conforming token response.
fn get_token(
    report: &mut Report,
    srv: &Server,
    cfg: Cfg,
    user: &'static str,
    password: &str,
    scope: &'static str,
) -> Option<String> {
    let body = if scope.is_empty() {
        format!("username={user}&password={password}")
    } else {
        format!(
            "username={user}&password={password}&scope={}",
            scope.replace(' ', "+")
        )
    };
    let want = e::token_issued(cfg, user, scope);
    let what = format!("login {user} scope {scope:?}");
    let r = report.send_expect(&what, srv, cfg, &login(&body), &want)?;
    e::check_token(cfg, &r, user, scope, e::LIFETIME).ok()
}

/// Tokens issued by each server work on both servers (same `SECRET_KEY`), for the right user.
fn issued_tokens(cfg: Cfg, servers: &[Server], report: &mut Report) {
    let scope = match cfg.variant {
        Variant::Jwt => "",
        Variant::Scopes => "me items",
    };
    let mut issued = Vec::new();
    for srv in servers {
        let john = get_token(report, srv, cfg, "johndoe", "secret", scope);
        let alice = get_token(report, srv, cfg, "alice", "secret2", scope);
        issued.push((srv, john, alice));
    }
    for (from, john, alice) in &issued {
        for to in servers {
            let what = |w: &str| {
                format!(
                    "{w} with a token issued by {} [issue.interop]",
                    from.label()
                )
            };
            if let Some(t) = john {
                let me = Request::get("/users/me/").bearer(t);
                report.send_expect(&what("johndoe /users/me/"), to, cfg, &me, &e::ok(JOHN));
                let items = Request::get("/users/me/items/").bearer(t);
                report.send_expect(
                    &what("johndoe /users/me/items/"),
                    to,
                    cfg,
                    &items,
                    &e::ok(JOHN_ITEMS),
                );
            }
            if let Some(t) = alice {
                let me = Request::get("/users/me/").bearer(t);
                report.send_expect(&what("alice /users/me/"), to, cfg, &me, &e::inactive_user());
                if cfg.variant == Variant::Scopes {
                    let status = Request::get("/status/").bearer(t);
                    report.send_expect(
                        &what("alice /status/"),
                        to,
                        cfg,
                        &status,
                        &e::ok(STATUS_OK),
                    );
                }
            }
        }
    }
}

/// The asset references (`src=`, `href=`) of an HTML page.
fn asset_refs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\"", "src='", "href='"] {
        let quote = attr.chars().last().unwrap_or('"');
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            if let Some(j) = rest.find(quote) {
                out.push(rest[..j].to_string());
                rest = &rest[j..];
            }
        }
    }
    out
}

/// `GET /docs`: Swagger UI served at /docs from the binary; `/docs/` not a second page.
fn docs(cfg: Cfg, servers: &[Server], report: &mut Report) {
    let mut pages = Vec::new();
    for srv in servers {
        let what = "GET /docs [docs.page]";
        let r = match srv.send(&Request::get("/docs")) {
            Ok(r) => r,
            Err(err) => {
                report.fail(format!("[{}] {what}: {err}", srv.label()));
                continue;
            }
        };
        report.checked += 1;
        let ct = r.header("content-type").unwrap_or_default();
        if r.status != 200 || !ct.starts_with("text/html") {
            report.fail(format!(
                "[{}] {what}: status {} content-type {ct:?}, want 200 text/html",
                srv.label(),
                r.status
            ));
            continue;
        }
        let html = r.text();
        if !html.to_ascii_lowercase().contains("swagger") {
            report.fail(format!(
                "[{}] {what}: the page is not Swagger UI",
                srv.label()
            ));
        }
        for asset in asset_refs(&html) {
            if asset.starts_with("http:") || asset.starts_with("https:") || asset.starts_with("//")
            {
                report.fail(format!(
                    "[{}] {what}: asset from elsewhere: {asset}",
                    srv.label()
                ));
                continue;
            }
            if asset.starts_with('#') || asset.starts_with("data:") {
                continue;
            }
            // Resolve against the page URL /docs.
            let path = if asset.starts_with('/') {
                asset.clone()
            } else {
                format!("/{}", asset.trim_start_matches("./"))
            };
            match srv.send(&Request::get(&path)) {
                Ok(a) if a.status == 200 && !a.body.is_empty() => {}
                Ok(a) => report.fail(format!(
                    "[{}] {what}: asset {asset} (GET {path}) answers {}",
                    srv.label(),
                    a.status
                )),
                Err(err) => report.fail(format!("[{}] {what}: asset {asset}: {err}", srv.label())),
            }
        }
        let slash = Request::get("/docs/");
        match srv.send(&slash) {
            Ok(r) if r.status == 200 => report.fail(format!(
                "[{}] GET /docs/ [docs.page]: a page at /docs/ would post to /docs/token; it must redirect to /docs or not exist",
                srv.label()
            )),
            Ok(r) if (300..400).contains(&r.status) => {
                let loc = r.header("location").unwrap_or_default();
                if let Err(err) = e::location_is(&loc, "/docs") {
                    report.fail(format!("[{}] GET /docs/ [docs.page]: {err}", srv.label()));
                }
            }
            Ok(_) => {}
            Err(err) => report.fail(format!("[{}] GET /docs/: {err}", srv.label())),
        }
        pages.push((srv, r));
    }
    report.parity(&format!("GET /docs ({cfg})"), &pages, false);
}

/// A successful login clears the failures: 4 failures, a success, 4 failures, a success.
fn success_clears_failures(cfg: Cfg, servers: &[Server], report: &mut Report) {
    for srv in servers {
        get_token(report, srv, cfg, "johndoe", "secret", "");
        for round in 0..2 {
            for i in 0..4 {
                let what = format!("round {round} failure {i} [token.clears]");
                report.send_expect(
                    &what,
                    srv,
                    cfg,
                    &login("username=johndoe&password=nope"),
                    &e::invalid_grant(cfg),
                );
            }
            get_token(report, srv, cfg, "johndoe", "secret", "");
        }
    }
}

/// Simultaneous logins from one client: one at a time is hashed, the others get 429 at once
/// (token.concurrency); each answer is a token or a 429.
fn hashing_bound(cfg: Cfg, servers: &[Server], report: &mut Report) {
    const N: usize = 24;
    for srv in servers {
        let barrier = Arc::new(Barrier::new(N));
        let addr = srv.addr();
        let handles: Vec<_> = (0..N)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || {
                    let req = login("username=johndoe&password=secret");
                    let bytes = req.to_bytes(addr);
                    barrier.wait();
                    client::exchange(addr, bytes, client::End::Read)
                })
            })
            .collect();
        let mut busy = 0;
        for h in handles {
            let outcome = h.join().map_err(|_| "thread panicked".to_string());
            match outcome.as_ref().map(client::Outcome::response) {
                Ok(Some(r)) if r.status == 200 => {
                    report.expect(
                        "concurrent login [token.throttle]",
                        srv,
                        cfg,
                        &e::token_issued(cfg, "johndoe", ""),
                        r,
                    );
                }
                Ok(Some(r)) => {
                    busy += 1;
                    report.expect(
                        "concurrent login while the client has one under way [token.concurrency]",
                        srv,
                        cfg,
                        &e::throttled(),
                        r,
                    );
                }
                other => report.fail(format!(
                    "[{}] concurrent login [token.throttle]: no answer: {other:?}",
                    srv.label()
                )),
            }
        }
        if busy == 0 {
            report.fail(format!(
                "[{}] {N} simultaneous logins from one client all hashed: no 429 [token.concurrency]",
                srv.label()
            ));
        }
    }
}

/// Five failures for one username (unknown, then known) within 60 s: 429 with Retry-After,
/// after the form checks and before the credentials.
fn throttling(cfg: Cfg, servers: &[Server], report: &mut Report) {
    let mut throttled_answers = Vec::new();
    for srv in servers {
        let user = "ghost-throttle";
        for i in 0..5 {
            let what = format!("{user} failure {} [token.throttle]", i + 1);
            report.send_expect(
                &what,
                srv,
                cfg,
                &login(&format!("username={user}&password=p{i}")),
                &e::invalid_grant(cfg),
            );
        }
        let t = report.send_expect(
            "6th attempt [token.throttle]",
            srv,
            cfg,
            &login(&format!("username={user}&password=p")),
            &e::throttled(),
        );
        if let Some(r) = t {
            throttled_answers.push((srv, r));
        }
        // The checks before throttling still answer first.
        report.send_expect(
            "throttled user, password missing [token.order]",
            srv,
            cfg,
            &login(&format!("username={user}")),
            &e::missing_fields(cfg, &["password"]),
        );
        report.send_expect(
            "throttled user, password too long [token.order]",
            srv,
            cfg,
            &login(&format!("username={user}&password={}", "a".repeat(1025))),
            &e::invalid_request(&[]),
        );
        report.send_expect(
            "throttled user, bad grant_type [token.order]",
            srv,
            cfg,
            &login(&format!("grant_type=x&username={user}&password=p")),
            &e::bad_grant_type(cfg, "x", &[]),
        );
        report.send_expect(
            "throttled user, still throttled [token.throttle]",
            srv,
            cfg,
            &login(&format!("username={user}&password=p")),
            &e::throttled(),
        );
        // Another username is not affected.
        report.send_expect(
            "another unknown user [token.throttle]",
            srv,
            cfg,
            &login("username=ghost-other&password=p"),
            &e::invalid_grant(cfg),
        );
        // A known user: throttled even with the right password.
        get_token(report, srv, cfg, "alice", "secret2", "");
        for i in 0..5 {
            let what = format!("alice failure {} [token.throttle]", i + 1);
            report.send_expect(
                &what,
                srv,
                cfg,
                &login("username=alice&password=wrong"),
                &e::invalid_grant(cfg),
            );
        }
        report.send_expect(
            "alice with the right password while throttled [token.throttle]",
            srv,
            cfg,
            &login("username=alice&password=secret2"),
            &e::throttled(),
        );
    }
    report.parity("429 after five failures", &throttled_answers, true);
}

fn jwt_rfc() -> Cfg {
    Cfg::new(Variant::Jwt, Style::Rfc)
}

#[test]
fn jwt_rfc_conforms() {
    run_config(jwt_rfc());
}

#[test]
fn jwt_fastapi_conforms() {
    run_config(Cfg::new(Variant::Jwt, Style::FastApi));
}

#[test]
fn scopes_rfc_conforms() {
    run_config(Cfg::new(Variant::Scopes, Style::Rfc));
}

#[test]
fn scopes_fastapi_conforms() {
    run_config(Cfg::new(Variant::Scopes, Style::FastApi));
}

/// `SECRET_KEY` shorter than 32 bytes: refused at start.
#[test]
fn short_secret_key_is_refused() {
    let mut report = Report::default();
    for imp in server::selected() {
        for key in ["too-short", "0123456789abcdef0123456789abcde"] {
            let env = Env {
                secret_key: Some(key.into()),
                ..Env::default()
            };
            let exited =
                Server::run_expecting_exit(imp, &jwt_rfc().args(), &env, Duration::from_secs(30))
                    .unwrap_or_else(|err| panic!("{err}"));
            report.checked += 1;
            let bad = match exited.status {
                None => Some("still running after 30 s".to_string()),
                Some(s) if s.success() => Some(format!("exited successfully ({s})")),
                Some(_) if exited.listened => Some("accepted connections before exiting".into()),
                Some(_) => None,
            };
            if let Some(bad) = bad {
                report.fail(format!(
                    "[{imp}] SECRET_KEY of {} bytes [data.key]: {bad}; log:\n{}",
                    key.len(),
                    server::tail(&exited.log, 10)
                ));
            }
        }
    }
    report.finish("startup-short-key");
}

/// `SECRET_KEY` unset: a random key (the tutorial key's tokens fail) and a warning.
#[test]
fn unset_secret_key_means_a_random_key() {
    let cfg = jwt_rfc();
    let env = Env {
        secret_key: None,
        ..Env::default()
    };
    let servers = start_all(cfg, &env);
    let mut report = Report::default();
    for srv in &servers {
        if !srv.log_text().contains("SECRET_KEY") {
            report.fail(format!(
                "[{}] no warning naming SECRET_KEY in the log [data.key]: {:?}",
                srv.label(),
                server::tail(&srv.log_text(), 5)
            ));
        }
        let foreign = token::mint(&tokens::claims("johndoe", None));
        report.send_expect(
            "tutorial-key token under a random key [data.key]",
            srv,
            cfg,
            &Request::get("/users/me/").bearer(&foreign),
            &e::invalid_token(cfg, ""),
        );
        let r = report.send_expect(
            "login under a random key [data.key]",
            srv,
            cfg,
            &login("username=johndoe&password=secret"),
            &Expect::json(200, e::Body::Any),
        );
        let Some(t) = r
            .and_then(|r| r.json())
            .and_then(|v| v["access_token"].as_str().map(String::from))
        else {
            report.fail(format!("[{}] no token under a random key", srv.label()));
            continue;
        };
        if token::verifies(&t) {
            report.fail(format!(
                "[{}] the random key is the tutorial key [data.key]",
                srv.label()
            ));
        }
        report.send_expect(
            "own token under a random key [data.key]",
            srv,
            cfg,
            &Request::get("/users/me/").bearer(&t),
            &e::ok(JOHN),
        );
    }
    if let [a, b] = servers.as_slice() {
        // Each process draws its own key: a token from one fails on the other.
        let r = a.send(&login("username=johndoe&password=secret"));
        if let Some(t) = r
            .ok()
            .and_then(|r| r.json())
            .and_then(|v| v["access_token"].as_str().map(String::from))
        {
            report.send_expect(
                "token of another random-key process [data.key]",
                b,
                cfg,
                &Request::get("/users/me/").bearer(&t),
                &e::invalid_token(cfg, ""),
            );
        }
    }
    report.finish("startup-random-key");
}

/// `ACCESS_TOKEN_EXPIRE_MINUTES` sets `expires_in` and `exp - iat`.
#[test]
fn token_lifetime_comes_from_the_environment() {
    let mut report = Report::default();
    for cfg in [jwt_rfc(), Cfg::new(Variant::Scopes, Style::FastApi)] {
        let env = Env {
            expire_minutes: Some("5".into()),
            ..Env::default()
        };
        let servers = start_all(cfg, &env);
        let mut answers = Vec::new();
        for srv in &servers {
            let want = e::token_issued_for(cfg, "johndoe", "", 300);
            if let Some(r) = report.send_expect(
                "lifetime 5 minutes [data.lifetime]",
                srv,
                cfg,
                &login("username=johndoe&password=secret"),
                &want,
            ) {
                answers.push((srv, r));
            }
        }
        report.parity("lifetime 5 minutes", &answers, false);
    }
    report.finish("startup-lifetime");
}

/// Every docs/behaviour.md row is checked by a table scenario or a sequence.
#[test]
fn every_spec_row_is_covered() {
    // Rows checked by the sequences in this file, or by checks that run on every answer
    // (token header and claims in every token response; content type, detail member and
    // challenge on every response; challenges per route in every route scenario).
    let checked_elsewhere: &[&str] = &[
        "issue.interop",
        "docs.page",
        "token.clears",
        "token.throttle",
        "token.concurrency",
        "token.order",
        "data.key",
        "data.lifetime",
        "issue.header",
        "issue.claims",
        "general.content_type",
        "general.detail",
        "route.challenge",
    ];
    let ids: BTreeSet<&str> = table::ROWS.iter().map(|(id, _)| *id).collect();
    let mut used: BTreeSet<&str> = table::scenarios().iter().map(|s| s.row).collect();
    for row in &used {
        assert!(ids.contains(row), "scenario row {row} is not in ROWS");
    }
    used.extend(checked_elsewhere);
    let missing: Vec<_> = table::ROWS
        .iter()
        .filter(|(id, _)| !used.contains(id))
        .collect();
    assert!(missing.is_empty(), "rows without a check: {missing:?}");
    let names: Vec<String> = table::scenarios().into_iter().map(|s| s.name).collect();
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "scenario names are unique");
}
