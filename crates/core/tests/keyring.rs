//! The key ring: key ids, `kid` headers, and verification under a ring of up to four keys
//! (`KeyRing`, `Verifier::from_ring`).

use base64ct::{Base64UrlUnpadded, Encoding};
use sha2::{Digest, Sha256};
use tessera_core::{Hs256Key, KID_LEN, KeyRing, KeyRingError, TokenError, UnixTime, jwt};

use crate::vectors::data;

const NOW: i64 = 1_764_000_000;
const GOOD: &str = r#"{"sub":"johndoe","exp":1764001800}"#;
const SECRETS: [&[u8]; 4] = [
    b"tessera-ring-key-0-current-0123456789",
    b"tessera-ring-key-1-previous-012345678",
    b"tessera-ring-key-2-previous-012345678",
    b"tessera-ring-key-3-oldest---012345678",
];
const OUTSIDER: &[u8] = b"tessera-ring-key-x-not-in-the-ring-00";

#[derive(serde::Serialize)]
struct Claims<'a> {
    sub: &'a str,
    exp: i64,
}

const CLAIMS: Claims<'static> = Claims {
    sub: "johndoe",
    exp: 1_764_001_800,
};

fn key(secret: &[u8]) -> Hs256Key {
    Hs256Key::new(secret).unwrap()
}

fn keys() -> [Hs256Key; 4] {
    SECRETS.map(key)
}

/// The ring of the four keys, `SECRETS[0]` current.
fn ring() -> KeyRing {
    let [current, previous @ ..] = keys();
    let mut ring = KeyRing::new(current);
    for k in previous {
        ring.push_previous(k).unwrap();
    }
    ring
}

fn verifier() -> jwt::Verifier<'static> {
    jwt::Verifier::from_ring(ring(), jwt::Validation::new())
}

fn b64(data: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(data)
}

/// A token over raw header and payload JSON, signed with `key`.
fn token_with(key: &Hs256Key, header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    format!("{input}.{}", b64(&key.mac(input.as_bytes())))
}

fn issue(key: &Hs256Key, header: &jwt::Header<'_>) -> String {
    jwt::encode_to_string(key, header, &CLAIMS).unwrap()
}

fn check(v: &jwt::Verifier<'_>, t: &str) -> Result<String, TokenError> {
    let mut buf = vec![0u8; jwt::MAX_CLAIMS_LEN];
    v.verify(t, UnixTime(NOW), &mut buf)
        .map(|c| c.sub().to_string())
}

fn header_json(token: &str) -> String {
    let seg = token.split('.').next().unwrap();
    String::from_utf8(Base64UrlUnpadded::decode_vec(seg).unwrap()).unwrap()
}

/// The key id computed independently: SHA-256 with `sha2`, base64url with `base64ct`.
fn expected_kid(secret: &[u8]) -> String {
    let digest = Sha256::digest(secret);
    let full = Base64UrlUnpadded::encode_string(&digest);
    full[..8].to_string()
}

