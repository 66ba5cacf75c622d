//! argon2id password hashing and verification, PHC strings, and the timing-equal dummy check.
//!
//! Hashes use argon2id v0x13 with the OWASP minimum by default (m = 19456 KiB, t = 2, p = 1),
//! a 16-byte random salt and a 32-byte tag, stored as a PHC string. Verification reads the
//! parameters from the stored string, so hashes from Python's pwdlib and argon2-cffi verify
//! too (argon2id, argon2i and argon2d).
//!
//! The PHC parser is ours: RustCrypto's (phc 0.6.1, behind password-hash 0.6.1) accepts
//! malformed strings our tests refuse (leading zeros, reordered or unknown parameters, a memory
//! cost up to `u32::MAX`) and refuses hashes argon2 verifies and argon2-cffi writes (tags of 4 to
//! 9 bytes, salts of 49 to 64). Ours works in `no_std` without allocation, copies salt and tag
//! into fixed arrays ([`MAX_PHC_BYTES`]), caps the whole string ([`MAX_PHC_LEN`]), and refuses
//! with Tessera's own [`PasswordError`] anything but the argon2 variants and parameters argon2
//! can verify.
//! With the `alloc` feature argon2's working memory is allocated per call; without it callers
//! pass the memory blocks.

use core::fmt;

use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

mod phc;

pub use phc::PhcHash;
use phc::write_phc;

/// Longest salt or tag accepted in a PHC string, in bytes.
pub const MAX_PHC_BYTES: usize = 64;
/// Largest memory cost accepted from a stored hash, in KiB (1 GiB): a bound on what a
/// corrupted or hostile hash string can make a verify allocate.
pub const MAX_M_COST: u32 = 1 << 20;
/// Longest PHC string this module writes or reads.
pub const MAX_PHC_LEN: usize = 256;

/// Why a password operation failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordError {
    /// The stored string is not a well-formed argon2 PHC string.
    MalformedHash,
    /// The stored string is well-formed but uses unsupported parameters (key id, associated
    /// data, a memory cost above [`MAX_M_COST`], …).
    UnsupportedHash,
    /// The password is longer than the policy's maximum; refused before hashing.
    TooLong,
    /// argon2 itself refused the inputs, or memory could not be had.
    Hashing,
    /// No random salt could be had from the operating system.
    Random,
    /// The output buffer is too small.
    BufferTooSmall,
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MalformedHash => "not a well-formed argon2 PHC string",
            Self::UnsupportedHash => "unsupported argon2 parameters in the stored hash",
            Self::TooLong => "password longer than the policy allows",
            Self::Hashing => "argon2 failed",
            Self::Random => "no random salt available",
            Self::BufferTooSmall => "output buffer too small",
        })
    }
}

impl core::error::Error for PasswordError {}

/// Which argon2 variant a hash uses.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Variant {
    /// argon2d
    Argon2d,
    /// argon2i
    Argon2i,
    /// argon2id
    Argon2id,
}

impl Variant {
    const fn ident(self) -> &'static str {
        match self {
            Self::Argon2d => "argon2d",
            Self::Argon2i => "argon2i",
            Self::Argon2id => "argon2id",
        }
    }

    const fn algorithm(self) -> Algorithm {
        match self {
            Self::Argon2d => Algorithm::Argon2d,
            Self::Argon2i => Algorithm::Argon2i,
            Self::Argon2id => Algorithm::Argon2id,
        }
    }
}

/// The hashing policy: what new hashes use, and the bar below which a stored hash is weak.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Memory cost in KiB.
    pub m_cost: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
    /// Tag length in bytes.
    pub output_len: usize,
    /// Longest password accepted, in bytes; longer ones are refused before hashing.
    pub max_password_len: usize,
}

/// Salt length of new hashes, in bytes.
pub const SALT_LEN: usize = 16;

impl Policy {
    /// OWASP's minimum for argon2id: m = 19456 KiB, t = 2, p = 1; 32-byte tag; 1024-byte
    /// password cap.
    pub const OWASP: Self = Self {
        m_cost: 19 * 1024,
        t_cost: 2,
        p_cost: 1,
        output_len: 32,
        max_password_len: 1024,
    };

    fn argon2(&self) -> Result<Argon2<'static>, PasswordError> {
        let params = Params::new(self.m_cost, self.t_cost, self.p_cost, Some(self.output_len))
            .map_err(|_| PasswordError::Hashing)?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// The number of 1 KiB argon2 blocks one hash under this policy needs.
    #[must_use]
    pub fn block_count(&self) -> usize {
        self.argon2().map_or(0, |a| a.params().block_count())
    }

