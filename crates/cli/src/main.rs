//! `tessera`: secrets, tokens, password hashes and the PostgreSQL users table from the command
//! line.
//!
//! ```text
//! tessera secret
//! tessera token encode (--secret S | --secret-hex H) --sub NAME [--expires-in 30m] [--scope "me items"]
//! tessera token decode TOKEN
//! tessera token verify (--secret S | --secret-hex H) [--now UNIX] [--leeway SECONDS] [TOKEN | -]
//! tessera password hash            (password from stdin or a prompt, never from arguments)
//! tessera password verify PHC      (exit 0 on a match, 1 otherwise)
//! tessera user add [--email E] [--full-name N] [--disabled] USERNAME   (password as above)
//! tessera user disable USERNAME
//! tessera user enable USERNAME
//! tessera user passwd USERNAME     (new password as above)
//! ```
//!
//! The `user` commands take `--database-url URL` (or `DATABASE_URL`) and `--schema NAME` (or
//! `DATABASE_SCHEMA`) and never print the URL.
//!
//! Exit codes: 0 success, 1 rejected (token or password) or a database failure, 2 bad usage or
//! input.

use std::io::{BufRead, IsTerminal, Read};
use std::process::ExitCode;

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::Serialize;
use tessera_core::password::{self, Policy};
use tessera_core::{Hs256Key, MAX_NUMERIC_DATE, UnixTime, jwt};
use zeroize::Zeroizing;

mod user;

const USAGE: &str = "usage:
  tessera secret
  tessera token encode (--secret S | --secret-hex H) --sub NAME [--expires-in 30m] [--scope \"me items\"]
  tessera token decode TOKEN
  tessera token verify (--secret S | --secret-hex H) [--now UNIX] [--leeway SECONDS] [TOKEN | -]
  tessera password hash
  tessera password verify PHC
  tessera user add [--email E] [--full-name N] [--disabled] USERNAME
  tessera user disable USERNAME
  tessera user enable USERNAME
  tessera user passwd USERNAME

--secret takes the key as text and uses its UTF-8 bytes (as FastAPI does with SECRET_KEY);
--secret-hex takes the key as hex. Keys must be at least 32 bytes.
Passwords are read from standard input (one line) or a prompt, never from the command line.
The user commands manage the users table of PostgreSQL (PgUsers) and also take
--database-url URL (default: $DATABASE_URL; prefer the variable, as arguments are visible to
other local users) and --schema NAME (default: $DATABASE_SCHEMA). `user disable` and
`user passwd` also mark the user's tokens issued so far as to be refused.
Exit codes: 0 success, 1 rejected or a database failure, 2 bad usage or input.";

/// A failure with its exit code and message.
struct Fail(u8, String);

fn usage(msg: impl Into<String>) -> Fail {
    Fail(2, format!("{}\n\n{USAGE}", msg.into()))
}

fn main() -> ExitCode {
    // Arguments are read as OS strings: one that is not UTF-8 is a usage error, not a panic.
    let mut args = Vec::new();
    for (i, arg) in std::env::args_os().skip(1).enumerate() {
        match arg.into_string() {
            Ok(arg) => args.push(arg),
            Err(_) => {
                eprintln!("tessera: argument {} is not valid UTF-8\n\n{USAGE}", i + 1);
                return ExitCode::from(2);
            }
        }
    }
    match run(&args) {
        Ok(out) => {
            if !out.is_empty() {
                println!("{out}");
            }
            ExitCode::SUCCESS
        }
        Err(Fail(code, msg)) => {
            eprintln!("tessera: {msg}");
            ExitCode::from(code)
        }
    }
}

fn run(args: &[String]) -> Result<String, Fail> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["-h" | "--help" | "help", ..] => Ok(USAGE.to_string()),
        ["secret"] => secret(),
        ["token", "encode", rest @ ..] => token_encode(rest),
        ["token", "decode", token] => token_decode(token),
        ["token", "verify", rest @ ..] => token_verify(rest),
        ["password", "hash"] => password_hash(),
        ["password", "verify", phc] => password_verify(phc),
        ["user", rest @ ..] => user::user(rest),
        _ => Err(usage(misuse(&words))),
    }
}

