//! A strict RFC 8259 scanner for JWT headers and claims sets, without allocation.
//!
//! It validates a whole document (strict UTF-8, no BOM, no comments or trailing data, bounded
//! nesting, no duplicate member names in any object, compared after decoding escapes) and then
//! lets the caller walk the members of the top-level object. Strings are handed out as
//! [`JsonStr`], which never exposes raw escaped text: it decodes as it is read.

use core::fmt;

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

/// `s[start..end]`, or `None` off the bounds or off character boundaries (`str::get` split in
/// two halves, which the optimiser inlines on this hot path).
#[inline(always)]
fn sub_str(s: &str, start: usize, end: usize) -> Option<&str> {
    s.get(..end)?.get(start..)
}

/// The index of the first non-whitespace byte at or after `i`.
#[inline(always)]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// Validates the string whose opening quote is at `i`; returns its body and the index after
/// its closing quote.
#[inline(always)]
fn scan_string(s: &str, i: usize) -> Result<(JsonStr<'_>, usize), JsonError> {
    let b = s.as_bytes();
    if b.get(i) != Some(&b'"') {
        return Err(JsonError::Syntax);
    }
    let start = i + 1;
    let mut j = start;
    let mut escaped = false;
    loop {
        let c = *b.get(j).ok_or(JsonError::Syntax)?;
        if PLAIN[usize::from(c)] {
            j += 1;
        } else if c == b'"' {
            break;
        } else if c == b'\\' {
            escaped = true;
            j += escape_len(b, j)?;
        } else {
            return Err(JsonError::Syntax);
        }
    }
    let raw = sub_str(s, start, j).ok_or(JsonError::Syntax)?;
    Ok((JsonStr { raw, escaped }, j + 1))
}

/// The length of the escape sequence at `at`; refuses unknown escapes and lone surrogates.
#[inline(never)]
fn escape_len(b: &[u8], at: usize) -> Result<usize, JsonError> {
    let rest = b.get(at..).ok_or(JsonError::Syntax)?;
    match rest.get(1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(2),
        Some(b'u') => decode_escape(rest)
            .map(|(_, used)| used)
            .ok_or(JsonError::Syntax),
        _ => Err(JsonError::Syntax),
    }
}

/// Whether the eight bytes of `x` are all ASCII digits.
#[inline(always)]
const fn eight_digits(x: u64) -> bool {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    // Each byte is 0x30..=0x3F, and adding 6 (which cannot carry out of such a byte) leaves it
    // there only for 0x30..=0x39.
    x & HIGH == ZEROS && (x + 0x0606_0606_0606_0606) & HIGH == ZEROS
}

/// The value of eight ASCII digits read little-endian (the first digit in the low byte).
#[inline(always)]
const fn eight_digits_value(x: u64) -> u64 {
    let x = x - 0x3030_3030_3030_3030;
    // Pairs, then quadruples, then the whole: each step merges neighbouring lanes.
    let x = (x * 10 + (x >> 8)) & 0x00FF_00FF_00FF_00FF;
    let x = (x * 100 + (x >> 16)) & 0x0000_FFFF_0000_FFFF;
    (x * 10_000 + (x >> 32)) & 0xFFFF_FFFF
}

/// The index after the digits starting at `i`.
#[inline(always)]
fn skip_digits(b: &[u8], mut i: usize) -> usize {
    while let Some(b'0'..=b'9') = b.get(i) {
        i += 1;
    }
    i
}

/// Validates the number starting at `i`; returns what it is (with the value of a plain integer
/// of at most 16 digits) and the index after it.
#[inline(always)]
fn scan_number<'a>(b: &[u8], start: usize) -> Result<(Kind<'a>, usize), JsonError> {
    let neg = b.get(start) == Some(&b'-');
    let int_start = start + usize::from(neg);
    let mut i = int_start;
    let mut v: u64 = 0;
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            // Eight digits per step while they last. The value wraps past 19 digits; it is only
            // used for at most 16.
            while let Some(&w) = b.get(i..i + 8).and_then(|w| <&[u8; 8]>::try_from(w).ok())
                && eight_digits(u64::from_le_bytes(w))
            {
                v = v
                    .wrapping_mul(100_000_000)
                    .wrapping_add(eight_digits_value(u64::from_le_bytes(w)));
                i += 8;
            }
            while let Some(&d @ b'0'..=b'9') = b.get(i) {
                v = v.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                i += 1;
            }
        }
        _ => return Err(JsonError::Syntax),
    }
    let int_digits = i - int_start;
    let mut plain = true;
    if b.get(i) == Some(&b'.') {
        plain = false;
        let j = skip_digits(b, i + 1);
        if j == i + 1 {
            return Err(JsonError::Syntax);
        }
        i = j;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        plain = false;
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        let j = skip_digits(b, i);
        if j == i {
            return Err(JsonError::Syntax);
        }
        i = j;
    }
    if i - start > MAX_NUMBER_LEN {
        return Err(JsonError::Syntax);
    }
    let kind = match i64::try_from(v) {
        Ok(v) if plain && int_digits <= 16 => Kind::Int(if neg { -v } else { v }),
        _ => Kind::Number,
    };
    Ok((kind, i))
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
    raw: &'a str,
    kind: Kind<'a>,
}

