//! Slow and careless clients, over raw sockets, against the tutorial servers started with
//! one-second limits (`HEADER_TIMEOUT_SECS=1`, `BODY_TIMEOUT_SECS=1`); and the servers' logs
//! after requests that carry secrets.
//!
//! What is checked, per server (docs/behaviour.md, "Connections and logs": `conn.*`,
//! `log.no_secrets`, `adapter.rocket_limits`; docs/security.md B4):
//! - a connection that never finishes its request headers is closed (Warp and axum; Rocket
//!   0.5.2 sets no header deadline, see "Known limitations" in `crates/rocket/src/lib.rs`);
//! - a `/token` body that stops arriving is answered 400 or closed (both);
//! - `Expect: 100-continue` with an oversized `Content-Length` gets 413 at once, with no
//!   `100 Continue` (Warp and axum; Rocket reads 14 bytes of every body first, same section);
//! - a valid `Authorization` header plus a second one that is not UTF-8 is two headers: 400
//!   in the rfc style (Warp and axum; Rocket drops the second before guards run, same
//!   section);
//! - no log line holds a query string value, a token or a password (both).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use tessera_tests::client::{self, End, Outcome, Request};
use tessera_tests::server::{self, Cfg, Env, Impl, Server, Style, Variant};
use tessera_tests::token;

/// How long a server may take past its one-second limit to close a connection.
const GRACE: Duration = Duration::from_secs(4);

fn one_second_limits() -> Env {
    Env {
        extra: vec![
            ("HEADER_TIMEOUT_SECS".into(), "1".into()),
            ("BODY_TIMEOUT_SECS".into(), "1".into()),
        ],
        ..Env::default()
    }
}

