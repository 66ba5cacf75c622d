//! Tokens for the tests: minted with `tessera_core` under the tutorial key, crafted byte by
//! byte (any header, any payload text, any key), and taken apart.

use serde_json::Value;
use tessera_core::jwt::{self, Header, Validation, Verifier};
use tessera_core::{Hs256Key, UnixTime};

/// The FastAPI tutorial's `SECRET_KEY`; the HS256 key is its UTF-8 bytes.
pub const SECRET_KEY: &str = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

/// The header every token the apps issue carries, exactly.
pub const JWT_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// The tutorial key.
///
/// # Panics
/// Never: the key is 64 bytes.
#[must_use]
pub fn key() -> Hs256Key {
    Hs256Key::new(SECRET_KEY.as_bytes()).expect("the tutorial key is long enough")
}

/// Seconds since the epoch.
#[must_use]
pub fn now() -> i64 {
    UnixTime::now().0
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding.
#[must_use]
pub fn b64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        let chars = c.len() + 1;
        for i in 0..chars {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Strict base64url decoding without padding; `None` on any other input.
#[must_use]
pub fn unb64(text: &str) -> Option<Vec<u8>> {
    let vals: Option<Vec<u32>> = text
        .bytes()
        .map(|b| ALPHABET.iter().position(|&a| a == b).map(|p| p as u32))
        .collect();
    let vals = vals?;
    if vals.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(vals.len() * 3 / 4);
    for c in vals.chunks(4) {
        let mut n = 0u32;
        for (i, v) in c.iter().enumerate() {
            n |= v << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..c.len() - 1]);
    }
    (b64(&out) == text).then_some(out)
}

/// A token with this exact header and payload text, signed with `key_bytes`.
///
/// # Panics
/// When `key_bytes` is shorter than 32 bytes.
#[must_use]
pub fn sign_with(key_bytes: &[u8], header: &str, payload: &str) -> String {
    let key = Hs256Key::new(key_bytes).expect("a key of at least 32 bytes");
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let mac = key.mac(input.as_bytes());
    format!("{input}.{}", b64(&mac))
}

/// A token with this exact header and payload text, signed with the tutorial key.
#[must_use]
pub fn sign(header: &str, payload: &str) -> String {
    sign_with(SECRET_KEY.as_bytes(), header, payload)
}

/// A token for `claims` minted by `tessera_core::jwt` under the tutorial key (header
/// `{"alg":"HS256","typ":"JWT"}`).
///
/// # Panics
/// When `claims` is not a JSON object.
#[must_use]
pub fn mint(claims: &Value) -> String {
    jwt::encode_to_string(&key(), &Header::JWT, claims).expect("claims encode")
}

/// The decoded header and payload bytes of a compact token.
#[must_use]
pub fn parts(token: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut it = token.split('.');
    let (h, p, s) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || unb64(s)?.len() != 32 {
        return None;
    }
    Some((unb64(h)?, unb64(p)?))
}

/// Whether `token` verifies under the tutorial key now (signature and claims).
#[must_use]
pub fn verifies(token: &str) -> bool {
    Verifier::new(key(), Validation::new())
        .verify_owned(token, UnixTime::now())
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trip_and_strictness() {
        for n in 0..20u8 {
            let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37) ^ 0xa5).collect();
            assert_eq!(unb64(&b64(&data)).as_deref(), Some(data.as_slice()));
        }
        assert_eq!(b64(b"{\"a\":1}"), "eyJhIjoxfQ");
        assert_eq!(unb64("eyJhIjoxfQ="), None);
        assert_eq!(unb64("eyJhIjoxfR"), None, "non-canonical trailing bits");
        assert_eq!(unb64("a+b/"), None);
    }

    #[test]
    fn minted_and_signed_tokens_agree() {
        let claims = serde_json::json!({"exp": 4_102_444_800_i64, "sub": "johndoe"});
        let a = mint(&claims);
        let b = sign(JWT_HEADER, r#"{"exp":4102444800,"sub":"johndoe"}"#);
        assert_eq!(a, b);
        assert!(verifies(&a));
        let (h, p) = parts(&a).unwrap();
        assert_eq!(h, JWT_HEADER.as_bytes());
        assert_eq!(p, br#"{"exp":4102444800,"sub":"johndoe"}"#);
        assert!(!verifies(&sign_with(
            &[1; 32],
            JWT_HEADER,
            r#"{"sub":"a","exp":4102444800}"#
        )));
    }
}
