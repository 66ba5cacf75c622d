//! Over real sockets: bodies without `Content-Length`, bodies that stall or break off, raw
//! header bytes, and the `warp-tutorial` binary itself.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tessera_core::http::Style;
use tessera_tutorial::{Users, Variant};
use tessera_warp::Tessera;

use crate::support::*;

/// Serves the jwt/rfc app on a free port, with `body_timeout`.
async fn serve(body_timeout: Duration) -> SocketAddr {
    let (variant, style) = (Variant::Jwt, Style::Rfc);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tessera = Tessera::new(
        Arc::new(service_with_key(variant, style, KEY)),
        Arc::new(Users::default()),
    )
    .with_body_timeout(body_timeout);
    let filter = warp_tutorial::app_with(&options(variant, style), tessera);
    tokio::spawn(warp::serve(filter).incoming(listener).run());
    addr
}

fn head(method: &str, path: &str, extra: &str) -> Vec<u8> {
    format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{extra}\r\n")
        .into_bytes()
}

fn chunk(data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

/// Runs `steps` on a new connection and parses the answer.
async fn send(addr: SocketAddr, steps: Vec<Step>) -> (Reply, Duration) {
    let (raw, elapsed) = exchange(addr, steps).await;
    (parse_response(&raw), elapsed)
}

const FORM_CHUNKED: &str =
    "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_body_without_content_length() {
    let addr = serve(Duration::from_secs(10)).await;
    let steps = vec![
        Step::Send(head("POST", "/token", FORM_CHUNKED)),
        Step::Send(chunk(b"username=john")),
        Step::Pause(Duration::from_millis(50)),
        Step::Send(chunk(b"doe&password=secret")),
        Step::Send(b"0\r\n\r\n".to_vec()),
    ];
    let (reply, _) = send(addr, steps).await;
    let token = reply.access_token();
    let start = reply
        .body
        .find(r#""refresh_token":""#)
        .expect("a refresh token")
        + 17;
    let refresh = &reply.body[start..start + 43];
    reply.assert(
        200,
        &format!(
            r#"{{"access_token":"{token}","token_type":"bearer","expires_in":{LIFETIME},"refresh_token":"{refresh}"}}"#
        ),
        None,
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_body_over_the_limit_is_413() {
    let addr = serve(Duration::from_secs(10)).await;
    let mut steps = vec![Step::Send(head("POST", "/token", FORM_CHUNKED))];
    steps.extend((0..17).map(|_| Step::Send(chunk(&[b'a'; 1024]))));
    steps.push(Step::Send(b"0\r\n\r\n".to_vec()));
    let (reply, _) = send(addr, steps).await;
    reply.assert(413, r#"{"detail":"Request body too large"}"#, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_length_over_the_limit_is_413_without_reading() {
    let addr = serve(Duration::from_secs(10)).await;
    let steps = vec![Step::Send(head(
        "POST",
        "/token",
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\n",
    ))];
    let (reply, elapsed) = send(addr, steps).await;
    reply.assert(413, r#"{"detail":"Request body too large"}"#, None);
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_body_is_answered_after_the_timeout() {
    let addr = serve(Duration::from_millis(300)).await;
    let steps = vec![
        Step::Send(head(
            "POST",
            "/token",
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n",
        )),
        Step::Send(b"username=johndoe".to_vec()),
    ];
    let (reply, elapsed) = send(addr, steps).await;
    reply.assert(
        400,
        &oauth_error("invalid_request", "Malformed form body"),
        None,
    );
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(10),
        "{elapsed:?}"
    );
    // The server still answers.
    let steps = vec![Step::Send(head(
        "GET",
        "/items/",
        "Authorization: Bearer x\r\n",
    ))];
    let (reply, _) = send(addr, steps).await;
    reply.assert(200, r#"{"token":"x"}"#, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_cut_off_is_never_a_5xx() {
    let addr = serve(Duration::from_secs(10)).await;
    for extra in [
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n",
        FORM_CHUNKED,
    ] {
        let steps = vec![
            Step::Send(head("POST", "/token", extra)),
            Step::Send(b"username=johndoe".to_vec()),
            Step::CloseWrite,
        ];
        let (reply, elapsed) = send(addr, steps).await;
        // The connection may be closed without an answer; any answer is a 400.
        assert!(reply.status == 0 || reply.status == 400, "{reply:?}");
        assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    }
    let (reply, _) = send(addr, vec![Step::Send(head("GET", "/users/me", ""))]).await;
    assert_eq!(reply.status, 307, "{reply:?}");
}

#[tokio::test]
async fn raw_header_bytes_never_cause_an_error_page() {
    for style in STYLES {
        let app = app(Variant::Scopes, style);
        let obs_text: &[u8] = b"Bearer \xe9t\xe9\x80";
        let challenge = app.invalid_token_challenge("me");
        let reply = app
            .raw("GET", "/users/me/", &[("Authorization", obs_text)], b"")
            .await;
        reply.assert(401, INVALID_CREDENTIALS, Some(&challenge));
        let reply = app
            .raw("GET", "/items/", &[("Authorization", obs_text)], b"")
            .await;
        reply.assert(
            401,
            INVALID_CREDENTIALS,
            Some(&app.invalid_token_challenge("")),
        );
        // Two fields on the wire, the first not UTF-8.
        let reply = app
            .raw(
                "GET",
                "/users/me/",
                &[
                    ("Authorization", obs_text),
                    ("authorization", b"Basic Og=="),
                ],
                b"",
            )
            .await;
        match style {
            Style::Rfc => reply.assert(
                400,
                r#"{"detail":"Multiple Authorization headers"}"#,
                Some(r#"Bearer error="invalid_request""#),
            ),
            Style::FastApi => reply.assert(401, INVALID_CREDENTIALS, Some(&challenge)),
        }
    }
}

#[tokio::test]
async fn two_authorization_headers_on_token_are_ignored() {
    for style in STYLES {
        let app = app(Variant::Jwt, style);
        let reply = app
            .raw(
                "POST",
                "/token",
                &[
                    ("Content-Type", b"application/x-www-form-urlencoded"),
                    ("Authorization", b"Basic Og=="),
                    ("Authorization", b"Bearer \xff"),
                ],
                b"username=johndoe&password=secret",
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
}

/// Starts the binary with `args` and no configuration in the environment.
fn binary(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_warp-tutorial"));
    command
        .args(args)
        .env_remove("SECRET_KEY")
        .env_remove("ACCESS_TOKEN_EXPIRE_MINUTES")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_runs_with_no_configuration() {
    let mut child = binary(&["--port", "0"]).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let addr = line
        .trim_end()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let addr: SocketAddr = addr.parse().unwrap();
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
    let (reply, _) = send(addr, vec![Step::Send(head("GET", "/users/me", ""))]).await;
    assert_eq!(
        (reply.status, reply.header("location")),
        (307, Some("/users/me/"))
    );
    let (reply, _) = send(addr, vec![Step::Send(head("GET", "/users/me/", ""))]).await;
    reply.assert(401, NOT_AUTHENTICATED, Some("Bearer"));
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SECRET_KEY is not set"), "{stderr}");
}

#[test]
fn binary_refuses_bad_configuration() {
    let bad_args = binary(&["--variant", "nope"]).output().unwrap();
    assert_eq!(bad_args.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_args.stderr).contains("--variant"));

    let short_key = binary(&["--port", "0"])
        .env("SECRET_KEY", "short")
        .output()
        .unwrap();
    assert_eq!(short_key.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&short_key.stderr);
    assert!(stderr.contains("at least 32"), "{stderr}");
    assert!(
        !stderr.contains("short"),
        "the key must not be echoed: {stderr}"
    );

    let lifetime = binary(&["--port", "0"])
        .env("ACCESS_TOKEN_EXPIRE_MINUTES", "forever")
        .output()
        .unwrap();
    assert_eq!(lifetime.status.code(), Some(2));

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let in_use = binary(&["--port", &port]).output().unwrap();
    assert_eq!(in_use.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&in_use.stderr).contains("cannot listen"));
    assert!(in_use.stdout.is_empty());
}
