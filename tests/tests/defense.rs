//! Login defense over HTTP, against every tutorial server (docs/behaviour.md: token.throttle,
//! token.client, token.concurrency, token.shared_throttle; docs/security.md, O5):
//! - two clients on different loopback addresses: one locked on johndoe, the other logs in;
//! - many concurrent guesses from many clients never pass the username limit;
//! - a fleet of instances sharing one Redis: five failures spread over them lock the pair on
//!   every instance, and a restarted instance still refuses; simultaneous guesses spread over
//!   the fleet never pass the limit;
//! - Redis stopped mid-run: `/token` answers 503, token routes keep answering; Redis back:
//!   logins work again.
//!
//! The Redis tests need `REDIS_URL` (`.ci/run` sets it) and `redis-server` on the `PATH`; without
//! `REDIS_URL` they print that they are skipped. Each uses its own key prefix.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tessera_tests::client::{self, Request, Response};
use tessera_tests::server::{self, Cfg, Env, Impl, Server, Style, Variant};

const SECOND_CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

fn cfg() -> Cfg {
    Cfg::new(Variant::Jwt, Style::Rfc)
}

/// Both error styles of the jwt variant, with the status of a wrong password in each.
const STYLES: [(Style, u16); 2] = [(Style::Rfc, 400), (Style::FastApi, 401)];

/// The body of every failure-limit refusal, in both styles.
const THROTTLED: &str = r#"{"detail":"Too many failed login attempts; try again later"}"#;

fn env(extra: &[(&str, &str)]) -> Env {
    Env {
        extra: extra
            .iter()
            .map(|(n, v)| ((*n).to_string(), (*v).to_string()))
            .collect(),
        ..Env::default()
    }
}

fn start(imp: Impl, env: &Env) -> Server {
    start_as(imp, cfg(), env)
}

fn start_as(imp: Impl, cfg: Cfg, env: &Env) -> Server {
    Server::start_with(imp, cfg, env).unwrap_or_else(|e| panic!("{e}"))
}

fn login(user: &str, password: &str) -> Request {
    Request::post("/token").form(&format!("username={user}&password={password}"))
}

fn send(srv: &Server, request: &Request) -> Response {
    srv.send(request).unwrap_or_else(|e| panic!("{e}"))
}

fn retry_after(r: &Response) -> u64 {
    r.header("retry-after")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After in {}", r.text()))
}

fn unique_prefix(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("tessera-test:{test}:{}:{nanos}:", std::process::id())
}

fn redis_url() -> Option<String> {
    let url = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("skipped: REDIS_URL not set");
    }
    url
}

#[test]
fn a_locked_client_does_not_lock_out_another() {
    for imp in server::selected() {
        for (style, wrong) in STYLES {
            let srv = start_as(imp, Cfg::new(Variant::Jwt, style), &Env::default());
            for i in 0..5 {
                let r = send(&srv, &login("johndoe", "wrong"));
                assert_eq!(
                    r.status,
                    wrong,
                    "[{}] failure {}: {}",
                    srv.label(),
                    i + 1,
                    r.text()
                );
            }
            let locked = send(&srv, &login("johndoe", "secret"));
            assert_eq!(locked.status, 429, "[{}] {}", srv.label(), locked.text());
            assert_eq!(locked.text(), THROTTLED, "[{}]", srv.label());
            assert!((1..=60).contains(&retry_after(&locked)));
            let other = client::send_from(SECOND_CLIENT, srv.addr(), &login("johndoe", "secret"))
                .unwrap_or_else(|e| panic!("[{}] {e}", srv.label()));
            assert_eq!(other.status, 200, "[{}] {}", srv.label(), other.text());
            // The proxy header is not trusted by default: it cannot make the locked client new.
            let forged = send(
                &srv,
                &login("johndoe", "secret").header("X-Forwarded-For", "198.51.100.9"),
            );
            assert_eq!(forged.status, 429, "[{}] {}", srv.label(), forged.text());
        }
    }
}