    /// Hashes `password` with `salt` into `out` as a PHC string, using caller-supplied
    /// argon2 memory (at least [`block_count`](Self::block_count) blocks). No allocation.
    ///
    /// # Errors
    /// [`PasswordError::TooLong`], [`PasswordError::Hashing`] (including too few blocks),
    /// [`PasswordError::BufferTooSmall`].
    pub fn hash_with_memory<'o>(
        &self,
        password: &[u8],
        salt: &[u8; SALT_LEN],
        memory: &mut [Block],
        out: &'o mut [u8],
    ) -> Result<&'o str, PasswordError> {
        if password.len() > self.max_password_len {
            return Err(PasswordError::TooLong);
        }
        let a = self.argon2()?;
        let mut tag = [0u8; MAX_PHC_BYTES];
        let tag = tag
            .get_mut(..self.output_len)
            .ok_or(PasswordError::Hashing)?;
        let blocks = memory
            .get_mut(..a.params().block_count())
            .ok_or(PasswordError::Hashing)?;
        let r = a
            .hash_password_into_with_memory(password, salt, tag, blocks)
            .map_err(|_| PasswordError::Hashing);
        let s = r.and_then(|()| write_phc(Variant::Argon2id, 0x13, self, salt, tag, out));
        tag.zeroize();
        s
    }

    /// Hashes `password` with `salt` into a PHC string.
    ///
    /// # Errors
    /// [`PasswordError::TooLong`], [`PasswordError::Hashing`].
    #[cfg(feature = "alloc")]
    pub fn hash_with_salt(
        &self,
        password: &[u8],
        salt: &[u8; SALT_LEN],
    ) -> Result<alloc::string::String, PasswordError> {
        if password.len() > self.max_password_len {
            return Err(PasswordError::TooLong);
        }
        let a = self.argon2()?;
        let mut tag = [0u8; MAX_PHC_BYTES];
        let tag = tag
            .get_mut(..self.output_len)
            .ok_or(PasswordError::Hashing)?;
        let r = a
            .hash_password_into(password, salt, tag)
            .map_err(|_| PasswordError::Hashing);
        let mut out = [0u8; MAX_PHC_LEN];
        let s = r.and_then(|()| {
            write_phc(Variant::Argon2id, 0x13, self, salt, tag, &mut out)
                .map(alloc::string::String::from)
        });
        tag.zeroize();
        s
    }

    /// Hashes `password` with a fresh random 16-byte salt from the operating system.
    ///
    /// # Errors
    /// [`PasswordError::TooLong`], [`PasswordError::Hashing`], [`PasswordError::Random`].
    ///
    /// # Examples
    /// ```
    /// use tessera_core::password::{self, Policy};
    /// let policy = Policy { m_cost: 64, t_cost: 1, ..Policy::OWASP }; // small, for the example
    /// let phc = policy.hash("secret".as_bytes())?;
    /// assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
    /// assert!(password::verify(&phc, b"secret")?);
    /// assert!(!password::verify(&phc, b"Secret")?);
    /// # Ok::<(), password::PasswordError>(())
    /// ```
    #[cfg(all(feature = "alloc", feature = "getrandom"))]
    pub fn hash(&self, password: &[u8]) -> Result<alloc::string::String, PasswordError> {
        let mut salt = [0u8; SALT_LEN];
        getrandom::fill(&mut salt).map_err(|_| PasswordError::Random)?;
        self.hash_with_salt(password, &salt)
    }

    /// Whether a stored hash is weaker than this policy and should be replaced after the next
    /// successful login: not argon2id, an older version, or a lower m, t, p, tag or salt
    /// length. (pwdlib also rehashes hashes that differ in other ways; stronger parameters are
    /// kept here.)
    #[must_use]
    pub fn needs_rehash(&self, stored: &PhcHash) -> bool {
        stored.variant != Variant::Argon2id
            || stored.version < 0x13
            || stored.m_cost < self.m_cost
            || stored.t_cost < self.t_cost
            || stored.p_cost < self.p_cost
            || stored.hash_len < self.output_len
            || stored.salt_len < SALT_LEN
    }

    /// [`dummy_verify`](Self::dummy_verify) in caller-supplied argon2 memory (at least
    /// [`block_count`](Self::block_count) blocks; with fewer, it returns at once). No
    /// allocation.
    pub fn dummy_verify_with_memory(&self, password: &[u8], memory: &mut [Block]) {
        let salt = [0x5A; SALT_LEN];
        let mut tag = [0u8; MAX_PHC_BYTES];
        if let (Ok(a), Some(tag)) = (self.argon2(), tag.get_mut(..self.output_len)) {
            let _ = a.hash_password_into_with_memory(password, &salt, tag, memory);
            // Same comparison work as a real verify.
            let _ = bool::from(tag.ct_eq(&[0u8; MAX_PHC_BYTES][..tag.len()]));
            tag.zeroize();
        }
    }

    /// Spends what one verify under this policy costs, on nothing: for unknown users, so that
    /// they and a wrong password cost the same time.
    #[cfg(feature = "alloc")]
    pub fn dummy_verify(&self, password: &[u8]) {
        let salt = [0x5A; SALT_LEN];
        let mut tag = [0u8; MAX_PHC_BYTES];
        if let (Ok(a), Some(tag)) = (self.argon2(), tag.get_mut(..self.output_len)) {
            let _ = a.hash_password_into(password, &salt, tag);
            // Same comparison work as a real verify.
            let _ = bool::from(tag.ct_eq(&[0u8; MAX_PHC_BYTES][..tag.len()]));
            tag.zeroize();
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self::OWASP
    }
}

/// Verifies `password` against a stored PHC string.
///
/// # Errors
/// [`PasswordError::MalformedHash`], [`PasswordError::UnsupportedHash`],
/// [`PasswordError::Hashing`].
#[cfg(feature = "alloc")]
pub fn verify(phc: &str, password: &[u8]) -> Result<bool, PasswordError> {
    PhcHash::parse(phc)?.verify(password)
}
