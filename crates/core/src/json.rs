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

/// A validated JSON document whose top level is an object.
#[derive(Copy, Clone)]
pub(crate) struct Document<'a> {
    text: &'a [u8],
}

impl<'a> Document<'a> {
    /// Validates `bytes` strictly.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, JsonError> {
        let text = core::str::from_utf8(bytes)
            .map_err(|_| JsonError::Encoding)?
            .as_bytes();
        let mut s = Scanner { s: text, i: 0 };
        s.ws();
        if s.peek() != Some(b'{') {
            return Err(if text.starts_with("\u{feff}".as_bytes()) {
                JsonError::Encoding
            } else {
                JsonError::Syntax
            });
        }
        s.value(1)?;
        s.ws();
        if s.i != text.len() {
            return Err(JsonError::Syntax);
        }
        Ok(Self { text })
    }

    /// The document's text (valid UTF-8).
    pub(crate) fn as_str(&self) -> &'a str {
        // Checked in `parse`.
        core::str::from_utf8(self.text).unwrap_or_default()
    }

    /// The members of the top-level object, in order.
    pub(crate) fn members(&self) -> Members<'a> {
        let mut s = Scanner { s: self.text, i: 0 };
        s.ws();
        s.i += 1; // '{'
        Members { s, done: false }
    }
}

/// Iterator over `(name, value)` of a validated object.
pub(crate) struct Members<'a> {
    s: Scanner<'a>,
    done: bool,
}

impl<'a> Iterator for Members<'a> {
    type Item = (JsonStr<'a>, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let s = &mut self.s;
        s.ws();
        if s.peek() == Some(b',') {
            s.i += 1;
            s.ws();
        }
        if s.peek() != Some(b'"') {
            self.done = true;
            return None;
        }
        // The document was validated, so these cannot fail; stop quietly if they do.
        let name = s.string().ok()?;
        s.ws();
        s.i += 1; // ':'
        s.ws();
        let start = s.i;
        s.value(1).ok()?;
        let raw = &s.s[start..s.i];
        Some((JsonStr::from_raw(name), Value { raw }))
    }
}

/// One validated JSON value, as its source text.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Value<'a> {
    raw: &'a [u8],
}

