//! Strict, canonical, unpadded base64url for public data (token headers and payloads).
//!
//! Everything decoded here is public to whoever holds the token: the received signature (which
//! is then compared with the computed MAC in constant time), the header and the payload (decoded
//! only after the MAC has been checked). So a table-driven codec is used: several times faster
//! than a constant-time one. The computed MAC itself is encoded with `base64ct` when a token is
//! issued, so secret-dependent bytes never index a table.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const INVALID: u8 = 0xFF;

const DECODE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Why a base64url segment was refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum B64Error {
    /// A byte outside `A-Z a-z 0-9 - _`, or a length of 1 modulo 4.
    Invalid,
    /// Non-zero unused bits in the last character.
    NonCanonical,
    /// The output buffer is too small.
    BufferTooSmall,
}

/// The decoded length of `n` base64url characters, or `None` when `n % 4 == 1`.
pub(crate) const fn decoded_len(n: usize) -> Option<usize> {
    match n % 4 {
        1 => None,
        r => Some(n / 4 * 3 + if r == 0 { 0 } else { r - 1 }),
    }
}

/// The encoded length of `n` bytes, unpadded.
pub(crate) const fn encoded_len(n: usize) -> usize {
    n / 3 * 4
        + match n % 3 {
            0 => 0,
            1 => 2,
            _ => 3,
        }
}

/// Decodes `src` into the front of `out`, strictly. Returns the decoded bytes.
pub(crate) fn decode<'o>(src: &[u8], out: &'o mut [u8]) -> Result<&'o mut [u8], B64Error> {
    let len = decoded_len(src.len()).ok_or(B64Error::Invalid)?;
    let out = out.get_mut(..len).ok_or(B64Error::BufferTooSmall)?;
    let full = src.len() / 4;
    let (body, tail) = out.split_at_mut(full * 3);
    let mut bad = 0u8;
    for (c, o) in src.chunks_exact(4).zip(body.chunks_exact_mut(3)) {
        let (a, b, cc, d) = (
            DECODE[usize::from(c[0])],
            DECODE[usize::from(c[1])],
            DECODE[usize::from(c[2])],
            DECODE[usize::from(c[3])],
        );
        bad |= a | b | cc | d;
        let n = (u32::from(a) << 18) | (u32::from(b) << 12) | (u32::from(cc) << 6) | u32::from(d);
        let [_, x, y, z] = n.to_be_bytes();
        o[0] = x;
        o[1] = y;
        o[2] = z;
    }
    // Valid sextets are below 64, INVALID is 0xFF: one check for the whole body.
    if bad & 0xC0 != 0 {
        return Err(B64Error::Invalid);
    }
    let rest = src.get(full * 4..).unwrap_or_default();
    let mut n: u32 = 0;
    for &ch in rest {
        let v = DECODE[usize::from(ch)];
        if v == INVALID {
            return Err(B64Error::Invalid);
        }
        n = (n << 6) | u32::from(v);
    }
    match (rest.len(), tail) {
        (0, []) => {}
        (2, [x]) => {
            if n & 0x0F != 0 {
                return Err(B64Error::NonCanonical);
            }
            *x = (n >> 4) as u8;
        }
        (3, [x, y]) => {
            if n & 0x03 != 0 {
                return Err(B64Error::NonCanonical);
            }
            *x = (n >> 10) as u8;
            *y = (n >> 2) as u8;
        }
        _ => return Err(B64Error::Invalid),
    }
    Ok(out)
}

/// Encodes `src` into the front of `out`. Returns the number of bytes written.
pub(crate) fn encode(src: &[u8], out: &mut [u8]) -> Result<usize, B64Error> {
    let len = encoded_len(src.len());
    let out = out.get_mut(..len).ok_or(B64Error::BufferTooSmall)?;
    encode_exact(src.len(), |i| src[i], out);
    Ok(len)
}

