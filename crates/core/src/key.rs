//! The HS256 key: prepared once, zeroized on drop, never printed.

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::error::KeyError;

/// The shortest accepted HS256 key, in bytes: the size of the SHA-256 output (RFC 7518 §3.2).
pub const MIN_KEY_LEN: usize = 32;

/// An HMAC-SHA256 signing and verification key.
///
/// The HMAC inner and outer pads are computed once here, so signing or verifying a token costs
/// no per-token key setup. The prepared state is zeroized when the key is dropped, and `Debug`
/// prints no key material.
///
/// FastAPI applications use the UTF-8 bytes of their `SECRET_KEY` string as the key (the
/// tutorial's `openssl rand -hex 32` string is 64 bytes of text, not 32 bytes of hex-decoded
/// data); pass `secret.as_bytes()` to interoperate with them.
///
/// # Examples
/// ```
/// use tessera_core::{Hs256Key, KeyError};
/// let key = Hs256Key::new(b"09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7")?;
/// assert_eq!(format!("{key:?}"), "Hs256Key(_)");
/// assert_eq!(Hs256Key::new(b"short").err(), Some(KeyError::TooShort));
/// # Ok::<(), KeyError>(())
/// ```
#[derive(Clone)]
pub struct Hs256Key {
    prepared: Hmac<Sha256>,
}

impl Hs256Key {
    /// Prepares a key from raw bytes.
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
        Ok(Self { prepared })
    }

    /// HMAC-SHA256 of `data` under this key.
    #[must_use]
    pub fn mac(&self, data: &[u8]) -> [u8; 32] {
        let mut m = self.prepared.clone();
        m.update(data);
        m.finalize().into_bytes().into()
    }
}

impl fmt::Debug for Hs256Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hs256Key(_)")
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
