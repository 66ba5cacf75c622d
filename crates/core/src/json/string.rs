//! [`JsonStr`]: a validated JSON string, decoded only as it is read.

use core::fmt;

/// A JSON string value or member name, decoded on demand.
///
/// Holds the text between the quotes exactly as received, but offers only decoded views:
/// comparisons, [`chars`](Self::chars), [`decode_into`](Self::decode_into) and, when the text
/// contains no escapes at all, [`as_plain`](Self::as_plain). Raw escaped text never leaves it.
#[derive(Copy, Clone)]
pub struct JsonStr<'a> {
    pub(super) raw: &'a str,
    pub(super) escaped: bool,
}

impl<'a> JsonStr<'a> {
    /// Text between quotes, already validated as a JSON string body.
    pub(super) fn from_validated(raw: &'a str) -> Self {
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

    /// The decoded string as an owned `String`: a copy of the raw text when it has no escape
    /// (the usual case, one allocation of the right size), else decoded character by
    /// character.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn to_string_decoded(&self) -> alloc::string::String {
        match self.as_plain() {
            Some(plain) => alloc::string::String::from(plain),
            None => self.chars().collect(),
        }
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
pub(super) fn decode_escape(s: &[u8]) -> Option<(char, usize)> {
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
