//! A strict RFC 8259 scanner for JWT headers and claims sets, without allocation.
//!
//! It validates a whole document (strict UTF-8, no BOM, no comments or trailing data, bounded
//! nesting, no duplicate member names in any object, compared after decoding escapes) and then
//! lets the caller walk the members of the top-level object. Strings are handed out as
//! [`JsonStr`], which never exposes raw escaped text: it decodes as it is read.
//!
//! Why by hand rather than a crate: Tessera refuses documents a general JSON parser accepts —
//! a member name repeated in any object (also names no claim field reads), escapes that decode
//! to lone surrogates, nesting past [`MAX_DEPTH`] — and the verify hot path runs in `no_std`
//! without allocation. serde-json-core is used only after this scanner has accepted a document,
//! to fill a caller's own claims type.
//!
//! `scan` validates documents; `string` holds [`JsonStr`], the decoded view of strings.

mod scan;
mod string;
#[cfg(test)]
#[allow(clippy::std_instead_of_alloc)]
mod tests;

use self::scan::{Scanner, scan_number, scan_string, skip_ws, sub_str};
pub use self::string::{Chars, JsonStr};

use crate::time::{MAX_NUMERIC_DATE, NumericDate};

/// Deepest accepted nesting of arrays and objects (the top-level object is depth 1).
pub const MAX_DEPTH: usize = 32;
/// Longest accepted number literal, in bytes.
pub(crate) const MAX_NUMBER_LEN: usize = 64;

/// Why a JSON document was refused. Details stay server-side; clients see one `invalid_token`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum JsonError {
    /// Not UTF-8, or a byte-order mark.
    Encoding,
    /// Not RFC 8259 JSON, or not an object at the top level.
    Syntax,
    /// An object names the same member twice.
    Duplicate,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

/// Why [`parse_object`] stopped: the JSON was refused, or the member callback refused a member.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum ObjectError<E> {
    /// The document is not strict JSON, or not an object.
    Json(JsonError),
    /// The callback's error.
    Member(E),
}

/// Top-level member names remembered (as tags) for the duplicate check; objects with more
/// members fall back to rescanning (only after the MAC has been verified, and bounded by the
/// size cap).
const REMEMBERED_NAMES: usize = 16;

/// Validates `bytes` strictly as one JSON object, in a single pass, calling `member` with each
/// top-level member in order. Returns the document text.
///
/// The checks: UTF-8 (so no BOM, no UTF-16), RFC 8259 syntax with no comments or trailing data,
/// no raw control characters or lone surrogates in strings, nesting at most [`MAX_DEPTH`], number
/// literals at most 64 bytes, and no object anywhere naming a member twice (compared decoded).
pub(crate) fn parse_object<'a, E>(
    bytes: &'a [u8],
    member: impl FnMut(JsonStr<'a>, Value<'a>) -> Result<(), E>,
) -> Result<&'a str, ObjectError<E>> {
    parse_members(bytes, FnMembers(member))
}