/// Encodes `n` bytes supplied by `byte` into `out`, which is exactly `encoded_len(n)` long.
///
/// Reading through a closure lets [`encode_in_place`] move data forward within one buffer.
fn encode_exact(n: usize, mut byte: impl FnMut(usize) -> u8, out: &mut [u8]) {
    let mut i = 0;
    let mut o = 0;
    while i + 3 <= n {
        let v = (u32::from(byte(i)) << 16) | (u32::from(byte(i + 1)) << 8) | u32::from(byte(i + 2));
        out[o] = ALPHABET[(v >> 18) as usize & 63];
        out[o + 1] = ALPHABET[(v >> 12) as usize & 63];
        out[o + 2] = ALPHABET[(v >> 6) as usize & 63];
        out[o + 3] = ALPHABET[v as usize & 63];
        i += 3;
        o += 4;
    }
    match n - i {
        1 => {
            let v = u32::from(byte(i)) << 16;
            out[o] = ALPHABET[(v >> 18) as usize & 63];
            out[o + 1] = ALPHABET[(v >> 12) as usize & 63];
        }
        2 => {
            let v = (u32::from(byte(i)) << 16) | (u32::from(byte(i + 1)) << 8);
            out[o] = ALPHABET[(v >> 18) as usize & 63];
            out[o + 1] = ALPHABET[(v >> 12) as usize & 63];
            out[o + 2] = ALPHABET[(v >> 6) as usize & 63];
        }
        _ => {}
    }
}

/// Encodes `buf[at..at + n]` in place, to `buf[at..at + encoded_len(n)]`.
///
/// Works backwards from the last group: group `k` reads bytes `at + 3k ..` and writes
/// `at + 4k ..`, and every group before it sits at or below `at + 3k`, so no unread byte is
/// overwritten. This lets a token be serialized and encoded in one caller buffer.
pub(crate) fn encode_in_place(buf: &mut [u8], at: usize, n: usize) -> Result<usize, B64Error> {
    let len = encoded_len(n);
    if buf.len() < at + len.max(n) {
        return Err(B64Error::BufferTooSmall);
    }
    let full = n / 3;
    let rem = n % 3;
    if rem > 0 {
        let mut tail = [0u8; 2];
        tail[..rem].copy_from_slice(&buf[at + full * 3..at + n]);
        let o = at + full * 4;
        encode_exact(rem, |k| tail[k], &mut buf[o..o + encoded_len(rem)]);
    }
    for k in (0..full).rev() {
        let s = at + 3 * k;
        let v = (u32::from(buf[s]) << 16) | (u32::from(buf[s + 1]) << 8) | u32::from(buf[s + 2]);
        let o = at + 4 * k;
        buf[o] = ALPHABET[(v >> 18) as usize & 63];
        buf[o + 1] = ALPHABET[(v >> 12) as usize & 63];
        buf[o + 2] = ALPHABET[(v >> 6) as usize & 63];
        buf[o + 3] = ALPHABET[v as usize & 63];
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_non_canonical() {
        let data = b"any carnal pleas";
        for n in 0..data.len() {
            let mut enc = [0u8; 32];
            let e = encode(&data[..n], &mut enc).unwrap();
            let mut dec = [0u8; 32];
            assert_eq!(decode(&enc[..e], &mut dec).unwrap(), &data[..n]);
        }
        let mut dec = [0u8; 8];
        assert_eq!(decode(b"QQ", &mut dec).unwrap(), b"A");
        assert_eq!(decode(b"QR", &mut dec), Err(B64Error::NonCanonical));
        assert_eq!(decode(b"QUI", &mut dec).unwrap(), b"AB");
        assert_eq!(decode(b"QUJ", &mut dec), Err(B64Error::NonCanonical));
        assert_eq!(decode(b"Q", &mut dec), Err(B64Error::Invalid));
        assert_eq!(decode(b"QQ==", &mut dec), Err(B64Error::Invalid));
        assert_eq!(decode(b"a+b/", &mut dec), Err(B64Error::Invalid));
    }

    #[test]
    fn in_place_matches_plain_encoding() {
        for n in 0..40usize {
            let data: [u8; 40] = core::array::from_fn(|i| (i * 37 + 11) as u8);
            let mut expect = [0u8; 64];
            let e = encode(&data[..n], &mut expect).unwrap();
            let mut buf = [0u8; 128];
            let at = 5;
            buf[at..at + n].copy_from_slice(&data[..n]);
            let w = encode_in_place(&mut buf, at, n).unwrap();
            assert_eq!(&buf[at..at + w], &expect[..e]);
        }
    }
}
