//! The key ring: the signing key plus at most three previous keys, each known by an id derived
//! from its bytes, so that tokens signed before a rotation keep verifying until they expire.
//!
//! Hand-written, and here in the core rather than in the service: it is a fixed array of four
//! slots (no allocation, `no_std`, so bare-metal verifiers rotate keys too), and the verifier
//! reads it on its hot path, where each key carries its precomputed header so that a token is
//! routed to its key by comparing bytes, without decoding the header (see [`crate::jwt`]). A
//! general collection or a JWKS crate would bring allocation and key selection by parameters
//! this crate refuses to read (`jku`, `jwk`, `x5u`).
//!
//! Each [`Hs256Key`] is prepared once, zeroized on drop and never printed: `Debug` shows its id
//! only.

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::b64;
use crate::error::KeyError;
use crate::jwt::{KID_HEADER_TAIL_LEN, kid_header_tail};

/// The shortest accepted HS256 key, in bytes: the size of the SHA-256 output (RFC 7518 §3.2).
pub const MIN_KEY_LEN: usize = 32;

/// The length of a key id ([`Hs256Key::kid`]), in characters.
pub const KID_LEN: usize = 8;

/// An HMAC-SHA256 signing and verification key, with its key id.
///
/// The HMAC inner and outer pads are computed once here, so signing or verifying a token costs
/// no per-token key setup. The prepared state is zeroized when the key is dropped, and `Debug`
/// prints no key material, only the key id.
///
/// The key id ([`kid`](Self::kid)) is the first 8 characters of the unpadded base64url
/// SHA-256 of the key bytes: 48 bits, enough to tell the four keys of a [`KeyRing`] apart, and
/// derived, so issuer and verifier agree on it without configuration. It tells an attacker no
/// more than any token does (a token's signature is already a check value for the key).
///
/// FastAPI applications use the UTF-8 bytes of their `SECRET_KEY` string as the key (the
/// tutorial's `openssl rand -hex 32` string is 64 bytes of text, not 32 bytes of hex-decoded
/// data); pass `secret.as_bytes()` to interoperate with them.
///
/// # Examples
/// ```
/// use tessera_core::{Hs256Key, KeyError};
/// let key = Hs256Key::new(b"09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7")?;
/// assert_eq!(key.kid().len(), 8);
/// assert_eq!(format!("{key:?}"), format!("Hs256Key {{ kid: {:?} }}", key.kid()));
/// assert_eq!(Hs256Key::new(b"short").err(), Some(KeyError::TooShort));
/// # Ok::<(), KeyError>(())
/// ```
#[derive(Clone)]
pub struct Hs256Key {
    prepared: Hmac<Sha256>,
    kid: [u8; KID_LEN],
    /// The last characters of `{"alg":"HS256","typ":"JWT","kid":"<kid>"}` base64url-encoded,
    /// after the part common to every key id.
    header_tail: [u8; KID_HEADER_TAIL_LEN],
}

impl Hs256Key {
    /// Prepares a key from raw bytes, and derives its key id.
    ///
    /// # Errors
    /// [`KeyError::Empty`] for no bytes, [`KeyError::TooShort`] for fewer than
    /// [`MIN_KEY_LEN`] bytes.
    pub fn new(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.is_empty() {
            return Err(KeyError::Empty);
        }
        if bytes.len() < MIN_KEY_LEN {
            return Err(KeyError::TooShort);
        }
        let prepared = Hmac::<Sha256>::new_from_slice(bytes).map_err(|_| KeyError::Empty)?;
        let digest = Sha256::digest(bytes);
        let mut kid = [0u8; KID_LEN];
        // Six bytes are exactly eight characters; the buffer always fits.
        let n = b64::encode(&digest[..KID_LEN / 4 * 3], &mut kid).unwrap_or(0);
        debug_assert_eq!(n, KID_LEN);
        Ok(Self {
            prepared,
            kid,
            header_tail: kid_header_tail(&kid),
        })
    }

    /// The key id: the first 8 characters of the unpadded base64url SHA-256 of the key bytes.
    #[must_use]
    pub const fn kid(&self) -> &str {
        // Base64url characters are ASCII.
        match core::str::from_utf8(&self.kid) {
            Ok(s) => s,
            Err(_) => "",
        }
    }

    /// HMAC-SHA256 of `data` under this key.
    #[must_use]
    pub fn mac(&self, data: &[u8]) -> [u8; 32] {
        let mut m = self.prepared.clone();
        m.update(data);
        m.finalize().into_bytes().into()
    }

    /// Whether `tag` is the MAC of `data`, compared in constant time.
    #[inline]
    pub(crate) fn mac_matches(&self, data: &[u8], tag: &[u8; 32]) -> bool {
        bool::from(self.mac(data).ct_eq(tag))
    }

    /// See the field.
    pub(crate) const fn header_tail(&self) -> &[u8; KID_HEADER_TAIL_LEN] {
        &self.header_tail
    }
}

impl fmt::Debug for Hs256Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hs256Key")
            .field("kid", &self.kid())
            .finish()
    }
}

/// Why a key was not added to a [`KeyRing`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyRingError {
    /// The ring already holds [`KeyRing::CAPACITY`] keys.
    Full,
    /// The ring already holds a key with this key id (the same key).
    DuplicateKey,
}

impl fmt::Display for KeyRingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full => "the key ring already holds 4 keys (the signing key and 3 previous)",
            Self::DuplicateKey => "the key ring already holds this key",
        })
    }
}

impl core::error::Error for KeyRingError {}