/// What is wrong with a command line that matches no command. The arguments themselves are
/// never repeated: one of them may be a key or a password typed in the wrong place.
fn misuse(words: &[&str]) -> &'static str {
    match words {
        ["secret", ..] => "`secret` takes no arguments",
        ["token", "decode", ..] => "`token decode` takes exactly one TOKEN",
        ["password", "hash", ..] => {
            "`password hash` takes no arguments: the password is read from standard input or a prompt"
        }
        ["password", "verify", ..] => {
            "`password verify` takes exactly one argument, the PHC string: the password is read from standard input or a prompt"
        }
        _ => "unknown command",
    }
}

fn secret() -> Result<String, Fail> {
    let bytes = tessera_core::random_secret().map_err(|e| Fail(1, e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Options of the token commands.
#[derive(Default)]
struct TokenOpts {
    key: Option<Zeroizing<Vec<u8>>>,
    sub: Option<String>,
    expires_in: Option<u64>,
    scope: Option<String>,
    now: Option<i64>,
    leeway: Option<u32>,
    positional: Vec<String>,
}

fn parse_hex(s: &str) -> Option<Vec<u8>> {
    // Hex digits only: `from_str_radix` alone would also take a `+` sign.
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// `30m`, `1h`, `45s`, `2d`, or plain seconds.
fn parse_duration(s: &str) -> Option<u64> {
    let (num, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = num.parse().ok()?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(mult).filter(|&v| v > 0)
}

fn parse_opts(args: &[&str], allowed: &[&str]) -> Result<TokenOpts, Fail> {
    let mut o = TokenOpts::default();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i];
        if !arg.starts_with("--") || arg == "-" {
            o.positional.push(arg.to_string());
            i += 1;
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (arg, None),
        };
        if !allowed.contains(&name) {
            return Err(usage(format!("unknown option {name}")));
        }
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                *args
                    .get(i)
                    .ok_or_else(|| usage(format!("{name} needs a value")))?
            }
        };
        match name {
            "--secret" => o.key = Some(Zeroizing::new(value.as_bytes().to_vec())),
            "--secret-hex" => {
                let k = parse_hex(value)
                    .ok_or_else(|| usage("--secret-hex must be an even number of hex digits"))?;
                o.key = Some(Zeroizing::new(k));
            }
            "--sub" => o.sub = Some(value.to_string()),
            "--expires-in" => {
                o.expires_in = Some(parse_duration(value).ok_or_else(|| {
                    usage("--expires-in must be a positive duration such as 30m, 1h, 45s or 2d")
                })?);
            }
            "--scope" => o.scope = Some(value.to_string()),
            "--now" => {
                o.now = Some(
                    value
                        .parse()
                        .map_err(|_| usage("--now must be a Unix time in seconds"))?,
                )
            }
            "--leeway" => {
                let l: u32 = value
                    .parse()
                    .map_err(|_| usage("--leeway must be a number of seconds"))?;
                if l > jwt::MAX_LEEWAY {
                    return Err(usage(format!(
                        "--leeway is at most {} seconds",
                        jwt::MAX_LEEWAY
                    )));
                }
                o.leeway = Some(l);
            }
            _ => return Err(usage(format!("unknown option {name}"))),
        }
        i += 1;
    }
    Ok(o)
}

fn key(o: &TokenOpts) -> Result<Hs256Key, Fail> {
    let k = o
        .key
        .as_ref()
        .ok_or_else(|| usage("a key is required: --secret S or --secret-hex H"))?;
    Hs256Key::new(k).map_err(|e| Fail(2, e.to_string()))
}

fn token_encode(args: &[&str]) -> Result<String, Fail> {
    let o = parse_opts(
        args,
        &[
            "--secret",
            "--secret-hex",
            "--sub",
            "--expires-in",
            "--scope",
            "--now",
        ],
    )?;
    if !o.positional.is_empty() {
        // Not repeated: it may be a key meant for --secret.
        return Err(usage(
            "`token encode` takes options only; an argument without -- was given",
        ));
    }
    let key = key(&o)?;
    let sub = o
        .sub
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| usage("--sub NAME is required"))?;
    let scope = match o.scope.as_deref() {
        Some(s) => {
            let mut buf = vec![0u8; s.len()];
            let n = tessera_core::scope::normalize_requested(s, &mut buf)
                .map_err(|e| usage(format!("--scope: {e}")))?
                .len();
            buf.truncate(n);
            Some(String::from_utf8(buf).unwrap_or_default())
        }
        None => None,
    };
    let now = o.now.unwrap_or_else(|| UnixTime::now().0);
    let lifetime = i64::try_from(o.expires_in.unwrap_or(30 * 60))
        .map_err(|_| usage("--expires-in is too large"))?;
    let exp = now
        .checked_add(lifetime)
        .filter(|exp| (-MAX_NUMERIC_DATE..=MAX_NUMERIC_DATE).contains(exp))
        .filter(|_| (-MAX_NUMERIC_DATE..=MAX_NUMERIC_DATE).contains(&now))
        .ok_or_else(|| {
            usage(format!(
                "--now and --now plus --expires-in must be Unix times within ±{MAX_NUMERIC_DATE} seconds"
            ))
        })?;
    #[derive(Serialize)]
    struct Claims<'a> {
        sub: &'a str,
        iat: i64,
        exp: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        scope: Option<&'a str>,
    }
    let token = jwt::encode_to_string(
        &key,
        &jwt::Header::JWT,
        &Claims {
            sub,
            iat: now,
            exp,
            scope: scope.as_deref(),
        },
    )
    .map_err(|e| Fail(2, e.to_string()))?;
    if token.len() > jwt::DEFAULT_MAX_TOKEN_LEN {
        return Err(usage(format!(
            "the token would be {} characters, over the {} that `token verify` (and every Tessera server) accepts: shorten --sub or --scope",
            token.len(),
            jwt::DEFAULT_MAX_TOKEN_LEN
        )));
    }
    // Every token issued here is one `token verify` accepts with the same key at `--now`.
    let verifier = jwt::Verifier::new(key, jwt::Validation::new());
    verifier.verify_owned(&token, UnixTime(now)).map_err(|e| {
        Fail(
            2,
            format!("the token would be refused by `token verify`: {e}"),
        )
    })?;
    Ok(token)
}

