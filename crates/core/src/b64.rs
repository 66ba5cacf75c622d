//! Strict, canonical, unpadded base64url for public data (token headers and payloads).
//!
//! Everything decoded here is public to whoever holds the token: the received signature (which
//! is then compared with the computed MAC in constant time), the header and the payload (decoded
//! only after the MAC has been checked). So a table-driven codec is used: several times faster
//! than a constant-time one. Encoding has no table at all: eight characters at a time are computed
//! lane-wise in a `u64` ([`encode_32_ct`]), so the computed MAC of an issued token can be
//! encoded with it and secret-dependent bytes never index a table or steer a branch.
//!
//! Why by hand rather than `base64ct` (used by the tests and for PHC salts and tags): decoding
//! is on the verify hot path, and base64ct's decoder is constant-time, which public data does
//! not need and which costs several times the table lookup here. This one also decodes a
//! signature straight into a `[u8; 32]`, in `no_std` and without allocation.

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

/// One in every byte lane of a `u64`.
const LANES: u64 = 0x0101_0101_0101_0101;

/// Six bytes, the high 48 bits of `x` (big-endian), as their eight sextets, one per byte lane
/// (the first sextet in the most significant lane).
#[inline(always)]
const fn spread(x: u64) -> u64 {
    let x = x >> 16;
    // Two 24-bit halves into the two 32-bit halves, then 12-bit quarters into 16-bit lanes,
    // then sextets into byte lanes.
    let y = (x & 0x0000_0000_00FF_FFFF) | ((x & 0x0000_FFFF_FF00_0000) << 8);
    let z = (y & 0x0000_0FFF_0000_0FFF) | ((y & 0x00FF_F000_00FF_F000) << 4);
    (z & 0x003F_003F_003F_003F) | ((z & 0x0FC0_0FC0_0FC0_0FC0) << 2)
}

/// The base64url character of each sextet in the byte lanes of `s`, lane by lane, without a
/// table or a branch: constant time, so it may encode secrets (the computed MAC).
///
/// `ge(t)` has 1 in each lane whose sextet is at least `t`: adding `128 - t` to a lane (at most
/// 63 + 127, so nothing carries into the next lane) sets its high bit exactly then. The
/// character is `s + 65`, plus 6 from `a` on, minus 75 from `0` on, minus 13 for `-`, plus 49
/// for `_`. The additions stay below 256 in every lane and every lane's result is positive,
/// so the plain `u64` sum and difference never carry or borrow across lanes.
#[inline(always)]
fn ascii(s: u64) -> u64 {
    let ge = |t: u64| ((s + (128 - t) * LANES) >> 7) & LANES;
    s + 65 * LANES + 6 * ge(26) + 49 * ge(63) - 75 * ge(52) - 13 * ge(62)
}

/// Six bytes to eight base64url characters, in constant time.
#[inline(always)]
fn encode6(src: &[u8], out: &mut [u8]) {
    let mut w = [0u8; 8];
    w[..6].copy_from_slice(&src[..6]);
    out[..8].copy_from_slice(&ascii(spread(u64::from_be_bytes(w))).to_be_bytes());
}

/// The final `src.len() < 6` bytes, unpadded, into `out` (exactly `encoded_len(src.len())`).
#[inline(always)]
fn encode_tail(src: &[u8], out: &mut [u8]) {
    let mut w = [0u8; 8];
    w[..src.len()].copy_from_slice(src);
    let chars = ascii(spread(u64::from_be_bytes(w))).to_be_bytes();
    out.copy_from_slice(&chars[..out.len()]);
}

/// Encodes a 32-byte MAC to its 43 characters without a table or a secret-dependent branch.
#[inline]
pub(crate) fn encode_32_ct(mac: &[u8; 32]) -> [u8; 43] {
    let mut src = [0u8; 36];
    src[..32].copy_from_slice(mac);
    let mut out = [0u8; 48];
    for (s, o) in src.chunks_exact(6).zip(out.chunks_exact_mut(8)) {
        encode6(s, o);
    }
    let mut sig = [0u8; 43];
    sig.copy_from_slice(&out[..43]);
    sig
}

/// Encodes `src` into the front of `out`. Returns the number of bytes written.
pub(crate) fn encode(src: &[u8], out: &mut [u8]) -> Result<usize, B64Error> {
    let len = encoded_len(src.len());
    let out = out.get_mut(..len).ok_or(B64Error::BufferTooSmall)?;
    let mut srcs = src.chunks_exact(6);
    let mut outs = out.chunks_exact_mut(8);
    for (s, o) in (&mut srcs).zip(&mut outs) {
        encode6(s, o);
    }
    encode_tail(srcs.remainder(), outs.into_remainder());
    Ok(len)
}

