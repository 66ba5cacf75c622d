//! Issuing: the header, and claims written by serde-json-core, base64url-encoded and signed.

use serde::Serialize;

use super::{JWT_HEADER_B64, SIG_B64_LEN};
use crate::b64;
use crate::error::EncodeError;
use crate::key::{Hs256Key, KID_LEN};

/// The JOSE header of tokens this crate issues: `alg` is always `HS256`; `typ` is configurable;
/// `kid`, the [key id](Hs256Key::kid) of a key, is optional.
///
/// Members are written in the order `alg`, `typ`, `kid`: [`Header::JWT`] is
/// `{"alg":"HS256","typ":"JWT"}` (as FastAPI and PyJWT write it), and
/// [`Header::for_key`] is `{"alg":"HS256","typ":"JWT","kid":"<id>"}`. There is deliberately no
/// way to set `alg`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    typ: &'a str,
    kid: Option<&'a str>,
}

impl Header<'static> {
    /// `{"alg":"HS256","typ":"JWT"}`.
    pub const JWT: Self = Header {
        typ: "JWT",
        kid: None,
    };
    /// `{"alg":"HS256","typ":"at+jwt"}`, the RFC 9068 access-token type.
    pub const ACCESS_TOKEN: Self = Header {
        typ: "at+jwt",
        kid: None,
    };
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
            Ok(Self { typ, kid: None })
        } else {
            Err(EncodeError::InvalidType)
        }
    }

    /// `{"alg":"HS256","typ":"JWT","kid":"<id>"}`, naming `key` by its [key id](Hs256Key::kid):
    /// the header to sign with `key` for a verifier built on a
    /// [`KeyRing`](crate::KeyRing).
    ///
    /// # Examples
    /// ```
    /// use tessera_core::{jwt, Hs256Key};
    /// let key = Hs256Key::new(&[7; 32]).unwrap();
    /// let header = jwt::Header::for_key(&key);
    /// assert_eq!(header, jwt::Header::JWT.with_kid(&key));
    /// assert_eq!(header.kid(), Some(key.kid()));
    /// ```
    #[must_use]
    pub const fn for_key(key: &'a Hs256Key) -> Self {
        Self {
            typ: "JWT",
            kid: Some(key.kid()),
        }
    }

    /// This header with `kid` set to the [key id](Hs256Key::kid) of `key`.
    ///
    /// `kid` only names a key: [`encode`] signs with the key it is given, so a header naming
    /// another key gives a token that a key-ring verifier refuses.
    #[must_use]
    pub const fn with_kid(self, key: &'a Hs256Key) -> Self {
        Self {
            typ: self.typ,
            kid: Some(key.kid()),
        }
    }

    /// The `typ` value.
    #[must_use]
    pub const fn typ(&self) -> &'a str {
        self.typ
    }

    /// The `kid` value, if any.
    #[must_use]
    pub const fn kid(&self) -> Option<&'a str> {
        self.kid
    }

    fn write_b64(&self, key: &Hs256Key, out: &mut [u8]) -> Result<usize, EncodeError> {
        // The precomputed headers: the standard one, and the standard one naming `key`.
        let known: Option<[&[u8]; 2]> = match self.kid {
            _ if self.typ != "JWT" => None,
            None => Some([JWT_HEADER_B64, b""]),
            Some(kid) if kid == key.kid() => Some([KID_HEADER_PREFIX_B64, key.header_tail()]),
            Some(_) => None,
        };
        if let Some([head, tail]) = known {
            let dst = out
                .get_mut(..head.len() + tail.len())
                .ok_or(EncodeError::BufferTooSmall)?;
            let (h, t) = dst.split_at_mut(head.len());
            h.copy_from_slice(head);
            t.copy_from_slice(tail);
            return Ok(head.len() + tail.len());
        }
        let mut json = [0u8; 256];
        let kid: [&[u8]; 3] = match self.kid {
            Some(kid) => [br#"","kid":""#, kid.as_bytes(), br#""}"#],
            None => [br#""}"#, b"", b""],
        };
        let parts: [&[u8]; 5] = [
            br#"{"alg":"HS256","typ":""#,
            self.typ.as_bytes(),
            kid[0],
            kid[1],
            kid[2],
        ];
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

/// `{"alg":"HS256","typ":"JWT","kid":` (33 bytes, a whole number of base64 groups), encoded:
/// the start of every [`Header::for_key`] header.
pub(crate) const KID_HEADER_PREFIX_B64: &[u8] = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6";

/// `"<kid>"}` (11 bytes), encoded: the rest of a [`Header::for_key`] header.
pub(crate) const KID_HEADER_TAIL_LEN: usize = b64::encoded_len(KID_LEN + 3);

/// The encoded end of the [`Header::for_key`] header for key id `kid`, after
/// [`KID_HEADER_PREFIX_B64`].
pub(crate) fn kid_header_tail(kid: &[u8; KID_LEN]) -> [u8; KID_HEADER_TAIL_LEN] {
    let mut json = [0u8; KID_LEN + 3];
    json[0] = b'"';
    json[1..=KID_LEN].copy_from_slice(kid);
    json[KID_LEN + 1..].copy_from_slice(br#""}"#);
    let mut out = [0u8; KID_HEADER_TAIL_LEN];
    // The sizes are fixed and match.
    let n = b64::encode(&json, &mut out).unwrap_or(0);
    debug_assert_eq!(n, KID_HEADER_TAIL_LEN);
    out
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
    let h = header.write_b64(key, out)?;
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
    let kid = header.kid.map_or(0, |k| 9 + k.len());
    let header_json = 24 + header.typ.len() + kid;
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