/// What the scanner learnt about a value while validating it.
#[derive(Copy, Clone, Debug)]
enum Kind<'a> {
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

/// A JSON string value or member name, decoded on demand.
///
/// Holds the text between the quotes exactly as received, but offers only decoded views:
/// comparisons, [`chars`](Self::chars), [`decode_into`](Self::decode_into) and, when the text
/// contains no escapes at all, [`as_plain`](Self::as_plain). Raw escaped text never leaves it.
#[derive(Copy, Clone)]
pub struct JsonStr<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> JsonStr<'a> {
    /// Text between quotes, already validated as a JSON string body.
    fn from_validated(raw: &'a str) -> Self {
        Self {
            raw,
            escaped: raw.as_bytes().contains(&b'\\'),
        }
    }

    /// The string itself when it contains no escape sequences, borrowed with no copy.
    #[must_use]
    pub fn as_plain(&self) -> Option<&'a str> {
        (!self.escaped).then_some(self.raw)
    }

    /// The decoded characters.
    pub fn chars(&self) -> Chars<'a> {
        Chars {
            s: self.raw.as_bytes(),
            i: 0,
            inner: self.raw.chars(),
        }
    }

    /// Whether the decoded string is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The length of the decoded string in UTF-8 bytes.
    #[must_use]
    pub fn decoded_len(&self) -> usize {
        if self.escaped {
            self.chars().map(char::len_utf8).sum()
        } else {
            self.raw.len()
        }
    }

    /// Decodes into `buf` and returns the decoded text.
    ///
    /// # Errors
    /// Returns `Err(needed)` with the required length when `buf` is too small.
    pub fn decode_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, usize> {
        let needed = self.decoded_len();
        let out = buf.get_mut(..needed).ok_or(needed)?;
        let mut o = 0;
        for c in self.chars() {
            o += c.encode_utf8(&mut out[o..]).len();
        }
        core::str::from_utf8(out).map_err(|_| needed)
    }

    /// Splits on a decoded ASCII separator, yielding decoded pieces as `JsonStr`s.
    pub(crate) fn split_ascii(&self, sep: u8) -> SplitAscii<'a> {
        debug_assert!(sep.is_ascii());
        SplitAscii {
            s: self.raw,
            pos: 0,
            sep,
            done: false,
        }
    }

    /// The decoded string as an owned `String`.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn to_string_decoded(&self) -> alloc::string::String {
        self.chars().collect()
    }
}

impl PartialEq<str> for JsonStr<'_> {
    fn eq(&self, other: &str) -> bool {
        match self.as_plain() {
            Some(s) => s == other,
            None => self.chars().eq(other.chars()),
        }
    }
}

impl PartialEq<&str> for JsonStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq for JsonStr<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self.as_plain(), other.as_plain()) {
            (Some(a), Some(b)) => a == b,
            _ => self.chars().eq(other.chars()),
        }
    }
}

impl fmt::Debug for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.chars() {
            fmt::Display::fmt(&c.escape_debug(), f)?;
        }
        f.write_str("\"")
    }
}

impl fmt::Display for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_plain() {
            Some(s) => f.write_str(s),
            None => self.chars().try_for_each(|c| fmt::Write::write_char(f, c)),
        }
    }
}

/// Decoded characters of a [`JsonStr`].
#[derive(Debug, Clone)]
pub struct Chars<'a> {
    s: &'a [u8],
    i: usize,
    inner: core::str::Chars<'a>,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let b = *self.s.get(self.i)?;
        if b != b'\\' {
            let c = self.inner.next()?;
            self.i += c.len_utf8();
            return Some(c);
        }
        let (c, used) = decode_escape(&self.s[self.i..])?;
        self.i += used;
        for _ in 0..used {
            self.inner.next();
        }
        Some(c)
    }
}

