//! argon2id password hashing and verification, PHC strings, and the timing-equal dummy check.
//!
//! Hashes use argon2id v0x13 with the OWASP minimum by default (m = 19456 KiB, t = 2, p = 1),
//! a 16-byte random salt and a 32-byte tag, stored as a PHC string. Verification reads the
//! parameters from the stored string, so hashes from Python's pwdlib and argon2-cffi verify
//! too (argon2id, argon2i and argon2d).
//!
//! The PHC parser is ours, and why: a login reads the stored hash on every attempt, so it
//! works in `no_std` without allocation, copies salt and tag into fixed arrays
//! ([`MAX_PHC_BYTES`]), caps the whole string ([`MAX_PHC_LEN`]), and refuses with Tessera's
//! own [`PasswordError`] anything but the argon2 variants and parameters argon2 can verify.
//! With the `alloc` feature argon2's working memory is allocated per call; without it callers
//! pass the memory blocks.

use core::fmt;

use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64ct::{Base64Unpadded, Encoding};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

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

/// A parsed argon2 PHC string: `$argon2id$v=19$m=…,t=…,p=…$salt$hash`.
#[derive(Clone, PartialEq, Eq)]
pub struct PhcHash {
    /// The variant.
    pub variant: Variant,
    /// The version (0x10 when the string has none).
    pub version: u32,
    /// Memory cost in KiB.
    pub m_cost: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
    salt: [u8; MAX_PHC_BYTES],
    salt_len: usize,
    hash: [u8; MAX_PHC_BYTES],
    hash_len: usize,
}

impl fmt::Debug for PhcHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PhcHash")
            .field("variant", &self.variant)
            .field("version", &self.version)
            .field("m_cost", &self.m_cost)
            .field("t_cost", &self.t_cost)
            .field("p_cost", &self.p_cost)
            .field("salt_len", &self.salt_len)
            .field("hash_len", &self.hash_len)
            .finish_non_exhaustive()
    }
}

impl Drop for PhcHash {
    fn drop(&mut self) {
        self.hash.zeroize();
    }
}

fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty()
        || s.len() > 10
        || (s.len() > 1 && s.starts_with('0'))
        || !s.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    s.parse().ok()
}

impl PhcHash {
    /// Parses a PHC string strictly: no allocation, canonical unpadded B64 salt and hash,
    /// parameters `m`, `t`, `p` in that order with no leading zeros.
    ///
    /// # Errors
    /// [`PasswordError::MalformedHash`] or [`PasswordError::UnsupportedHash`].
    pub fn parse(s: &str) -> Result<Self, PasswordError> {
        use PasswordError::{MalformedHash as Bad, UnsupportedHash as Unsupported};
        if s.len() > MAX_PHC_LEN {
            return Err(Bad);
        }
        let mut parts = s.split('$');
        if parts.next() != Some("") {
            return Err(Bad);
        }
        let variant = match parts.next().ok_or(Bad)? {
            "argon2id" => Variant::Argon2id,
            "argon2i" => Variant::Argon2i,
            "argon2d" => Variant::Argon2d,
            _ => return Err(Unsupported),
        };
        let mut next = parts.next().ok_or(Bad)?;
        let version = match next.strip_prefix("v=") {
            Some(v) => {
                let v = parse_u32(v).ok_or(Bad)?;
                if v != 0x13 && v != 0x10 {
                    return Err(Unsupported);
                }
                next = parts.next().ok_or(Bad)?;
                v
            }
            None => 0x10,
        };
        let mut params = next.split(',');
        let mut param = |name: &str| -> Result<u32, PasswordError> {
            let p = params.next().ok_or(Bad)?;
            let v = p
                .strip_prefix(name)
                .and_then(|r| r.strip_prefix('='))
                .ok_or(Unsupported)?;
            parse_u32(v).ok_or(Bad)
        };
        let (m_cost, t_cost, p_cost) = (param("m")?, param("t")?, param("p")?);
        if params.next().is_some() {
            return Err(Unsupported);
        }
        if m_cost > MAX_M_COST || Params::new(m_cost, t_cost, p_cost, None).is_err() {
            return Err(Unsupported);
        }
        let mut out = Self {
            variant,
            version,
            m_cost,
            t_cost,
            p_cost,
            salt: [0; MAX_PHC_BYTES],
            salt_len: 0,
            hash: [0; MAX_PHC_BYTES],
            hash_len: 0,
        };
        let salt =
            Base64Unpadded::decode(parts.next().ok_or(Bad)?, &mut out.salt).map_err(|_| Bad)?;
        out.salt_len = salt.len();
        let hash =
            Base64Unpadded::decode(parts.next().ok_or(Bad)?, &mut out.hash).map_err(|_| Bad)?;
        out.hash_len = hash.len();
        if parts.next().is_some() || out.salt_len < 8 || out.hash_len < 4 {
            return Err(Bad);
        }
        Ok(out)
    }

