//! Percent-decoding of form components: strict (malformed escapes refused) and lenient (as
//! Starlette decodes a form, invalid UTF-8 replaced).

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `src` into `out` (`+` is a space), for
/// [`Decoding::Strict`](super::Decoding::Strict) after [`check_component`]. Returns the decoded
/// length.
pub(super) fn decode_component(src: &[u8], out: &mut [u8]) -> Result<usize, ()> {
    let mut i = 0;
    let mut o = 0;
    while i < src.len() {
        let b = match src[i] {
            b'+' => b' ',
            b'%' => {
                let h = src.get(i + 1).copied().and_then(hex).ok_or(())?;
                let l = src.get(i + 2).copied().and_then(hex).ok_or(())?;
                i += 2;
                (h << 4) | l
            }
            b => b,
        };
        *out.get_mut(o).ok_or(())? = b;
        o += 1;
        i += 1;
    }
    Ok(o)
}

/// Appends bytes to a caller buffer; `Err` when it is full.
struct Writer<'o> {
    out: &'o mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn push(&mut self, b: u8) -> Result<(), ()> {
        *self.out.get_mut(self.len).ok_or(())? = b;
        self.len += 1;
        Ok(())
    }

    fn extend(&mut self, bytes: &[u8]) -> Result<(), ()> {
        bytes.iter().try_for_each(|&b| self.push(b))
    }
}

/// U+FFFD REPLACEMENT CHARACTER in UTF-8.
const REPLACEMENT: [u8; 3] = [0xEF, 0xBF, 0xBD];

/// Reads a byte stream as UTF-8, one byte at a time, writing valid sequences through and one
/// U+FFFD for each maximal ill-formed subsequence (Unicode's recommended substitution, which
/// is also what Python's `bytes.decode("utf-8", "replace")` does): a lead byte that cannot
/// start a sequence, or the bytes of a sequence broken off by a byte it cannot take (that
/// byte then starts afresh) or by the end.
#[derive(Default)]
struct LossyUtf8 {
    /// The sequence so far (at most three bytes are ever held).
    held: [u8; 4],
    /// How many bytes are held (0 when between characters).
    len: usize,
    /// The length of the sequence being read.
    need: usize,
    /// The range the next byte must be in.
    lo: u8,
    hi: u8,
}

impl LossyUtf8 {
    fn push(&mut self, b: u8, w: &mut Writer<'_>) -> Result<(), ()> {
        if self.len > 0 {
            if (self.lo..=self.hi).contains(&b) {
                self.held[self.len] = b;
                self.len += 1;
                (self.lo, self.hi) = (0x80, 0xBF);
                if self.len == self.need {
                    w.extend(&self.held[..self.need])?;
                    self.clear();
                }
                return Ok(());
            }
            self.clear();
            w.extend(&REPLACEMENT)?;
        }
        // The second byte's range excludes overlong forms, surrogates and values past U+10FFFF
        // (Unicode Table 3-7).
        let (need, lo, hi) = match b {
            0x00..=0x7F => return w.push(b),
            0xC2..=0xDF => (2, 0x80, 0xBF),
            0xE0 => (3, 0xA0, 0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (3, 0x80, 0xBF),
            0xED => (3, 0x80, 0x9F),
            0xF0 => (4, 0x90, 0xBF),
            0xF1..=0xF3 => (4, 0x80, 0xBF),
            0xF4 => (4, 0x80, 0x8F),
            _ => return w.extend(&REPLACEMENT),
        };
        self.held[0] = b;
        (self.len, self.need, self.lo, self.hi) = (1, need, lo, hi);
        Ok(())
    }

    /// Ends the stream: a sequence still open becomes one U+FFFD.
    fn finish(&mut self, w: &mut Writer<'_>) -> Result<(), ()> {
        if self.len > 0 {
            self.clear();
            w.extend(&REPLACEMENT)?;
        }
        Ok(())
    }

    fn clear(&mut self) {
        // The held bytes may be part of a password.
        self.held = [0; 4];
        self.len = 0;
    }
}

/// Decodes `src` into `out` as [`Decoding::Lenient`](super::Decoding::Lenient) describes; never
/// refuses the input.
/// Returns the decoded length, or `Err` when `out` is too small. The output is valid UTF-8.
pub(super) fn decode_lenient(src: &[u8], out: &mut [u8]) -> Result<usize, ()> {
    let mut w = Writer { out, len: 0 };
    let mut utf8 = LossyUtf8::default();
    let mut i = 0;
    while i < src.len() {
        let b = match src[i] {
            raw @ 0x80.. => {
                // A latin-1 character: it ends the ASCII run before it.
                utf8.finish(&mut w)?;
                w.extend(&[0xC0 | (raw >> 6), 0x80 | (raw & 0x3F)])?;
                i += 1;
                continue;
            }
            b'+' => b' ',
            b'%' => match (
                src.get(i + 1).copied().and_then(hex),
                src.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    i += 2;
                    (h << 4) | l
                }
                // Not an escape: the `%` stands for itself.
                _ => b'%',
            },
            b => b,
        };
        utf8.push(b, &mut w)?;
        i += 1;
    }
    utf8.finish(&mut w)?;
    Ok(w.len)
}

pub(super) fn check_component(src: &[u8]) -> bool {
    let mut i = 0;
    while i < src.len() {
        if src[i] == b'%' {
            if src.get(i + 1).copied().and_then(hex).is_none()
                || src.get(i + 2).copied().and_then(hex).is_none()
            {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}