/// Pieces of a [`JsonStr`] between decoded occurrences of an ASCII separator.
#[derive(Debug, Clone)]
pub(crate) struct SplitAscii<'a> {
    s: &'a str,
    pos: usize,
    sep: u8,
    done: bool,
}

impl<'a> Iterator for SplitAscii<'a> {
    type Item = JsonStr<'a>;

    fn next(&mut self) -> Option<JsonStr<'a>> {
        if self.done {
            return None;
        }
        let b = self.s.as_bytes();
        let start = self.pos;
        let mut i = start;
        while i < b.len() {
            if b[i] == self.sep {
                self.pos = i + 1;
                return self.s.get(start..i).map(JsonStr::from_validated);
            }
            if b[i] == b'\\' {
                let (c, used) = decode_escape(&b[i..])?;
                if c == char::from(self.sep) {
                    self.pos = i + used;
                    return self.s.get(start..i).map(JsonStr::from_validated);
                }
                i += used;
            } else {
                i += 1;
            }
        }
        self.done = true;
        self.s.get(start..).map(JsonStr::from_validated)
    }
}

fn hex4(s: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &h in s.get(..4)? {
        let d = char::from(h).to_digit(16)?;
        v = (v << 4) | d;
    }
    Some(v)
}

/// Decodes one escape sequence at the start of `s` (which begins with `\`).
/// Returns the character and the number of source bytes used. Validated input only.
fn decode_escape(s: &[u8]) -> Option<(char, usize)> {
    let c = match *s.get(1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hi = hex4(s.get(2..)?)?;
            if (0xD800..0xDC00).contains(&hi) {
                if s.get(6..8)? != b"\\u" {
                    return None;
                }
                let lo = hex4(s.get(8..)?)?;
                if !(0xDC00..0xE000).contains(&lo) {
                    return None;
                }
                let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Some((char::from_u32(cp)?, 12));
            }
            return Some((char::from_u32(hi)?, 6));
        }
        _ => return None,
    };
    Some((c, 2))
}

struct Scanner<'a> {
    /// The document (valid UTF-8).
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    const fn new(s: &'a str, i: usize) -> Self {
        Self {
            s,
            b: s.as_bytes(),
            i,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), JsonError> {
        if self.peek() == Some(b) {
            self.i += 1;
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    /// One value at `depth` (the top-level object is depth 1). Recursion is bounded by
    /// [`MAX_DEPTH`]; the frames are kept small by leaving the rare paths out of line.
    fn value(&mut self, depth: usize) -> Result<Value<'a>, JsonError> {
        let start = self.i;
        let kind = match self.peek().ok_or(JsonError::Syntax)? {
            b'{' => {
                self.object(depth)?;
                Kind::Other
            }
            b'[' => {
                self.array(depth)?;
                Kind::Other
            }
            b'"' => Kind::Str(self.string()?),
            b't' => self.literal("true").map(|()| Kind::Other)?,
            b'f' => self.literal("false").map(|()| Kind::Other)?,
            b'n' => self.literal("null").map(|()| Kind::Other)?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return Err(JsonError::Syntax),
        };
        let raw = self.s.get(start..self.i).ok_or(JsonError::Syntax)?;
        Ok(Value { raw, kind })
    }

    fn literal(&mut self, lit: &str) -> Result<(), JsonError> {
        if self
            .b
            .get(self.i..)
            .is_some_and(|r| r.starts_with(lit.as_bytes()))
        {
            self.i += lit.len();
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    #[inline(never)]
    fn object(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.i += 1;
        let body = self.i;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws();
            let name_at = self.i;
            let name = self.string()?;
            if self.seen_before(body, name_at, name) {
                return Err(JsonError::Duplicate);
            }
            self.ws();
            self.expect(b':')?;
            self.ws();
            self.value(depth + 1)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(JsonError::Syntax),
            }
        }
    }

    /// Whether a member before `name_at` in the object whose body starts at `body` has `name`.
    /// Rescans the already-validated members: quadratic in the member count, bounded by the
    /// token size cap, and only ever reached after the MAC has been verified.
    #[inline(never)]
    fn seen_before(&self, body: usize, name_at: usize, name: JsonStr<'_>) -> bool {
        let mut s = Scanner {
            s: self.s,
            b: self.b,
            i: body,
        };
        loop {
            s.ws();
            if s.peek() == Some(b',') {
                s.i += 1;
                s.ws();
            }
            if s.i >= name_at {
                return false;
            }
            let Ok(prev) = s.string() else { return false };
            if prev == name {
                return true;
            }
            s.ws();
            s.i += 1; // ':'
            s.ws();
            if s.skip_value().is_err() {
                return false;
            }
        }
    }

    /// Skips one already-validated value without recursion.
    fn skip_value(&mut self) -> Result<(), JsonError> {
        let mut level = 0usize;
        loop {
            self.ws();
            match self.peek().ok_or(JsonError::Syntax)? {
                b'"' => {
                    self.string()?;
                }
                b'{' | b'[' => {
                    level += 1;
                    self.i += 1;
                    continue;
                }
                b'}' | b']' => {
                    level = level.checked_sub(1).ok_or(JsonError::Syntax)?;
                    self.i += 1;
                }
                b',' | b':' => {
                    self.i += 1;
                    continue;
                }
                _ => {
                    while let Some(c) = self.peek() {
                        if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                            break;
                        }
                        self.i += 1;
                    }
                }
            }
            if level == 0 {
                return Ok(());
            }
        }
    }

    #[inline(never)]
    fn array(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.i += 1;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws();
            self.value(depth + 1)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(JsonError::Syntax),
            }
        }
    }

    /// Validates a string at the cursor (on its opening quote) and returns its body.
    fn string(&mut self) -> Result<JsonStr<'a>, JsonError> {
        let (s, next) = scan_string(self.s, self.i)?;
        self.i = next;
        Ok(s)
    }

    fn number(&mut self) -> Result<Kind<'a>, JsonError> {
        let (k, next) = scan_number(self.b, self.i)?;
        self.i = next;
        Ok(k)
    }
}

