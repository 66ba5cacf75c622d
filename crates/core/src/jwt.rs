//! HS256 JSON Web Tokens (RFC 7519) in JWS compact form (RFC 7515): encode and strict verify.
//!
//! # Design
//! - The algorithm is fixed: this module speaks HS256 only, and the header never chooses the
//!   algorithm. `alg` is compared exactly with `"HS256"` after decoding, and only to reject.
//! - A [`Verifier`] holds a [`KeyRing`]. When built from a ring, the header's `kid` names the
//!   key of the ring that must have signed the token, by its derived key id: an opaque
//!   comparison with the ids of the ring's keys, never a lookup anywhere else. A token naming no
//!   key of the ring is refused. [`Verifier::new`] (one key) reads no `kid`, as before rings.
//! - The MAC is computed over the exact received bytes and compared in constant time before any
//!   header parameter or claim is parsed. The received signature (public) is decoded strictly,
//!   so every non-canonical spelling of it is refused, and must be exactly 32 bytes; the MAC
//!   comparison has no early exit. When issuing, the computed MAC is encoded in constant time
//!   (lane-wise arithmetic, no table, no branch).
//! - Time is a parameter ([`UnixTime`]); nothing here reads a clock.
//! - Verification writes the decoded claims into a caller buffer and returns borrowed
//!   [`Claims`]: no heap allocation at all.

use crate::b64;
use crate::error::TokenError;
use crate::json::{JsonStr, Members, ObjectError, Value, parse_members, parse_object};
use crate::key::{Hs256Key, KeyRing};
use crate::scope::ScopeClaim;
use crate::time::{NumericDate, UnixTime};

mod encode;

use self::encode::KID_HEADER_PREFIX_B64;
#[cfg(feature = "alloc")]
pub use self::encode::encode_to_string;
pub use self::encode::{Header, encode, encoded_len};
pub(crate) use self::encode::{KID_HEADER_TAIL_LEN, kid_header_tail};

/// Default cap on the whole token, checked before anything else: 8 KiB.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 8192;
/// Largest leeway a [`Validation`] accepts, in seconds.
pub const MAX_LEEWAY: u32 = 300;
/// Largest decoded claims set the default token size cap allows: what [`Verifier::verify`]
/// needs as a buffer for any token under [`DEFAULT_MAX_TOKEN_LEN`].
pub const MAX_CLAIMS_LEN: usize = DEFAULT_MAX_TOKEN_LEN / 4 * 3;
/// Largest accepted decoded header, in bytes.
pub const MAX_HEADER_LEN: usize = 1024;

const SIG_B64_LEN: usize = 43;
/// `{"alg":"HS256","typ":"JWT"}`, encoded.
const JWT_HEADER_B64: &[u8] = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// What a [`Verifier`] checks besides the signature.
///
/// Defaults: `exp` required, leeway 0, no issuer, no audience (so a token with an `aud`
/// claim is rejected), any `typ`, 8 KiB size cap.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Validation<'a> {
    leeway: u32,
    max_len: usize,
    require_exp: bool,
    issuer: Option<&'a str>,
    audience: Option<&'a str>,
    typ: Option<&'a str>,
}