/// [`parse_object`], handing the members to a [`Members`].
#[inline]
pub(crate) fn parse_members<'a, M: Members<'a>>(
    bytes: &'a [u8],
    mut members: M,
) -> Result<&'a str, ObjectError<M::Error>> {
    let text = core::str::from_utf8(bytes).map_err(|_| ObjectError::Json(JsonError::Encoding))?;
    // The cursor stays in a local here; only nested values go through a `Scanner`.
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        let e = if text.starts_with('\u{feff}') {
            JsonError::Encoding
        } else {
            JsonError::Syntax
        };
        return Err(ObjectError::Json(e));
    }
    i += 1;
    let body = i;
    // Tags of the plain names seen so far: equal names have equal tags, so a name whose tag is
    // new is not a duplicate, and only a tag match (or an escaped name) costs an exact rescan.
    let mut tags = [0u64; REMEMBERED_NAMES];
    let mut count = 0;
    let mut any_escaped = false;
    i = skip_ws(b, i);
    if b.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            i = skip_ws(b, i);
            let name_at = i;
            let (name, next) = scan_string(text, i).map_err(ObjectError::Json)?;
            let exact = name.escaped || any_escaped || count >= REMEMBERED_NAMES || {
                let tag = plain_tag(name.raw.as_bytes());
                let seen = tags[..count].contains(&tag);
                tags[count] = tag;
                seen
            };
            if exact && Scanner::new(text, body).seen_before(body, name_at, name) {
                return Err(ObjectError::Json(JsonError::Duplicate));
            }
            any_escaped |= name.escaped;
            count += 1;
            i = skip_ws(b, next);
            if b.get(i) != Some(&b':') {
                return Err(ObjectError::Json(JsonError::Syntax));
            }
            i = skip_ws(b, i + 1);
            let start = i;
            let kind = match b.get(i) {
                Some(b'"') => {
                    let (s, next) = scan_string(text, i).map_err(ObjectError::Json)?;
                    i = next;
                    Kind::Str(s)
                }
                Some(b'-' | b'0'..=b'9') => {
                    let (k, next) = scan_number(b, i).map_err(ObjectError::Json)?;
                    i = next;
                    k
                }
                _ => {
                    let mut s = Scanner::new(text, i);
                    let v = s.value(2).map_err(ObjectError::Json)?;
                    i = s.i;
                    v.kind
                }
            };
            let raw = sub_str(text, start, i).ok_or(ObjectError::Json(JsonError::Syntax))?;
            members
                .member(name, Value { raw, kind })
                .map_err(ObjectError::Member)?;
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => i += 1,
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => return Err(ObjectError::Json(JsonError::Syntax)),
            }
        }
    }
    if skip_ws(b, i) != b.len() {
        return Err(ObjectError::Json(JsonError::Syntax));
    }
    Ok(text)
}

/// What [`parse_members`] hands each top-level member to: a type whose (inlined) method does the
/// work, or a closure given to [`parse_object`].
pub(crate) trait Members<'a> {
    /// Refuses the document.
    type Error;
    /// One member, in document order.
    fn member(&mut self, name: JsonStr<'a>, value: Value<'a>) -> Result<(), Self::Error>;
}

/// A closure as [`Members`].
struct FnMembers<F>(F);

impl<'a, E, F: FnMut(JsonStr<'a>, Value<'a>) -> Result<(), E>> Members<'a> for FnMembers<F> {
    type Error = E;

    #[inline(always)]
    fn member(&mut self, name: JsonStr<'a>, value: Value<'a>) -> Result<(), E> {
        (self.0)(name, value)
    }
}

/// A summary of an unescaped name (its length, first, middle and last bytes): equal names have
/// equal tags.
#[inline]
fn plain_tag(b: &[u8]) -> u64 {
    match (b.first(), b.get(b.len() / 2), b.last()) {
        (Some(&first), Some(&mid), Some(&last)) => {
            (b.len() as u64)
                | (u64::from(first) << 40)
                | (u64::from(mid) << 48)
                | (u64::from(last) << 56)
        }
        _ => 0,
    }
}

/// One validated JSON value, as its source text.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Value<'a> {
    pub(super) raw: &'a str,
    pub(super) kind: Kind<'a>,
}

/// What the scanner learnt about a value while validating it.
#[derive(Copy, Clone, Debug)]
pub(super) enum Kind<'a> {
    /// A string, with its body.
    Str(JsonStr<'a>),
    /// An integer literal of at most 16 digits (no fraction, no exponent), with its value.
    Int(i64),
    /// Any other number.
    Number,
    /// An object, array or literal.
    Other,
}