/// `n` wrong passwords for johndoe sent at once (each from its own proxied client
/// `10.<net>.x.y`, spread over `addrs`); the status of each answer.
fn guess_at_once(addrs: &[SocketAddr], n: usize, net: u8) -> Vec<Option<u16>> {
    let barrier = Arc::new(Barrier::new(n));
    let guesses: Vec<_> = (0..n)
        .map(|i| {
            let addr = addrs[i % addrs.len()];
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                let client = format!("10.{net}.{}.{}", i / 100, i % 100 + 1);
                let bytes = login("johndoe", "wrong")
                    .header("X-Forwarded-For", client)
                    .to_bytes(addr);
                barrier.wait();
                client::exchange(addr, bytes, client::End::Read)
                    .response()
                    .map(|r| r.status)
            })
        })
        .collect();
    guesses
        .into_iter()
        .map(|g| g.join().expect("thread"))
        .collect()
}

#[test]
fn concurrent_guesses_never_pass_the_limit() {
    const N: usize = 30;
    let env = env(&[
        ("TRUSTED_PROXY_HOPS", "1"),
        ("LOGIN_USERNAME_FAILURE_LIMIT", "5"),
    ]);
    for (imp, (style, wrong)) in server::selected().into_iter().zip(STYLES.iter().cycle()) {
        let srv = start_as(imp, Cfg::new(Variant::Jwt, *style), &env);
        let mut statuses = guess_at_once(&[srv.addr()], N, 9);
        statuses.sort_unstable();
        let failed = statuses.iter().filter(|s| **s == Some(*wrong)).count();
        let refused = statuses.iter().filter(|s| **s == Some(429)).count();
        assert_eq!(
            (failed, refused),
            (5, N - 5),
            "[{}] {statuses:?}",
            srv.label()
        );
        // The username is now locked for every client, including a new one.
        let r = send(
            &srv,
            &login("johndoe", "secret").header("X-Forwarded-For", "10.8.0.1"),
        );
        assert_eq!(r.status, 429, "[{}] {}", srv.label(), r.text());
        assert_eq!(r.text(), THROTTLED, "[{}]", srv.label());
    }
}