impl Default for Validation<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> Validation<'a> {
    /// The defaults.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            leeway: 0,
            max_len: DEFAULT_MAX_TOKEN_LEN,
            require_exp: true,
            issuer: None,
            audience: None,
            typ: None,
        }
    }

    /// Clock-skew allowance for `exp`, `nbf` and `iat`, capped at [`MAX_LEEWAY`].
    #[must_use]
    pub const fn leeway(mut self, secs: u32) -> Self {
        self.leeway = if secs > MAX_LEEWAY { MAX_LEEWAY } else { secs };
        self
    }

    /// The leeway in seconds.
    #[must_use]
    pub const fn leeway_secs(&self) -> u32 {
        self.leeway
    }

    /// Cap on the token length in bytes (default 8192).
    #[must_use]
    pub const fn max_len(mut self, bytes: usize) -> Self {
        self.max_len = bytes;
        self
    }

    /// Whether a token without `exp` is refused (default `true`).
    #[must_use]
    pub const fn require_exp(mut self, required: bool) -> Self {
        self.require_exp = required;
        self
    }

    /// Require `iss` to equal `issuer` exactly.
    #[must_use]
    pub const fn issuer(mut self, issuer: &'a str) -> Self {
        self.issuer = Some(issuer);
        self
    }

    /// Require `aud` to name `audience` (a string equal to it, or an array containing it).
    #[must_use]
    pub const fn audience(mut self, audience: &'a str) -> Self {
        self.audience = Some(audience);
        self
    }

    /// Require the header `typ` to be `typ`, compared case-insensitively, with an optional
    /// `application/` prefix on the token's side (RFC 7515 §4.1.9).
    #[must_use]
    pub const fn typ(mut self, typ: &'a str) -> Self {
        self.typ = Some(typ);
        self
    }
}

/// Verifies tokens under the keys of a [`KeyRing`] and one [`Validation`].
#[derive(Clone, Debug)]
pub struct Verifier<'a> {
    ring: KeyRing,
    /// Whether the header's `kid` must name the key that verified the token ([`Self::from_ring`]),
    /// or is not read ([`Self::new`]).
    kid_bound: bool,
    validation: Validation<'a>,
}

/// Registered claims of a verified token, borrowed from the caller's buffer.
#[derive(Copy, Clone, Debug)]
pub struct Claims<'b> {
    sub: JsonStr<'b>,
    scope: Option<ScopeClaim<'b>>,
    exp: Option<NumericDate>,
    nbf: Option<NumericDate>,
    iat: Option<NumericDate>,
    iss: Option<JsonStr<'b>>,
    jti: Option<JsonStr<'b>>,
    json: &'b str,
}

impl<'b> Claims<'b> {
    /// The subject: a non-empty string, decoded.
    #[must_use]
    pub const fn sub(&self) -> JsonStr<'b> {
        self.sub
    }

    /// The `scope` claim, if present.
    #[must_use]
    pub const fn scope(&self) -> Option<ScopeClaim<'b>> {
        self.scope
    }

    /// Whether every scope in `required` is granted (no `scope` claim grants nothing).
    #[must_use]
    pub fn grants_all(&self, required: &[&str]) -> bool {
        match self.scope {
            Some(s) => s.grants_all(required),
            None => required.is_empty(),
        }
    }

    /// `exp`, if present.
    #[must_use]
    pub const fn exp(&self) -> Option<NumericDate> {
        self.exp
    }

    /// `nbf`, if present.
    #[must_use]
    pub const fn nbf(&self) -> Option<NumericDate> {
        self.nbf
    }

    /// `iat`, if present.
    #[must_use]
    pub const fn iat(&self) -> Option<NumericDate> {
        self.iat
    }

    /// `iss`, if present.
    #[must_use]
    pub const fn iss(&self) -> Option<JsonStr<'b>> {
        self.iss
    }

    /// `jti`, if present.
    #[must_use]
    pub const fn jti(&self) -> Option<JsonStr<'b>> {
        self.jti
    }

    /// The verified claims set as JSON text (strict, duplicate-free).
    #[must_use]
    pub const fn json(&self) -> &'b str {
        self.json
    }

    /// Deserializes the claims set into the application's own type with `serde-json-core`,
    /// decoding escaped strings through `scratch`.
    ///
    /// # Errors
    /// [`TokenError::MalformedClaim`] when the claims do not fit `T`, or a string does not
    /// fit `scratch`.
    pub fn deserialize<T: serde::Deserialize<'b>>(
        &self,
        scratch: &mut [u8],
    ) -> Result<T, TokenError> {
        serde_json_core::from_slice_escaped(self.json.as_bytes(), scratch)
            .map(|(v, _)| v)
            .map_err(|_| TokenError::MalformedClaim)
    }
}

