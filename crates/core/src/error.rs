//! Error types: small `Copy` enums with fixed messages and no payload, so they can never carry
//! token, key or password bytes into a log line.

use core::fmt;

/// Why a bearer token was not accepted.
///
/// Every variant answers the client the same way (`401`, `invalid_token`); the variant is for
/// server-side logs only (RFC 6750 §3.1, "verification errors are opaque").
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenError {
    /// Longer than the verifier's size cap.
    TooLong,
    /// Not three non-empty base64url segments, or not canonical unpadded base64url.
    Malformed,
    /// The signature does not match this key.
    BadSignature,
    /// The header's `alg` is not exactly `HS256` (or is missing or not a string).
    Algorithm,
    /// The header asks for something unsupported: `crit`, `b64`, `enc`, `zip`, or a nested
    /// (`cty: JWT`) token.
    UnsupportedHeader,
    /// The header's `typ` is not a string, or not the type this verifier requires.
    Type,
    /// The header or claims are not a strict UTF-8 JSON object (duplicate names, comments,
    /// trailing data, lone surrogates, nesting deeper than 32, …).
    Json,
    /// A registered claim is present but malformed (`exp` as a string, `jti` as a number, …).
    MalformedClaim,
    /// No `exp` claim, and this verifier requires one.
    MissingExpiry,
    /// `exp` has passed (after leeway).
    Expired,
    /// `nbf` is in the future (after leeway).
    NotYetValid,
    /// `iat` is in the future (after leeway).
    IssuedInFuture,
    /// `iss` is missing or differs from the configured issuer.
    Issuer,
    /// `aud` is present with no audience configured, or does not name the configured audience.
    Audience,
    /// `sub` is missing, not a string, or empty.
    Subject,
    /// The `scope` claim is not a string of scope tokens separated by single spaces.
    Scope,
    /// The caller's buffer is too small for the decoded claims.
    BufferTooSmall,
}

impl TokenError {
    /// A fixed description, safe to log.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TooLong => "token longer than the size cap",
            Self::Malformed => "token is not three canonical base64url segments",
            Self::BadSignature => "signature mismatch",
            Self::Algorithm => "alg is not HS256",
            Self::UnsupportedHeader => {
                "unsupported header parameter (crit, b64, enc, zip or nested token)"
            }
            Self::Type => "typ is not an accepted type",
            Self::Json => "header or claims are not a strict JSON object",
            Self::MalformedClaim => "malformed registered claim",
            Self::MissingExpiry => "exp claim missing",
            Self::Expired => "token expired",
            Self::NotYetValid => "token not yet valid (nbf)",
            Self::IssuedInFuture => "token issued in the future (iat)",
            Self::Issuer => "issuer mismatch",
            Self::Audience => "audience mismatch",
            Self::Subject => "sub missing, not a string, or empty",
            Self::Scope => "malformed scope claim",
            Self::BufferTooSmall => "claims buffer too small",
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for TokenError {}

/// Why a key was refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// No key bytes at all.
    Empty,
    /// Fewer than [`MIN_KEY_LEN`](crate::MIN_KEY_LEN) bytes (RFC 7518 §3.2).
    TooShort,
    /// No randomness could be had for a new key.
    Unavailable,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "the HS256 key is empty",
            Self::TooShort => "the HS256 key is shorter than 32 bytes (RFC 7518 section 3.2)",
            Self::Unavailable => "no operating-system randomness for a new key",
        })
    }
}

impl core::error::Error for KeyError {}

/// Why a token could not be encoded.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small.
    BufferTooSmall,
    /// The claims did not serialize to JSON (or not to an object).
    Claims,
    /// The `typ` header value has characters that need escaping, or is empty.
    InvalidType,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BufferTooSmall => "output buffer too small for the token",
            Self::Claims => "claims did not serialize to a JSON object",
            Self::InvalidType => {
                "typ must be non-empty printable ASCII without quotes or backslashes"
            }
        })
    }
}

impl core::error::Error for EncodeError {}
