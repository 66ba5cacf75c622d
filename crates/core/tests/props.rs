//! Property tests (proptest); failing cases are kept in `proptest-regressions/`.

use proptest::prelude::*;
use serde::Serialize;
use tessera_core::form::{self, FormError, FormOptions};
use tessera_core::http::Style;
use tessera_core::scope::Scope;
use tessera_core::{Hs256Key, UnixTime, bearer, jwt};

const KEY: &[u8] = b"tessera-property-test-key-32-bytes!!";

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
    note: &'a str,
}

fn scope_token() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[!#-\\[\\]-~]{1,8}").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn encode_then_verify_round_trips(
        sub in "\\PC{1,40}",
        note in "\\PC{0,60}",
        exp_offset in 1i64..1_000_000,
        scopes in proptest::collection::vec(scope_token(), 0..5),
    ) {
        let key = Hs256Key::new(KEY).unwrap();
        let now = 1_764_000_000;
        let scope = scopes.join(" ");
        let claims = Claims { sub: &sub, exp: now + exp_offset, scope: Some(scope.as_str()).filter(|s| !s.is_empty()), note: &note };
        let mut out = vec![0u8; 2048];
        let token = jwt::encode(&key, &jwt::Header::JWT, &claims, &mut out).unwrap().to_string();
        let v = jwt::Verifier::new(key, jwt::Validation::new());
        let mut buf = vec![0u8; 2048];
        let c = v.verify(&token, UnixTime(now), &mut buf).unwrap();
        prop_assert_eq!(c.sub().to_string(), sub);
        let got: Vec<String> = c.scope().map(|s| s.iter().map(|t| t.to_string()).collect()).unwrap_or_default();
        prop_assert_eq!(got, scopes);
        prop_assert!(c.exp().is_some());
    }

    #[test]
    fn verify_never_panics_on_arbitrary_input(input in proptest::collection::vec(any::<u8>(), 0..400)) {
        let v = jwt::Verifier::new(Hs256Key::new(KEY).unwrap(), jwt::Validation::new());
        let mut buf = vec![0u8; 512];
        if let Ok(s) = std::str::from_utf8(&input) {
            prop_assert!(v.verify(s, UnixTime(0), &mut buf).is_err());
        }
    }

    #[test]
    fn verify_never_panics_on_token_shaped_input(h in "[A-Za-z0-9_-]{0,60}", p in "[A-Za-z0-9_-]{0,120}", s in "[A-Za-z0-9_-]{0,50}") {
        let v = jwt::Verifier::new(Hs256Key::new(KEY).unwrap(), jwt::Validation::new());
        let mut buf = vec![0u8; 512];
        let t = format!("{h}.{p}.{s}");
        prop_assert!(v.verify(&t, UnixTime(0), &mut buf).is_err());
    }

    #[test]
    fn any_single_byte_change_is_rejected(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let key = Hs256Key::new(KEY).unwrap();
        let claims = Claims { sub: "johndoe", exp: 2_000_000_000, scope: Some("me items"), note: "n" };
        let mut out = [0u8; 512];
        let token = jwt::encode(&key, &jwt::Header::JWT, &claims, &mut out).unwrap().as_bytes().to_vec();
        let i = pos.index(token.len());
        prop_assume!(token[i] != byte);
        let mut tampered = token.clone();
        tampered[i] = byte;
        let v = jwt::Verifier::new(key, jwt::Validation::new());
        let mut buf = [0u8; 512];
        if let Ok(s) = std::str::from_utf8(&tampered) {
            prop_assert!(v.verify(s, UnixTime(1_764_000_000), &mut buf).is_err());
        }
    }

    #[test]
    fn bearer_parse_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(t) = bearer::parse(&input) {
            prop_assert!(!t.starts_with([' ', '\t']) && !t.ends_with([' ', '\t']));
        }
    }

    #[test]
    fn form_parser_never_panics(input in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut buf = vec![0u8; input.len()];
        let _ = form::parse(&input, Some("application/x-www-form-urlencoded"), &FormOptions::default(), &mut buf);
    }

    #[test]
    fn form_round_trips_what_an_encoder_produced(user in "\\PC{1,60}", pass in "\\PC{1,100}", scopes in proptest::collection::vec(scope_token(), 0..4)) {
        let enc = |s: &str| -> String {
            s.bytes().map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            }).collect()
        };
        let body = format!("grant_type=password&username={}&password={}&scope={}", enc(&user), enc(&pass), enc(&scopes.join(" ")));
        let mut buf = vec![0u8; body.len()];
        let f = form::parse(body.as_bytes(), Some("application/x-www-form-urlencoded"), &FormOptions::default(), &mut buf).unwrap();
        prop_assert_eq!(f.username, user.as_str());
        prop_assert_eq!(f.password, pass.as_str());
        prop_assert_eq!(f.scope, scopes.join(" "));
    }

    #[test]
    fn fastapi_form_parser_never_refuses_the_encoding(input in proptest::collection::vec(any::<u8>(), 0..600)) {
        let opts = Style::FastApi.form_options(FormOptions::default());
        let mut buf = vec![0u8; form::buffer_len(&input, &opts)];
        let r = form::parse(&input, Some("application/x-www-form-urlencoded"), &opts, &mut buf);
        prop_assert!(!matches!(r, Err(FormError::Malformed | FormError::TooLarge)), "{:?}", r);
    }

    #[test]
    fn fastapi_values_decode_as_unquote_plus_over_latin1(
        value in proptest::collection::vec(
            prop_oneof![
                Just(b'%'), Just(b'+'), Just(b'a'),
                proptest::sample::select(b"0123456789abcdefABCDEFgz".to_vec()),
                0x80u8..=0xFF,
                any::<u8>(),
            ],
            1..40,
        )
    ) {
        prop_assume!(!value.contains(&b'&'));
        let expected = unquote_plus_latin1(&value);
        let mut body = b"username=johndoe&password=".to_vec();
        body.extend_from_slice(&value);
        let opts = Style::FastApi.form_options(FormOptions::default());
        let mut buf = vec![0u8; form::buffer_len(&body, &opts)];
        let r = form::parse(&body, Some("application/x-www-form-urlencoded"), &opts, &mut buf);
        match r {
            Ok(f) => prop_assert_eq!(f.password, expected.as_str()),
            Err(e) => {
                prop_assert!(expected.is_empty(), "{:?} for {:?}", e, expected);
            }
        }
    }

    #[test]
    fn scope_parse_round_trips(input in "[ !-~]{0,40}") {
        if let Ok(s) = Scope::parse(&input) {
            prop_assert_eq!(s.iter().collect::<Vec<_>>().join(" "), input);
        }
    }
}