    fn argon2(&self) -> Result<Argon2<'static>, PasswordError> {
        let params = Params::new(self.m_cost, self.t_cost, self.p_cost, Some(self.hash_len))
            .map_err(|_| PasswordError::UnsupportedHash)?;
        let version = if self.version == 0x13 {
            Version::V0x13
        } else {
            Version::V0x10
        };
        Ok(Argon2::new(self.variant.algorithm(), version, params))
    }

    /// The salt bytes.
    #[must_use]
    pub fn salt(&self) -> &[u8] {
        &self.salt[..self.salt_len]
    }

    /// The number of 1 KiB argon2 blocks verifying against this hash needs.
    #[must_use]
    pub fn block_count(&self) -> usize {
        self.argon2().map_or(0, |a| a.params().block_count())
    }

    /// Whether `password` matches, with caller-supplied argon2 memory (at least
    /// [`block_count`](Self::block_count) blocks). The tag comparison is constant-time.
    ///
    /// # Errors
    /// [`PasswordError::Hashing`] when argon2 refuses the inputs or the memory is too small.
    pub fn verify_with_memory(
        &self,
        password: &[u8],
        memory: &mut [Block],
    ) -> Result<bool, PasswordError> {
        let a = self.argon2()?;
        let blocks = memory
            .get_mut(..a.params().block_count())
            .ok_or(PasswordError::Hashing)?;
        let mut tag = [0u8; MAX_PHC_BYTES];
        let r = a.hash_password_into_with_memory(
            password,
            self.salt(),
            &mut tag[..self.hash_len],
            blocks,
        );
        let ok = r.is_ok() && bool::from(tag[..self.hash_len].ct_eq(&self.hash[..self.hash_len]));
        tag.zeroize();
        r.map(|()| ok).map_err(|_| PasswordError::Hashing)
    }

    /// Whether `password` matches. The tag comparison is constant-time.
    ///
    /// # Errors
    /// [`PasswordError::Hashing`] when argon2 refuses the inputs or memory cannot be had.
    #[cfg(feature = "alloc")]
    pub fn verify(&self, password: &[u8]) -> Result<bool, PasswordError> {
        let a = self.argon2()?;
        let mut tag = [0u8; MAX_PHC_BYTES];
        let r = a.hash_password_into(password, self.salt(), &mut tag[..self.hash_len]);
        let ok = r.is_ok() && bool::from(tag[..self.hash_len].ct_eq(&self.hash[..self.hash_len]));
        tag.zeroize();
        r.map(|()| ok).map_err(|_| PasswordError::Hashing)
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

struct Cursor<'o> {
    out: &'o mut [u8],
    n: usize,
}

impl fmt::Write for Cursor<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let dst = self
            .out
            .get_mut(self.n..self.n + s.len())
            .ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.n += s.len();
        Ok(())
    }
}

fn write_phc<'o>(
    variant: Variant,
    version: u32,
    p: &Policy,
    salt: &[u8],
    tag: &[u8],
    out: &'o mut [u8],
) -> Result<&'o str, PasswordError> {
    let mut salt_b64 = [0u8; 88];
    let mut tag_b64 = [0u8; 88];
    let salt_b64 =
        Base64Unpadded::encode(salt, &mut salt_b64).map_err(|_| PasswordError::BufferTooSmall)?;
    let tag_b64 =
        Base64Unpadded::encode(tag, &mut tag_b64).map_err(|_| PasswordError::BufferTooSmall)?;
    let mut c = Cursor { out, n: 0 };
    fmt::write(
        &mut c,
        format_args!(
            "${}$v={}$m={},t={},p={}${}${}",
            variant.ident(),
            version,
            p.m_cost,
            p.t_cost,
            p.p_cost,
            salt_b64,
            tag_b64
        ),
    )
    .map_err(|_| PasswordError::BufferTooSmall)?;
    let n = c.n;
    core::str::from_utf8(&out[..n]).map_err(|_| PasswordError::BufferTooSmall)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phc_parse_rules() {
        let good = "$argon2id$v=19$m=65536,t=3,p=4$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc";
        let h = PhcHash::parse(good).unwrap();
        assert_eq!(
            (h.m_cost, h.t_cost, h.p_cost, h.version),
            (65536, 3, 4, 0x13)
        );
        assert_eq!(h.salt().len(), 16);
        assert!(!Policy::OWASP.needs_rehash(&h));
        for bad in [
            "",
            "argon2id$v=19$m=1,t=1,p=1$aaaaaaaaaaa$aaaaaa",
            "$argon2id$v=19$m=065536,t=3,p=4$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc",
            "$argon2id$v=19$m=65536,t=3,p=4$wagCPXjifgvUFBzq4hqe3w==$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc",
            "$argon2id$v=19$m=65536,t=3,p=4$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc$",
            "$argon2id$v=19$t=3,m=65536,p=4$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc",
            "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
            "$argon2id$v=19$m=4294967295,t=3,p=4$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc",
        ] {
            assert!(PhcHash::parse(bad).is_err(), "{bad}");
        }
    }
}
