//! Strict, canonical, unpadded base64url for public data (token headers and payloads).
//!
//! Everything decoded here is public to whoever holds the token: the received signature (which
//! is then compared with the computed MAC in constant time), the header and the payload (decoded
//! only after the MAC has been checked). So a table-driven codec is used: several times faster
//! than a constant-time one. The computed MAC itself is encoded with `base64ct` when a token is
//! issued, so secret-dependent bytes never index a table.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The sextet of each byte, or -1 for a byte outside the alphabet.
///
/// Sign-extended and shifted left, a -1 keeps bit 31 of a group set whatever the shift, while
/// valid groups stay below 2^24: so the groups of a whole segment are OR-ed together and one
/// sign test at the end finds any invalid byte.
const DECODE: [i8; 256] = {
    let mut t = [-1i8; 256];
    let mut i = 0;
    while i < 64 {
        t[ALPHABET[i] as usize] = i as i8;
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

#[inline(always)]
fn sextet(c: u8) -> i32 {
    i32::from(DECODE[usize::from(c)])
}

/// Four characters as a 24-bit group; negative when any of them is outside the alphabet.
#[inline(always)]
fn quad(c: &[u8]) -> i32 {
    (sextet(c[0]) << 18) | (sextet(c[1]) << 12) | (sextet(c[2]) << 6) | sextet(c[3])
}

/// A group of four characters decoded with [`DECODE`]: its three bytes in the low 24 bits, in
/// output order from the least significant byte, and bit 31 set when a character is invalid.
#[cfg_attr(target_pointer_width = "64", allow(dead_code))]
#[inline(always)]
fn group_compact(c: &[u8]) -> u32 {
    let n = quad(c) as u32;
    (n.swap_bytes() >> 8) | (n & 0x8000_0000)
}

/// Flags a character outside the alphabet in [`WIDE`].
#[cfg(any(test, target_pointer_width = "64"))]
const WIDE_INVALID: u32 = 0x8000_0000;

/// [`DECODE`] once per position in a group of four, each entry shifted to where its bits land
/// in [`group_compact`]'s layout: a group is four lookups OR-ed together. 4 KiB, so only on
/// 64-bit targets; small targets use the 256-byte table.
#[cfg(any(test, target_pointer_width = "64"))]
const WIDE: [[u32; 256]; 4] = {
    let mut t = [[WIDE_INVALID; 256]; 4];
    let mut i = 0;
    while i < 64 {
        let c = ALPHABET[i] as usize;
        let v = i as u32;
        t[0][c] = v << 2;
        t[1][c] = (v >> 4) | ((v & 0x0F) << 12);
        t[2][c] = ((v >> 2) << 8) | ((v & 0x03) << 22);
        t[3][c] = v << 16;
        i += 1;
    }
    t
};

/// A group of four characters decoded with [`WIDE`], laid out as by [`group_compact`].
#[cfg(any(test, target_pointer_width = "64"))]
#[inline(always)]
fn group_wide(c: &[u8]) -> u32 {
    WIDE[0][usize::from(c[0])]
        | WIDE[1][usize::from(c[1])]
        | WIDE[2][usize::from(c[2])]
        | WIDE[3][usize::from(c[3])]
}

#[cfg(target_pointer_width = "64")]
use group_wide as group;

#[cfg(not(target_pointer_width = "64"))]
use group_compact as group;

/// The last two or three characters of a segment, checked for canonical (zero) unused bits.
#[inline(always)]
fn decode_tail(rest: &[u8], tail: &mut [u8]) -> Result<(), B64Error> {
    match (rest, tail) {
        ([], []) => Ok(()),
        (&[a, b], [x]) => {
            let n = (sextet(a) << 6) | sextet(b);
            if n < 0 {
                return Err(B64Error::Invalid);
            }
            if n & 0x0F != 0 {
                return Err(B64Error::NonCanonical);
            }
            *x = (n >> 4) as u8;
            Ok(())
        }
        (&[a, b, c], [x, y]) => {
            let n = (sextet(a) << 12) | (sextet(b) << 6) | sextet(c);
            if n < 0 {
                return Err(B64Error::Invalid);
            }
            if n & 0x03 != 0 {
                return Err(B64Error::NonCanonical);
            }
            *x = (n >> 10) as u8;
            *y = (n >> 2) as u8;
            Ok(())
        }
        _ => Err(B64Error::Invalid),
    }
}

/// Decodes `src` into the front of `out`, strictly. Returns the decoded bytes.
#[inline]
pub(crate) fn decode<'o>(src: &[u8], out: &'o mut [u8]) -> Result<&'o mut [u8], B64Error> {
    decode_with(src, out, group)
}

