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

/// The binary with `env` set (`Some`) or removed (`None`) on top of this process's environment.
fn tessera_env(args: &[&str], stdin: &str, env: &[(&str, Option<&str>)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut child = cmd.spawn().unwrap();
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

/// `DATABASE_URL`, or `None` after printing that the test is skipped.
fn database_url() -> Option<String> {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            println!("skipped: DATABASE_URL not set");
            None
        }
    }
}

/// A schema of the test's own, dropped (with `psql`) when the guard goes out of scope, even
/// after a failed assertion.
struct Schema {
    url: String,
    name: String,
}

impl Schema {
    fn new(url: &str, test: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        Self {
            url: url.to_string(),
            name: format!("tessera_cli_{test}_{}_{nanos}", std::process::id()),
        }
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let dropped = Command::new("psql")
            .args([
                self.url.as_str(),
                "-q",
                "-c",
                &format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name),
            ])
            .output();
        if !matches!(&dropped, Ok(out) if out.status.success()) {
            eprintln!("could not drop schema {}: {dropped:?}", self.name);
        }
    }
}

fn get(url: &str, schema: &str, username: &str) -> Option<tessera_service::postgres::PgUser> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let users = tessera_service::postgres::PgUsers::connect(url, Some(schema))
                .await
                .unwrap();
            let user = users.get(username).await.unwrap();
            users.close().await;
            user
        })
}

#[test]
fn user_add_disable_enable_passwd() {
    let Some(url) = database_url() else { return };
    let schema = Schema::new(&url, "lifecycle");
    let user = |args: &[&str], stdin: &str| {
        let mut all = vec!["user"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--schema", &schema.name]);
        let (code, out, err) = tessera_env(&all, stdin, &[("DATABASE_SCHEMA", None)]);
        for shown in [&out, &err] {
            assert!(!shown.contains(&url), "{args:?} printed the URL: {shown}");
            assert!(!shown.contains("hunter2"), "{args:?} printed a password");
        }
        (code, out, err)
    };
    let (code, out, err) = user(
        &[
            "add",
            "--email",
            "alice@example.com",
            "--full-name=Alice Example",
            "alice",
        ],
        "hunter2 horse\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("alice"), "{out}");
    let a = get(&url, &schema.name, "alice").unwrap();
    assert_eq!(a.email.as_deref(), Some("alice@example.com"));
    assert_eq!(a.full_name.as_deref(), Some("Alice Example"));
    assert!(!a.disabled);
    assert_eq!(a.tokens_valid_from, None);
    assert!(
        a.password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
    );
    assert!(tessera_core::password::verify(&a.password_hash, b"hunter2 horse").unwrap());
    assert!(!tessera_core::password::verify(&a.password_hash, b"hunter2 horse\n").unwrap());

    // The same user again: a database failure, exit 1, and the row is unchanged.
    let (code, _, err) = user(&["add", "alice"], "hunter2 other\n");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the user exists"), "{err}");
    assert_eq!(get(&url, &schema.name, "alice").unwrap(), a);

    let (code, _, err) = user(&["disable", "alice"], "");
    assert_eq!(code, 0, "{err}");
    let d = get(&url, &schema.name, "alice").unwrap();
    assert!(d.disabled);
    assert!(d.tokens_valid_from.is_some());
    let (code, _, err) = user(&["enable", "alice"], "");
    assert_eq!(code, 0, "{err}");
    assert!(!get(&url, &schema.name, "alice").unwrap().disabled);

    let (code, _, err) = user(&["passwd", "alice"], "hunter2 new\r\n");
    assert_eq!(code, 0, "{err}");
    let p = get(&url, &schema.name, "alice").unwrap();
    assert_ne!(p.password_hash, a.password_hash);
    assert!(tessera_core::password::verify(&p.password_hash, b"hunter2 new").unwrap());
    assert!(!tessera_core::password::verify(&p.password_hash, b"hunter2 horse").unwrap());
    assert!(p.tokens_valid_from.is_some());

    // --disabled; an empty password is refused before anything is written.
    let (code, _, err) = user(&["add", "--disabled", "bob"], "hunter2\n");
    assert_eq!(code, 0, "{err}");
    assert!(get(&url, &schema.name, "bob").unwrap().disabled);
    let (code, _, err) = user(&["add", "carol"], "\n");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("empty"), "{err}");
    assert_eq!(get(&url, &schema.name, "carol"), None);

    // Unknown users: exit 1.
    for cmd in ["disable", "enable", "passwd"] {
        let (code, _, err) = user(&[cmd, "nobody"], "hunter2\n");
        assert_eq!(code, 1, "{cmd}: {err}");
        assert!(err.contains("no such user"), "{cmd}: {err}");
    }
}

#[test]
fn user_schema_comes_from_database_schema() {
    let Some(url) = database_url() else { return };
    let schema = Schema::new(&url, "env");
    let (code, _, err) = tessera_env(
        &["user", "add", "dave"],
        "pw\n",
        &[("DATABASE_SCHEMA", Some(&schema.name))],
    );
    assert_eq!(code, 0, "{err}");
    assert!(get(&url, &schema.name, "dave").is_some());
    // --database-url wins over DATABASE_URL.
    let (code, _, err) = tessera_env(
        &["user", "disable", "--database-url", &url, "dave"],
        "",
        &[
            ("DATABASE_URL", Some("postgres://nobody@127.0.0.1:1/none")),
            ("DATABASE_SCHEMA", Some(&schema.name)),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(get(&url, &schema.name, "dave").unwrap().disabled);
}

#[test]
fn user_bad_or_missing_database_url_is_never_printed() {
    // No database needed: nothing here connects successfully.
    let unreachable = "postgres://admin:hunter2-db-password@127.0.0.1:1/nowhere";
    let (code, out, err) = tessera_env(
        &["user", "add", "alice"],
        "hunter2\n",
        &[("DATABASE_URL", Some(unreachable))],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("PostgreSQL unavailable"), "{err}");
    let invalid = "postgres://admin:hunter2-db-password@host:99999999/db";
    let (code2, out2, err2) = tessera_env(
        &["user", "disable", "--database-url", invalid, "alice"],
        "",
        &[("DATABASE_URL", None)],
    );
    assert_eq!(code2, 2, "{err2}");
    assert!(err2.contains("URL not shown"), "{err2}");
    for shown in [out, err, out2, err2] {
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            !shown.contains("127.0.0.1:1") && !shown.contains("admin"),
            "{shown}"
        );
    }
    let (code, out, err) = tessera_env(
        &["user", "passwd", "alice"],
        "hunter2\n",
        &[("DATABASE_URL", None), ("DATABASE_SCHEMA", None)],
    );
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("--database-url URL or DATABASE_URL"), "{err}");
    assert!(!err.contains("hunter2"));
}

#[test]
fn user_usage_errors_never_repeat_the_arguments() {
    for (args, says) in [
        (
            vec!["user", "add", "alice", "hunter2-password"],
            "exactly one USERNAME",
        ),
        (
            vec!["user", "add", "--password=hunter2-password", "alice"],
            "unknown option",
        ),
        (
            vec!["user", "remove", "hunter2-password"],
            "unknown `user` command",
        ),
        (vec!["user"], "unknown `user` command"),
    ] {
        let (code, out, err) = tessera(&args, "");
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty());
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("hunter2"), "{args:?} echoed: {err}");
    }
}
