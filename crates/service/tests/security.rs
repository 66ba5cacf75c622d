//! docs/security.md S3: every token the core refuses, whatever the reason, gets one answer
//! from the service the adapters call, byte for byte, and the reason is not in it.

use base64ct::{Base64UrlUnpadded, Encoding};
use tessera_core::{Hs256Key, TokenError, UnixTime, jwt};
use tessera_service::{Config, Service};

const KEY: &[u8] = b"tessera-test-key-0123456789abcdef-32b";
const NOW: i64 = 1_764_000_000;
const GOOD: &str = r#"{"sub":"johndoe","exp":1764001800}"#;

fn b64(data: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(data)
}

fn token_with(key: &[u8], header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let mac = Hs256Key::new(key).expect("key").mac(input.as_bytes());
    format!("{input}.{}", b64(&mac))
}

fn token(payload: &str) -> String {
    token_with(KEY, r#"{"alg":"HS256","typ":"JWT"}"#, payload)
}

#[test]
fn s3_every_token_error_answers_the_same() {
    let s = Service::new(Hs256Key::new(KEY).unwrap(), Config::default());
    let verifier = jwt::Verifier::new(Hs256Key::new(KEY).unwrap(), jwt::Validation::new());
    let other = b"another-key-another-key-another-key!!";
    let refused = [
        (
            token_with(other, r#"{"alg":"HS256"}"#, GOOD),
            TokenError::BadSignature,
        ),
        (
            token(&format!(r#"{{"sub":"j","exp":{NOW}}}"#)),
            TokenError::Expired,
        ),
        (
            token_with(KEY, r#"{"alg":"none"}"#, GOOD),
            TokenError::Algorithm,
        ),
        (token(r#"{"sub":"j","exp":1764001800,}"#), TokenError::Json),
        (token(r#"{"sub":"","exp":1764001800}"#), TokenError::Subject),
        ("not.a-token".to_string(), TokenError::Malformed),
    ];
    let mut answers = Vec::new();
    for (t, reason) in &refused {
        let mut buf = vec![0u8; jwt::MAX_CLAIMS_LEN];
        assert_eq!(
            verifier.verify(t, UnixTime(NOW), &mut buf).map(|_| ()),
            Err(*reason),
            "the token is refused for the stated reason"
        );
        let header = format!("Bearer {t}");
        let failure = s
            .authenticate([header.as_bytes()], UnixTime(NOW))
            .unwrap_err();
        let r = s.reject(failure, &["me"]);
        assert!(!r.body.contains(reason.as_str()), "{}", r.body);
        answers.push(r);
    }
    assert_eq!(answers[0].status, 401);
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "one answer for every refused token"
    );
}