/// [`decode`] with a given group decoder.
///
/// Eight characters (six bytes) per step; an invalid byte anywhere in the body is found by one
/// test of the OR of all groups after the loop: this data is public (see the module header), so
/// there is no reason to stop early.
#[inline(always)]
fn decode_with<'o>(
    src: &[u8],
    out: &'o mut [u8],
    group: impl Fn(&[u8]) -> u32,
) -> Result<&'o mut [u8], B64Error> {
    let len = decoded_len(src.len()).ok_or(B64Error::Invalid)?;
    let out = out.get_mut(..len).ok_or(B64Error::BufferTooSmall)?;
    let full = src.len() / 4;
    let (body, tail) = out.split_at_mut(full * 3);
    let (src_body, rest) = src.split_at(full * 4);
    let mut bad = 0u32;
    let mut octs = src_body.chunks_exact(8);
    let mut dsts = body.chunks_exact_mut(6);
    for (c, o) in (&mut octs).zip(&mut dsts) {
        let (lo, hi) = (group(&c[..4]), group(&c[4..]));
        bad |= lo | hi;
        let v = u64::from(lo & 0x00FF_FFFF) | (u64::from(hi) << 24);
        o.copy_from_slice(&v.to_le_bytes()[..6]);
    }
    if let (c @ &[_, _, _, _], o) = (octs.remainder(), dsts.into_remainder()) {
        let n = group(c);
        bad |= n;
        o.copy_from_slice(&n.to_le_bytes()[..3]);
    }
    if bad & 0x8000_0000 != 0 {
        return Err(B64Error::Invalid);
    }
    decode_tail(rest, tail)?;
    Ok(out)
}