fn decode_segment(seg: &str, what: &str) -> Result<serde_json::Value, Fail> {
    let bytes = Base64UrlUnpadded::decode_vec(seg)
        .map_err(|_| Fail(2, format!("the {what} is not base64url")))?;
    serde_json::from_slice(&bytes).map_err(|_| Fail(2, format!("the {what} is not JSON")))
}

fn token_decode(token: &str) -> Result<String, Fail> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [header, payload, _sig] = parts.as_slice() else {
        return Err(Fail(
            2,
            "not a compact JWS: expected three dot-separated segments".into(),
        ));
    };
    let out = serde_json::json!({
        "verified": false,
        "warning": "UNVERIFIED: the signature was not checked; do not trust these claims",
        "header": decode_segment(header, "header")?,
        "claims": decode_segment(payload, "payload")?,
    });
    serde_json::to_string_pretty(&out).map_err(|e| Fail(2, e.to_string()))
}

fn read_token_arg(o: &TokenOpts) -> Result<String, Fail> {
    match o.positional.as_slice() {
        [] => Err(usage("a TOKEN (or - for standard input) is required")),
        [t] if t == "-" => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Fail(2, format!("reading standard input: {e}")))?;
            Ok(s.trim_end_matches(['\n', '\r']).to_string())
        }
        [t] => Ok(t.clone()),
        _ => Err(usage("only one TOKEN is accepted")),
    }
}

fn token_verify(args: &[&str]) -> Result<String, Fail> {
    let o = parse_opts(args, &["--secret", "--secret-hex", "--now", "--leeway"])?;
    let key = key(&o)?;
    let token = read_token_arg(&o)?;
    let now = UnixTime(o.now.unwrap_or_else(|| UnixTime::now().0));
    let verifier = jwt::Verifier::new(key, jwt::Validation::new().leeway(o.leeway.unwrap_or(0)));
    match verifier.verify_owned(&token, now) {
        // The claims exactly as signed: re-reading them (as floats, say) could change numbers
        // such as 1e400 or 12345678901234567890123.
        Ok(c) => Ok(c.json),
        Err(e) => Err(Fail(1, format!("token rejected: {e}"))),
    }
}

