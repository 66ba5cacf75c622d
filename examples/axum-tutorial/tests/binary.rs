//! The `axum-tutorial` binary itself: it refuses a bad command line with a message and exit 2,
//! and serves the app where it says it listens (docs/behaviour.md, `config.options`). The
//! app's answers are checked, with the other two servers', by the conformance suite in
//! `tests/`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_axum-tutorial");

#[test]
fn a_bad_option_is_exit_2_with_a_message() {
    let out = Command::new(BIN)
        .args(["--style", "loud"])
        .env("SECRET_KEY", "an-axum-tutorial-test-key-0123456789")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--style must be rfc or fastapi"), "{err}");
}

#[test]
fn it_serves_where_it_says_it_listens() {
    let mut child = Command::new(BIN)
        .args(["--address", "127.0.0.1", "--port", "0"])
        .env("SECRET_KEY", "an-axum-tutorial-test-key-0123456789")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap()
        .to_owned();
    let mut s = TcpStream::connect(&addr).unwrap();
    s.write_all(b"GET /users/me/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        answer.starts_with("HTTP/1.1 401 Unauthorized\r\n"),
        "{answer}"
    );
    assert!(
        answer.ends_with(r#"{"detail":"Not authenticated"}"#),
        "{answer}"
    );
}
