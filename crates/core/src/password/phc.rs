//! PHC strings, `$argon2id$v=19$m=…,t=…,p=…$<salt>$<tag>`: the strict parser ([`PhcHash`]) and
//! the writer of new hashes. Ours, not RustCrypto's. Checked: phc 0.6.1, whose `PasswordHash`
//! password-hash 0.6.1 (argon2 0.6.0's, per Cargo.lock) re-exports, next to this parser on 167
//! strings (this module's tests, `tests/password.rs` and its data files, the 75 UTF-8 files of
//! the `phc_parse` fuzz corpus, 34 edge cases):
//! - `PasswordHash::new` accepts 46 of the strings we refuse, among them 11 of the 15 that
//!   `phc_parse_rules` refuses: `m=065536` (parameter values are only checked for their
//!   characters), `t=3,m=65536,p=4`, `$scrypt$…`, `m=4294967295`, `m=1048577`, no tag, no salt
//!   and tag, `keyid=…`, `data=…`, no `p`, no parameters. With argon2 0.6.0's checks on top
//!   (`Algorithm`, `Version`, `Params::try_from(&PasswordHash)`) 7 of those 11 still pass: the
//!   reordered parameters, both memory costs over `MAX_M_COST` (up to 4 TiB), `keyid`, `data`,
//!   no `p` and no parameters (argon2's defaults).
//! - Used for the grammar only, with every check of this module kept on top, it accepted none of
//!   the strings we refuse, and it is `no_std` and made no heap allocation (counted with
//!   allocation-counter); but it refused 16 that we accept: tags of 4 to 9 bytes
//!   (`Output::MIN_LENGTH` is 10) and salts of 49 to 64 bytes (`Salt::MAX_LENGTH` is 48). argon2
//!   verifies those (its minimums are a 4-byte tag and an 8-byte salt) and argon2-cffi 25.1.0
//!   writes them (`hash_len`, `salt_len`; `tests/password.rs` verifies four), so such stored
//!   hashes would stop verifying. It would take over only the `$` split and the B64 decoding
//!   (variant, version, parameter order and bounds, lengths stay ours), as a new dependency.
//!
//! So this parser: no allocation, salt and tag copied into fixed arrays (`MAX_PHC_BYTES`), the
//! whole string capped (`MAX_PHC_LEN`), and anything but the argon2 variants and parameters
//! argon2 can verify refused with Tessera's own `PasswordError`.

use core::fmt;

use argon2::{Argon2, Block, Params, Version};
use base64ct::{Base64Unpadded, Encoding};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::{MAX_M_COST, MAX_PHC_BYTES, MAX_PHC_LEN, PasswordError, Policy, Variant};

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
    pub(super) salt_len: usize,
    hash: [u8; MAX_PHC_BYTES],
    pub(super) hash_len: usize,
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

pub(super) fn write_phc<'o>(
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
            // Accepted by phc 0.6.1's `PasswordHash::new` (see the module notes).
            "$argon2id$v=19$m=65536,t=3,p=4$wagCPXjifgvUFBzq4hqe3w",
            "$argon2id$v=19$m=65536,t=3,p=4",
            "$argon2id$v=19$m=65536,t=3,p=4,keyid=AAAA$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc",
            "$argon2id$v=19$m=65536,t=3,p=4,data=AAAA$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc",
            "$argon2id$v=19$m=65536,t=3$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc",
            "$argon2id$v=19$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc",
            "$argon2id$v=19$m=1048577,t=3,p=4$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc",
        ] {
            assert!(PhcHash::parse(bad).is_err(), "{bad}");
        }
    }
}
