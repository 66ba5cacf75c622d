//! docs/security.md sections 1 to 5: one test per MUST (and per decision of section 11 that
//! shapes verification), named after the requirement id.

use base64ct::{Base64UrlUnpadded, Encoding};
use tessera_core::{Hs256Key, KeyError, MIN_KEY_LEN, TokenError, UnixTime, jwt};

const KEY: &[u8] = b"tessera-test-key-0123456789abcdef-32b";
const NOW: i64 = 1_764_000_000;

pub(crate) fn b64(data: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(data)
}

/// Canonical unpadded base64url `s` (its length not a multiple of 4, so its last character
/// has unused low bits, all zero) with the lowest of those bits set: the same bytes, spelled
/// non-canonically.
fn non_canonical(s: &str) -> String {
    assert!(!s.len().is_multiple_of(4), "{s} has no unused bits");
    let (head, last) = s.split_at(s.len() - 1);
    // The last character's sextet is the last byte of the quantum "AAA<last>".
    let sextet = Base64UrlUnpadded::decode_vec(&format!("AAA{last}")).unwrap()[2];
    let spelled = Base64UrlUnpadded::encode_string(&[0, 0, sextet + 1]);
    let bad = format!("{head}{}", &spelled[3..]);
    assert!(
        Base64UrlUnpadded::decode_vec(&bad).is_err(),
        "{bad} is canonical"
    );
    bad
}

/// A token over raw header and payload JSON, signed with `key`.
pub(crate) fn token_with(key: &[u8], header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let mac = Hs256Key::new(key).unwrap().mac(input.as_bytes());
    format!("{input}.{}", b64(&mac))
}

pub(crate) fn token(payload: &str) -> String {
    token_with(KEY, r#"{"alg":"HS256","typ":"JWT"}"#, payload)
}

fn verifier() -> jwt::Verifier<'static> {
    jwt::Verifier::new(Hs256Key::new(KEY).unwrap(), jwt::Validation::new())
}

fn check(t: &str) -> Result<String, TokenError> {
    check_with(&verifier(), t, NOW)
}

fn check_with(v: &jwt::Verifier<'_>, t: &str, now: i64) -> Result<String, TokenError> {
    let mut buf = vec![0u8; jwt::MAX_CLAIMS_LEN];
    v.verify(t, UnixTime(now), &mut buf)
        .map(|c| c.sub().to_string())
}

const GOOD: &str = r#"{"sub":"johndoe","exp":1764001800}"#;

#[test]
fn baseline_is_accepted() {
    assert_eq!(check(&token(GOOD)).unwrap(), "johndoe");
}

