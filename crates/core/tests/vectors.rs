//! Vectors are data files under `tests/data/`, each naming its source inside; `generate.py`
//! there regenerates them, except `fastapi_form.json`, which `fastapi_form.py` regenerates.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use tessera_core::form::{self, FormOptions, GrantType};
use tessera_core::http::{Failure, Style};
use tessera_core::{Hs256Key, KeyError, TokenError, UnixTime, jwt};

pub(crate) fn data(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

fn verifier_for(key: &[u8]) -> jwt::Verifier<'static> {
    jwt::Verifier::new(Hs256Key::new(key).unwrap(), jwt::Validation::new())
}

#[test]
fn rfc4231_hmac_sha256() {
    // The prepared-key HMAC equals the reference HMAC; long keys are hashed first (case 6, 7).
    let d = data("rfc4231_hmac_sha256.json");
    for (i, case) in d["cases"].as_array().unwrap().iter().enumerate() {
        let key = hex::decode(s(&case["key_hex"])).unwrap();
        let msg = hex::decode(s(&case["data_hex"])).unwrap();
        let expected = hex::decode(s(&case["mac_hex"])).unwrap();
        let mut reference = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        reference.update(&msg);
        let full = reference.finalize().into_bytes();
        assert_eq!(&full[..expected.len()], &expected[..], "case {i}: {case}");
        if key.len() >= 32 {
            let ours = Hs256Key::new(&key).unwrap().mac(&msg);
            assert_eq!(&ours[..expected.len()], &expected[..], "case {i}: {case}");
        } else {
            assert_eq!(
                Hs256Key::new(&key).err(),
                Some(KeyError::TooShort),
                "case {i}"
            );
        }
    }
}

#[test]
fn rfc7515_a1_signature_checks_and_then_lacks_sub() {
    let d = data("rfc7515_a1_hs256.json");
    let key = hex::decode(s(&d["key_hex"])).unwrap();
    let v = verifier_for(&key);
    let now = UnixTime(d["now"].as_i64().unwrap());
    let mut buf = [0u8; 512];
    // The RFC example verifies cryptographically (its header has a line break and a space,
    // decoded strictly), but has no `sub`, which Tessera requires.
    assert_eq!(
        v.verify(s(&d["token"]), now, &mut buf).err(),
        Some(TokenError::Subject)
    );
    let lax = jwt::Verifier::new(Hs256Key::new(&key).unwrap(), jwt::Validation::new());
    assert_eq!(
        lax.verify(
            s(&d["token"]),
            UnixTime(d["expired_at"].as_i64().unwrap()),
            &mut buf
        )
        .err(),
        Some(TokenError::Expired)
    );
    // Another key: the signature fails first.
    assert_eq!(
        verifier_for(&[1; 64])
            .verify(s(&d["token"]), now, &mut buf)
            .err(),
        Some(TokenError::BadSignature)
    );
}

#[test]
fn jwtio_examples() {
    let d = data("jwtio_hs256.json");
    let t = &d["tokens"];
    // The famous default: 19-byte secret, refused as a key.
    assert_eq!(
        Hs256Key::new(s(&t[0]["secret"]).as_bytes()).err(),
        Some(KeyError::TooShort)
    );
    let v = verifier_for(s(&t[1]["secret"]).as_bytes());
    let mut buf = [0u8; 512];
    let c = v
        .verify(s(&t[1]["token"]), UnixTime(1_700_000_000), &mut buf)
        .unwrap();
    assert!(c.sub() == "1234567890");
}

#[test]
fn pyjwt_tokens() {
    let d = data("pyjwt_tokens.json");
    let v = verifier_for(s(&d["secret"]).as_bytes());
    let mut buf = [0u8; 2048];
    for t in d["tokens"].as_array().unwrap() {
        let now = UnixTime(t["now"].as_i64().unwrap());
        let r = v.verify(s(&t["token"]), now, &mut buf);
        match s(&t["expect"]) {
            "valid" => {
                let c = r.unwrap_or_else(|e| panic!("{}: {e:?}", t["name"]));
                assert!(c.sub() == s(&t["sub"]), "{}", t["name"]);
                match t["scope"].as_str() {
                    Some(scope) => assert!(c.scope().unwrap().as_json_str() == scope),
                    None => assert!(c.scope().is_none()),
                }
            }
            _ => assert!(r.is_err(), "{} must be rejected", t["name"]),
        }
    }
    // The hex-decoded secret is a different key: FastAPI uses the string's bytes.
    let hex_key = hex::decode(s(&d["hex_decoded_secret_hex"])).unwrap();
    let a = &d["tokens"][0];
    assert_eq!(
        verifier_for(&hex_key)
            .verify(
                s(&a["token"]),
                UnixTime(a["now"].as_i64().unwrap()),
                &mut buf
            )
            .err(),
        Some(TokenError::BadSignature)
    );
}