impl<'a> Verifier<'a> {
    /// A verifier for `key` alone with `validation`: a one-key ring whose tokens' `kid` is not
    /// read, as before key rings. A token with any `kid`, or none, is accepted when `key`
    /// signed it (what a FastAPI or PyJWT application that sets its own `kid` needs).
    ///
    /// For `kid` checking, build the verifier [from a ring](Self::from_ring), even of one key.
    #[must_use]
    pub const fn new(key: Hs256Key, validation: Validation<'a>) -> Self {
        Self {
            ring: KeyRing::new(key),
            kid_bound: false,
            validation,
        }
    }

    /// A verifier for the keys of `ring` with `validation`.
    ///
    /// A token whose header has a `kid` is checked with the key of that id only. A `kid` that
    /// names no key of the ring, or is not a string, makes the token invalid:
    /// [`TokenError::BadSignature`], since no key the token names has signed it (it is the
    /// same answer as for a wrong signature, so it tells a client nothing more). A token
    /// without `kid` (FastAPI's and PyJWT's `{"alg":"HS256","typ":"JWT"}`) is tried against
    /// each key, the current one first: at most one HMAC per key.
    ///
    /// # Examples
    /// ```
    /// use tessera_core::{jwt, Hs256Key, KeyRing, TokenError, UnixTime};
    /// # #[derive(serde::Serialize)] struct C { sub: &'static str, exp: i64 }
    /// let old = Hs256Key::new(&[1; 32]).unwrap();
    /// let new = Hs256Key::new(&[2; 32]).unwrap();
    /// let mut out = [0u8; 256];
    /// let before = jwt::encode(&old, &jwt::Header::for_key(&old), &C { sub: "jo", exp: 9 }, &mut out)
    ///     .unwrap()
    ///     .to_owned();
    /// let mut ring = KeyRing::new(new);
    /// ring.push_previous(old.clone()).unwrap();
    /// let verifier = jwt::Verifier::from_ring(ring, jwt::Validation::new());
    /// let mut buf = [0u8; 256];
    /// assert!(verifier.verify(&before, UnixTime(1), &mut buf)?.sub() == "jo");
    /// // Signed by `old`, naming the current key: refused.
    /// let named = jwt::Header::for_key(verifier.key());
    /// let forged = jwt::encode(&old, &named, &C { sub: "jo", exp: 9 }, &mut out).unwrap();
    /// assert_eq!(verifier.verify(forged, UnixTime(1), &mut buf).err(), Some(TokenError::BadSignature));
    /// # Ok::<(), TokenError>(())
    /// ```
    #[must_use]
    pub const fn from_ring(ring: KeyRing, validation: Validation<'a>) -> Self {
        Self {
            ring,
            kid_bound: true,
            validation,
        }
    }

    /// Whether a `kid` that names no key of the ring refuses the token (`true` from
    /// [`from_ring`](Self::from_ring), `false` from [`new`](Self::new)). With `false`, such a
    /// token is tried against each key like one without `kid`, as FastAPI and PyJWT, which read
    /// no `kid`, accept it; a `kid` naming a key of the ring still routes to that key.
    #[must_use]
    pub const fn with_kid_check(mut self, check: bool) -> Self {
        self.kid_bound = check;
        self
    }

    /// The current key of the ring, for issuing tokens that this verifier accepts.
    #[must_use]
    pub const fn key(&self) -> &Hs256Key {
        self.ring.current()
    }

    /// The key ring.
    #[must_use]
    pub const fn ring(&self) -> &KeyRing {
        &self.ring
    }

