//! The `Authorization: Bearer` request header (RFC 6750 §2.1), with the tolerance rules of the
//! FastAPI tutorial apps.
//!
//! The scheme is compared case-insensitively with `bearer`. The field value's surrounding
//! spaces and tabs are not part of it (RFC 9110 §5.5); after the scheme comes one space, and
//! further spaces before the token are tolerated. A value with no space after the scheme (for
//! example `Bearertoken` or `Bearer<TAB>token`) or another scheme is "no credentials".
//! `Bearer` with nothing after it yields the empty token, which no verifier accepts.

use core::fmt;

/// Why no bearer token could be taken from a request.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BearerError {
    /// No `Authorization` header, an empty one, or another scheme: 401 with a bare challenge.
    Missing,
    /// More than one `Authorization` header (RFC 6750 §3.1 `invalid_request`).
    Multiple,
    /// The credentials are not valid UTF-8; treated as an invalid token.
    Undecodable,
}

impl fmt::Display for BearerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Missing => "no bearer credentials",
            Self::Multiple => "more than one Authorization header",
            Self::Undecodable => "bearer credentials are not UTF-8",
        })
    }
}

impl core::error::Error for BearerError {}

/// What to do with several `Authorization` headers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Duplicates {
    /// Refuse the request (RFC 6750 §3.1).
    Reject,
    /// Use the first header, as Starlette does.
    First,
}

fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// Takes the bearer token from one `Authorization` field value.
///
/// # Errors
/// [`BearerError::Missing`] when the value carries no bearer credentials;
/// [`BearerError::Undecodable`] when the token part is not UTF-8.
///
/// # Examples
/// ```
/// use tessera_core::bearer::{parse, BearerError};
/// assert_eq!(parse(b"bEaReR   abc.def.ghi "), Ok("abc.def.ghi"));
/// assert_eq!(parse(b"Bearer"), Ok(""));
/// assert_eq!(parse(b"Bearer a b"), Ok("a b"));
/// assert_eq!(parse(b"Basic Og=="), Err(BearerError::Missing));
/// assert_eq!(parse(b"Bearer\tabc"), Err(BearerError::Missing));
/// ```
pub fn parse(value: &[u8]) -> Result<&str, BearerError> {
    let v = trim_ows(value);
    let (scheme, rest) = match v.iter().position(|&b| b == b' ') {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, &[][..]),
    };
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return Err(BearerError::Missing);
    }
    core::str::from_utf8(trim_ows(rest)).map_err(|_| BearerError::Undecodable)
}

/// Takes the bearer token from all of a request's `Authorization` field values.
///
/// # Errors
/// [`BearerError::Missing`] with no header; [`BearerError::Multiple`] with several under
/// [`Duplicates::Reject`]; otherwise as [`parse`].
pub fn extract<'a, I>(values: I, duplicates: Duplicates) -> Result<&'a str, BearerError>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let mut it = values.into_iter();
    let first = it.next().ok_or(BearerError::Missing)?;
    if duplicates == Duplicates::Reject && it.next().is_some() {
        return Err(BearerError::Multiple);
    }
    parse(first)
}