/// Reads a password: a hidden prompt on a terminal, otherwise one line of standard input.
/// Only the line ending is removed: no trimming, no case change.
fn read_password() -> Result<Zeroizing<String>, Fail> {
    let pw = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ")
            .map_err(|e| Fail(2, format!("reading the password: {e}")))?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|_| Fail(2, "the password is not UTF-8 text".into()))?;
        // Exactly one line ending: `\n` or `\r\n`; any other `\r` is part of the password.
        let ending = if line.ends_with("\r\n") {
            2
        } else {
            usize::from(line.ends_with('\n'))
        };
        line.truncate(line.len() - ending);
        line
    };
    let pw = Zeroizing::new(pw);
    if pw.is_empty() {
        return Err(Fail(2, "the password is empty".into()));
    }
    if pw.len() > Policy::OWASP.max_password_len {
        return Err(Fail(
            2,
            format!(
                "the password is longer than {} bytes",
                Policy::OWASP.max_password_len
            ),
        ));
    }
    Ok(pw)
}

fn password_hash() -> Result<String, Fail> {
    let pw = read_password()?;
    Policy::OWASP
        .hash(pw.as_bytes())
        .map_err(|e| Fail(2, e.to_string()))
}

fn password_verify(phc: &str) -> Result<String, Fail> {
    let pw = read_password()?;
    match password::verify(phc, pw.as_bytes()) {
        Ok(true) => Ok("match".into()),
        Ok(false) => Err(Fail(1, "no match".into())),
        Err(e) => Err(Fail(2, e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_string()).collect()
    }

    #[test]
    fn encode_verify_decode() {
        let secret = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";
        let t = run(&s(&[
            "token",
            "encode",
            "--secret",
            secret,
            "--sub",
            "johndoe",
            "--scope",
            "me  items",
            "--now",
            "1000",
            "--expires-in",
            "30m",
        ]))
        .ok()
        .unwrap();
        let out = run(&s(&[
            "token", "verify", "--secret", secret, "--now", "1001", &t,
        ]))
        .ok()
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"sub":"johndoe","iat":1000,"exp":2800,"scope":"me items"})
        );
        let Err(Fail(code, msg)) = run(&s(&[
            "token", "verify", "--secret", secret, "--now", "2800", &t,
        ])) else {
            panic!()
        };
        assert_eq!((code, msg.as_str()), (1, "token rejected: token expired"));
        let d = run(&s(&["token", "decode", &t])).ok().unwrap();
        assert!(d.contains("UNVERIFIED") && d.contains("\"alg\": \"HS256\""));
    }

    #[test]
    fn bad_arguments_are_refused_with_a_message() {
        for args in [
            vec!["token", "encode", "--sub", "x"],
            vec!["token", "encode", "--secret", "short", "--sub", "x"],
            vec!["token", "encode", "--secret-hex", "zz", "--sub", "x"],
            vec![
                "token",
                "encode",
                "--secret",
                "0123456789abcdef0123456789abcdef",
                "--sub",
                "x",
                "--expires-in",
                "soon",
            ],
            vec![
                "token",
                "verify",
                "--secret",
                "0123456789abcdef0123456789abcdef",
                "--leeway",
                "-1",
                "t",
            ],
            vec!["token", "decode", "a.b"],
            vec!["token", "decode", "!!.??.x"],
            vec!["frobnicate"],
            vec!["password", "hash", "secret-on-the-command-line"],
        ] {
            match run(&s(&args)) {
                Err(Fail(2, msg)) => assert!(!msg.is_empty()),
                _ => panic!("{args:?} should be a usage error"),
            }
        }
    }

    #[test]
    fn secrets_are_64_hex_digits() {
        let a = run(&s(&["secret"])).ok().unwrap();
        let b = run(&s(&["secret"])).ok().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Some(1800));
        assert_eq!(parse_duration("2d"), Some(172_800));
        assert_eq!(parse_duration("45"), Some(45));
        assert_eq!(parse_duration("0"), None);
        assert_eq!(parse_duration("5w"), None);
    }
}