    /// The validation settings.
    #[must_use]
    pub const fn validation(&self) -> &Validation<'a> {
        &self.validation
    }

    /// Verifies `token` at time `now`, decoding its claims into `buf`. No heap allocation.
    ///
    /// `buf` needs the decoded claims length: [`MAX_CLAIMS_LEN`] always suffices under the
    /// default size cap.
    ///
    /// Checks, in order: size cap; three non-empty segments; the MAC over the exact received
    /// bytes, in constant time, with the key the header names or with each key of the ring
    /// (see [`from_ring`](Self::from_ring)); the header (`kid`, for a ring, naming the key
    /// that matched; `alg` exactly `HS256`; no `crit`, `b64`, `enc`, `zip`, nested token; `typ`
    /// a string, and the required one if configured); then the claims as a strict JSON object
    /// and the registered claims.
    ///
    /// The headers this crate issues, `{"alg":"HS256","typ":"JWT"}` with or without the `kid`
    /// of a key of the ring, are recognised by comparing their encoded bytes, and not decoded.
    /// Any other header is decoded and parsed only after the MAC of one of the keys matched:
    /// if it has a `kid`, that must then be the id of the key that matched, which refuses
    /// exactly the tokens that checking the named key alone would refuse.
    ///
    /// # Errors
    /// A [`TokenError`] naming the first failed check.
    ///
    /// # Examples
    /// ```
    /// use tessera_core::{jwt, Hs256Key, TokenError, UnixTime};
    /// let key = Hs256Key::new(&[7; 32]).unwrap();
    /// let mut out = [0u8; 256];
    /// let token = jwt::encode(&key, &jwt::Header::JWT,
    ///     &serde_json_core_claims(), &mut out).unwrap();
    /// # fn serde_json_core_claims() -> impl serde::Serialize {
    /// #     #[derive(serde::Serialize)] struct C { sub: &'static str, exp: i64 }
    /// #     C { sub: "johndoe", exp: 1_000 }
    /// # }
    /// let verifier = jwt::Verifier::new(key, jwt::Validation::new());
    /// let mut buf = [0u8; 256];
    /// let claims = verifier.verify(token, UnixTime(999), &mut buf)?;
    /// assert!(claims.sub() == "johndoe");
    /// assert_eq!(verifier.verify(token, UnixTime(1_000), &mut buf).err(), Some(TokenError::Expired));
    /// # Ok::<(), TokenError>(())
    /// ```
    pub fn verify<'b>(
        &self,
        token: &str,
        now: UnixTime,
        buf: &'b mut [u8],
    ) -> Result<Claims<'b>, TokenError> {
        let t = token.as_bytes();
        if t.len() > self.validation.max_len {
            return Err(TokenError::TooLong);
        }
        // An HS256 signature is 43 characters, after the last dot. The received signature is
        // public: decode it (strictly, so only its canonical spelling passes) and compare it with
        // the computed MAC in constant time. Anything else cannot match: it is refused here, as
        // malformed or as a bad signature (see `misshapen`).
        let sig_at = t.len().saturating_sub(SIG_B64_LEN);
        let (Some(b'.'), Ok(Ok(sig))) = (
            sig_at.checked_sub(1).and_then(|d| t.get(d)),
            <&[u8; SIG_B64_LEN]>::try_from(&t[sig_at..]).map(b64::decode_32),
        ) else {
            return Err(misshapen(t));
        };
        let signed = &t[..sig_at - 1];
        // `signed` holds the first dot, if the token has three segments. The precomputed
        // headers first: the standard one, tried with every key, or the standard one with the
        // id of one key of the ring, checked with that key only.
        let known = match signed.strip_prefix(JWT_HEADER_B64) {
            Some([b'.', payload @ ..]) => Some((None, payload)),
            _ => signed.strip_prefix(KID_HEADER_PREFIX_B64).and_then(|rest| {
                self.ring
                    .keys()
                    .find_map(|k| match rest.strip_prefix(k.header_tail().as_slice()) {
                        Some([b'.', payload @ ..]) => Some((Some(k), payload)),
                        _ => None,
                    })
            }),
        };
        let payload = match known {
            Some((named, payload)) => {
                if payload.is_empty() {
                    return Err(TokenError::Malformed);
                }
                let signed_by = match named {
                    Some(k) => k.mac_matches(signed, &sig),
                    None => self.signing_key(signed, &sig).is_some(),
                };
                if !signed_by {
                    return Err(TokenError::BadSignature);
                }
                // `typ` is `JWT`.
                if self
                    .validation
                    .typ
                    .is_some_and(|t| !t.eq_ignore_ascii_case("jwt"))
                {
                    return Err(TokenError::Type);
                }
                payload
            }
            None => {
                let d1 = signed
                    .iter()
                    .position(|&b| b == b'.')
                    .ok_or(TokenError::Malformed)?;
                let (header, rest) = signed.split_at(d1);
                let payload = &rest[1..];
                if header.is_empty() || payload.is_empty() {
                    return Err(TokenError::Malformed);
                }
                let key = self
                    .signing_key(signed, &sig)
                    .ok_or(TokenError::BadSignature)?;
                self.check_header(header, self.kid_bound.then_some(key.kid()))?;
                payload
            }
        };
        let n = b64::decode(payload, buf)
            .map_err(|e| match e {
                b64::B64Error::BufferTooSmall => TokenError::BufferTooSmall,
                _ => TokenError::Malformed,
            })?
            .len();
        let payload = buf.get(..n).ok_or(TokenError::BufferTooSmall)?;
        self.claims(payload, now)
    }

    /// [`verify`](Self::verify), returning owned claims.
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    #[cfg(feature = "alloc")]
    pub fn verify_owned(&self, token: &str, now: UnixTime) -> Result<OwnedClaims, TokenError> {
        let len = b64::decoded_len(token.len())
            .unwrap_or(token.len())
            .min(MAX_CLAIMS_LEN.max(token.len()));
        let mut buf = alloc::vec![0u8; len];
        let c = self.verify(token, now, &mut buf)?;
        Ok(OwnedClaims::from_claims(&c))
    }

    /// The first key of the ring, current first, whose MAC of `signed` is `sig`: at most one
    /// HMAC per key, each compared in constant time.
    #[inline]
    fn signing_key(&self, signed: &[u8], sig: &[u8; 32]) -> Option<&Hs256Key> {
        self.ring.keys().find(|k| k.mac_matches(signed, sig))
    }

    /// The rules for a header that is not one of the precomputed ones, after a MAC matched.
    /// `kid`, when given, is the id of the key that matched, which a `kid` member must equal.
    #[inline(never)]
    fn check_header(&self, seg: &[u8], kid: Option<&str>) -> Result<(), TokenError> {
        let mut buf = [0u8; MAX_HEADER_LEN];
        let n = b64::decode(seg, &mut buf)
            .map_err(|e| match e {
                b64::B64Error::BufferTooSmall => TokenError::UnsupportedHeader,
                _ => TokenError::Malformed,
            })?
            .len();
        let mut alg_ok = false;
        let mut kid_ok = true;
        let mut typ: Option<JsonStr<'_>> = None;
        parse_object(buf.get(..n).ok_or(TokenError::Malformed)?, |name, value| {
            if name == "alg" {
                alg_ok = value.as_str().is_some_and(|a| a == "HS256");
            } else if name == "crit" || name == "b64" || name == "enc" || name == "zip" {
                return Err(TokenError::UnsupportedHeader);
            } else if name == "cty" {
                let cty = value.as_str().ok_or(TokenError::UnsupportedHeader)?;
                if is_media_type(cty, "jwt") {
                    return Err(TokenError::UnsupportedHeader);
                }
            } else if name == "typ" {
                typ = Some(value.as_str().ok_or(TokenError::Type)?);
            } else if name == "kid" {
                // A `kid` must be a string (PyJWT refuses others too); checked against the key
                // that signed only when the verifier binds key ids.
                kid_ok = value.as_str().is_some_and(|v| kid.is_none_or(|k| v == k));
            }
            Ok(())
        })
        .map_err(object_err)?;
        // The token names another key than the one whose MAC matched (it is not signed by the
        // key it names), or its `kid` is not a string.
        if !kid_ok {
            return Err(TokenError::BadSignature);
        }
        if !alg_ok {
            return Err(TokenError::Algorithm);
        }
        if let Some(required) = self.validation.typ
            && !typ.is_some_and(|t| is_media_type(t, required))
        {
            return Err(TokenError::Type);
        }
        Ok(())
    }

    fn claims<'b>(&self, payload: &'b [u8], now: UnixTime) -> Result<Claims<'b>, TokenError> {
        let mut c = Registered::default();
        let json = parse_members(payload, &mut c).map_err(object_err)?;
        let Registered {
            sub,
            scope,
            exp,
            nbf,
            iat,
            iss,
            jti,
            aud,
        } = c;
        let v = &self.validation;
        let now = i128::from(now.0);
        let leeway = i128::from(v.leeway);
        match exp {
            Some(e) if !e.is_after(now - leeway) => return Err(TokenError::Expired),
            None if v.require_exp => return Err(TokenError::MissingExpiry),
            _ => {}
        }
        if nbf.is_some_and(|d| !d.is_at_or_before(now + leeway)) {
            return Err(TokenError::NotYetValid);
        }
        if iat.is_some_and(|d| !d.is_at_or_before(now + leeway)) {
            return Err(TokenError::IssuedInFuture);
        }
        if let Some(required) = v.issuer
            && !iss.is_some_and(|i| i == required)
        {
            return Err(TokenError::Issuer);
        }
        match (aud, v.audience) {
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => return Err(TokenError::Audience),
            (Some(a), Some(required)) => {
                let hit = match a.as_str() {
                    Some(s) => s == required,
                    None => {
                        let mut items = a.array_strings().ok_or(TokenError::MalformedClaim)?;
                        items.any(|s| s == required)
                    }
                };
                if !hit {
                    return Err(TokenError::Audience);
                }
            }
        }
        let sub = sub.ok_or(TokenError::Subject)?;
        if sub.is_empty() {
            return Err(TokenError::Subject);
        }
        Ok(Claims {
            sub,
            scope,
            exp,
            nbf,
            iat,
            iss,
            jti,
            json,
        })
    }
}