/// The signing key and up to three previous keys, in a fixed array: no allocation.
///
/// Tokens are issued with the [current](Self::current) key only; a
/// [`Verifier`](crate::jwt::Verifier) built with
/// [`from_ring`](crate::jwt::Verifier::from_ring) accepts a token signed by any key of the
/// ring. A token whose header has a `kid` is checked with the key of that id only, and refused
/// when no key of the ring has it; a token without `kid` is tried against each key, current
/// first (at most one HMAC per key).
///
/// Key ids are unique in a ring: adding a key that is already there is an error.
///
/// # Examples
/// ```
/// use tessera_core::{Hs256Key, KeyRing, KeyRingError};
/// let new = Hs256Key::new(&[2; 32])?;
/// let old = Hs256Key::new(&[1; 32])?;
/// let mut ring = KeyRing::new(new.clone());
/// ring.push_previous(old.clone())?;
/// assert_eq!(ring.current().kid(), new.kid());
/// assert!(ring.get(old.kid()).is_some());
/// assert_eq!(ring.push_previous(old), Err(KeyRingError::DuplicateKey));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct KeyRing {
    current: Hs256Key,
    /// Newest first; the `Some` entries come first.
    previous: [Option<Hs256Key>; KeyRing::CAPACITY - 1],
}

impl KeyRing {
    /// The most keys a ring holds: the signing key and three previous keys.
    pub const CAPACITY: usize = 4;

    /// A ring of one key, the signing key.
    #[must_use]
    pub const fn new(current: Hs256Key) -> Self {
        Self {
            current,
            previous: [None, None, None],
        }
    }

    /// Adds `key` as the oldest previous key: it verifies tokens and signs none.
    ///
    /// # Errors
    /// [`KeyRingError::Full`] when the ring already holds [`CAPACITY`](Self::CAPACITY) keys,
    /// [`KeyRingError::DuplicateKey`] when it already holds a key with the same id. The ring is
    /// unchanged, and `key` is dropped (zeroized).
    pub fn push_previous(&mut self, key: Hs256Key) -> Result<(), KeyRingError> {
        if self.get(key.kid()).is_some() {
            return Err(KeyRingError::DuplicateKey);
        }
        let slot = self
            .previous
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or(KeyRingError::Full)?;
        *slot = Some(key);
        Ok(())
    }

    /// Makes `key` the signing key; the previous signing key becomes the newest previous key.
    ///
    /// When the ring is full, the oldest key leaves it and is returned. If `key` is already in
    /// the ring (a rollback), it is moved to the front rather than held twice.
    pub fn rotate(&mut self, key: Hs256Key) -> Option<Hs256Key> {
        if key.kid == self.current.kid {
            self.current = key;
            return None;
        }
        // Drop an older copy of `key`, keeping the others in order.
        if let Some(i) = self
            .previous
            .iter()
            .position(|s| s.as_ref().is_some_and(|k| k.kid == key.kid))
        {
            self.previous[i] = None;
            self.previous[i..].rotate_left(1);
        }
        let old = core::mem::replace(&mut self.current, key);
        self.previous.rotate_right(1);
        self.previous[0].replace(old)
    }

    /// The signing key.
    #[must_use]
    pub const fn current(&self) -> &Hs256Key {
        &self.current
    }

    /// The key with id `kid`, if the ring holds it.
    #[must_use]
    pub fn get(&self, kid: &str) -> Option<&Hs256Key> {
        self.keys().find(|k| k.kid() == kid)
    }

    /// Every key, the signing key first, then the previous keys from the newest.
    pub fn keys(&self) -> impl Iterator<Item = &Hs256Key> + Clone {
        core::iter::once(&self.current).chain(self.previous.iter().flatten())
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Kids<'r>(&'r KeyRing);
        impl fmt::Debug for Kids<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries(self.0.keys().map(Hs256Key::kid))
                    .finish()
            }
        }
        f.debug_struct("KeyRing")
            .field("kids", &Kids(self))
            .finish()
    }
}

/// 32 random bytes from the operating system, for a new HS256 key.
///
/// # Errors
/// [`KeyError::Unavailable`] when the operating system has no randomness to give.
#[cfg(feature = "getrandom")]
pub fn random_secret() -> Result<[u8; 32], KeyError> {
    let mut k = [0u8; 32];
    getrandom::fill(&mut k).map_err(|_| KeyError::Unavailable)?;
    Ok(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotate_shifts_and_retires_the_oldest() {
        let k = |b: u8| Hs256Key::new(&[b; 32]).unwrap();
        fn kids(r: &KeyRing) -> [[u8; KID_LEN]; 4] {
            let mut out = [[0; KID_LEN]; 4];
            for (o, k) in out.iter_mut().zip(r.keys()) {
                *o = k.kid;
            }
            out
        }
        let mut r = KeyRing::new(k(1));
        assert!(r.rotate(k(2)).is_none());
        assert!(r.rotate(k(3)).is_none());
        assert!(r.rotate(k(4)).is_none());
        assert_eq!(kids(&r), [k(4).kid, k(3).kid, k(2).kid, k(1).kid]);
        let retired = r.rotate(k(5));
        assert_eq!(retired.map(|k| k.kid), Some(k(1).kid));
        // Rolling back to a key still in the ring moves it to the front.
        assert!(r.rotate(k(3)).is_none());
        assert_eq!(kids(&r), [k(3).kid, k(5).kid, k(4).kid, k(2).kid]);
        assert!(r.rotate(k(3)).is_none());
        assert_eq!(kids(&r), [k(3).kid, k(5).kid, k(4).kid, k(2).kid]);
    }
}