/// Bytes that may stand for themselves in a JSON string: all but `"`, `\` and controls.
const PLAIN: [bool; 256] = {
    let mut t = [true; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = false;
        c += 1;
    }
    t[b'"' as usize] = false;
    t[b'\\' as usize] = false;
    t
};

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

#[cfg(test)]
#[allow(clippy::std_instead_of_alloc)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Result<&str, JsonError> {
        parse_object(s, |_, _| Ok::<(), ()>(())).map_err(|e| match e {
            ObjectError::Json(j) => j,
            ObjectError::Member(()) => JsonError::Syntax,
        })
    }

    fn ok(s: &str) -> bool {
        parse(s.as_bytes()).is_ok()
    }

    #[test]
    fn strictness() {
        assert!(ok(r#"{"a":1,"b":[true,false,null,"x",{"c":-0.5e+3}]} "#));
        assert!(ok(" {}\n"));
        for bad in [
            "[]",
            r#""x""#,
            "{",
            r#"{"a":1,}"#,
            r#"{"a":1}x"#,
            r#"{'a':1}"#,
            "{a:1}",
            r#"{"a":01}"#,
            r#"{"a":+1}"#,
            r#"{"a":NaN}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\udc00\ud800"}"#,
            "{\"a\":\"\u{1}\"}",
            "/*c*/{}",
            "{}//",
            "\u{feff}{}",
        ] {
            assert!(!ok(bad), "{bad}");
        }
        assert!(parse(b"{\"a\":\"\xc0\xaf\"}").is_err());
        assert_eq!(
            parse(br#"{"sub":1,"s\u0075b":2}"#).err(),
            Some(JsonError::Duplicate)
        );
        assert_eq!(
            parse(br#"{"x":{"a":1,"a":2}}"#).err(),
            Some(JsonError::Duplicate)
        );
        assert!(ok(r#"{"x":{"a":1},"y":{"a":2}}"#));
        // Names with equal tags (length, first, middle and last bytes) are still different.
        assert!(ok(r#"{"axxb":1,"ayxb":2,"":3,"a":4}"#));
        assert_eq!(
            parse(br#"{"axxb":1,"ayxb":2,"axxb":3}"#).err(),
            Some(JsonError::Duplicate)
        );
        assert_eq!(parse(br#"{"":1,"":2}"#).err(), Some(JsonError::Duplicate));
        // After an escaped name, plain names are compared exactly too.
        assert_eq!(
            parse(br#"{"\u0061":1,"b":2,"a":3}"#).err(),
            Some(JsonError::Duplicate)
        );
        assert_eq!(
            parse(br#"{"a":1,"b":2,"\u0062":3}"#).err(),
            Some(JsonError::Duplicate)
        );
        // Past the remembered names, duplicates are still found, in either position.
        let many: std::string::String = (0..20).map(|i| std::format!(r#""k{i}":{i},"#)).collect();
        assert!(ok(&std::format!("{{{many}\"z\":0}}")));
        assert_eq!(
            parse(std::format!("{{{many}\"k3\":0}}").as_bytes()).err(),
            Some(JsonError::Duplicate)
        );
        assert_eq!(
            parse(std::format!("{{{many}\"k19\":0}}").as_bytes()).err(),
            Some(JsonError::Duplicate)
        );
    }

    #[test]
    fn depth_is_bounded() {
        let mut s = [0u8; 200];
        let deep = |n: usize, s: &mut [u8; 200]| -> usize {
            let mut k = 0;
            for b in br#"{"a":"# {
                s[k] = *b;
                k += 1;
            }
            for _ in 0..n - 1 {
                s[k] = b'[';
                k += 1;
            }
            for _ in 0..n - 1 {
                s[k] = b']';
                k += 1;
            }
            s[k] = b'}';
            k + 1
        };
        let k = deep(MAX_DEPTH, &mut s);
        assert!(parse(&s[..k]).is_ok());
        let k = deep(MAX_DEPTH + 1, &mut s);
        assert_eq!(parse(&s[..k]).err(), Some(JsonError::TooDeep));
    }

    #[test]
    fn strings_decode() {
        let mut found = None;
        parse_object(br#"{"s\u0075b":"a\nb\u00e9\ud83d\ude00\/"}"#, |k, v| {
            found = Some((k, v));
            Ok::<(), ()>(())
        })
        .unwrap();
        let (k, v) = found.unwrap();
        assert!(k == "sub");
        let v = v.as_str().unwrap();
        assert!(v == "a\nb\u{e9}\u{1f600}/");
        assert_eq!(v.as_plain(), None);
        let mut buf = [0u8; 16];
        assert_eq!(v.decode_into(&mut buf).unwrap(), "a\nb\u{e9}\u{1f600}/");
        let parts: [&str; 3] = ["a", "b", "c"];
        let j = JsonStr::from_validated(r"a b\u0020c");
        assert!(
            j.split_ascii(b' ')
                .map(|p| p.as_plain().unwrap_or("?"))
                .eq(parts)
        );
    }

    #[test]
    fn scanned_integers_agree_with_the_literal_parser() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut text = [0u8; 24];
        for round in 0..200_000usize {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = 1 + round % 20;
            let neg = x & 1 == 1;
            let mut n = 0;
            if neg {
                text[0] = b'-';
                n = 1;
            }
            let mut r = x >> 1;
            for k in 0..digits {
                let d = (r % 10) as u8;
                r = (r / 10) ^ (r << 7);
                // No leading zero, except a lone "0".
                text[n] = if k == 0 && digits > 1 && d == 0 {
                    b'7'
                } else {
                    b'0' + d
                };
                n += 1;
            }
            let raw = &text[..n];
            let (kind, end) = scan_number(raw, 0).unwrap();
            assert_eq!(end, n);
            let value = Value {
                raw: core::str::from_utf8(raw).unwrap(),
                kind,
            };
            assert_eq!(value.as_numeric_date(), parse_numeric_date(raw), "{raw:?}");
        }
        for at in 0..8 {
            for c in 0..=255u8 {
                let mut w = *b"12345678";
                w[at] = c;
                assert_eq!(eight_digits(u64::from_le_bytes(w)), c.is_ascii_digit());
                if c.is_ascii_digit() {
                    let expect = w.iter().fold(0, |a, d| a * 10 + u64::from(d - b'0'));
                    assert_eq!(eight_digits_value(u64::from_le_bytes(w)), expect);
                }
            }
        }
    }

    #[test]
    fn numeric_dates() {
        let nd = |s: &str| parse_numeric_date(s.as_bytes());
        assert_eq!(
            nd("1764001800"),
            Some(NumericDate::new(1_764_001_800, false))
        );
        assert_eq!(
            nd("1.7640018e9"),
            Some(NumericDate::new(1_764_001_800, false))
        );
        assert_eq!(
            nd("1764001800.5"),
            Some(NumericDate::new(1_764_001_800, true))
        );
        assert_eq!(
            nd("1764001800.000"),
            Some(NumericDate::new(1_764_001_800, false))
        );
        assert_eq!(nd("-1.5"), Some(NumericDate::new(-2, true)));
        assert_eq!(nd("-0"), Some(NumericDate::new(0, false)));
        assert_eq!(nd("0.0000001"), Some(NumericDate::new(0, true)));
        assert_eq!(
            nd("9007199254740992"),
            Some(NumericDate::new(1 << 53, false))
        );
        assert_eq!(nd("9007199254740993"), None);
        assert_eq!(nd("9007199254740992.5"), None);
        assert_eq!(nd("1e400"), None);
        assert_eq!(nd("1e-400"), Some(NumericDate::new(0, true)));
        assert_eq!(nd("\"1\""), None);
        assert_eq!(nd("true"), None);
    }
}