/// The registered claims found while scanning a claims set.
#[derive(Default)]
struct Registered<'b> {
    sub: Option<JsonStr<'b>>,
    scope: Option<ScopeClaim<'b>>,
    exp: Option<NumericDate>,
    nbf: Option<NumericDate>,
    iat: Option<NumericDate>,
    iss: Option<JsonStr<'b>>,
    jti: Option<JsonStr<'b>>,
    aud: Option<Value<'b>>,
}

impl<'b> Members<'b> for &mut Registered<'b> {
    type Error = TokenError;

    /// Records member `name` if it is a registered claim; a malformed one is an error.
    #[inline(always)]
    fn member(&mut self, name: JsonStr<'b>, value: Value<'b>) -> Result<(), TokenError> {
        match name.as_plain() {
            Some(plain) => self.take(plain, value),
            // Escaped member names are rare; compare them decoded.
            None => self.take_escaped(name, value),
        }
    }
}

impl<'b> Registered<'b> {
    #[inline(never)]
    fn take_escaped(&mut self, name: JsonStr<'_>, value: Value<'b>) -> Result<(), TokenError> {
        let mut buf = [0u8; 8];
        match name.decode_into(&mut buf) {
            Ok(plain) => self.take(plain, value),
            Err(_) => Ok(()),
        }
    }

