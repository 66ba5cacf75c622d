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
    assert!(claims.contains("\"sub\":\"johndoe\""));
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

/// The binary with raw OS-string arguments.
fn tessera_os(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

const HEX_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

#[test]
fn an_argument_that_is_not_utf8_is_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"--sub=\xff");
    let (code, out, err) = tessera_os(&["token".as_ref(), "encode".as_ref(), bad]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("argument 3 is not valid UTF-8"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn secret_hex_takes_hex_digits_only() {
    for bad in [
        "+f".repeat(32),
        format!("{}g", &HEX_KEY[1..]),
        HEX_KEY[1..].to_owned(),
        format!(" {}", &HEX_KEY[1..]),
    ] {
        let (code, _, err) = tessera(&["token", "encode", "--secret-hex", &bad, "--sub", "x"], "");
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("hex digits"), "{err}");
        assert!(!err.contains(&bad), "the key is echoed: {err}");
    }
    let (code, _, err) = tessera(
        &["token", "encode", "--secret-hex", HEX_KEY, "--sub", "x"],
        "",
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn encode_issues_only_tokens_that_verify_accepts() {
    // The largest `sub` that fits the 8192-character cap, and one byte more.
    let token_len = |sub_len: usize| {
        let sub = "s".repeat(sub_len);
        let (code, out, err) = tessera(
            &[
                "token",
                "encode",
                "--secret-hex",
                HEX_KEY,
                "--sub",
                &sub,
                "--now",
                "1000",
            ],
            "",
        );
        (code, out.trim().to_owned(), err)
    };
    let mut fits = 0;
    for len in (5_900..6_200).rev() {
        let (code, token, _) = token_len(len);
        if code == 0 {
            assert!(token.len() <= 8192);
            fits = len;
            break;
        }
    }
    assert!(fits > 0, "no sub length between 5900 and 6200 fits");
    let (code, token, _) = token_len(fits);
    assert_eq!(code, 0);
    let (code, _, err) = tessera(
        &[
            "token",
            "verify",
            "--secret-hex",
            HEX_KEY,
            "--now",
            "1000",
            &token,
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = token_len(fits + 1);
    assert_eq!(code, 2);
    assert!(err.contains("8192"), "{err}");
    let (code, _, err) = token_len(10_000);
    assert_eq!(code, 2, "{err}");

    // Dates the verifier cannot accept (outside ±2^53) are refused when encoding.
    for now in ["9007199254740000", "-9007199254740993", "9007199254740992"] {
        let (code, _, err) = tessera(
            &[
                "token",
                "encode",
                "--secret-hex",
                HEX_KEY,
                "--sub",
                "x",
                "--now",
                now,
            ],
            "",
        );
        assert_eq!(code, 2, "--now {now}: {err}");
        assert!(err.contains("Unix times within"), "{err}");
    }
}

/// `token encode` with `HEX_KEY` and the given `--sub`, `--now` and extra options.
fn encode(sub: &str, now: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "token",
        "encode",
        "--secret-hex",
        HEX_KEY,
        "--sub",
        sub,
        "--now",
        now,
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = tessera(&args, "");
    (code, out.trim().to_owned(), err)
}

/// `token verify` with `HEX_KEY` at `now`: the exit code and the printed claims.
fn verify(token: &str, now: &str) -> (i32, serde_json::Value) {
    let (code, out, err) = tessera(
        &[
            "token",
            "verify",
            "--secret-hex",
            HEX_KEY,
            "--now",
            now,
            token,
        ],
        "",
    );
    let claims = if code == 0 {
        serde_json::from_str(&out).unwrap()
    } else {
        serde_json::Value::String(err)
    };
    (code, claims)
}

#[test]
fn encode_verify_round_trip_at_the_date_edges() {
    use tessera_core::MAX_NUMERIC_DATE as MAX;
    let max_secs = format!("{MAX}s");
    // (--now, extra options, the `exp` issued, or `None` when encoding must refuse).
    let table: [(i64, &[&str], Option<i64>); 10] = [
        (MAX - 1800, &[], Some(MAX)),
        (MAX - 1799, &[], None),
        (MAX - 1, &["--expires-in", "1s"], Some(MAX)),
        (MAX, &["--expires-in", "1s"], None),
        (-MAX, &[], Some(-MAX + 1800)),
        (-MAX - 1, &[], None),
        (0, &["--expires-in", &max_secs], Some(MAX)),
        (1, &["--expires-in", &max_secs], None),
        (-MAX, &["--expires-in", "2d"], Some(-MAX + 172_800)),
        (0, &["--expires-in", "18446744073709551615"], None),
    ];
    for (now, extra, exp) in table {
        let now_arg = now.to_string();
        let (code, token, err) = encode("johndoe", &now_arg, extra);
        match exp {
            Some(exp) => {
                assert_eq!(code, 0, "--now {now} {extra:?}: {err}");
                let (code, claims) = verify(&token, &now_arg);
                assert_eq!(code, 0, "--now {now} {extra:?}: {claims}");
                assert_eq!(claims["iat"], now);
                assert_eq!(claims["exp"], exp);
            }
            None => {
                assert_eq!(code, 2, "--now {now} {extra:?} issued {token}");
                assert!(token.is_empty());
                assert!(err.contains("--expires-in"), "{err}");
            }
        }
    }
}

#[test]
fn encode_verify_round_trip_for_awkward_subjects() {
    // Subjects drawn (deterministically) from characters JSON must escape or that are often
    // mishandled: quotes, backslashes, control characters, line and paragraph separators,
    // characters outside the Basic Multilingual Plane. Each token encode issues verifies at
    // the same time and gives back the subject unchanged.
    let alphabet: Vec<char> =
        "a \"\\/\u{1}\u{8}\t\n\r\u{1f}\u{7f}\u{80}é\u{2028}\u{2029}\u{fffd}\u{feff}😀\u{10ffff}"
            .chars()
            .collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % 1_000_003).unwrap()
    };
    for _ in 0..40 {
        let len = 1 + next() % 24;
        let sub: String = (0..len)
            .map(|_| alphabet[next() % alphabet.len()])
            .collect();
        let (code, token, err) = encode(&sub, "1000", &["--scope", " me\titems "]);
        assert_eq!(code, 0, "{sub:?}: {err}");
        let (code, claims) = verify(&token, "1000");
        assert_eq!(code, 0, "{sub:?}: {claims}");
        assert_eq!(claims["sub"], sub.as_str());
        assert_eq!(claims["scope"], "me items");
    }
}

#[test]
fn usage_errors_never_repeat_the_arguments() {
    let key = "a-key-typed-in-the-wrong-place-0123456789";
    for (args, says) in [
        (
            vec!["password", "hash", "hunter2-password"],
            "takes no arguments",
        ),
        (
            vec!["password", "verify", "$argon2id$x", "hunter2-password"],
            "exactly one argument",
        ),
        (vec!["secret", "hunter2-password"], "takes no arguments"),
        (vec!["tokn", "encode", "--secret", key], "unknown command"),
        (
            vec![
                "token",
                "encode",
                "--secret-hex",
                HEX_KEY,
                "--sub",
                "x",
                key,
            ],
            "options only",
        ),
        (vec!["token", "decode", "a.b.c", key], "exactly one TOKEN"),
    ] {
        let (code, out, err) = tessera(&args, "");
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty());
        assert!(err.contains(says), "{args:?}: {err}");
        for secret in ["hunter2", key, HEX_KEY] {
            assert!(!err.contains(secret), "{args:?} echoed: {err}");
        }
    }
}

/// A token signed with `HEX_KEY` over raw claims JSON.
fn signed(claims: &str) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let key: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&HEX_KEY[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(br#"{"alg":"HS256","typ":"JWT"}"#),
        Base64UrlUnpadded::encode_string(claims.as_bytes())
    );
    let mac = tessera_core::Hs256Key::new(&key)
        .unwrap()
        .mac(input.as_bytes());
    format!("{input}.{}", Base64UrlUnpadded::encode_string(&mac))
}

#[test]
fn verify_prints_the_claims_exactly_as_signed() {
    for claims in [
        r#"{"sub":"j","exp":2000,"x":1e400}"#,
        r#"{"sub":"j","exp":2000,"n":12345678901234567890123}"#,
        r#"{"sub":"j", "exp":2000,"f":0.1000}"#,
    ] {
        let (code, out, err) = tessera(
            &[
                "token",
                "verify",
                "--secret-hex",
                HEX_KEY,
                "--now",
                "1000",
                &signed(claims),
            ],
            "",
        );
        assert_eq!(code, 0, "{claims}: {err}");
        assert_eq!(out.trim_end(), claims);
    }
}

#[test]
fn exactly_one_line_ending_is_stripped_from_a_password() {
    // No line ending at all: both carriage returns are the password's.
    let (code, phc, err) = tessera(&["password", "hash"], "secret\r\r");
    assert_eq!(code, 0, "{err}");
    let phc = phc.trim();
    assert!(tessera_core::password::verify(phc, b"secret\r\r").unwrap());
    assert!(!tessera_core::password::verify(phc, b"secret").unwrap());
    // `\r\n` is one line ending: the first `\r` stays, and nothing more is stripped.
    let (code, phc, _) = tessera(&["password", "hash"], "secret\r\r\n");
    assert_eq!(code, 0);
    let phc = phc.trim();
    assert!(tessera_core::password::verify(phc, b"secret\r").unwrap());
    assert!(!tessera_core::password::verify(phc, b"secret").unwrap());
    assert!(!tessera_core::password::verify(phc, b"secret\r\r").unwrap());
    assert_eq!(tessera(&["password", "verify", phc], "secret\r\n\n").0, 1);
    assert_eq!(tessera(&["password", "verify", phc], "secret\r\r\n").0, 0);
    assert_eq!(tessera(&["password", "verify", phc], "secret\n").0, 1);
    let (code, phc, _) = tessera(&["password", "hash"], "secret\n");
    assert_eq!(code, 0);
    assert!(tessera_core::password::verify(phc.trim(), b"secret").unwrap());
}
