#![no_main]
//! Arbitrary claims, encoded into a buffer and verified again: `sub`, `scope`, `exp` and an
//! extra claim come back exactly as given.

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};
use tessera_core::jwt::{self, DEFAULT_MAX_TOKEN_LEN, Header, Validation, Verifier};
use tessera_core::{Hs256Key, TokenError, UnixTime};

const NOW: i64 = 1_764_000_000;
/// Every character a scope token may hold (RFC 6749 §3.3).
const SCOPE_CHARS: &[u8] =
    b"!#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~";

#[derive(Arbitrary, Debug)]
struct Input {
    sub: String,
    lifetime: u32,
    scope: Option<Vec<Vec<u8>>>,
    extra: String,
    access_token_typ: bool,
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
    extra: &'a str,
}

#[derive(Deserialize)]
struct Extra {
    extra: String,
}

fuzz_target!(|input: Input| {
    if input.sub.is_empty() {
        return;
    }
    let scope = input.scope.map(|tokens| {
        let tokens = tokens.iter().filter(|t| !t.is_empty());
        let tokens = tokens.map(|t| {
            t.iter()
                .map(|&b| char::from(SCOPE_CHARS[usize::from(b) % SCOPE_CHARS.len()]))
        });
        tokens.map(String::from_iter).collect::<Vec<_>>().join(" ")
    });
    let exp = NOW + 1 + i64::from(input.lifetime);
    let claims = Claims {
        sub: &input.sub,
        exp,
        scope: scope.as_deref(),
        extra: &input.extra,
    };
    let header = if input.access_token_typ {
        Header::ACCESS_TOKEN
    } else {
        Header::JWT
    };
    let key = Hs256Key::new(&[0x42; 32]).expect("32 bytes");
    // A JSON string is at most 6 bytes per input byte (`\u00XX`); base64url adds a third.
    let text_len = input.sub.len() + input.extra.len() + scope.as_ref().map_or(0, String::len);
    let mut out = vec![0u8; 8 * text_len + 512];
    let token = jwt::encode(&key, &header, &claims, &mut out).expect("buffer is large enough");
    let mut buf = vec![0u8; token.len()];
    match Verifier::new(key, Validation::new()).verify(token, UnixTime(NOW), &mut buf) {
        Err(TokenError::TooLong) => assert!(token.len() > DEFAULT_MAX_TOKEN_LEN),
        Err(e) => panic!("{e:?} for our own token {token}"),
        Ok(c) => {
            assert!(c.sub() == claims.sub);
            assert_eq!(
                c.exp().map(|d| (d.floor_secs(), d.is_fractional())),
                Some((exp, false))
            );
            match (c.scope(), claims.scope) {
                (Some(got), Some(want)) => assert!(got.as_json_str() == want),
                (got, want) => assert!(got.is_none() && want.is_none()),
            }
            let mut scratch = vec![0u8; token.len()];
            let back: Extra = c
                .deserialize(&mut scratch)
                .expect("extra claim deserializes");
            assert_eq!(back.extra, input.extra);
        }
    }
});