#[test]
fn a_fleet_on_one_redis_shares_the_count_across_restarts() {
    let Some(url) = redis_url() else { return };
    let prefix = unique_prefix("fleet");
    let env = env(&[("REDIS_URL", &url), ("REDIS_KEY_PREFIX", &prefix)]);
    let mut imps = server::selected();
    // Two instances of one framework as well as one of each.
    if let Some(&first) = imps.first() {
        imps.push(first);
    }
    let mut fleet: Vec<Server> = imps.iter().map(|&imp| start(imp, &env)).collect();
    for i in 0..5 {
        let srv = &fleet[i % fleet.len()];
        let r = send(srv, &login("johndoe", "wrong"));
        assert_eq!(
            r.status,
            400,
            "[{}] failure {}: {}",
            srv.label(),
            i + 1,
            r.text()
        );
    }
    for srv in &fleet {
        let r = send(srv, &login("johndoe", "secret"));
        assert_eq!(r.status, 429, "[{}] {}", srv.label(), r.text());
    }
    // Another client is not locked out, on any instance.
    let r = client::send_from(SECOND_CLIENT, fleet[0].addr(), &login("johndoe", "secret"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status, 200, "{}", r.text());
    // A restarted instance forgets nothing.
    let imp = fleet[0].imp();
    drop(fleet.remove(0));
    let restarted = start(imp, &env);
    let r = send(&restarted, &login("johndoe", "secret"));
    assert_eq!(
        r.status,
        429,
        "[{} restarted] {}",
        restarted.label(),
        r.text()
    );
}

#[test]
fn concurrent_guesses_across_a_fleet_never_pass_the_limit() {
    const N: usize = 32;
    let Some(url) = redis_url() else { return };
    let prefix = unique_prefix("fleet-race");
    let env = env(&[
        ("REDIS_URL", &url),
        ("REDIS_KEY_PREFIX", &prefix),
        ("TRUSTED_PROXY_HOPS", "1"),
        ("LOGIN_USERNAME_FAILURE_LIMIT", "5"),
    ]);
    let fleet: Vec<Server> = server::selected()
        .into_iter()
        .cycle()
        .take(4)
        .map(|imp| start(imp, &env))
        .collect();
    let addrs: Vec<SocketAddr> = fleet.iter().map(Server::addr).collect();
    let statuses = guess_at_once(&addrs, N, 7);
    let wrong = statuses.iter().filter(|s| **s == Some(400)).count();
    let refused = statuses.iter().filter(|s| **s == Some(429)).count();
    assert_eq!((wrong, refused), (5, N - 5), "{statuses:?}");
}

/// A private `redis-server` on a port of its own, stopped on drop.
struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            thread::sleep(Duration::from_millis(50));
        }
        Self {
            port,
            child: Some(child),
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Retries `request` until `done` holds for its answer, for at most `within`.
fn eventually(
    srv: &Server,
    request: &Request,
    within: Duration,
    done: impl Fn(&Response) -> bool,
) -> Response {
    let deadline = Instant::now() + within;
    loop {
        let r = send(srv, request);
        if done(&r) || Instant::now() > deadline {
            return r;
        }
        thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn logins_fail_closed_while_redis_is_down() {
    if redis_url().is_none() {
        return;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a: SocketAddr| a.port())
        .expect("a free port");
    let mut redis = PrivateRedis::start(port);
    let url = format!("redis://127.0.0.1:{}/", redis.port);
    let prefix = unique_prefix("down");
    let env = env(&[("REDIS_URL", &url), ("REDIS_KEY_PREFIX", &prefix)]);
    let servers: Vec<Server> = server::selected()
        .into_iter()
        .map(|imp| start(imp, &env))
        .collect();
    let mut tokens = Vec::new();
    for srv in &servers {
        let r = send(srv, &login("johndoe", "secret"));
        assert_eq!(r.status, 200, "[{}] {}", srv.label(), r.text());
        let token = r
            .json()
            .and_then(|v| v["access_token"].as_str().map(str::to_owned));
        tokens.push(token.expect("a token"));
    }
    redis.stop();
    for (srv, token) in servers.iter().zip(&tokens) {
        let r = eventually(
            srv,
            &login("johndoe", "secret"),
            Duration::from_secs(10),
            |r| r.status != 200,
        );
        assert_eq!(r.status, 503, "[{}] {}", srv.label(), r.text());
        assert_eq!(r.text(), r#"{"detail":"Service Unavailable"}"#);
        assert!(retry_after(&r) >= 1);
        // Not even a wrong password is checked meanwhile.
        let r = send(srv, &login("johndoe", "wrong"));
        assert_eq!(r.status, 503, "[{}] {}", srv.label(), r.text());
        // The revoked tokens are in the same Redis: a token cannot be told unrevoked, so a
        // route that verifies one answers 503 too (tok.revoked); one that reads no token
        // still works.
        let me = send(srv, &Request::get("/users/me/").bearer(token));
        assert_eq!(me.status, 503, "[{}] {}", srv.label(), me.text());
        assert_eq!(me.text(), r#"{"detail":"Service Unavailable"}"#);
        assert!(retry_after(&me) >= 1);
        let items = send(srv, &Request::get("/items/").bearer(token));
        assert_eq!(items.status, 200, "[{}] {}", srv.label(), items.text());
    }
    let _redis = PrivateRedis::start(port);
    for srv in &servers {
        let r = eventually(
            srv,
            &login("johndoe", "secret"),
            Duration::from_secs(15),
            |r| r.status == 200,
        );
        assert_eq!(
            r.status,
            200,
            "[{} after Redis came back] {}",
            srv.label(),
            r.text()
        );
    }
    for (srv, token) in servers.iter().zip(&tokens) {
        let me = send(srv, &Request::get("/users/me/").bearer(token));
        assert_eq!(
            me.status,
            200,
            "[{} after Redis came back] {}",
            srv.label(),
            me.text()
        );
    }
}