impl<'a> Value<'a> {
    /// The value as a string, if it is one.
    pub(crate) fn as_str(&self) -> Option<JsonStr<'a>> {
        match self.raw {
            [b'"', inner @ .., b'"'] => Some(JsonStr::from_raw(inner)),
            _ => None,
        }
    }

    /// Whether this value is an array.
    pub(crate) fn is_array(&self) -> bool {
        self.raw.first() == Some(&b'[')
    }

    /// The string elements of an array value; `None` if it is not an array of strings.
    pub(crate) fn array_strings(&self) -> Option<impl Iterator<Item = JsonStr<'a>>> {
        if !self.is_array() {
            return None;
        }
        let mut s = Scanner { s: self.raw, i: 1 };
        let mut all_strings = true;
        loop {
            s.ws();
            match s.peek() {
                Some(b'"') => {
                    s.string().ok()?;
                }
                Some(b']') => break,
                Some(b',') => s.i += 1,
                _ => {
                    all_strings = false;
                    break;
                }
            }
        }
        if !all_strings {
            return None;
        }
        let mut it = Scanner { s: self.raw, i: 1 };
        Some(core::iter::from_fn(move || {
            it.ws();
            if it.peek() == Some(b',') {
                it.i += 1;
                it.ws();
            }
            if it.peek() != Some(b'"') {
                return None;
            }
            it.string().ok().map(JsonStr::from_raw)
        }))
    }

    /// The value as a NumericDate: a finite number with magnitude at most 2^53.
    pub(crate) fn as_numeric_date(&self) -> Option<NumericDate> {
        parse_numeric_date(self.raw)
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
    pub(crate) fn from_raw(raw: &'a [u8]) -> Self {
        // Callers pass slices of a UTF-8-validated document, cut at ASCII quotes.
        let raw = core::str::from_utf8(raw).unwrap_or_default();
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
                return Some(JsonStr::from_raw(&b[start..i]));
            }
            if b[i] == b'\\' {
                let (c, used) = decode_escape(&b[i..])?;
                if c == char::from(self.sep) {
                    self.pos = i + used;
                    return Some(JsonStr::from_raw(&b[start..i]));
                }
                i += used;
            } else {
                i += 1;
            }
        }
        self.done = true;
        Some(JsonStr::from_raw(&b[start..]))
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
    s: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
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

    fn value(&mut self, depth: usize) -> Result<(), JsonError> {
        match self.peek().ok_or(JsonError::Syntax)? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(|_| ()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(JsonError::Syntax),
        }
    }

    fn literal(&mut self, lit: &[u8]) -> Result<(), JsonError> {
        if self.s[self.i..].starts_with(lit) {
            self.i += lit.len();
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

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
            if self.peek() != Some(b'"') {
                return Err(JsonError::Syntax);
            }
            let name_at = self.i;
            let name = JsonStr::from_raw(self.string()?);
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
    fn seen_before(&self, body: usize, name_at: usize, name: JsonStr<'_>) -> bool {
        let mut s = Scanner { s: self.s, i: body };
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
            if JsonStr::from_raw(prev) == name {
                return true;
            }
            s.ws();
            s.i += 1; // ':'
            s.ws();
            if s.value(1).is_err() {
                return false;
            }
        }
    }

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

    /// Validates a string at the cursor (on its opening quote); returns the text between quotes.
    fn string(&mut self) -> Result<&'a [u8], JsonError> {
        self.expect(b'"')?;
        let start = self.i;
        loop {
            match self.peek().ok_or(JsonError::Syntax)? {
                b'"' => {
                    let inner = &self.s[start..self.i];
                    self.i += 1;
                    return Ok(inner);
                }
                b'\\' => {
                    let rest = &self.s[self.i..];
                    match rest.get(1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 2,
                        Some(b'u') => {
                            // Rejects lone or reversed surrogates and bad hex.
                            let (_, used) = decode_escape(rest).ok_or(JsonError::Syntax)?;
                            self.i += used;
                        }
                        _ => return Err(JsonError::Syntax),
                    }
                }
                0x00..=0x1F => return Err(JsonError::Syntax),
                _ => self.i += 1,
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<(), JsonError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(JsonError::Syntax),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        if self.i - start > MAX_NUMBER_LEN {
            return Err(JsonError::Syntax);
        }
        Ok(())
    }
}

/// Exact NumericDate from a validated number literal; `None` for anything else or out of range.
fn parse_numeric_date(raw: &[u8]) -> Option<NumericDate> {
    let (neg, rest) = match raw.split_first()? {
        (b'-', r) => (true, r),
        (b'0'..=b'9', _) => (false, raw),
        _ => return None,
    };
    // Mantissa digits (integer and fraction), capped at 38 significant digits so the u128
    // mantissa cannot overflow; further digits only matter as "non-zero fraction" or as scale.
    let mut mant: u128 = 0;
    let mut sig = 0u32;
    let mut scale: i64 = 0; // value = mant * 10^scale (before exponent)
    let mut dropped_nonzero = false;
    let mut i = 0;
    let mut in_frac = false;
    while i < rest.len() {
        match rest[i] {
            d @ b'0'..=b'9' => {
                let d = u128::from(d - b'0');
                if mant == 0 && d == 0 {
                    // Leading zeros carry no significance.
                    if in_frac {
                        scale -= 1;
                    }
                } else if sig < 38 {
                    mant = mant * 10 + d;
                    sig += 1;
                    if in_frac {
                        scale -= 1;
                    }
                } else {
                    if d != 0 {
                        dropped_nonzero = true;
                    }
                    if !in_frac {
                        scale += 1;
                    }
                }
            }
            b'.' => in_frac = true,
            b'e' | b'E' => break,
            _ => return None,
        }
        i += 1;
    }
    if i < rest.len() {
        // Exponent.
        let exp_text = &rest[i + 1..];
        let (eneg, digits) = match exp_text.split_first()? {
            (b'-', d) => (true, d),
            (b'+', d) => (false, d),
            _ => (false, exp_text),
        };
        let mut e: i64 = 0;
        for &d in digits {
            e = e.saturating_mul(10).saturating_add(i64::from(d - b'0'));
        }
        scale = scale.saturating_add(if eneg { -e } else { e });
    }
    let limit = MAX_NUMERIC_DATE.unsigned_abs();
    let (int, frac) = if mant == 0 {
        (0u128, dropped_nonzero)
    } else if scale >= 0 {
        if scale > 16 {
            return None;
        }
        let v = mant.checked_mul(10u128.pow(u32::try_from(scale).ok()?))?;
        (v, dropped_nonzero)
    } else if scale < -38 {
        (0, true)
    } else {
        let p = 10u128.pow(u32::try_from(-scale).ok()?);
        (mant / p, !mant.is_multiple_of(p) || dropped_nonzero)
    };
    if int > u128::from(limit) || (int == u128::from(limit) && frac) {
        return None;
    }
    let int = i64::try_from(int).ok()?;
    Some(if neg {
        if frac {
            NumericDate::new(-int - 1, true)
        } else {
            NumericDate::new(-int, false)
        }
    } else {
        NumericDate::new(int, frac)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> bool {
        Document::parse(s.as_bytes()).is_ok()
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
        assert!(Document::parse(b"{\"a\":\"\xc0\xaf\"}").is_err());
        assert_eq!(
            Document::parse(br#"{"sub":1,"s\u0075b":2}"#).err(),
            Some(JsonError::Duplicate)
        );
        assert_eq!(
            Document::parse(br#"{"x":{"a":1,"a":2}}"#).err(),
            Some(JsonError::Duplicate)
        );
        assert!(ok(r#"{"x":{"a":1},"y":{"a":2}}"#));
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
        assert!(Document::parse(&s[..k]).is_ok());
        let k = deep(MAX_DEPTH + 1, &mut s);
        assert_eq!(Document::parse(&s[..k]).err(), Some(JsonError::TooDeep));
    }

    #[test]
    fn strings_decode() {
        let d = Document::parse(br#"{"s\u0075b":"a\nb\u00e9\ud83d\ude00\/"}"#).unwrap();
        let (k, v) = d.members().next().unwrap();
        assert!(k == "sub");
        let v = v.as_str().unwrap();
        assert!(v == "a\nb\u{e9}\u{1f600}/");
        assert_eq!(v.as_plain(), None);
        let mut buf = [0u8; 16];
        assert_eq!(v.decode_into(&mut buf).unwrap(), "a\nb\u{e9}\u{1f600}/");
        let parts: [&str; 3] = ["a", "b", "c"];
        let j = JsonStr::from_raw(br"a b\u0020c");
        assert!(
            j.split_ascii(b' ')
                .map(|p| p.as_plain().unwrap_or("?"))
                .eq(parts)
        );
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
