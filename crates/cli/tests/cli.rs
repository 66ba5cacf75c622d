//! The `tessera` binary end to end: exit codes, standard input, no panics.

#![allow(missing_docs, clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Stdio};

fn tessera(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn password_hash_then_verify_through_stdin() {
    let (code, phc, _) = tessera(&["password", "hash"], "correct horse battery staple\n");
    assert_eq!(code, 0);
    let phc = phc.trim();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert_eq!(
        tessera(
            &["password", "verify", phc],
            "correct horse battery staple\n"
        )
        .0,
        0
    );
    let (code, _, err) = tessera(
        &["password", "verify", phc],
        "Correct horse battery staple\n",
    );
    assert_eq!(code, 1);
    assert!(err.contains("no match"));
    // Spaces are part of the password: nothing is trimmed but the line ending.
    assert_eq!(
        tessera(
            &["password", "verify", phc],
            " correct horse battery staple\n"
        )
        .0,
        1
    );
    // The FastAPI tutorial's johndoe hash (pwdlib defaults) verifies.
    let fastapi = "$argon2id$v=19$m=65536,t=3,p=4$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc";
    assert_eq!(tessera(&["password", "verify", fastapi], "secret\r\n").0, 0);
    let (code, _, err) = tessera(&["password", "verify", "not-a-phc"], "secret\n");
    assert_eq!(code, 2);
    assert!(err.contains("PHC"));
}

#[test]
fn token_verify_reads_standard_input_and_never_echoes_the_secret() {
    let secret = "a-command-line-secret-of-32-bytes-or-more";
    let (code, token, _) = tessera(
        &[
            "token", "encode", "--secret", secret, "--sub", "johndoe", "--now", "100",
        ],
        "",
    );
    assert_eq!(code, 0);
    let (code, claims, _) = tessera(
        &["token", "verify", "--secret", secret, "--now", "101", "-"],
        &token,
    );
    assert_eq!(code, 0, "{claims}");
    assert!(claims.contains("\"sub\": \"johndoe\""));
    let (code, out, err) = tessera(
        &[
            "token",
            "verify",
            "--secret",
            "another-secret-another-secret-another",
            "--now",
            "101",
            token.trim(),
        ],
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("signature mismatch"));
    assert!(!out.contains(secret) && !err.contains(secret));
    let (code, _, err) = tessera(&["token", "verify", "--secret", "short", "x.y.z"], "");
    assert_eq!(code, 2);
    assert!(err.contains("32 bytes") && !err.contains("short\n"));
    let (code, _, err) = tessera(&["token"], "");
    assert_eq!(code, 2);
    assert!(!err.contains("panicked"));
}