/// Decodes a 43-character segment to exactly 32 bytes (an HS256 signature), strictly.
#[inline]
pub(crate) fn decode_32(src: &[u8; 43]) -> Result<[u8; 32], B64Error> {
    let mut out = [0u8; 32];
    let (body, tail) = out.split_at_mut(30);
    let (src_body, rest) = src.split_at(40);
    let mut bad = 0u32;
    for (c, o) in src_body.chunks_exact(4).zip(body.chunks_exact_mut(3)) {
        let n = group(c);
        bad |= n;
        o.copy_from_slice(&n.to_le_bytes()[..3]);
    }
    if bad & 0x8000_0000 != 0 {
        return Err(B64Error::Invalid);
    }
    decode_tail(rest, tail)?;
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
/// Works backwards, a block of up to 16 groups at a time from the last: a block's input (bytes
/// `at + 3k .. at + 3g` for groups `k..g`) is copied out before its output (`at + 4k ..
/// at + 4g`) is written, and every earlier block's input sits below `at + 3k`, so no unread byte
/// is overwritten. This lets a token be serialized and encoded in one caller buffer.
pub(crate) fn encode_in_place(buf: &mut [u8], at: usize, n: usize) -> Result<usize, B64Error> {
    const BLOCK: usize = 16;
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
    let mut g = full;
    while g > 0 {
        let k = g.saturating_sub(BLOCK);
        let mut block = [0u8; 3 * BLOCK];
        let input = &mut block[..3 * (g - k)];
        input.copy_from_slice(&buf[at + 3 * k..at + 3 * g]);
        let out = &mut buf[at + 4 * k..at + 4 * g];
        for (s, o) in input.chunks_exact(3).zip(out.chunks_exact_mut(4)) {
            let v = (u32::from(s[0]) << 16) | (u32::from(s[1]) << 8) | u32::from(s[2]);
            o[0] = ALPHABET[(v >> 18) as usize & 63];
            o[1] = ALPHABET[(v >> 12) as usize & 63];
            o[2] = ALPHABET[(v >> 6) as usize & 63];
            o[3] = ALPHABET[v as usize & 63];
        }
        g = k;
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

    /// The specification, one character at a time: the sextets as a bit string, whole bytes
    /// out, leftover bits must be zero and fewer than 6.
    fn reference(src: &[u8], out: &mut [u8]) -> Result<usize, B64Error> {
        if src.len() % 4 == 1 {
            return Err(B64Error::Invalid);
        }
        let len = src.len() / 4 * 3 + (src.len() % 4).saturating_sub(1);
        if out.len() < len {
            return Err(B64Error::BufferTooSmall);
        }
        let mut acc = 0u32;
        let mut bits = 0;
        let mut n = 0;
        for &c in src {
            let v = ALPHABET
                .iter()
                .position(|&a| a == c)
                .ok_or(B64Error::Invalid)?;
            acc = (acc << 6) | v as u32;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out[n] = (acc >> bits) as u8;
                n += 1;
                acc &= (1 << bits) - 1;
            }
        }
        if acc != 0 {
            return Err(B64Error::NonCanonical);
        }
        Ok(n)
    }

    fn same_as_reference(src: &[u8], out_len: usize) {
        let mut a = [0u8; 64];
        let mut b = [0u8; 64];
        let slow = reference(src, &mut b[..out_len]);
        for (name, group) in [
            ("wide", group_wide as fn(&[u8]) -> u32),
            ("compact", group_compact),
        ] {
            a.fill(0);
            let fast = decode_with(src, &mut a[..out_len], group).map(|o| o.len());
            assert_eq!(fast, slow, "{name}: {src:?} into {out_len}");
            if let Ok(n) = fast {
                assert_eq!(a[..n], b[..n], "{name}: {src:?}");
            }
        }
    }

    #[test]
    fn decode_matches_reference_exhaustively_up_to_four_chars() {
        // Every alphabet edge, the padding and standard-alphabet characters, and bytes just
        // outside each range.
        let chars = b"AQZaz09-_=+/.@[`{ \x00\xff\x80";
        let mut src = [0u8; 4];
        for len in 0..=4u32 {
            for i in 0..chars.len().pow(len) {
                let mut k = i;
                for s in src.iter_mut().take(len as usize) {
                    *s = chars[k % chars.len()];
                    k /= chars.len();
                }
                same_as_reference(&src[..len as usize], 8);
            }
        }
    }

    #[test]
    fn decode_matches_reference_on_long_inputs() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut src = [0u8; 64];
        for _ in 0..200_000 {
            let len = (next() % 65) as usize;
            for s in &mut src[..len] {
                *s = ALPHABET[(next() % 64) as usize];
            }
            // Mostly valid inputs; sometimes one arbitrary byte anywhere.
            if len > 0 && next() % 3 == 0 {
                src[(next() % len as u64) as usize] = next() as u8;
            }
            let out_len = if next() % 8 == 0 {
                (next() % 49) as usize
            } else {
                64
            };
            same_as_reference(&src[..len], out_len);
            if len == 43 {
                let sig: &[u8; 43] = src[..43].try_into().unwrap();
                let mut b = [0u8; 64];
                let expect =
                    reference(sig, &mut b).map(|_| <[u8; 32]>::try_from(&b[..32]).unwrap());
                assert_eq!(decode_32(sig), expect);
            }
        }
    }

    #[test]
    fn decode_32_is_strict() {
        let mut enc = [0u8; 43];
        let data: [u8; 32] = core::array::from_fn(|i| (i * 29 + 3) as u8);
        assert_eq!(encode(&data, &mut enc), Ok(43));
        assert_eq!(decode_32(&enc), Ok(data));
        for i in 0..43 {
            for bad in [b'=', b'+', b'/', b'.', 0, 0xFF] {
                let mut e = enc;
                e[i] = bad;
                assert_eq!(decode_32(&e), Err(B64Error::Invalid));
            }
        }
        let mut e = enc;
        e[42] = ALPHABET[usize::from(DECODE[usize::from(e[42])] as u8 | 1)];
        assert_eq!(decode_32(&e), Err(B64Error::NonCanonical));
    }

    #[test]
    fn in_place_matches_plain_encoding() {
        for n in 0..160usize {
            let data: [u8; 160] = core::array::from_fn(|i| (i * 37 + 11) as u8);
            let mut expect = [0u8; 224];
            let e = encode(&data[..n], &mut expect).unwrap();
            let mut buf = [0u8; 256];
            let at = 5;
            buf[at..at + n].copy_from_slice(&data[..n]);
            let w = encode_in_place(&mut buf, at, n).unwrap();
            assert_eq!(&buf[at..at + w], &expect[..e]);
        }
    }
}
