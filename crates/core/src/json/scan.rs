//! Validation of whole documents: strings, numbers, nesting and duplicate member names.

use super::string::{JsonStr, decode_escape};
use super::{JsonError, Kind, MAX_DEPTH, MAX_NUMBER_LEN, Value};

/// `s[start..end]`, or `None` off the bounds or off character boundaries (`str::get` split in
/// two halves, which the optimiser inlines on this hot path).
#[inline(always)]
pub(super) fn sub_str(s: &str, start: usize, end: usize) -> Option<&str> {
    s.get(..end)?.get(start..)
}

/// The index of the first non-whitespace byte at or after `i`.
#[inline(always)]
pub(super) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// Validates the string whose opening quote is at `i`; returns its body and the index after
/// its closing quote.
#[inline(always)]
pub(super) fn scan_string(s: &str, i: usize) -> Result<(JsonStr<'_>, usize), JsonError> {
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
pub(super) fn escape_len(b: &[u8], at: usize) -> Result<usize, JsonError> {
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
pub(super) const fn eight_digits(x: u64) -> bool {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    // Each byte is 0x30..=0x3F, and adding 6 (which cannot carry out of such a byte) leaves it
    // there only for 0x30..=0x39.
    x & HIGH == ZEROS && (x + 0x0606_0606_0606_0606) & HIGH == ZEROS
}

/// The value of eight ASCII digits read little-endian (the first digit in the low byte).
#[inline(always)]
pub(super) const fn eight_digits_value(x: u64) -> u64 {
    let x = x - 0x3030_3030_3030_3030;
    // Pairs, then quadruples, then the whole: each step merges neighbouring lanes.
    let x = (x * 10 + (x >> 8)) & 0x00FF_00FF_00FF_00FF;
    let x = (x * 100 + (x >> 16)) & 0x0000_FFFF_0000_FFFF;
    (x * 10_000 + (x >> 32)) & 0xFFFF_FFFF
}

/// The index after the digits starting at `i`.
#[inline(always)]
pub(super) fn skip_digits(b: &[u8], mut i: usize) -> usize {
    while let Some(b'0'..=b'9') = b.get(i) {
        i += 1;
    }
    i
}

/// Validates the number starting at `i`; returns what it is (with the value of a plain integer
/// of at most 16 digits) and the index after it.
#[inline(always)]
pub(super) fn scan_number<'a>(b: &[u8], start: usize) -> Result<(Kind<'a>, usize), JsonError> {
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

pub(super) struct Scanner<'a> {
    /// The document (valid UTF-8).
    pub(super) s: &'a str,
    pub(super) b: &'a [u8],
    pub(super) i: usize,
}

impl<'a> Scanner<'a> {
    pub(super) const fn new(s: &'a str, i: usize) -> Self {
        Self {
            s,
            b: s.as_bytes(),
            i,
        }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    pub(super) fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    pub(super) fn expect(&mut self, b: u8) -> Result<(), JsonError> {
        if self.peek() == Some(b) {
            self.i += 1;
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    /// One value at `depth` (the top-level object is depth 1). Recursion is bounded by
    /// [`MAX_DEPTH`]; the frames are kept small by leaving the rare paths out of line.
    pub(super) fn value(&mut self, depth: usize) -> Result<Value<'a>, JsonError> {
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

    pub(super) fn literal(&mut self, lit: &str) -> Result<(), JsonError> {
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
    pub(super) fn object(&mut self, depth: usize) -> Result<(), JsonError> {
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
    pub(super) fn seen_before(&self, body: usize, name_at: usize, name: JsonStr<'_>) -> bool {
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
    pub(super) fn skip_value(&mut self) -> Result<(), JsonError> {
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
    pub(super) fn array(&mut self, depth: usize) -> Result<(), JsonError> {
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
    pub(super) fn string(&mut self) -> Result<JsonStr<'a>, JsonError> {
        let (s, next) = scan_string(self.s, self.i)?;
        self.i = next;
        Ok(s)
    }

    pub(super) fn number(&mut self) -> Result<Kind<'a>, JsonError> {
        let (k, next) = scan_number(self.b, self.i)?;
        self.i = next;
        Ok(k)
    }
}

/// Bytes that may stand for themselves in a JSON string: all but `"`, `\` and controls.
pub(super) const PLAIN: [bool; 256] = {
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