#[test]
fn adversarial_tokens_are_all_rejected() {
    let d = data("jwt_reject.json");
    let v = verifier_for(s(&d["key_string"]).as_bytes());
    let now = UnixTime(d["now"].as_i64().unwrap());
    let mut buf = vec![0u8; jwt::MAX_CLAIMS_LEN];
    let cases = d["cases"].as_array().unwrap();
    assert!(cases.len() >= 60);
    for (i, c) in cases.iter().enumerate() {
        let r = v.verify(s(&c["token"]), now, &mut buf);
        assert!(
            r.is_err(),
            "case {i} {} ({}) was accepted: {}",
            c["name"],
            c["requirement"],
            c["why"]
        );
    }
}

#[test]
fn accepted_tokens_decode_as_recorded() {
    let d = data("jwt_accept.json");
    let v = verifier_for(s(&d["key_string"]).as_bytes());
    let now = UnixTime(d["now"].as_i64().unwrap());
    let mut buf = vec![0u8; jwt::MAX_CLAIMS_LEN];
    for (i, c) in d["cases"].as_array().unwrap().iter().enumerate() {
        let claims = v
            .verify(s(&c["token"]), now, &mut buf)
            .unwrap_or_else(|e| panic!("case {i} {} rejected: {e:?} ({})", c["name"], c["why"]));
        assert!(claims.sub() == s(&c["sub"]), "case {i} {}", c["name"]);
        match c["scope"].as_str() {
            Some(scope) => {
                let got = claims.scope().unwrap();
                assert!(got.as_json_str() == scope, "case {i} {}", c["name"]);
                let tokens: Vec<String> = got.iter().map(|t| t.to_string_decoded()).collect();
                let expected: Vec<&str> = scope.split(' ').filter(|t| !t.is_empty()).collect();
                assert_eq!(tokens, expected, "case {i}");
            }
            None => assert!(claims.scope().is_none(), "case {i} {}", c["name"]),
        }
    }
}

/// Every body of `fastapi_form.json` (FastAPI's own answers to it) parses in the fastapi style
/// to the fields FastAPI's OAuth2PasswordRequestForm (`form`) and its Strict variant
/// (`strict`) received, or to the same 422 answer, byte for byte.
#[test]
fn fastapi_form_vectors() {
    let d = data("fastapi_form.json");
    let cases = d["cases"].as_array().unwrap();
    assert!(cases.len() > 40);
    for c in cases {
        let note = s(&c["note"]);
        let body = hex::decode(s(&c["body_hex"])).unwrap();
        for (route, grant_type) in [
            ("form", GrantType::Optional),
            ("strict", GrantType::Required),
        ] {
            let expected = &c[route];
            let opts = Style::FastApi.form_options(FormOptions {
                grant_type,
                ..FormOptions::default()
            });
            let mut buf = vec![0u8; form::buffer_len(&body, &opts)];
            let got = form::parse(
                &body,
                Some("application/x-www-form-urlencoded"),
                &opts,
                &mut buf,
            );
            let status = expected["status"].as_u64().unwrap();
            if status == 200 {
                let f = got.unwrap_or_else(|e| panic!("{note} ({route}): {e:?}"));
                let fields = &expected["fields"];
                let scopes: Vec<&str> = f.scope.split(' ').filter(|t| !t.is_empty()).collect();
                let want_scopes: Vec<&str> =
                    fields["scopes"].as_array().unwrap().iter().map(s).collect();
                assert_eq!(
                    (f.grant_type, f.username, f.password, scopes),
                    (
                        fields["grant_type"].as_str(),
                        s(&fields["username"]),
                        s(&fields["password"]),
                        want_scopes
                    ),
                    "{note} ({route})"
                );
                assert_eq!(
                    (f.client_id, f.client_secret),
                    (
                        fields["client_id"].as_str(),
                        fields["client_secret"].as_str()
                    ),
                    "{note} ({route})"
                );
            } else {
                let e = got.expect_err(note);
                let a = Failure::Form(e).answer(Style::FastApi, &[]);
                assert_eq!(
                    (u64::from(a.status()), a.body().to_string()),
                    (status, s(&expected["body"]).to_owned()),
                    "{note} ({route})"
                );
            }
        }
    }
}