/// Encodes `buf[at..at + n]` in place, to `buf[at..at + encoded_len(n)]`.
///
/// Works backwards one six-byte step at a time, from the last: step `j` reads `at + 6j ..
/// at + 6j + 6` (as an eight-byte word whose last two bytes [`spread`] discards) before it
/// writes `at + 8j .. at + 8j + 8`; the later steps, already done, wrote only from
/// `at + 8j + 8 >= at + 6j + 6` on, and earlier steps' input ends at `at + 6j`. So no unread
/// byte is overwritten, and a token is serialized and encoded in one caller buffer.
pub(crate) fn encode_in_place(buf: &mut [u8], at: usize, n: usize) -> Result<usize, B64Error> {
    let len = encoded_len(n);
    if buf.len() < at + len.max(n) {
        return Err(B64Error::BufferTooSmall);
    }
    let buf = &mut buf[at..at + len.max(n)];
    let full = n / 6;
    let rem = n % 6;
    if rem > 0 {
        let mut tail = [0u8; 6];
        tail[..rem].copy_from_slice(&buf[full * 6..n]);
        let o = full * 8;
        encode_tail(&tail[..rem], &mut buf[o..o + encoded_len(rem)]);
    }
    for j in (0..full).rev() {
        // Step `j`'s output ends at `8j + 8 <= len`, so the word read at `6j` is in bounds.
        let mut w = [0u8; 8];
        w.copy_from_slice(&buf[6 * j..6 * j + 8]);
        let chars = ascii(spread(u64::from_be_bytes(w))).to_be_bytes();
        buf[8 * j..8 * j + 8].copy_from_slice(&chars);
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

    /// The table-driven encoding, one group of three at a time.
    fn encode_reference(src: &[u8], out: &mut [u8]) -> usize {
        let mut o = 0;
        for g in src.chunks(3) {
            let mut w = [0u8; 3];
            w[..g.len()].copy_from_slice(g);
            let v = (u32::from(w[0]) << 16) | (u32::from(w[1]) << 8) | u32::from(w[2]);
            for k in 0..=g.len() {
                out[o] = ALPHABET[(v >> (18 - 6 * k)) as usize & 63];
                o += 1;
            }
        }
        o
    }

    #[test]
    fn lane_mapping_is_the_alphabet_for_every_sextet_in_every_lane() {
        for lane in 0..8 {
            for s in 0..64u64 {
                // The other lanes hold every other sextet too, so no lane disturbs its neighbours.
                let filler = (0..8u64).fold(0, |a, l| a | (((s * 7 + l * 13) % 64) << (8 * l)));
                let x = (filler & !(0xFF << (8 * lane))) | (s << (8 * lane));
                let out = ascii(x).to_le_bytes();
                for (l, &c) in out.iter().enumerate() {
                    let sl = ((x >> (8 * l)) & 0xFF) as usize;
                    assert_eq!(c, ALPHABET[sl], "sextet {sl} in lane {l}");
                }
            }
        }
        for x in 0..(1u64 << 12) {
            // Every pair of sextets in the first two and the last two lanes.
            let hi = x << 52;
            let lo = x;
            for w in [hi, lo << 16, (x << 40) | (x << 16)] {
                let s = spread(w).to_be_bytes();
                for (k, &c) in s.iter().enumerate() {
                    assert_eq!(u64::from(c), (w >> (58 - 6 * k)) & 63);
                }
            }
        }
    }

    #[test]
    fn constant_time_mac_encoding_matches_base64ct() {
        use base64ct::{Base64UrlUnpadded, Encoding};
        let mut x = 0x0123_4567_89AB_CDEFu64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let check = |mac: [u8; 32]| {
            let mut expect = [0u8; 43];
            Base64UrlUnpadded::encode(&mac, &mut expect).unwrap();
            assert_eq!(encode_32_ct(&mac), expect, "{mac:?}");
        };
        // Every byte value at every position, then every sextet value at every sextet position.
        for i in 0..32 {
            for b in 0..=255u8 {
                let mut mac = [0u8; 32];
                mac[i] = b;
                check(mac);
                check(mac.map(|m| m ^ 0xFF));
            }
        }
        for p in 0..43 {
            for s in 0..64u32 {
                let mut mac = [0u8; 32];
                let bit = 6 * p;
                let v = (s << 18) >> (bit % 8);
                for (k, byte) in v.to_be_bytes()[1..].iter().enumerate() {
                    if let Some(m) = mac.get_mut(bit / 8 + k) {
                        *m = *byte;
                    }
                }
                check(mac);
            }
        }
        for _ in 0..100_000 {
            let mut mac = [0u8; 32];
            for c in mac.chunks_exact_mut(8) {
                c.copy_from_slice(&next().to_le_bytes());
            }
            check(mac);
        }
    }

    #[test]
    fn encode_matches_the_table_encoding() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for round in 0..20_000usize {
            let n = round % 200;
            let data: [u8; 200] = core::array::from_fn(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            });
            let mut expect = [0u8; 272];
            let e = encode_reference(&data[..n], &mut expect);
            let mut got = [0u8; 272];
            assert_eq!(encode(&data[..n], &mut got), Ok(e));
            assert_eq!(got[..e], expect[..e]);
            let mut buf = [0u8; 280];
            let at = round % 7;
            buf[at..at + n].copy_from_slice(&data[..n]);
            assert_eq!(encode_in_place(&mut buf, at, n), Ok(e));
            assert_eq!(buf[at..at + e], expect[..e]);
            assert_eq!(
                encode(&data[..n], &mut got[..e.saturating_sub(1)]).is_err(),
                e > 0
            );
        }
    }
}