#[test]
fn kid_is_the_start_of_the_base64url_sha256_of_the_key() {
    let fastapi = b"09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";
    let long = [0xA5u8; 200];
    for secret in SECRETS
        .into_iter()
        .chain([OUTSIDER, &fastapi[..], &[0; 32], &long])
    {
        let k = key(secret);
        assert_eq!(k.kid(), expected_kid(secret), "{secret:?}");
        assert_eq!(k.kid().len(), KID_LEN);
        assert!(
            k.kid()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        // A clone keeps it.
        assert_eq!(k.clone().kid(), k.kid());
    }
    // Fixed values, computed outside Rust: `printf %s <secret> | openssl dgst -sha256 -binary
    // | basenc --base64url | cut -c1-8`, and the same with Python's hashlib and base64.
    assert_eq!(key(fastapi).kid(), "Vw2tQ94a");
    assert_eq!(key(&[0; 32]).kid(), "Zmh6rfhi");
}

#[test]
fn headers_with_kid_are_written_in_order_and_the_standard_one_is_unchanged() {
    let [a, ..] = keys();
    let plain = issue(&a, &jwt::Header::JWT);
    assert!(plain.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
    assert_eq!(header_json(&plain), r#"{"alg":"HS256","typ":"JWT"}"#);
    assert_eq!(jwt::Header::JWT.kid(), None);

    let with_kid = issue(&a, &jwt::Header::for_key(&a));
    assert_eq!(
        header_json(&with_kid),
        format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{}"}}"#, a.kid())
    );
    assert_eq!(jwt::Header::for_key(&a), jwt::Header::JWT.with_kid(&a));
    assert_eq!(jwt::Header::for_key(&a).kid(), Some(a.kid()));
    // The precomputed header and the one written member by member agree (signing with another
    // key than the one named takes the general path).
    let [_, b, ..] = keys();
    let named_other = issue(&b, &jwt::Header::for_key(&a));
    assert_eq!(
        named_other.split('.').next(),
        with_kid.split('.').next(),
        "{named_other}"
    );
    let at = issue(&a, &jwt::Header::ACCESS_TOKEN.with_kid(&a));
    assert_eq!(
        header_json(&at),
        format!(r#"{{"alg":"HS256","typ":"at+jwt","kid":"{}"}}"#, a.kid())
    );
    // `encoded_len` counts the `kid`, and encoding fits in exactly that.
    let json_len = serde_json::to_string(&CLAIMS).unwrap().len();
    for h in [
        jwt::Header::JWT,
        jwt::Header::for_key(&a),
        jwt::Header::ACCESS_TOKEN.with_kid(&a),
    ] {
        let mut out = vec![0u8; jwt::encoded_len(&h, json_len)];
        let t = jwt::encode(&a, &h, &CLAIMS, &mut out).unwrap();
        assert_eq!(t.len(), out.len(), "{h:?}");
    }
}

#[test]
fn a_token_signed_by_each_key_of_the_ring_verifies() {
    let v = verifier();
    for (i, k) in keys().iter().enumerate() {
        for h in [
            jwt::Header::for_key(k),
            jwt::Header::JWT,
            jwt::Header::ACCESS_TOKEN.with_kid(k),
            jwt::Header::ACCESS_TOKEN,
        ] {
            assert_eq!(
                check(&v, &issue(k, &h)).as_deref(),
                Ok("johndoe"),
                "{i} {h:?}"
            );
        }
        // Other spellings of a header with this key's id: PyJWT sorts the members.
        for h in [
            format!(r#"{{"alg":"HS256","kid":"{}","typ":"JWT"}}"#, k.kid()),
            format!(r#"{{"kid":"{}","alg":"HS256"}}"#, k.kid()),
            format!(
                r#"{{"alg":"HS256","typ":"JWT","kid":"\u{:04x}{}"}}"#,
                k.kid().as_bytes()[0],
                &k.kid()[1..]
            ),
        ] {
            assert_eq!(
                check(&v, &token_with(k, &h, GOOD)).as_deref(),
                Ok("johndoe"),
                "{i} {h}"
            );
        }
    }
}

#[test]
fn a_key_outside_the_ring_is_refused() {
    let v = verifier();
    let x = key(OUTSIDER);
    for h in [
        jwt::Header::JWT,
        jwt::Header::for_key(&x),
        jwt::Header::ACCESS_TOKEN,
    ] {
        assert_eq!(
            check(&v, &issue(&x, &h)),
            Err(TokenError::BadSignature),
            "{h:?}"
        );
    }
    // Naming a key of the ring does not help.
    for k in keys() {
        assert_eq!(
            check(&v, &issue(&x, &jwt::Header::for_key(&k))),
            Err(TokenError::BadSignature)
        );
    }
    // A key retired by a rotation is outside the ring too.
    let mut ring = ring();
    let retired = ring.rotate(x).unwrap();
    assert_eq!(retired.kid(), key(SECRETS[3]).kid());
    let v = jwt::Verifier::from_ring(ring, jwt::Validation::new());
    assert_eq!(
        check(&v, &issue(&retired, &jwt::Header::for_key(&retired))),
        Err(TokenError::BadSignature)
    );
    assert_eq!(
        check(&v, &issue(&retired, &jwt::Header::JWT)),
        Err(TokenError::BadSignature)
    );
    let x = key(OUTSIDER);
    assert!(check(&v, &issue(&x, &jwt::Header::for_key(&x))).is_ok());
}

#[test]
fn kid_routes_the_token_to_its_key_only() {
    let v = verifier();
    let ks = keys();
    for (i, signer) in ks.iter().enumerate() {
        for (j, named) in ks.iter().enumerate() {
            let got = check(&v, &issue(signer, &jwt::Header::for_key(named)));
            if i == j {
                assert!(got.is_ok(), "{i}");
            } else {
                // Signed by a key of the ring, but not by the one it names.
                assert_eq!(got, Err(TokenError::BadSignature), "signed {i}, named {j}");
            }
            // The same in a spelling that is not precomputed.
            let h = format!(r#"{{"alg":"HS256","kid":"{}","typ":"JWT"}}"#, named.kid());
            let got = check(&v, &token_with(signer, &h, GOOD));
            assert_eq!(got.is_ok(), i == j, "signed {i}, named {j}: {got:?}");
        }
    }
}

#[test]
fn an_unknown_or_non_string_kid_is_refused() {
    let v = verifier();
    let [a, ..] = keys();
    let near = {
        // The current key's id with its last character changed.
        let mut s = a.kid().to_string();
        let last = s.pop().unwrap();
        s.push(if last == 'A' { 'B' } else { 'A' });
        s
    };
    for kid in [
        format!("{near:?}"),
        format!("{:?}", a.kid().to_ascii_uppercase() + "x"),
        format!("{:?}", &a.kid()[..7]),
        format!("{:?}", format!("{}0", a.kid())),
        r#""""#.to_string(),
        r#""attacker""#.to_string(),
        r#""../../etc/passwd""#.to_string(),
        "7".to_string(),
        "null".to_string(),
        "true".to_string(),
        format!("[{:?}]", a.kid()),
        format!(r#"{{"kid":{:?}}}"#, a.kid()),
    ] {
        for h in [
            format!(r#"{{"alg":"HS256","typ":"JWT","kid":{kid}}}"#),
            format!(r#"{{"alg":"HS256","kid":{kid},"typ":"JWT"}}"#),
        ] {
            // Signed by the current key, or by any other key of the ring.
            for k in keys() {
                assert_eq!(
                    check(&v, &token_with(&k, &h, GOOD)),
                    Err(TokenError::BadSignature),
                    "{h}"
                );
            }
        }
    }
    // FastAPI's token with PyJWT's `kid` "k1": a ring knows no such key.
    let d = data("pyjwt_tokens.json");
    let secret = d["secret"].as_str().unwrap().as_bytes();
    let t = d["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "g-kid-header")
        .unwrap();
    let now = UnixTime(t["now"].as_i64().unwrap());
    let mut buf = [0u8; 1024];
    let strict = jwt::Verifier::from_ring(KeyRing::new(key(secret)), jwt::Validation::new());
    assert_eq!(
        strict
            .verify(t["token"].as_str().unwrap(), now, &mut buf)
            .err(),
        Some(TokenError::BadSignature)
    );
    // `Verifier::new` reads no `kid`, as before rings.
    let single = jwt::Verifier::new(key(secret), jwt::Validation::new());
    assert!(
        single
            .verify(t["token"].as_str().unwrap(), now, &mut buf)
            .is_ok()
    );
}

#[test]
fn tokens_without_kid_are_tried_against_every_key() {
    let v = verifier();
    for (i, k) in keys().iter().enumerate() {
        let t = issue(k, &jwt::Header::JWT);
        assert!(t.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
        assert_eq!(check(&v, &t).as_deref(), Ok("johndoe"), "{i}");
        for h in [r#"{"typ":"JWT","alg":"HS256"}"#, r#"{"alg":"HS256"}"#] {
            assert!(check(&v, &token_with(k, h, GOOD)).is_ok(), "{i} {h}");
        }
    }
    // FastAPI's tokens (PyJWT), with their key the oldest of the ring.
    let d = data("pyjwt_tokens.json");
    let secret = d["secret"].as_str().unwrap().as_bytes();
    let [a, b, c, _] = keys();
    let mut ring = KeyRing::new(a);
    for k in [b, c, key(secret)] {
        ring.push_previous(k).unwrap();
    }
    let v = jwt::Verifier::from_ring(ring, jwt::Validation::new());
    let mut buf = [0u8; 1024];
    let mut valid = 0;
    for t in d["tokens"].as_array().unwrap() {
        let header = header_json(t["token"].as_str().unwrap());
        let r = v.verify(
            t["token"].as_str().unwrap(),
            UnixTime(t["now"].as_i64().unwrap()),
            &mut buf,
        );
        if t["expect"] == "valid" && header == r#"{"alg":"HS256","typ":"JWT"}"# {
            let c = r.unwrap_or_else(|e| panic!("{}: {e:?}", t["name"]));
            assert!(c.sub() == t["sub"].as_str().unwrap());
            valid += 1;
        } else {
            assert!(r.is_err(), "{}", t["name"]);
        }
    }
    assert!(valid >= 7);
}

#[test]
fn the_ring_holds_at_most_four_keys() {
    assert_eq!(KeyRing::CAPACITY, 4);
    let mut r = ring();
    assert_eq!(r.keys().count(), 4);
    assert_eq!(
        r.push_previous(key(OUTSIDER)),
        Err(KeyRingError::Full),
        "the fifth key"
    );
    assert_eq!(r.keys().count(), 4);
    assert!(r.get(key(OUTSIDER).kid()).is_none());
    // A key already there is refused, full or not.
    assert_eq!(
        r.push_previous(key(SECRETS[2])),
        Err(KeyRingError::DuplicateKey)
    );
    let mut small = KeyRing::new(key(SECRETS[0]));
    assert_eq!(
        small.push_previous(key(SECRETS[0])),
        Err(KeyRingError::DuplicateKey)
    );
    small.push_previous(key(SECRETS[1])).unwrap();
    assert_eq!(
        small.push_previous(key(SECRETS[1])),
        Err(KeyRingError::DuplicateKey)
    );
    assert_eq!(small.keys().count(), 2);
    // The order: current first, then the previous keys in the order they were added.
    let kids: Vec<&str> = r.keys().map(Hs256Key::kid).collect();
    let expected: Vec<String> = SECRETS.iter().map(|s| expected_kid(s)).collect();
    assert_eq!(kids, expected);
    assert_eq!(r.current().kid(), expected[0]);
    for (s, kid) in SECRETS.iter().zip(&expected) {
        assert_eq!(r.get(kid).map(|k| k.mac(b"x")), Some(key(s).mac(b"x")));
    }
    // Rotation never fails: the oldest key leaves a full ring.
    let retired = r.rotate(key(OUTSIDER));
    assert_eq!(
        retired.map(|k| k.kid().to_string()),
        Some(expected[3].clone())
    );
    assert_eq!(r.current().kid(), expected_kid(OUTSIDER));
    assert_eq!(r.keys().count(), 4);
    assert!(!KeyRingError::Full.to_string().is_empty());
}

#[test]
fn header_rules_still_apply_to_headers_with_kid() {
    let v = verifier();
    for k in keys() {
        let kid = k.kid();
        let cases: Vec<(String, TokenError)> = vec![
            (
                format!(r#"{{"alg":"none","typ":"JWT","kid":"{kid}"}}"#),
                TokenError::Algorithm,
            ),
            (
                format!(r#"{{"alg":"None","kid":"{kid}"}}"#),
                TokenError::Algorithm,
            ),
            (
                format!(r#"{{"alg":"HS512","typ":"JWT","kid":"{kid}"}}"#),
                TokenError::Algorithm,
            ),
            (
                format!(r#"{{"alg":"hs256","typ":"JWT","kid":"{kid}"}}"#),
                TokenError::Algorithm,
            ),
            (
                format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{kid}"}}"#),
                TokenError::Algorithm,
            ),
            (
                format!(r#"{{"alg":["HS256"],"kid":"{kid}"}}"#),
                TokenError::Algorithm,
            ),
            (
                format!(r#"{{"typ":"JWT","kid":"{kid}"}}"#),
                TokenError::Algorithm,
            ),
            (
                format!(r#"{{"alg":"HS256","kid":"{kid}","crit":["exp"],"exp":1}}"#),
                TokenError::UnsupportedHeader,
            ),
            (
                format!(r#"{{"alg":"HS256","kid":"{kid}","b64":false,"crit":["b64"]}}"#),
                TokenError::UnsupportedHeader,
            ),
            (
                format!(r#"{{"alg":"HS256","kid":"{kid}","enc":"A128GCM"}}"#),
                TokenError::UnsupportedHeader,
            ),
            (
                format!(r#"{{"alg":"HS256","kid":"{kid}","zip":"DEF"}}"#),
                TokenError::UnsupportedHeader,
            ),
            (
                format!(r#"{{"alg":"HS256","kid":"{kid}","cty":"JWT"}}"#),
                TokenError::UnsupportedHeader,
            ),
            (
                format!(r#"{{"alg":"HS256","kid":"{kid}","typ":7}}"#),
                TokenError::Type,
            ),
            (
                format!(r#"{{"alg":"HS256","kid":"{kid}","kid":"{kid}"}}"#),
                TokenError::Json,
            ),
            (
                format!(r#"{{"alg":"HS256","kid":"{kid}""#),
                TokenError::Json,
            ),
        ];
        for (h, want) in cases {
            assert_eq!(check(&v, &token_with(&k, &h, GOOD)), Err(want), "{h}");
        }
        // `alg: none` with an empty signature never reaches a key.
        let none = format!(
            "{}.{}.",
            b64(format!(r#"{{"alg":"none","kid":"{kid}"}}"#).as_bytes()),
            b64(GOOD.as_bytes())
        );
        assert!(check(&v, &none).is_err());
        // The claims rules too.
        assert_eq!(
            check(
                &v,
                &token_with(
                    &k,
                    &format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{kid}"}}"#),
                    r#"{"sub":"j","exp":1764000000}"#
                )
            ),
            Err(TokenError::Expired)
        );
    }
    // A required `typ`: the precomputed header has `JWT`.
    let [a, ..] = keys();
    let at = jwt::Verifier::from_ring(ring(), jwt::Validation::new().typ("at+jwt"));
    assert_eq!(
        check(&at, &issue(&a, &jwt::Header::for_key(&a))),
        Err(TokenError::Type)
    );
    assert_eq!(
        check(&at, &issue(&a, &jwt::Header::JWT)),
        Err(TokenError::Type)
    );
    assert!(check(&at, &issue(&a, &jwt::Header::ACCESS_TOKEN.with_kid(&a))).is_ok());
    let jwt_typ = jwt::Verifier::from_ring(ring(), jwt::Validation::new().typ("jwt"));
    assert!(check(&jwt_typ, &issue(&a, &jwt::Header::for_key(&a))).is_ok());
    assert_eq!(
        check(
            &jwt_typ,
            &issue(&a, &jwt::Header::ACCESS_TOKEN.with_kid(&a))
        ),
        Err(TokenError::Type)
    );
    // A truncated or extended precomputed header is not mistaken for it.
    let t = issue(&a, &jwt::Header::for_key(&a));
    let (h, rest) = t.split_once('.').unwrap();
    assert_eq!(
        check(&v, &format!("{}.{rest}", &h[..h.len() - 1])),
        Err(TokenError::BadSignature)
    );
    assert_eq!(
        check(&v, &format!("{h}A.{rest}")),
        Err(TokenError::BadSignature)
    );
    let payload_less = format!("{h}..{}", t.rsplit_once('.').unwrap().1);
    assert_eq!(check(&v, &payload_less), Err(TokenError::Malformed));
}

#[test]
fn debug_shows_key_ids_and_no_key_material() {
    let r = ring();
    let dbg = format!("{r:?}");
    for (s, k) in SECRETS.iter().zip(keys()) {
        assert!(dbg.contains(k.kid()), "{dbg}");
        let kd = format!("{k:?}");
        assert_eq!(kd, format!("Hs256Key {{ kid: {:?} }}", k.kid()));
        let text = std::str::from_utf8(s).unwrap();
        for shown in [&dbg, &kd] {
            assert!(!shown.contains(&text[..12]), "{shown}");
            assert!(!shown.contains("tessera"), "{shown}");
        }
    }
    let v = format!("{:?}", verifier());
    assert!(!v.contains("tessera-ring"), "{v}");
}

#[test]
fn ring_verification_makes_no_heap_allocation() {
    let v = verifier();
    let [.., d] = keys();
    let with_kid = issue(&d, &jwt::Header::for_key(&d));
    let without = issue(&d, &jwt::Header::JWT);
    let sorted = token_with(
        &d,
        &format!(r#"{{"alg":"HS256","kid":"{}","typ":"JWT"}}"#, d.kid()),
        GOOD,
    );
    let mut buf = [0u8; 512];
    let m = allocation_counter::measure(|| {
        for t in [&with_kid, &without, &sorted] {
            assert!(v.verify(t, UnixTime(NOW), &mut buf).is_ok());
        }
        assert!(v.verify(&with_kid[1..], UnixTime(NOW), &mut buf).is_err());
    });
    assert_eq!(m.count_total, 0, "{m:?}");
    let mut out = [0u8; 512];
    let m = allocation_counter::measure(|| {
        assert!(jwt::encode(&d, &jwt::Header::for_key(&d), &CLAIMS, &mut out).is_ok());
    });
    assert_eq!(m.count_total, 0, "{m:?}");
}