    #[inline(always)]
    fn take(&mut self, name: &str, value: Value<'b>) -> Result<(), TokenError> {
        // Three-letter names compared as one integer: no per-candidate memcmp.
        const fn key(n: &[u8; 3]) -> u32 {
            u32::from_le_bytes([n[0], n[1], n[2], 0])
        }
        match name.as_bytes() {
            &[a, b, c] => match u32::from_le_bytes([a, b, c, 0]) {
                k if k == key(b"exp") => self.exp = Some(date(value)?),
                k if k == key(b"nbf") => self.nbf = Some(date(value)?),
                k if k == key(b"iat") => self.iat = Some(date(value)?),
                k if k == key(b"sub") => {
                    self.sub = Some(value.as_str().ok_or(TokenError::Subject)?)
                }
                k if k == key(b"iss") => {
                    self.iss = Some(value.as_str().ok_or(TokenError::MalformedClaim)?)
                }
                k if k == key(b"jti") => {
                    self.jti = Some(value.as_str().ok_or(TokenError::MalformedClaim)?)
                }
                k if k == key(b"aud") => self.aud = Some(value),
                _ => {}
            },
            b"scope" => {
                let s = value.as_str().ok_or(TokenError::Scope)?;
                self.scope = Some(ScopeClaim::parse(s).map_err(|_| TokenError::Scope)?);
            }
            _ => {}
        }
        Ok(())
    }
}