/// Claims that serde-json-core would panic on (a `char`, 128-bit integers, a tuple variant, a
/// `Serialize` impl's own error) are refused with `EncodeError::Claims`, never a panic; the
/// same claims without them are written.
#[test]
fn awkward_claims_are_written_or_refused() {
    use tessera_core::{EncodeError, Hs256Key, UnixTime, jwt};
    #[derive(serde::Serialize)]
    enum Pair {
        Of(u8, u8),
    }
    struct Failing;
    impl Serialize for Failing {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("cannot"))
        }
    }
    #[derive(serde::Serialize)]
    struct Odd<T> {
        sub: &'static str,
        exp: u64,
        extra: Option<T>,
    }
    fn odd<T>(extra: Option<T>) -> Odd<T> {
        Odd {
            sub: "johndoe",
            exp: 4_102_444_800,
            extra,
        }
    }
    let key = Hs256Key::new(&[9; 32]).unwrap();
    let mut out = [0u8; 512];
    let refused = |claims: &dyn erased::Claims| {
        let mut out = [0u8; 512];
        assert_eq!(claims.encode(&key, &mut out), Err(EncodeError::Claims));
    };
    refused(&odd(Some('j')));
    refused(&odd(Some(4_102_444_800u128)));
    refused(&odd(Some(-1i128)));
    refused(&odd(Some(Pair::Of(1, 2))));
    refused(&odd(Some(Failing)));
    refused(&[Failing]);

    let token = jwt::encode(&key, &jwt::Header::JWT, &odd::<char>(None), &mut out).unwrap();
    let verifier = jwt::Verifier::new(key.clone(), jwt::Validation::new());
    let mut buf = [0u8; 512];
    let claims = verifier
        .verify(token, UnixTime(1_764_000_000), &mut buf)
        .unwrap();
    assert_eq!(claims.sub().to_string(), "johndoe");
}

/// Claims of any type behind one reference, for a table of cases.
mod erased {
    use tessera_core::{EncodeError, Hs256Key, jwt};
    pub trait Claims {
        fn encode(&self, key: &Hs256Key, out: &mut [u8]) -> Result<(), EncodeError>;
    }
    impl<T: serde::Serialize> Claims for T {
        fn encode(&self, key: &Hs256Key, out: &mut [u8]) -> Result<(), EncodeError> {
            jwt::encode(key, &jwt::Header::JWT, self, out).map(drop)
        }
    }
}

/// A model of Starlette's value decoding, `unquote_plus(value.decode("latin-1"))`, written the
/// way Python's `urllib.parse.unquote` works: the text splits into runs of ASCII and of other
/// characters; only ASCII runs are percent-decoded (a `%` without two hex digits stays), and
/// their bytes read as UTF-8 with U+FFFD for what is ill-formed.
fn unquote_plus_latin1(raw: &[u8]) -> String {
    let mut out = String::new();
    for run in raw.chunk_by(|a, b| a.is_ascii() == b.is_ascii()) {
        if !run[0].is_ascii() {
            out.extend(run.iter().map(|&b| char::from(b)));
            continue;
        }
        let text = String::from_utf8(run.to_vec()).unwrap().replace('+', " ");
        let mut bytes = Vec::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find('%') {
            bytes.extend_from_slice(&rest.as_bytes()[..at]);
            let hex = rest
                .get(at + 1..at + 3)
                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
            match hex.map(|h| u8::from_str_radix(h, 16)) {
                Some(Ok(b)) => {
                    bytes.push(b);
                    rest = &rest[at + 3..];
                }
                _ => {
                    bytes.push(b'%');
                    rest = &rest[at + 1..];
                }
            }
        }
        bytes.extend_from_slice(rest.as_bytes());
        out.push_str(&String::from_utf8_lossy(&bytes));
    }
    out
}
