#![no_main]
//! Any text as a token, under a fixed key and clock: whatever `verify` accepts is a compact
//! token within the size cap whose last segment is the HMAC-SHA256 of the rest (computed here
//! with other code), with a non-empty `sub`. Each input is also tried re-signed, which reaches
//! the header and claims parsers behind the MAC check.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use tessera_core::jwt::{DEFAULT_MAX_TOKEN_LEN, MAX_CLAIMS_LEN, Validation, Verifier};
use tessera_core::{Hs256Key, UnixTime};

/// The key and clock of `crates/core/tests/data/jwt_accept.json`, so its tokens verify.
const KEY: &[u8] = b"tessera-test-key-0123456789abcdef-32b";
const NOW: UnixTime = UnixTime(1_764_000_000);

fn mac_b64(signing_input: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY).expect("any key length");
    mac.update(signing_input.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

fn check(verifier: &Verifier<'_>, token: &str) {
    let mut buf = [0u8; MAX_CLAIMS_LEN];
    let Ok(claims) = verifier.verify(token, NOW, &mut buf) else {
        return;
    };
    let (signing_input, sig) = token.rsplit_once('.').expect("accepted without a '.'");
    assert_eq!(
        sig,
        mac_b64(signing_input),
        "accepted without a valid MAC: {token:?}"
    );
    assert!(token.len() <= DEFAULT_MAX_TOKEN_LEN && signing_input.matches('.').count() == 1);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    );
    assert!(
        claims.sub().chars().next().is_some(),
        "empty sub accepted: {token:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = core::str::from_utf8(data) else {
        return;
    };
    let verifier = Verifier::new(Hs256Key::new(KEY).expect("37 bytes"), Validation::new());
    check(&verifier, token);
    if let Some((signing_input, _)) = token.rsplit_once('.') {
        check(
            &verifier,
            &format!("{signing_input}.{}", mac_b64(signing_input)),
        );
    }
});