impl<'a> Value<'a> {
    /// The value as a string, if it is one.
    #[inline]
    pub(crate) fn as_str(&self) -> Option<JsonStr<'a>> {
        match self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The string elements of an array value; `None` if it is not an array of strings.
    pub(crate) fn array_strings(&self) -> Option<impl Iterator<Item = JsonStr<'a>>> {
        if !self.raw.starts_with('[') {
            return None;
        }
        let mut s = Scanner {
            s: self.raw,
            b: self.raw.as_bytes(),
            i: 1,
        };
        loop {
            s.ws();
            match s.peek() {
                Some(b'"') => {
                    s.string().ok()?;
                }
                Some(b']') => break,
                Some(b',') => s.i += 1,
                _ => return None,
            }
        }
        let mut it = Scanner {
            s: self.raw,
            b: self.raw.as_bytes(),
            i: 1,
        };
        Some(core::iter::from_fn(move || {
            it.ws();
            if it.peek() == Some(b',') {
                it.i += 1;
                it.ws();
            }
            if it.peek() != Some(b'"') {
                return None;
            }
            it.string().ok()
        }))
    }

    /// The value as a NumericDate: a finite number with magnitude at most 2^53.
    #[inline]
    pub(crate) fn as_numeric_date(&self) -> Option<NumericDate> {
        match self.kind {
            Kind::Int(v) if v.unsigned_abs() <= MAX_NUMERIC_DATE.unsigned_abs() => {
                Some(NumericDate::new(v, false))
            }
            Kind::Number => parse_numeric_date(self.raw.as_bytes()),
            _ => None,
        }
    }
}

/// Exact NumericDate from a validated number literal; `None` for anything else or out of range.
fn parse_numeric_date(raw: &[u8]) -> Option<NumericDate> {
    let (neg, rest) = match raw.split_first()? {
        (b'-', r) => (true, r),
        (b'0'..=b'9', _) => (false, raw),
        _ => return None,
    };
    // Fast path: a plain integer of at most 16 digits.
    if rest.len() <= 16 && rest.iter().all(u8::is_ascii_digit) {
        let v = rest
            .iter()
            .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
        if v > MAX_NUMERIC_DATE {
            return None;
        }
        return Some(NumericDate::new(if neg { -v } else { v }, false));
    }
    // General case: value = mant * 10^scale, with at most 19 significant digits kept (they fit
    // a u64); further digits only matter as a non-zero fraction or as scale.
    let mut mant: u64 = 0;
    let mut sig = 0u32;
    let mut scale: i64 = 0;
    let mut dropped_nonzero = false;
    let mut in_frac = false;
    let mut i = 0;
    while let Some(&c) = rest.get(i) {
        match c {
            b'0'..=b'9' => {
                let d = u64::from(c - b'0');
                if mant == 0 && d == 0 {
                    scale -= i64::from(in_frac);
                } else if sig < 19 {
                    mant = mant * 10 + d;
                    sig += 1;
                    scale -= i64::from(in_frac);
                } else {
                    dropped_nonzero |= d != 0;
                    scale += i64::from(!in_frac);
                }
            }
            b'.' => in_frac = true,
            b'e' | b'E' => break,
            _ => return None,
        }
        i += 1;
    }
    if let Some(exp_text) = rest.get(i + 1..) {
        let (eneg, digits) = match exp_text.split_first()? {
            (b'-', d) => (true, d),
            (b'+', d) => (false, d),
            _ => (false, exp_text),
        };
        let e = digits.iter().fold(0i64, |acc, d| {
            acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
        });
        scale = scale.saturating_add(if eneg { -e } else { e });
    }
    let (int, frac) = if mant == 0 {
        (0u64, dropped_nonzero)
    } else if scale >= 0 {
        let p = 10u64.checked_pow(u32::try_from(scale).ok()?)?;
        (mant.checked_mul(p)?, dropped_nonzero)
    } else if scale < -19 {
        (0, true)
    } else {
        let p = 10u64.pow(u32::try_from(-scale).ok()?);
        (mant / p, !mant.is_multiple_of(p) || dropped_nonzero)
    };
    let limit = MAX_NUMERIC_DATE.unsigned_abs();
    if int > limit || (int == limit && frac) {
        return None;
    }
    let int = i64::try_from(int).ok()?;
    Some(match (neg, frac) {
        (true, true) => NumericDate::new(-int - 1, true),
        (true, false) => NumericDate::new(-int, false),
        (false, f) => NumericDate::new(int, f),
    })
}