fn start(imp: Impl) -> Server {
    Server::start_with(
        imp,
        Cfg::new(Variant::Jwt, Style::Rfc),
        &one_second_limits(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Connects, writes `first`, then writes `drip` one byte every 200 ms (until the server
/// closes or `GRACE` is over), reading whatever comes back. Returns what was read and when
/// the server closed the connection (`None`: still open at the end).
fn dribble(addr: SocketAddr, first: &[u8], drip: &[u8]) -> (Vec<u8>, Option<Duration>) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let start = Instant::now();
    let mut got = Vec::new();
    if stream.write_all(first).is_err() {
        return (got, Some(start.elapsed()));
    }
    let mut drip = drip.iter().cycle();
    let deadline = Duration::from_secs(1) + GRACE;
    while start.elapsed() < deadline {
        let mut buf = [0u8; 4096];
        match stream.read(&mut buf) {
            Ok(0) => return (got, Some(start.elapsed())),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (got, Some(start.elapsed())),
        }
        if let Some(&b) = drip.next()
            && stream.write_all(&[b]).is_err()
        {
            // The server has closed its side; read what it may have sent.
            let _ = stream.read_to_end(&mut got);
            return (got, Some(start.elapsed()));
        }
    }
    (got, None)
}

/// The servers whose adapters run their own connection loop (Warp and axum, through
/// `tessera_service::serve`); Rocket 0.5.2 cannot (see the module docs).
fn own_loop() -> Vec<Impl> {
    server::selected()
        .into_iter()
        .filter(|&i| i != Impl::Rocket)
        .collect()
}

#[test]
fn a_connection_sending_nothing_is_closed() {
    for imp in own_loop() {
        let srv = start(imp);
        let (got, closed) = dribble(srv.addr(), b"", b"");
        assert!(
            closed.is_some(),
            "[{}] still open after {GRACE:?} past the limit",
            srv.label()
        );
        assert!(
            got.is_empty() || got.starts_with(b"HTTP/1.1 408"),
            "{got:?}"
        );
    }
}

#[test]
fn headers_dribbled_byte_by_byte_are_cut_off() {
    for imp in own_loop() {
        let srv = start(imp);
        // A header that never ends, one byte every 200 ms: each byte is progress, but the limit
        // is on the whole header section.
        let (got, closed) = dribble(
            srv.addr(),
            b"GET /users/me/ HTTP/1.1\r\nHost: x\r\nX-Slow: ",
            b"a",
        );
        let after = closed.unwrap_or_else(|| panic!("[{}] still open", srv.label()));
        assert!(
            after >= Duration::from_millis(800),
            "closed after {after:?}, before the limit"
        );
        assert!(!String::from_utf8_lossy(&got).contains("200 OK"), "{got:?}");
    }
}

#[test]
fn a_stalled_token_body_is_refused() {
    for imp in server::selected() {
        let srv = start(imp);
        // 20 of the 100 announced bytes, then nothing.
        let head = "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername=johndoe&pa";
        let (got, closed) = dribble(srv.addr(), head.as_bytes(), b"");
        let text = String::from_utf8_lossy(&got);
        assert!(
            closed.is_some() || text.starts_with("HTTP/1.1 400"),
            "[{}] a stalled body is still waited for: {text:?}",
            srv.label()
        );
        assert!(
            text.is_empty() || text.starts_with("HTTP/1.1 400"),
            "[{}] {text:?}",
            srv.label()
        );
    }
}

#[test]
fn expect_continue_with_an_oversized_body_gets_413_at_once() {
    for imp in own_loop() {
        let srv = start(imp);
        let head = "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\nContent-Length: 100000000\r\n\r\n";
        let (got, _) = dribble(srv.addr(), head.as_bytes(), b"");
        let text = String::from_utf8_lossy(&got);
        assert!(
            text.starts_with("HTTP/1.1 413"),
            "[{}] {text:?}",
            srv.label()
        );
        assert!(!text.contains("100 Continue"), "[{}] {text:?}", srv.label());
    }
}

#[test]
fn a_second_authorization_header_that_is_not_utf8_is_seen() {
    for imp in own_loop() {
        let srv = start(imp);
        let good = token::mint(&serde_json::json!({
            "sub": "johndoe", "iat": token::now(), "exp": token::now() + 600
        }));
        let req = Request::get("/users/me/")
            .bearer(&good)
            .header("Authorization", b"Bearer \xe9");
        match client::exchange(srv.addr(), req.to_bytes(srv.addr()), End::Read) {
            Outcome::Answered(r) => assert_eq!(r.status, 400, "[{}] {}", srv.label(), r.text()),
            other => panic!("[{}] {other:?}", srv.label()),
        }
    }
}

#[test]
fn secrets_never_reach_the_logs() {
    const SECRETS: [&str; 6] = [
        "QUERYTOKEN-4be1",
        "QUERYPASSWORD-9c2d",
        "BODYPASSWORD-77aa",
        "BEARER-51f0",
        "NOTFOUNDQUERY-0d3e",
        "BADMETHODQUERY-6a8b",
    ];
    for imp in server::selected() {
        let srv = start(imp);
        let requests = [
            Request::get(&format!("/users/me/?access_token={}", SECRETS[0])),
            Request::post(&format!("/token?password={}", SECRETS[1]))
                .form(&format!("username=johndoe&password={}", SECRETS[2])),
            Request::get("/users/me/").bearer(SECRETS[3]),
            Request::get(&format!("/nope?q={}", SECRETS[4])),
            Request::new("FOO", &format!("/token?x={}", SECRETS[5])),
            Request::get(&format!("/users/me?access_token={}", SECRETS[0])),
            Request::get("/users/me/").header("Authorization", b"Bearer \xe9"),
        ];
        for r in &requests {
            let _ = client::exchange(srv.addr(), r.to_bytes(srv.addr()), End::Read);
        }
        // Give a buffered logger a moment.
        std::thread::sleep(Duration::from_millis(300));
        let log = srv.log_text();
        for s in SECRETS {
            let lines: Vec<&str> = log.lines().filter(|l| l.contains(s)).collect();
            assert!(
                lines.is_empty(),
                "[{}] the log holds {s}:\n{}",
                srv.label(),
                lines.join("\n")
            );
        }
    }
}