#[test]
fn t1_exactly_three_non_empty_segments() {
    let t = token(GOOD);
    let parts: Vec<&str> = t.split('.').collect();
    for bad in [
        parts[0].to_string(),
        format!("{}.{}", parts[0], parts[1]),
        format!("{t}.{}", parts[2]),
        format!(
            "{}.{}.{}.{}.{}",
            parts[0], parts[1], parts[2], parts[1], parts[2]
        ),
        format!(".{}.{}", parts[1], parts[2]),
        format!("{}..{}", parts[0], parts[2]),
        format!("{}.{}.", parts[0], parts[1]),
        format!(r#"{{"payload":"{}","signature":"{}"}}"#, parts[1], parts[2]),
    ] {
        assert!(check(&bad).is_err(), "{bad}");
    }
}

#[test]
fn t2_strict_canonical_base64url() {
    let t = token(GOOD);
    let parts: Vec<&str> = t.split('.').collect();
    // Padding, the standard alphabet and whitespace, in each segment.
    for i in 0..3 {
        for mutate in [
            |s: &str| format!("{s}="),
            |s: &str| format!("{s}=="),
            |s: &str| s.replacen(|c: char| c.is_ascii_alphanumeric(), "+", 1),
            |s: &str| s.replacen(|c: char| c.is_ascii_alphanumeric(), "/", 1),
            |s: &str| format!(" {s}"),
            |s: &str| format!("{}\n{}", &s[..4], &s[4..]),
        ] as [fn(&str) -> String; 6]
        {
            let mut p: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
            p[i] = mutate(&p[i]);
            let bad = p.join(".");
            assert!(check(&bad).is_err(), "segment {i}: {bad}");
        }
    }
    // Non-canonical trailing bits: same decoded bytes, other spelling, re-signed properly.
    let header = b64(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = b64(GOOD.as_bytes());
    if !payload.len().is_multiple_of(4) {
        let input = format!("{header}.{}", non_canonical(&payload));
        let mac = Hs256Key::new(KEY).unwrap().mac(input.as_bytes());
        assert_eq!(
            check(&format!("{input}.{}", b64(&mac))),
            Err(TokenError::Malformed)
        );
    }
    // A signature spelled non-canonically (last character's unused bits set) is refused.
    let sig = b64(&Hs256Key::new(KEY)
        .unwrap()
        .mac(format!("{header}.{payload}").as_bytes()));
    let bad_sig = format!("{header}.{payload}.{}", non_canonical(&sig));
    assert_eq!(check(&bad_sig), Err(TokenError::BadSignature));
}

#[test]
fn t3_size_cap_comes_first() {
    // A validly signed token just over the cap is refused for its size alone.
    let filler = "a".repeat(7000);
    let big = token(&format!(
        r#"{{"sub":"johndoe","exp":1764001800,"x":"{filler}"}}"#
    ));
    assert!(big.len() > 8192);
    assert_eq!(check(&big), Err(TokenError::TooLong));
    // Garbage over the cap is refused the same way, before any decoding.
    assert_eq!(check(&"!".repeat(9000)), Err(TokenError::TooLong));
    // The cap is configurable.
    let small = jwt::Verifier::new(
        Hs256Key::new(KEY).unwrap(),
        jwt::Validation::new().max_len(50),
    );
    assert_eq!(
        check_with(&small, &token(GOOD), NOW),
        Err(TokenError::TooLong)
    );
}

#[test]
fn t4_no_trimming_or_normalisation() {
    let t = token(GOOD);
    for bad in [
        format!("{t}\0"),
        format!("{t} "),
        format!(" {t}"),
        format!("{t}\u{200b}"),
        t.replacen('.', "\u{ff0e}", 1),
        format!("{t}\n"),
    ] {
        assert!(check(&bad).is_err(), "{bad:?}");
    }
}

#[test]
fn t5_mac_over_the_exact_received_bytes() {
    // Same JSON, different (non-canonical) whitespace in the header: a different signing
    // input. A MAC computed over a re-encoding would wrongly accept the token below.
    let h1 = r#"{"alg":"HS256","typ":"JWT"}"#;
    let h2 = r#"{ "alg":"HS256","typ":"JWT"}"#;
    let signed_h1 = token_with(KEY, h1, GOOD);
    let parts: Vec<&str> = signed_h1.split('.').collect();
    let swapped = format!("{}.{}.{}", b64(h2.as_bytes()), parts[1], parts[2]);
    assert_eq!(check(&swapped), Err(TokenError::BadSignature));
    assert!(check(&token_with(KEY, h2, GOOD)).is_ok());
}

#[test]
fn j1_strict_json() {
    for p in [
        r#"{"sub":"johndoe","exp":1764001800,}"#,
        r#"{"sub":"johndoe","exp":1764001800} x"#,
        r#"{"sub":"johndoe",/*c*/"exp":1764001800}"#,
        r#"{'sub':'johndoe','exp':1764001800}"#,
        r#"{sub:"johndoe","exp":1764001800}"#,
        "{\"sub\":\"john\u{1}doe\",\"exp\":1764001800}",
        r#"{"sub":"johndoe","exp":1764001800,"x":NaN}"#,
        r#"{"sub":"johndoe","exp":1764001800,"x":Infinity}"#,
        r#"{"sub":"johndoe","exp":01764001800}"#,
        r#"{"sub":"johndoe","exp":+1764001800}"#,
        r#"["sub","johndoe"]"#,
        r#""johndoe""#,
    ] {
        assert_eq!(check(&token(p)), Err(TokenError::Json), "{p}");
    }
    // Trailing whitespace is allowed.
    assert!(check(&token(&format!("{GOOD} \n"))).is_ok());
}

#[test]
fn j2_utf8_only() {
    for bytes in [
        b"\xef\xbb\xbf{\"sub\":\"johndoe\",\"exp\":1764001800}".to_vec(),
        b"{\"sub\":\"jo\xc0\xafhn\",\"exp\":1764001800}".to_vec(),
        b"{\"sub\":\"jo\xed\xa0\x80hn\",\"exp\":1764001800}".to_vec(),
        b"{\"sub\":\"jo\xf5hn\",\"exp\":1764001800}".to_vec(),
        b"{\"sub\":\"jo\x80hn\",\"exp\":1764001800}".to_vec(),
        b"{\"sub\":\"jo\xe2\x82\",\"exp\":1764001800}".to_vec(),
        "{\"sub\":\"johndoe\",\"exp\":1764001800}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect(),
    ] {
        let input = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(&bytes));
        let mac = Hs256Key::new(KEY).unwrap().mac(input.as_bytes());
        assert_eq!(
            check(&format!("{input}.{}", b64(&mac))),
            Err(TokenError::Json),
            "{bytes:?}"
        );
    }
}

#[test]
fn j3_duplicate_names_rejected_even_behind_escapes() {
    for p in [
        r#"{"sub":"johndoe","sub":"admin","exp":1764001800}"#,
        r#"{"sub":"johndoe","s\u0075b":"admin","exp":1764001800}"#,
        r#"{"sub":"johndoe","exp":1764001800,"x":{"a":1,"\u0061":2}}"#,
    ] {
        assert_eq!(check(&token(p)), Err(TokenError::Json), "{p}");
    }
    let dup_alg = token_with(KEY, r#"{"alg":"none","alg":"HS256"}"#, GOOD);
    assert_eq!(check(&dup_alg), Err(TokenError::Json));
}

#[test]
fn j4_escapes_decoded_before_use() {
    let mut buf = vec![0u8; 1024];
    let v = verifier();
    let t = token(r#"{"sub":"jo\u0068n\ndoe","exp":1764001800,"scope":"\u006de items"}"#);
    let c = v.verify(&t, UnixTime(NOW), &mut buf).unwrap();
    assert!(c.sub() == "john\ndoe");
    assert_eq!(
        c.sub().as_plain(),
        None,
        "escaped text is never handed out raw"
    );
    assert_eq!(c.sub().to_string(), "john\ndoe");
    assert!(c.grants_all(&["me", "items"]));
    // Owned claims decode escaped strings too, and copy plain ones as they are.
    let owned = v.verify_owned(&t, UnixTime(NOW)).unwrap();
    assert_eq!(owned.sub, "john\ndoe");
    assert_eq!(owned.scope.as_deref(), Some("me items"));
    let plain = token(r#"{"sub":"johndoe","exp":1764001800,"jti":"a-b_c"}"#);
    let owned = v.verify_owned(&plain, UnixTime(NOW)).unwrap();
    assert_eq!(
        (owned.sub.as_str(), owned.jti.as_deref()),
        ("johndoe", Some("a-b_c"))
    );
    // `alg` escaped still means HS256.
    assert!(check(&token_with(KEY, r#"{"alg":"HS\u0032\u00356"}"#, GOOD)).is_ok());
    // A NUL inside `sub` is kept, not a terminator.
    let t = token(r#"{"sub":"john\u0000doe","exp":1764001800}"#);
    assert_eq!(check(&t).unwrap(), "john\0doe");
}

#[test]
fn j5_lone_surrogates_rejected() {
    for p in [
        r#"{"sub":"\ud800","exp":1764001800}"#,
        r#"{"sub":"\udc00","exp":1764001800}"#,
        r#"{"sub":"\ud800\u0041","exp":1764001800}"#,
    ] {
        assert_eq!(check(&token(p)), Err(TokenError::Json), "{p}");
    }
    assert_eq!(
        check(&token(r#"{"sub":"\ud83d\ude00","exp":1764001800}"#)).unwrap(),
        "\u{1f600}"
    );
}

#[test]
fn j6_nesting_is_bounded() {
    let deep = |n: usize| {
        format!(
            r#"{{"sub":"j","exp":1764001800,"x":{}{}}}"#,
            "[".repeat(n),
            "]".repeat(n)
        )
    };
    assert!(check(&token(&deep(31))).is_ok());
    assert_eq!(check(&token(&deep(32))), Err(TokenError::Json));
    // Very deep input is refused without exhausting the stack.
    assert_eq!(check(&token(&deep(2000))), Err(TokenError::Json));
}

#[test]
fn j7_numeric_dates() {
    for (p, e) in [
        (
            r#"{"sub":"j","exp":"1764001800"}"#,
            TokenError::MalformedClaim,
        ),
        (r#"{"sub":"j","exp":true}"#, TokenError::MalformedClaim),
        (r#"{"sub":"j","exp":null}"#, TokenError::MalformedClaim),
        (
            r#"{"sub":"j","exp":[1764001800]}"#,
            TokenError::MalformedClaim,
        ),
        (r#"{"sub":"j","exp":1e400}"#, TokenError::MalformedClaim),
        (
            r#"{"sub":"j","exp":9007199254740993}"#,
            TokenError::MalformedClaim,
        ),
        (
            r#"{"sub":"j","exp":1764001800,"nbf":"0"}"#,
            TokenError::MalformedClaim,
        ),
        (
            r#"{"sub":"j","exp":1764001800,"iat":{}}"#,
            TokenError::MalformedClaim,
        ),
    ] {
        assert_eq!(check(&token(p)), Err(e), "{p}");
    }
    let long = format!(r#"{{"sub":"j","exp":1{}}}"#, "0".repeat(100));
    assert_eq!(check(&token(&long)), Err(TokenError::Json));
    // Non-integers are accepted and compared exactly.
    assert!(check(&token(r#"{"sub":"j","exp":1764000000.5}"#)).is_ok());
    assert_eq!(
        check(&token(r#"{"sub":"j","exp":1764000000.0}"#)),
        Err(TokenError::Expired)
    );
    assert!(check(&token(r#"{"sub":"j","exp":1.7640018e9}"#)).is_ok());
}

#[test]
fn j8_unknown_claims_and_header_parameters_ignored() {
    let t = token_with(
        KEY,
        r#"{"alg":"HS256","typ":"whatever","kid":"../../etc/passwd","x-custom":[1,{"a":null}]}"#,
        r#"{"sub":"j","exp":1764001800,"extra":{"nested":[1,2.5,"x",false,null]}}"#,
    );
    assert!(check(&t).is_ok());
}

#[test]
fn a1_only_hs256_exactly() {
    for alg in [
        r#""none""#,
        r#""None""#,
        r#""NONE""#,
        r#""nOnE""#,
        r#""hs256""#,
        r#""HS384""#,
        r#""HS512""#,
        r#""RS256""#,
        r#""ES256""#,
        r#""PS256""#,
        r#""EdDSA""#,
        r#""dir""#,
        r#""""#,
        r#""HS256 ""#,
        "256",
        r#"["HS256"]"#,
        "null",
    ] {
        let t = token_with(KEY, &format!(r#"{{"alg":{alg},"typ":"JWT"}}"#), GOOD);
        assert_eq!(check(&t), Err(TokenError::Algorithm), "{alg}");
    }
    assert_eq!(
        check(&token_with(KEY, r#"{"typ":"JWT"}"#, GOOD)),
        Err(TokenError::Algorithm)
    );
    // `none` with an empty signature never reaches the header check.
    let none = format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(GOOD.as_bytes()));
    assert!(check(&none).is_err());
}

#[test]
fn a2_key_rules() {
    assert_eq!(Hs256Key::new(b"").err(), Some(KeyError::Empty));
    assert_eq!(Hs256Key::new(&[0x41; 31]).err(), Some(KeyError::TooShort));
    assert!(Hs256Key::new(&[0x41; 32]).is_ok());
    assert_eq!(MIN_KEY_LEN, 32);
    // Debug never shows key material.
    let k = Hs256Key::new(b"super-secret-key-material-0123456789").unwrap();
    assert!(!format!("{k:?}").contains("super"));
}

#[test]
fn a3_crit_and_b64_rejected() {
    for h in [
        r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
        r#"{"alg":"HS256","crit":[]}"#,
        r#"{"alg":"HS256","crit":"b64"}"#,
        r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#,
        r#"{"alg":"HS256","b64":true}"#,
    ] {
        assert_eq!(
            check(&token_with(KEY, h, GOOD)),
            Err(TokenError::UnsupportedHeader),
            "{h}"
        );
    }
}

#[test]
fn a4_header_never_selects_the_key() {
    // kid / jwk / jku are ignored: a token signed with another key stays rejected.
    let other = b"another-key-another-key-another-key!!";
    for h in [
        r#"{"alg":"HS256","kid":"attacker"}"#,
        r#"{"alg":"HS256","jwk":{"kty":"oct","k":"YW5vdGhlci1rZXk"}}"#,
        r#"{"alg":"HS256","jku":"https://evil.invalid/jwks"}"#,
    ] {
        assert_eq!(
            check(&token_with(other, h, GOOD)),
            Err(TokenError::BadSignature),
            "{h}"
        );
        assert!(check(&token_with(KEY, h, GOOD)).is_ok(), "{h}");
    }
}

#[test]
fn a5_nested_and_encrypted_rejected() {
    for h in [
        r#"{"alg":"HS256","cty":"JWT"}"#,
        r#"{"alg":"HS256","cty":"jwt"}"#,
        r#"{"alg":"HS256","cty":"application/jwt"}"#,
        r#"{"alg":"HS256","enc":"A128GCM"}"#,
        r#"{"alg":"HS256","zip":"DEF"}"#,
    ] {
        assert_eq!(
            check(&token_with(KEY, h, GOOD)),
            Err(TokenError::UnsupportedHeader),
            "{h}"
        );
    }
    assert!(
        check(&token_with(
            KEY,
            r#"{"alg":"HS256","cty":"text/plain"}"#,
            GOOD
        ))
        .is_ok()
    );
}

#[test]
fn a6_typ_is_a_string_and_can_be_required() {
    assert_eq!(
        check(&token_with(KEY, r#"{"alg":"HS256","typ":1}"#, GOOD)),
        Err(TokenError::Type)
    );
    let strict = jwt::Verifier::new(
        Hs256Key::new(KEY).unwrap(),
        jwt::Validation::new().typ("at+jwt"),
    );
    assert_eq!(
        check_with(&strict, &token(GOOD), NOW),
        Err(TokenError::Type)
    );
    for typ in ["at+jwt", "AT+JWT", "application/at+jwt"] {
        let t = token_with(KEY, &format!(r#"{{"alg":"HS256","typ":"{typ}"}}"#), GOOD);
        assert!(check_with(&strict, &t, NOW).is_ok(), "{typ}");
    }
    // Distinct token kinds fail each other's validation.
    let refresh = token_with(KEY, r#"{"alg":"HS256","typ":"refresh+jwt"}"#, GOOD);
    assert_eq!(check_with(&strict, &refresh, NOW), Err(TokenError::Type));
}

#[test]
fn s1_signature_must_be_exactly_the_mac() {
    let t = token(GOOD);
    let (input, sig) = t.rsplit_once('.').unwrap();
    for bad in [
        format!("{input}.{}", &sig[..42]),
        format!("{input}.{sig}A"),
        format!("{input}.{}", b64(&[0u8; 32])),
        format!("{input}.{}", b64(&[0u8; 31])),
        format!("{input}.{}AAAA", sig),
    ] {
        assert_eq!(check(&bad), Err(TokenError::BadSignature), "{bad}");
    }
}

#[test]
fn s2_signature_before_any_claim_or_header_parse() {
    // Broken JSON, bad alg and expired claims all lose to a wrong signature: nothing is
    // parsed before the MAC check.
    let other = b"another-key-another-key-another-key!!";
    assert_eq!(
        check(&token_with(other, "{", "not json")),
        Err(TokenError::BadSignature)
    );
    assert_eq!(
        check(&token_with(other, r#"{"alg":"none"}"#, GOOD)),
        Err(TokenError::BadSignature)
    );
    assert_eq!(
        check(&token_with(
            other,
            r#"{"alg":"HS256"}"#,
            r#"{"sub":"j","exp":1}"#
        )),
        Err(TokenError::BadSignature)
    );
}

// S3 (every refused token gets one answer) is checked through the service the adapters call:
// crates/service/tests/security.rs.

#[test]
fn c1_exp_required_and_strictly_before() {
    assert_eq!(
        check(&token(r#"{"sub":"j"}"#)),
        Err(TokenError::MissingExpiry)
    );
    assert_eq!(
        check(&token(&format!(r#"{{"sub":"j","exp":{NOW}}}"#))),
        Err(TokenError::Expired)
    );
    assert_eq!(
        check(&token(&format!(r#"{{"sub":"j","exp":{}}}"#, NOW - 1))),
        Err(TokenError::Expired)
    );
    assert!(check(&token(&format!(r#"{{"sub":"j","exp":{}}}"#, NOW + 1))).is_ok());
    let lax = jwt::Verifier::new(
        Hs256Key::new(KEY).unwrap(),
        jwt::Validation::new().require_exp(false),
    );
    assert!(check_with(&lax, &token(r#"{"sub":"j"}"#), NOW).is_ok());
}

#[test]
fn c2_c3_nbf_and_iat_not_in_the_future() {
    let p = |extra: &str| token(&format!(r#"{{"sub":"j","exp":{},{extra}}}"#, NOW + 100));
    assert_eq!(
        check(&p(&format!(r#""nbf":{}"#, NOW + 1))),
        Err(TokenError::NotYetValid)
    );
    assert!(check(&p(&format!(r#""nbf":{NOW}"#))).is_ok());
    assert_eq!(
        check(&p(&format!(r#""nbf":{NOW}.5"#))),
        Err(TokenError::NotYetValid)
    );
    assert_eq!(
        check(&p(&format!(r#""iat":{}"#, NOW + 1))),
        Err(TokenError::IssuedInFuture)
    );
    assert!(check(&p(&format!(r#""iat":{NOW}"#))).is_ok());
}

#[test]
fn c4_leeway_is_explicit_capped_and_overflow_safe() {
    let v = jwt::Verifier::new(
        Hs256Key::new(KEY).unwrap(),
        jwt::Validation::new().leeway(10),
    );
    let t = token(&format!(r#"{{"sub":"j","exp":{NOW}}}"#));
    assert!(check_with(&v, &t, NOW + 9).is_ok());
    assert_eq!(check_with(&v, &t, NOW + 10), Err(TokenError::Expired));
    assert_eq!(
        jwt::Validation::new().leeway(u32::MAX).leeway_secs(),
        jwt::MAX_LEEWAY
    );
    assert_eq!(jwt::Validation::new().leeway_secs(), 0);
    // Extreme times and dates do not overflow.
    let huge = token(r#"{"sub":"j","exp":9007199254740992,"nbf":-9007199254740992}"#);
    assert!(check_with(&v, &huge, NOW).is_ok());
    assert_eq!(
        check_with(&v, &huge, i64::MIN),
        Err(TokenError::NotYetValid)
    );
    assert_eq!(check_with(&v, &huge, i64::MAX), Err(TokenError::Expired));
}

#[test]
fn c5_sub_required_non_empty_string() {
    for p in [
        r#"{"exp":1764001800}"#,
        r#"{"sub":"","exp":1764001800}"#,
        r#"{"sub":1,"exp":1764001800}"#,
        r#"{"sub":null,"exp":1764001800}"#,
        r#"{"sub":["j"],"exp":1764001800}"#,
    ] {
        assert_eq!(check(&token(p)), Err(TokenError::Subject), "{p}");
    }
}

#[test]
fn c6_aud_and_iss() {
    assert_eq!(
        check(&token(r#"{"sub":"j","exp":1764001800,"aud":"api"}"#)),
        Err(TokenError::Audience)
    );
    assert_eq!(
        check(&token(r#"{"sub":"j","exp":1764001800,"aud":["api"]}"#)),
        Err(TokenError::Audience)
    );
    let v = jwt::Verifier::new(
        Hs256Key::new(KEY).unwrap(),
        jwt::Validation::new()
            .audience("api")
            .issuer("https://issuer"),
    );
    let with = |extra: &str| token(&format!(r#"{{"sub":"j","exp":1764001800,{extra}}}"#));
    assert!(check_with(&v, &with(r#""aud":"api","iss":"https://issuer""#), NOW).is_ok());
    assert!(
        check_with(
            &v,
            &with(r#""aud":["x","api"],"iss":"https://issuer""#),
            NOW
        )
        .is_ok()
    );
    assert_eq!(
        check_with(&v, &with(r#""aud":"apix","iss":"https://issuer""#), NOW),
        Err(TokenError::Audience)
    );
    assert_eq!(
        check_with(&v, &with(r#""aud":[1],"iss":"https://issuer""#), NOW),
        Err(TokenError::MalformedClaim)
    );
    assert_eq!(
        check_with(&v, &with(r#""iss":"https://issuer""#), NOW),
        Err(TokenError::Audience)
    );
    // Exact issuer: no substring or prefix matches.
    for iss in ["https://issuer.evil", "https://iss", "HTTPS://ISSUER"] {
        assert_eq!(
            check_with(&v, &with(&format!(r#""aud":"api","iss":"{iss}""#)), NOW),
            Err(TokenError::Issuer)
        );
    }
    assert_eq!(check(&with(r#""iss":7"#)), Err(TokenError::MalformedClaim));
}

#[test]
fn c7_scope_claim_syntax() {
    for scope in [
        r#""me  items""#,
        r#"" me""#,
        r#""me ""#,
        r#"["me"]"#,
        "1",
        r#""me\"x""#,
        r#""me\\x""#,
        r#""me\titems""#,
        r#""mé""#,
    ] {
        let t = token(&format!(
            r#"{{"sub":"j","exp":1764001800,"scope":{scope}}}"#
        ));
        assert_eq!(check(&t), Err(TokenError::Scope), "{scope}");
    }
    let mut buf = vec![0u8; 1024];
    let v = verifier();
    let t = token(r#"{"sub":"j","exp":1764001800,"scope":"items me"}"#);
    let c = v.verify(&t, UnixTime(NOW), &mut buf).unwrap();
    assert!(c.grants_all(&["me", "items"]));
    assert!(!c.grants_all(&["ME"]));
    let t = token(r#"{"sub":"j","exp":1764001800,"scope":"me:read meitems"}"#);
    let c = v.verify(&t, UnixTime(NOW), &mut buf).unwrap();
    assert!(!c.grants_all(&["me"]));
    assert!(!c.grants_all(&["items"]));
}

#[test]
fn c8_jti_must_be_a_string() {
    assert_eq!(
        check(&token(r#"{"sub":"j","exp":1764001800,"jti":7}"#)),
        Err(TokenError::MalformedClaim)
    );
    assert!(check(&token(r#"{"sub":"j","exp":1764001800,"jti":"abc"}"#)).is_ok());
}