/// Why a token without a canonical 43-character signature after its last dot is refused, as
/// splitting it at its first and last dots decides: [`TokenError::Malformed`] unless that gives
/// three non-empty segments, else [`TokenError::BadSignature`] (the signature segment is then
/// not the canonical spelling of any 32 bytes). A dot elsewhere would fail base64url decoding.
#[cold]
fn misshapen(t: &[u8]) -> TokenError {
    match (
        t.iter().position(|&b| b == b'.'),
        t.iter().rposition(|&b| b == b'.'),
    ) {
        (Some(d1), Some(d2)) if d1 > 0 && d2 > d1 + 1 && d2 + 1 < t.len() => {
            TokenError::BadSignature
        }
        _ => TokenError::Malformed,
    }
}

fn date(v: Value<'_>) -> Result<NumericDate, TokenError> {
    v.as_numeric_date().ok_or(TokenError::MalformedClaim)
}

fn object_err(e: ObjectError<TokenError>) -> TokenError {
    match e {
        ObjectError::Json(_) => TokenError::Json,
        ObjectError::Member(e) => e,
    }
}

/// `typ`/`cty` comparison: case-insensitive, `application/` prefix optional (RFC 7515 §4.1.9).
fn is_media_type(value: JsonStr<'_>, expected: &str) -> bool {
    let mut buf = [0u8; 128];
    let Ok(v) = value.decode_into(&mut buf) else {
        return false;
    };
    let v = v.as_bytes();
    let v = match v.split_at_checked(12) {
        Some((prefix, rest)) if prefix.eq_ignore_ascii_case(b"application/") => rest,
        _ => v,
    };
    v.eq_ignore_ascii_case(expected.as_bytes())
}

/// Owned copy of a verified token's registered claims.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedClaims {
    /// The subject, decoded.
    pub sub: alloc::string::String,
    /// The `scope` claim, decoded; `None` when absent.
    pub scope: Option<alloc::string::String>,
    /// `exp`.
    pub exp: Option<NumericDate>,
    /// `nbf`.
    pub nbf: Option<NumericDate>,
    /// `iat`.
    pub iat: Option<NumericDate>,
    /// `iss`, decoded.
    pub iss: Option<alloc::string::String>,
    /// `jti`, decoded.
    pub jti: Option<alloc::string::String>,
    /// The whole claims set as strict JSON.
    pub json: alloc::string::String,
}

#[cfg(feature = "alloc")]
impl OwnedClaims {
    fn from_claims(c: &Claims<'_>) -> Self {
        Self {
            sub: c.sub.to_string_decoded(),
            scope: c.scope.map(|s| s.as_json_str().to_string_decoded()),
            exp: c.exp,
            nbf: c.nbf,
            iat: c.iat,
            iss: c.iss.map(|s| s.to_string_decoded()),
            jti: c.jti.map(|s| s.to_string_decoded()),
            json: alloc::string::String::from(c.json),
        }
    }

    /// The granted scopes. A verified `scope` claim always parses.
    #[must_use]
    pub fn scope(&self) -> crate::scope::Scope<'_> {
        self.scope
            .as_deref()
            .and_then(|s| crate::scope::Scope::parse(s).ok())
            .unwrap_or_default()
    }

    /// Deserializes the claims into the application's own type.
    ///
    /// # Errors
    /// [`TokenError::MalformedClaim`] when the claims do not fit `T`.
    pub fn deserialize<'de, T: serde::Deserialize<'de>>(
        &'de self,
        scratch: &mut [u8],
    ) -> Result<T, TokenError> {
        serde_json_core::from_slice_escaped(self.json.as_bytes(), scratch)
            .map(|(v, _)| v)
            .map_err(|_| TokenError::MalformedClaim)
    }
}
