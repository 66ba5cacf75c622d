//! Tokens the table sends: minted with the tutorial key, and crafted to break one rule each.

use serde_json::{Value, json};
use tessera_tests::token::{self, JWT_HEADER, SECRET_KEY, b64, now, sign, sign_with};

/// Claims for `sub`, issued now, expiring in ten minutes, with `scope` if given.
pub(crate) fn claims(sub: &str, scope: Option<&str>) -> Value {
    let mut c = json!({"sub": sub, "iat": now(), "exp": now() + 600});
    if let Some(s) = scope {
        c["scope"] = Value::String(s.into());
    }
    c
}

/// A valid token for `sub` with `scope`.
pub(crate) fn tok(sub: &str, scope: Option<&str>) -> String {
    token::mint(&claims(sub, scope))
}

/// A valid token for `claims` with one claim changed (`Value::Null` removes it).
pub(crate) fn tok_edit(sub: &str, scope: Option<&str>, name: &str, value: Value) -> String {
    let mut c = claims(sub, scope);
    if let Some(o) = c.as_object_mut() {
        if value.is_null() {
            o.remove(name);
        } else {
            o.insert(name.into(), value);
        }
    }
    token::mint(&c)
}

/// A token whose signing input is these exact segment strings, correctly signed.
pub(crate) fn sign_segments(header_seg: &str, payload_seg: &str) -> String {
    let key = token::key();
    let input = format!("{header_seg}.{payload_seg}");
    format!("{input}.{}", b64(&key.mac(input.as_bytes())))
}

/// A token with the header `header` (JSON text) over valid johndoe claims.
pub(crate) fn with_header(header: &str) -> String {
    sign(header, &claims("johndoe", Some("me items")).to_string())
}

/// A token over the payload `payload` (raw bytes), with the standard header.
pub(crate) fn with_payload(payload: &[u8]) -> String {
    sign_segments(&b64(JWT_HEADER.as_bytes()), &b64(payload))
}

/// `exp` ten minutes ahead, for hand-written claims.
pub(crate) fn exp() -> i64 {
    now() + 600
}

/// A token case: spec row, name, and how to make the token.
pub(crate) type TokenCase = (&'static str, &'static str, fn() -> String);

/// A valid token whose text contains `-` or `_`, found by varying a `jti`.
fn token_with_url_chars() -> String {
    (0..10_000)
        .map(|i| {
            tok_edit(
                "johndoe",
                Some("me items"),
                "jti",
                Value::String(format!("j{i}")),
            )
        })
        .find(|t| t.contains('-') || t.contains('_'))
        .expect("some jti gives a - or _")
}

