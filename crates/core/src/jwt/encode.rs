//! Issuing: the header, and claims written by serde-json-core, base64url-encoded and signed.

use serde::Serialize;

use super::{JWT_HEADER_B64, SIG_B64_LEN};
use crate::b64;
use crate::error::EncodeError;
use crate::key::Hs256Key;

/// The JOSE header of tokens this crate issues: `alg` is always `HS256`; `typ` is configurable.
///
/// There is deliberately no way to set `alg`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    typ: &'a str,
}

impl Header<'static> {
    /// `{"alg":"HS256","typ":"JWT"}`.
    pub const JWT: Self = Header { typ: "JWT" };
    /// `{"alg":"HS256","typ":"at+jwt"}`, the RFC 9068 access-token type.
    pub const ACCESS_TOKEN: Self = Header { typ: "at+jwt" };
}

impl Default for Header<'static> {
    fn default() -> Self {
        Self::JWT
    }
}

impl<'a> Header<'a> {
    /// A header with the given `typ`.
    ///
    /// # Errors
    /// [`EncodeError::InvalidType`] unless `typ` is non-empty printable ASCII without `"`
    /// or `\`.
    pub fn with_typ(typ: &'a str) -> Result<Self, EncodeError> {
        let ok = !typ.is_empty()
            && typ
                .bytes()
                .all(|b| (0x20..0x7F).contains(&b) && b != b'"' && b != b'\\');
        if ok {
            Ok(Self { typ })
        } else {
            Err(EncodeError::InvalidType)
        }
    }

    /// The `typ` value.
    #[must_use]
    pub const fn typ(&self) -> &'a str {
        self.typ
    }

    fn write_b64(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        if self.typ == "JWT" {
            let dst = out
                .get_mut(..JWT_HEADER_B64.len())
                .ok_or(EncodeError::BufferTooSmall)?;
            dst.copy_from_slice(JWT_HEADER_B64);
            return Ok(JWT_HEADER_B64.len());
        }
        let mut json = [0u8; 256];
        let parts: [&[u8]; 3] = [br#"{"alg":"HS256","typ":""#, self.typ.as_bytes(), br#""}"#];
        let mut n = 0;
        for p in parts {
            json.get_mut(n..n + p.len())
                .ok_or(EncodeError::InvalidType)?
                .copy_from_slice(p);
            n += p.len();
        }
        b64::encode(&json[..n], out).map_err(|_| EncodeError::BufferTooSmall)
    }
}

/// Encodes `claims` as a signed compact token into `out` and returns it. No heap allocation.
///
/// `out` must hold the whole token; see [`encoded_len`] for the size a given claims length needs.
///
/// # Errors
/// [`EncodeError::BufferTooSmall`] when `out` is too small; [`EncodeError::Claims`] when the
/// claims do not serialize to a JSON object, or hold a value serde-json-core does not write (a
/// `char`, a 128-bit integer, a tuple variant) or a `Serialize` implementation's own error.
///
/// # Examples
/// ```
/// use tessera_core::{jwt, Hs256Key};
/// #[derive(serde::Serialize)]
/// struct Claims<'a> { sub: &'a str, exp: u64 }
/// let key = Hs256Key::new(&[7; 32]).unwrap();
/// let mut buf = [0u8; 256];
/// let token = jwt::encode(&key, &jwt::Header::JWT, &Claims { sub: "johndoe", exp: 2_000_000_000 }, &mut buf)?;
/// assert!(token.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
/// # Ok::<(), tessera_core::EncodeError>(())
/// ```
pub fn encode<'o, C: Serialize + ?Sized>(
    key: &Hs256Key,
    header: &Header<'_>,
    claims: &C,
    out: &'o mut [u8],
) -> Result<&'o str, EncodeError> {
    let h = header.write_b64(out)?;
    *out.get_mut(h).ok_or(EncodeError::BufferTooSmall)? = b'.';
    let at = h + 1;
    let region = out.get_mut(at..).ok_or(EncodeError::BufferTooSmall)?;
    // serde-json-core panics on some values; refuse those before it sees them.
    if !crate::encodable::check(claims) {
        return Err(EncodeError::Claims);
    }
    let n = serde_json_core::to_slice(claims, region).map_err(|e| match e {
        serde_json_core::ser::Error::BufferFull => EncodeError::BufferTooSmall,
        _ => EncodeError::Claims,
    })?;
    if region.first() != Some(&b'{') {
        return Err(EncodeError::Claims);
    }
    let p = b64::encode_in_place(out, at, n).map_err(|_| EncodeError::BufferTooSmall)?;
    let signed = at + p;
    let mac = key.mac(&out[..signed]);
    let sig_at = signed + 1;
    let end = sig_at + SIG_B64_LEN;
    let tail = out
        .get_mut(signed..end)
        .ok_or(EncodeError::BufferTooSmall)?;
    tail[0] = b'.';
    tail[1..].copy_from_slice(&b64::encode_32_ct(&mac));
    core::str::from_utf8(&out[..end]).map_err(|_| EncodeError::Claims)
}

/// The length of a token whose claims serialize to `claims_json_len` bytes, with `header`.
#[must_use]
pub fn encoded_len(header: &Header<'_>, claims_json_len: usize) -> usize {
    let header_json = 24 + header.typ.len();
    // The buffer must also hold the raw JSON while it is encoded in place.
    let payload = b64::encoded_len(claims_json_len).max(claims_json_len);
    b64::encoded_len(header_json) + 1 + payload + 1 + SIG_B64_LEN
}

/// [`encode`] into a new `String`.
///
/// # Errors
/// [`EncodeError::Claims`] when the claims do not serialize to a JSON object.
#[cfg(feature = "alloc")]
pub fn encode_to_string<C: Serialize + ?Sized>(
    key: &Hs256Key,
    header: &Header<'_>,
    claims: &C,
) -> Result<alloc::string::String, EncodeError> {
    let mut size = 512;
    loop {
        let mut buf = alloc::vec![0u8; size];
        match encode(key, header, claims, &mut buf) {
            Ok(t) => return Ok(alloc::string::String::from(t)),
            Err(EncodeError::BufferTooSmall) if size < (1 << 24) => size *= 4,
            Err(e) => return Err(e),
        }
    }
}