/// The invalid tokens of docs/behaviour.md "Invalid tokens", each with its spec row and name.
/// Each is refused on every protected route in every configuration.
pub(crate) fn invalid_tokens() -> Vec<TokenCase> {
    vec![
        ("tok.segments", "one segment", || "abcdef".into()),
        ("tok.segments", "two segments", || {
            let t = tok("johndoe", Some("me items"));
            t.rsplit_once('.')
                .map(|(a, _)| a.to_string())
                .unwrap_or_default()
        }),
        ("tok.segments", "four segments", || {
            format!("{}.{}", tok("johndoe", Some("me items")), b64(b"x"))
        }),
        ("tok.segments", "five segments (JWE shape)", || {
            let t = tok("johndoe", Some("me items"));
            format!("{t}.AAAA.BBBB")
        }),
        ("tok.segments", "empty signature segment", || {
            let t = tok("johndoe", Some("me items"));
            format!(
                "{}.",
                t.rsplit_once('.').map(|(a, _)| a).unwrap_or_default()
            )
        }),
        ("tok.segments", "empty payload segment", || {
            sign_segments(&b64(JWT_HEADER.as_bytes()), "")
        }),
        ("tok.b64", "padded signature", || {
            format!("{}=", tok("johndoe", Some("me items")))
        }),
        ("tok.b64", "padded payload, signed as sent", || {
            let mut json = claims("johndoe", Some("me items")).to_string();
            while json.len().is_multiple_of(3) {
                json.push(' ');
            }
            let mut p = b64(json.as_bytes());
            while !p.len().is_multiple_of(4) {
                p.push('=');
            }
            sign_segments(&b64(JWT_HEADER.as_bytes()), &p)
        }),
        (
            "tok.b64",
            "standard alphabet (+ and /) instead of - and _",
            || token_with_url_chars().replace('-', "+").replace('_', "/"),
        ),
        (
            "tok.b64",
            "standard alphabet in the payload, signed as sent",
            || {
                // Claims whose encoding has - or _, re-spelled with + and /, then signed.
                let p = (0..10_000)
                    .map(|i| {
                        b64(claims("johndoe", Some(&format!("me items x{i}?>")))
                            .to_string()
                            .as_bytes())
                    })
                    .find(|p| p.contains('-') || p.contains('_'))
                    .expect("some claims encode with - or _");
                sign_segments(
                    &b64(JWT_HEADER.as_bytes()),
                    &p.replace('-', "+").replace('_', "/"),
                )
            },
        ),
        (
            "tok.b64",
            "non-canonical trailing bits in the signature",
            || {
                let t = tok("johndoe", Some("me items"));
                let (rest, sig) = t.rsplit_once('.').expect("three segments");
                format!("{rest}.{}", non_canonical(sig))
            },
        ),
        (
            "tok.b64",
            "non-canonical trailing bits in the payload, signed as sent",
            || {
                let mut json = claims("johndoe", Some("me items")).to_string();
                while json.len().is_multiple_of(3) {
                    json.push(' ');
                }
                sign_segments(
                    &b64(JWT_HEADER.as_bytes()),
                    &non_canonical(&b64(json.as_bytes())),
                )
            },
        ),
        (
            "tok.b64",
            "a character outside base64url in the payload, signed as sent",
            || {
                let p = b64(claims("johndoe", Some("me items")).to_string().as_bytes());
                let (a, b) = p.split_at(8);
                sign_segments(&b64(JWT_HEADER.as_bytes()), &format!("{a}*{b}"))
            },
        ),
        ("tok.json", "header is a JSON array", || with_header("[]")),
        ("tok.json", "header is not JSON", || with_header("HS256")),
        ("tok.kid", "kid that is not a string", || {
            with_header(r#"{"alg":"HS256","typ":"JWT","kid":7}"#)
        }),
        ("tok.json", "payload is a JSON array", || {
            with_payload(br#"["johndoe"]"#)
        }),
        ("tok.json", "payload is a JSON string", || {
            with_payload(br#""johndoe""#)
        }),
        ("tok.json", "payload is not JSON", || {
            with_payload(b"sub=johndoe")
        }),
        ("tok.json", "duplicate sub", || {
            with_payload(
                format!(
                    r#"{{"sub":"alice","sub":"johndoe","exp":{},"scope":"me items"}}"#,
                    exp()
                )
                .as_bytes(),
            )
        }),
        (
            "tok.json",
            "duplicate sub, second spelled with an escape",
            || {
                with_payload(
                    format!(
                        r#"{{"sub":"alice","s\u0075b":"johndoe","exp":{},"scope":"me items"}}"#,
                        exp()
                    )
                    .as_bytes(),
                )
            },
        ),
        ("tok.json", "duplicate name in the header", || {
            with_header(r#"{"alg":"HS256","alg":"HS256","typ":"JWT"}"#)
        }),
        ("tok.json", "comment in the payload", || {
            with_payload(
                format!(
                    r#"{{"sub":"johndoe",/* c */"exp":{},"scope":"me items"}}"#,
                    exp()
                )
                .as_bytes(),
            )
        }),
        ("tok.json", "trailing data after the payload object", || {
            with_payload(
                format!(r#"{{"sub":"johndoe","exp":{},"scope":"me items"}}x"#, exp()).as_bytes(),
            )
        }),
        ("tok.json", "trailing comma in the payload", || {
            with_payload(
                format!(r#"{{"sub":"johndoe","exp":{},"scope":"me items",}}"#, exp()).as_bytes(),
            )
        }),
        ("tok.json", "byte order mark before the payload", || {
            with_payload(format!("\u{feff}{}", claims("johndoe", Some("me items"))).as_bytes())
        }),
        ("tok.json", "invalid UTF-8 in the payload", || {
            let mut p = format!(
                r#"{{"sub":"johndoe","exp":{},"scope":"me items","x":""#,
                exp()
            )
            .into_bytes();
            p.extend_from_slice(b"\xff\xfe\"}");
            with_payload(&p)
        }),
        ("tok.json", "overlong UTF-8 in the payload", || {
            let mut p = format!(
                r#"{{"sub":"johndoe","exp":{},"scope":"me items","x":""#,
                exp()
            )
            .into_bytes();
            p.extend_from_slice(b"\xc0\xaf\"}");
            with_payload(&p)
        }),
        ("tok.json", "UTF-16 payload", || {
            let text = claims("johndoe", Some("me items")).to_string();
            let p: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
            with_payload(&p)
        }),
        ("tok.signature", "signed with another key", || {
            sign_with(
                &[b'k'; 64],
                JWT_HEADER,
                &claims("johndoe", Some("me items")).to_string(),
            )
        }),
        (
            "tok.signature",
            "signed with the hex-decoded secret",
            || {
                let raw: Vec<u8> = (0..SECRET_KEY.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&SECRET_KEY[i..i + 2], 16).expect("hex"))
                    .collect();
                sign_with(
                    &raw,
                    JWT_HEADER,
                    &claims("johndoe", Some("me items")).to_string(),
                )
            },
        ),
        ("tok.signature", "payload swapped, signature kept", || {
            let t = tok("alice", Some("me items"));
            let forged = b64(claims("johndoe", Some("me items")).to_string().as_bytes());
            let mut parts: Vec<&str> = t.split('.').collect();
            parts[1] = &forged;
            parts.join(".")
        }),
        ("tok.signature", "signature of another token", || {
            let a = tok("johndoe", Some("me items"));
            let b = tok_edit("johndoe", Some("me items"), "jti", json!("other"));
            let sig = b
                .rsplit_once('.')
                .map(|(_, s)| s.to_string())
                .unwrap_or_default();
            format!(
                "{}.{sig}",
                a.rsplit_once('.').map(|(r, _)| r).unwrap_or_default()
            )
        }),
        (
            "tok.signature",
            "signature truncated by one character",
            || {
                let mut t = tok("johndoe", Some("me items"));
                t.pop();
                t
            },
        ),
        ("tok.signature", "signature of all zero bytes", || {
            let t = tok("johndoe", Some("me items"));
            format!(
                "{}.{}",
                t.rsplit_once('.').map(|(r, _)| r).unwrap_or_default(),
                b64(&[0; 32])
            )
        }),
        ("tok.alg", "alg none, empty signature", || {
            let c = claims("johndoe", Some("me items")).to_string();
            format!(
                "{}.{}.",
                b64(br#"{"alg":"none","typ":"JWT"}"#),
                b64(c.as_bytes())
            )
        }),
        ("tok.alg", "alg None, HS256-signed", || {
            with_header(r#"{"alg":"None","typ":"JWT"}"#)
        }),
        ("tok.alg", "alg NONE, HS256-signed", || {
            with_header(r#"{"alg":"NONE","typ":"JWT"}"#)
        }),
        ("tok.alg", "alg nOnE, empty signature", || {
            let c = claims("johndoe", Some("me items")).to_string();
            format!("{}.{}.", b64(br#"{"alg":"nOnE"}"#), b64(c.as_bytes()))
        }),
        ("tok.alg", "alg hs256", || {
            with_header(r#"{"alg":"hs256","typ":"JWT"}"#)
        }),
        ("tok.alg", "alg HS512", || {
            with_header(r#"{"alg":"HS512","typ":"JWT"}"#)
        }),
        ("tok.alg", "alg RS256", || {
            with_header(r#"{"alg":"RS256","typ":"JWT"}"#)
        }),
        ("tok.alg", "alg missing", || with_header(r#"{"typ":"JWT"}"#)),
        ("tok.alg", "alg not a string", || {
            with_header(r#"{"alg":["HS256"],"typ":"JWT"}"#)
        }),
        ("tok.alg", "alg with a trailing space", || {
            with_header(r#"{"alg":"HS256 ","typ":"JWT"}"#)
        }),
        ("tok.crit", "crit present", || {
            with_header(r#"{"alg":"HS256","typ":"JWT","crit":["exp"]}"#)
        }),
        ("tok.crit", "b64 false with crit", || {
            with_header(r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#)
        }),
        ("tok.crit", "b64 true", || {
            with_header(r#"{"alg":"HS256","b64":true}"#)
        }),
        ("tok.jti", "jti a number", || {
            tok_edit("johndoe", Some("me items"), "jti", json!(5))
        }),
        ("tok.jti", "jti an object", || {
            tok_edit("johndoe", Some("me items"), "jti", json!({"a": 1}))
        }),
        ("tok.exp", "exp missing", || {
            tok_edit("johndoe", Some("me items"), "exp", Value::Null)
        }),
        ("tok.exp", "exp a minute ago", || {
            tok_edit("johndoe", Some("me items"), "exp", json!(now() - 60))
        }),
        ("tok.exp", "exp equal to now", || {
            tok_edit("johndoe", Some("me items"), "exp", json!(now()))
        }),
        ("tok.exp", "exp a string", || {
            tok_edit("johndoe", Some("me items"), "exp", json!(exp().to_string()))
        }),
        ("tok.exp", "exp null", || {
            with_payload(r#"{"sub":"johndoe","exp":null,"scope":"me items"}"#.as_bytes())
        }),
        ("tok.exp", "exp 1e400", || {
            with_payload(r#"{"sub":"johndoe","exp":1e400,"scope":"me items"}"#.as_bytes())
        }),
        ("tok.nbf", "nbf an hour ahead", || {
            tok_edit("johndoe", Some("me items"), "nbf", json!(now() + 3600))
        }),
        ("tok.iat", "iat an hour ahead", || {
            tok_edit("johndoe", Some("me items"), "iat", json!(now() + 3600))
        }),
        ("tok.aud", "aud a string", || {
            tok_edit("johndoe", Some("me items"), "aud", json!("tessera"))
        }),
        ("tok.aud", "aud an array", || {
            tok_edit("johndoe", Some("me items"), "aud", json!(["tessera"]))
        }),
        ("tok.aud", "aud empty", || {
            tok_edit("johndoe", Some("me items"), "aud", json!(""))
        }),
        ("tok.sub", "sub missing", || {
            tok_edit("johndoe", Some("me items"), "sub", Value::Null)
        }),
        ("tok.sub", "sub a number", || {
            tok_edit("johndoe", Some("me items"), "sub", json!(42))
        }),
        ("tok.sub", "sub empty", || {
            tok_edit("johndoe", Some("me items"), "sub", json!(""))
        }),
        ("tok.sub", "sub an array", || {
            tok_edit("johndoe", Some("me items"), "sub", json!(["johndoe"]))
        }),
        ("tok.sub", "sub null", || {
            with_payload(format!(r#"{{"sub":null,"exp":{},"scope":"me items"}}"#, exp()).as_bytes())
        }),
        ("tok.sub", "sub unknown", || tok("nobody", Some("me items"))),
        ("tok.sub", "sub differs in case", || {
            tok("JohnDoe", Some("me items"))
        }),
        ("tok.sub", "sub with a trailing NUL", || {
            tok("johndoe\u{0}", Some("me items"))
        }),
        ("tok.scope", "scope with a double space", || {
            tok("johndoe", Some("me  items"))
        }),
        ("tok.scope", "scope with a leading space", || {
            tok("johndoe", Some(" me items"))
        }),
        ("tok.scope", "scope with a trailing space", || {
            tok("johndoe", Some("me items "))
        }),
        ("tok.scope", "scope with a tab", || {
            tok("johndoe", Some("me\titems"))
        }),
        ("tok.scope", "scope with a quote", || {
            tok("johndoe", Some("me items \""))
        }),
        ("tok.scope", "scope with a backslash", || {
            tok("johndoe", Some("me items \\"))
        }),
        ("tok.scope", "scope with a non-ASCII letter", || {
            tok("johndoe", Some("me items é"))
        }),
        ("tok.scope", "scope an array", || {
            tok_edit("johndoe", None, "scope", json!(["me", "items"]))
        }),
        ("tok.scope", "scope a number", || {
            tok_edit("johndoe", None, "scope", json!(5))
        }),
        ("tok.scope", "scope null", || {
            with_payload(format!(r#"{{"sub":"johndoe","exp":{},"scope":null}}"#, exp()).as_bytes())
        }),
        ("tok.len", "token of 8193 characters", || sized_token(8193)),
    ]
}

/// Flips an unused low bit of the last character of a base64url segment whose length is not
/// a multiple of four, giving a non-canonical spelling of the same bytes.
fn non_canonical(seg: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = seg.as_bytes().to_vec();
    let last = bytes.pop().expect("non-empty");
    let v = ALPHABET.iter().position(|&a| a == last).expect("base64url");
    bytes.push(ALPHABET[v ^ 1]);
    String::from_utf8(bytes).expect("ASCII")
}

/// A valid johndoe token ("me items") of exactly `len` characters, when reachable.
pub(crate) fn sized_token(len: usize) -> String {
    let head = b64(JWT_HEADER.as_bytes()).len();
    // header '.' payload '.' 43-character signature
    let payload_len = len - head - 2 - 43;
    let base = format!(
        r#"{{"sub":"johndoe","exp":{},"scope":"me items","pad":""#,
        exp()
    );
    let json_len = (0..)
        .find(|n| b64(&vec![b'a'; *n]).len() == payload_len)
        .expect("reachable");
    let pad = json_len - base.len() - 2;
    let json = format!("{base}{}\"}}", "a".repeat(pad));
    let t = with_payload(json.as_bytes());
    assert_eq!(t.len(), len, "sized token");
    t
}

/// Tokens signed by the tutorial key whose `kid` names no key of the server: refused in the
/// rfc style, accepted in the fastapi style (FastAPI reads no `kid`).
pub(crate) fn unknown_kid_tokens() -> Vec<TokenCase> {
    vec![
        ("tok.kid", "kid naming no key", || {
            with_header(r#"{"alg":"HS256","typ":"JWT","kid":"AAAAAAAA"}"#)
        }),
        ("tok.kid", "kid that is a path", || {
            with_header(r#"{"alg":"HS256","typ":"JWT","kid":"../../../dev/null"}"#)
        }),
    ]
}

/// Valid tokens the spec says are accepted: (row, name, token) for johndoe with "me items".
pub(crate) fn accepted_tokens() -> Vec<TokenCase> {
    vec![
        ("tok.accepted", "unknown extra claims", || {
            tok_edit(
                "johndoe",
                Some("me items"),
                "extra",
                json!({"nested": [1, 2, {"a": null}]}),
            )
        }),
        ("tok.accepted", "typ at+jwt", || {
            with_header(r#"{"alg":"HS256","typ":"at+jwt"}"#)
        }),
        ("tok.accepted", "typ any string", || {
            with_header(r#"{"alg":"HS256","typ":"whatever"}"#)
        }),
        ("tok.accepted", "no typ", || {
            with_header(r#"{"alg":"HS256"}"#)
        }),
        ("tok.accepted", "kid of the tutorial key", || {
            let kid = tessera_tests::token::key().kid().to_owned();
            with_header(&format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{kid}"}}"#))
        }),
        (
            "tok.accepted",
            "kid of the tutorial key, members in another order",
            || {
                let kid = tessera_tests::token::key().kid().to_owned();
                with_header(&format!(r#"{{"kid":"{kid}","typ":"JWT","alg":"HS256"}}"#))
            },
        ),
        ("tok.accepted", "jti a string", || {
            tok_edit("johndoe", Some("me items"), "jti", json!("abc"))
        }),
        ("tok.accepted", "nbf in the past", || {
            tok_edit("johndoe", Some("me items"), "nbf", json!(now() - 60))
        }),
        ("tok.accepted", "no iat", || {
            tok_edit("johndoe", Some("me items"), "iat", Value::Null)
        }),
        ("tok.accepted", "scope in another order", || {
            tok("johndoe", Some("items me"))
        }),
        ("tok.accepted", "token of exactly 8192 characters", || {
            sized_token(8192)
        }),
    ]
}
