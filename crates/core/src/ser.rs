//! Compact JSON serialization of issued claims into a caller buffer, byte for byte what
//! `serde_json_core::to_slice` writes, with fewer bounds checks and a string escaper that copies
//! unescaped runs whole.
//!
//! The output is identical: same separators, same raw (unescaped) struct field and variant
//! names, same string escapes (`\\ \" \b \t \n \f \r`, other control characters as `\u00XX` in
//! upper-case hex, everything else verbatim), same integers. Floats (`ryu`, `null` when not
//! finite) and `EscapedStr` are handed to `serde_json_core` for that one value. Where
//! serde-json-core panics, this serializer does not: a `char` is written as a one-character
//! string and a 128-bit integer as its digits (as `serde_json` writes them), while tuple variants
//! and a `Serialize` implementation's own custom error give [`Error::Unsupported`].

use core::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// Why claims could not be serialized.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Error {
    /// The buffer is too small.
    BufferFull,
    /// A value this serializer does not write (a tuple variant), or a `Serialize`
    /// implementation's own error.
    Unsupported,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BufferFull => "buffer full",
            Self::Unsupported => "value not supported",
        })
    }
}

impl core::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Self::Unsupported
    }
}

type Result<T> = core::result::Result<T, Error>;

/// The name `serde_json_core::str::EscapedStr` serializes under (not exported).
const ESCAPED_STR: &str = "__serde_json_core_escaped_string__";

/// `value` as compact JSON at the front of `buf`; the number of bytes written.
pub(crate) fn to_slice<T: Serialize + ?Sized>(value: &T, buf: &mut [u8]) -> Result<usize> {
    let mut s = Serializer { buf, len: 0 };
    value.serialize(&mut s)?;
    Ok(s.len)
}

struct Serializer<'b> {
    buf: &'b mut [u8],
    len: usize,
}

/// Two decimal digits of every value below 100.
const DIGITS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

impl Serializer<'_> {
    #[inline]
    fn push(&mut self, c: u8) -> Result<()> {
        *self.buf.get_mut(self.len).ok_or(Error::BufferFull)? = c;
        self.len += 1;
        Ok(())
    }

    #[inline]
    fn extend(&mut self, s: &[u8]) -> Result<()> {
        let end = self.len + s.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(Error::BufferFull)?
            .copy_from_slice(s);
        self.len = end;
        Ok(())
    }

    /// `"`, `a`, `b`, `"` and `c` in one step (a member name and its separators).
    #[inline]
    fn quoted(&mut self, open: &[u8], name: &[u8], close: &[u8]) -> Result<()> {
        let start = self.len;
        let end = start + open.len() + name.len() + close.len();
        let dst = self.buf.get_mut(start..end).ok_or(Error::BufferFull)?;
        let (o, rest) = dst.split_at_mut(open.len());
        let (n, c) = rest.split_at_mut(name.len());
        o.copy_from_slice(open);
        n.copy_from_slice(name);
        c.copy_from_slice(close);
        self.len = end;
        Ok(())
    }

    /// One value written by `serde_json_core` itself.
    fn delegate<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let rest = self.buf.get_mut(self.len..).ok_or(Error::BufferFull)?;
        self.len += serde_json_core::to_slice(value, rest).map_err(|e| match e {
            serde_json_core::ser::Error::BufferFull => Error::BufferFull,
            _ => Error::Unsupported,
        })?;
        Ok(())
    }

    /// The escaped contents of a string, without the quotes.
    fn escaped(&mut self, s: &str) -> Result<()> {
        let bytes = s.as_bytes();
        let mut run = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if b >= 0x20 && b != b'"' && b != b'\\' {
                continue;
            }
            self.extend(&bytes[run..i])?;
            run = i + 1;
            let short = match b {
                b'\\' => b'\\',
                b'"' => b'"',
                0x08 => b'b',
                0x09 => b't',
                0x0A => b'n',
                0x0C => b'f',
                0x0D => b'r',
                _ => 0,
            };
            if short != 0 {
                self.extend(&[b'\\', short])?;
            } else {
                let hex = |n: u8| if n < 10 { b'0' + n } else { b'A' + n - 10 };
                self.extend(&[b'\\', b'u', b'0', b'0', hex(b >> 4), hex(b & 0x0F)])?;
            }
        }
        self.extend(&bytes[run..])
    }

    fn string(&mut self, s: &str) -> Result<()> {
        self.push(b'"')?;
        self.escaped(s)?;
        self.push(b'"')
    }

    fn unsigned(&mut self, neg: bool, mut v: u64) -> Result<()> {
        let mut d = [0u8; 21];
        let mut i = d.len();
        while v >= 100 {
            let k = (v % 100) as usize * 2;
            v /= 100;
            i -= 2;
            d[i..i + 2].copy_from_slice(&DIGITS[k..k + 2]);
        }
        if v >= 10 {
            let k = v as usize * 2;
            i -= 2;
            d[i..i + 2].copy_from_slice(&DIGITS[k..k + 2]);
        } else {
            i -= 1;
            d[i] = b'0' + v as u8;
        }
        if neg {
            i -= 1;
            d[i] = b'-';
        }
        self.extend(&d[i..])
    }

    fn signed(&mut self, v: i64) -> Result<()> {
        self.unsigned(v < 0, v.unsigned_abs())
    }

    fn unsigned128(&mut self, neg: bool, mut v: u128) -> Result<()> {
        if let Ok(small) = u64::try_from(v) {
            return self.unsigned(neg, small);
        }
        let mut d = [0u8; 40];
        let mut i = d.len();
        while v > 0 {
            i -= 1;
            d[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        if neg {
            i -= 1;
            d[i] = b'-';
        }
        self.extend(&d[i..])
    }
}

/// Serializes through `serde_json_core`'s `serialize_newtype_struct` (for `EscapedStr`).
struct Newtype<'a, T: ?Sized> {
    name: &'static str,
    value: &'a T,
}

impl<T: Serialize + ?Sized> Serialize for Newtype<'_, T> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(self.name, self.value)
    }
}

/// A sequence, map or struct being written; `first` until a member has been.
struct Compound<'a, 'b> {
    ser: &'a mut Serializer<'b>,
    first: bool,
}

impl Compound<'_, '_> {
    #[inline]
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        let open: &[u8] = if self.first { b"\"" } else { b",\"" };
        self.first = false;
        self.ser.quoted(open, key.as_bytes(), b"\":")?;
        value.serialize(&mut *self.ser)
    }

    #[inline]
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        if !self.first {
            self.ser.push(b',')?;
        }
        self.first = false;
        value.serialize(&mut *self.ser)
    }
}

impl<'a, 'b: 'a> ser::Serializer for &'a mut Serializer<'b> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'b>;
    type SerializeTuple = Compound<'a, 'b>;
    type SerializeTupleStruct = Compound<'a, 'b>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Compound<'a, 'b>;
    type SerializeStruct = Compound<'a, 'b>;
    type SerializeStructVariant = Compound<'a, 'b>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.extend(if v { b"true" } else { b"false" })
    }

    fn serialize_i8(self, v: i8) -> Result<()> {
        self.signed(v.into())
    }

    fn serialize_i16(self, v: i16) -> Result<()> {
        self.signed(v.into())
    }

    fn serialize_i32(self, v: i32) -> Result<()> {
        self.signed(v.into())
    }

    fn serialize_i64(self, v: i64) -> Result<()> {
        self.signed(v)
    }

    fn serialize_u8(self, v: u8) -> Result<()> {
        self.unsigned(false, v.into())
    }

    fn serialize_u16(self, v: u16) -> Result<()> {
        self.unsigned(false, v.into())
    }

    fn serialize_u32(self, v: u32) -> Result<()> {
        self.unsigned(false, v.into())
    }

    fn serialize_u64(self, v: u64) -> Result<()> {
        self.unsigned(false, v)
    }

    fn serialize_f32(self, v: f32) -> Result<()> {
        self.delegate(&v)
    }

    fn serialize_f64(self, v: f64) -> Result<()> {
        self.delegate(&v)
    }

    fn serialize_i128(self, v: i128) -> Result<()> {
        self.unsigned128(v < 0, v.unsigned_abs())
    }

    fn serialize_u128(self, v: u128) -> Result<()> {
        self.unsigned128(false, v)
    }

    fn serialize_char(self, v: char) -> Result<()> {
        self.string(v.encode_utf8(&mut [0u8; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<()> {
        self.string(v)
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        self.extend(v)
    }

    fn serialize_none(self) -> Result<()> {
        self.extend(b"null")
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<()> {
        self.extend(b"null")
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        self.extend(b"null")
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<()> {
        self.string(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        if name == ESCAPED_STR {
            self.delegate(&Newtype { name, value })
        } else {
            value.serialize(self)
        }
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        self.quoted(b"{\"", variant.as_bytes(), b"\":")?;
        value.serialize(&mut *self)?;
        self.push(b'}')
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, 'b>> {
        self.push(b'[')?;
        Ok(Compound {
            ser: self,
            first: true,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, 'b>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, 'b>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Impossible<(), Error>> {
        Err(Error::Unsupported)
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, 'b>> {
        self.push(b'{')?;
        Ok(Compound {
            ser: self,
            first: true,
        })
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a, 'b>> {
        self.serialize_map(None)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'b>> {
        self.quoted(b"{\"", variant.as_bytes(), b"\":{")?;
        Ok(Compound {
            ser: self,
            first: true,
        })
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<()> {
        struct Escaper<'a, 'b>(&'a mut Serializer<'b>);
        impl fmt::Write for Escaper<'_, '_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.0.escaped(s).map_err(|_| fmt::Error)
            }
        }
        self.push(b'"')?;
        fmt::write(&mut Escaper(&mut *self), format_args!("{value}"))
            .map_err(|_| Error::BufferFull)?;
        self.push(b'"')
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.ser.push(b']')
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.ser.push(b']')
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.ser.push(b']')
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.element(key)?;
        self.ser.push(b':')
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result<()> {
        self.ser.push(b'}')
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(key, value)
    }

    fn end(self) -> Result<()> {
        self.ser.push(b'}')
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(key, value)
    }

    fn end(self) -> Result<()> {
        self.ser.extend(b"}}")
    }
}

#[cfg(test)]
#[allow(clippy::std_instead_of_alloc, clippy::unwrap_used)]
mod tests {
    use std::boxed::Box;
    use std::string::{String, ToString};
    use std::vec;
    use std::vec::Vec;

    use proptest::prelude::*;
    use serde::ser::{
        SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
        SerializeTupleStruct,
    };
    use serde::{Serialize, Serializer};

    /// Static names for struct fields and variants (serde requires `'static`), some of which
    /// serde-json-core writes unescaped.
    const NAMES: [&str; 8] = ["sub", "exp", "", "a\"b", "é", "scope", "x\\y", "k\n"];

    /// Every shape a serializer is asked to write, built at random.
    #[derive(Clone, Debug)]
    enum V {
        Null,
        Unit,
        UnitStruct,
        Bool(bool),
        I8(i8),
        I16(i16),
        I32(i32),
        I64(i64),
        U8(u8),
        U16(u16),
        U32(u32),
        U64(u64),
        F32(f32),
        F64(f64),
        Str(String),
        Bytes(Vec<u8>),
        Display(String),
        Escaped(String),
        Some(Box<V>),
        Newtype(Box<V>),
        UnitVariant(usize),
        NewtypeVariant(usize, Box<V>),
        Seq(Vec<V>),
        Tuple(Vec<V>),
        TupleStruct(Vec<V>),
        Map(Vec<(V, V)>),
        Struct(Vec<(usize, Option<V>)>),
        StructVariant(usize, Vec<(usize, V)>),
    }

    struct Shown<'a>(&'a str);
    impl core::fmt::Display for Shown<'_> {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            // In pieces, as `write!` of a format string would.
            let mut mid = self.0.len() / 2;
            while !self.0.is_char_boundary(mid) {
                mid += 1;
            }
            let (a, b) = self.0.split_at(mid);
            write!(f, "{a}{b}")
        }
    }

    impl Serialize for V {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self {
                V::Null => s.serialize_none(),
                V::Unit => s.serialize_unit(),
                V::UnitStruct => s.serialize_unit_struct("U"),
                V::Bool(v) => s.serialize_bool(*v),
                V::I8(v) => s.serialize_i8(*v),
                V::I16(v) => s.serialize_i16(*v),
                V::I32(v) => s.serialize_i32(*v),
                V::I64(v) => s.serialize_i64(*v),
                V::U8(v) => s.serialize_u8(*v),
                V::U16(v) => s.serialize_u16(*v),
                V::U32(v) => s.serialize_u32(*v),
                V::U64(v) => s.serialize_u64(*v),
                V::F32(v) => s.serialize_f32(*v),
                V::F64(v) => s.serialize_f64(*v),
                V::Str(v) => s.serialize_str(v),
                V::Bytes(v) => s.serialize_bytes(v),
                V::Display(v) => s.collect_str(&Shown(v)),
                V::Escaped(v) => serde_json_core::str::EscapedStr(v).serialize(s),
                V::Some(v) => s.serialize_some(v),
                V::Newtype(v) => s.serialize_newtype_struct("N", v),
                V::UnitVariant(i) => s.serialize_unit_variant("E", 0, NAMES[*i]),
                V::NewtypeVariant(i, v) => s.serialize_newtype_variant("E", 1, NAMES[*i], v),
                V::Seq(vs) => {
                    let mut q = s.serialize_seq(Some(vs.len()))?;
                    vs.iter().try_for_each(|v| q.serialize_element(v))?;
                    q.end()
                }
                V::Tuple(vs) => {
                    let mut q = s.serialize_tuple(vs.len())?;
                    vs.iter().try_for_each(|v| q.serialize_element(v))?;
                    q.end()
                }
                V::TupleStruct(vs) => {
                    let mut q = s.serialize_tuple_struct("T", vs.len())?;
                    vs.iter().try_for_each(|v| q.serialize_field(v))?;
                    q.end()
                }
                V::Map(kvs) => {
                    let mut m = s.serialize_map(None)?;
                    for (k, v) in kvs {
                        m.serialize_entry(k, v)?;
                    }
                    m.end()
                }
                V::Struct(fs) => {
                    let mut m = s.serialize_struct("S", fs.len())?;
                    for (i, v) in fs {
                        match v {
                            Some(v) => m.serialize_field(NAMES[*i], v)?,
                            None => m.skip_field(NAMES[*i])?,
                        }
                    }
                    m.end()
                }
                V::StructVariant(i, fs) => {
                    let mut m = s.serialize_struct_variant("E", 2, NAMES[*i], fs.len())?;
                    for (k, v) in fs {
                        m.serialize_field(NAMES[*k], v)?;
                    }
                    m.end()
                }
            }
        }
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[\\x00-\\x7f]{0,24}",
            "[a-z\"\\\\\\x00-\\x1f\\x7f\u{e9}\u{2028}\u{1f600}]{0,16}",
        ]
    }

    fn leaf() -> impl Strategy<Value = V> {
        prop_oneof![
            Just(V::Null),
            Just(V::Unit),
            Just(V::UnitStruct),
            any::<bool>().prop_map(V::Bool),
            any::<i8>().prop_map(V::I8),
            any::<i16>().prop_map(V::I16),
            any::<i32>().prop_map(V::I32),
            any::<i64>().prop_map(V::I64),
            prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(0), Just(-1), Just(-10)]
                .prop_map(V::I64),
            any::<u8>().prop_map(V::U8),
            any::<u16>().prop_map(V::U16),
            any::<u32>().prop_map(V::U32),
            any::<u64>().prop_map(V::U64),
            (0..=20u32).prop_map(|e| V::U64(10u64.pow(e.min(19)) - u64::from(e % 2))),
            any::<f32>().prop_map(V::F32),
            any::<f64>().prop_map(V::F64),
            text().prop_map(V::Str),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(V::Bytes),
            text().prop_map(V::Display),
            "[a-z\\\\n\"]{0,8}".prop_map(V::Escaped),
            (0..NAMES.len()).prop_map(V::UnitVariant),
        ]
    }

    fn value() -> impl Strategy<Value = V> {
        leaf().prop_recursive(4, 48, 6, |inner| {
            let names = 0..NAMES.len();
            prop_oneof![
                inner.clone().prop_map(|v| V::Some(Box::new(v))),
                inner.clone().prop_map(|v| V::Newtype(Box::new(v))),
                (names.clone(), inner.clone()).prop_map(|(i, v)| V::NewtypeVariant(i, Box::new(v))),
                proptest::collection::vec(inner.clone(), 0..5).prop_map(V::Seq),
                proptest::collection::vec(inner.clone(), 0..4).prop_map(V::Tuple),
                proptest::collection::vec(inner.clone(), 0..4).prop_map(V::TupleStruct),
                proptest::collection::vec((inner.clone(), inner.clone()), 0..4).prop_map(V::Map),
                proptest::collection::vec(
                    (
                        names.clone(),
                        proptest::option::weighted(0.8, inner.clone())
                    ),
                    0..6
                )
                .prop_map(V::Struct),
                (
                    names.clone(),
                    proptest::collection::vec((names.clone(), inner), 0..4)
                )
                    .prop_map(|(i, fs)| V::StructVariant(i, fs)),
            ]
        })
    }

    /// Same result as serde-json-core into a buffer of every length up to the output's and a
    /// little beyond: the same bytes when it fits, an error when it does not.
    /// serde-json-core's answer in this module's error type.
    fn reference<T: Serialize + ?Sized>(v: &T, buf: &mut [u8]) -> Result<usize, super::Error> {
        serde_json_core::to_slice(v, buf).map_err(|e| match e {
            serde_json_core::ser::Error::BufferFull => super::Error::BufferFull,
            _ => super::Error::Unsupported,
        })
    }

    fn same<T: Serialize + ?Sized>(v: &T) {
        let mut theirs = [0u8; 8192];
        let mut ours = [0u8; 8192];
        let expect = reference(v, &mut theirs);
        let got = super::to_slice(v, &mut ours);
        assert_eq!(got, expect);
        let n = expect.unwrap();
        assert_eq!(
            ours[..n],
            theirs[..n],
            "{}",
            String::from_utf8_lossy(&theirs[..n])
        );
        for cap in [0, n / 2, n.saturating_sub(1), n, n + 1] {
            let t = reference(v, &mut theirs[..cap]);
            let o = super::to_slice(v, &mut ours[..cap]);
            assert_eq!(o, t, "capacity {cap}");
        }
    }

    #[derive(Serialize)]
    struct Inner<'a> {
        iss: &'a str,
        n: Option<u16>,
    }

    #[derive(Serialize)]
    struct Claims<'a> {
        sub: &'a str,
        exp: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        nbf: Option<u64>,
        iat: u32,
        scope: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        inner: Option<Inner<'a>>,
        roles: Vec<&'a str>,
        admin: bool,
        nothing: (),
        ratio: f64,
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn matches_serde_json_core(v in value()) {
            same(&v);
        }

        #[test]
        fn derived_claims_match_serde_json_core(
            sub in text(),
            exp: i64,
            nbf: Option<u64>,
            iat: u32,
            scope in text(),
            inner in proptest::option::of((text(), any::<Option<u16>>())),
            roles in proptest::collection::vec(text(), 0..4),
            admin: bool,
            ratio: f64,
        ) {
            let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
            same(&Claims {
                sub: &sub,
                exp,
                nbf,
                iat,
                scope,
                inner: inner.as_ref().map(|(iss, n)| Inner { iss, n: *n }),
                roles,
                admin,
                nothing: (),
                ratio,
            });
        }
    }

    #[test]
    fn every_byte_of_a_string_and_every_integer_edge() {
        for b in 0..0x80u8 {
            let s = [b'a', b, b'z'];
            same(core::str::from_utf8(&s).unwrap());
        }
        for c in [
            '\u{7f}',
            '\u{80}',
            '\u{7ff}',
            '\u{800}',
            '\u{ffff}',
            '\u{10000}',
            '\u{10ffff}',
        ] {
            let mut s = [0u8; 4];
            same(c.encode_utf8(&mut s));
        }
        for k in 0..64 {
            let u = 1u64 << k;
            for v in [u - 1, u, u + 1] {
                same(&v);
                same(&(v as i64));
                same(&(v as i64).wrapping_neg());
                same(&(v as u32));
                same(&(v as i32));
                same(&(v as u16));
                same(&(v as i16));
                same(&(v as u8));
                same(&(v as i8));
            }
        }
        for p in 0..20 {
            same(&10u64.pow(p));
            same(&(10u64.pow(p) - 1));
        }
        same(&u64::MAX);
        same(&i64::MIN);
        same(&i64::MAX);
    }

    fn ours<T: Serialize + ?Sized>(v: &T) -> Result<String, super::Error> {
        let mut buf = [0u8; 256];
        let n = super::to_slice(v, &mut buf)?;
        Ok(String::from_utf8(buf[..n].to_vec()).unwrap())
    }

    #[test]
    fn what_serde_json_core_panics_on_is_written_or_refused() {
        // Written as serde_json writes them.
        assert_eq!(ours(&'x'), Ok(String::from("\"x\"")));
        assert_eq!(ours(&'"'), Ok(String::from("\"\\\"\"")));
        assert_eq!(ours(&'é'), Ok(String::from("\"é\"")));
        for v in [0i128, -1, 42, i128::from(i64::MIN), i128::MIN, i128::MAX] {
            assert_eq!(ours(&v), Ok(v.to_string()), "{v}");
        }
        for v in [0u128, u128::from(u64::MAX) + 1, u128::MAX] {
            assert_eq!(ours(&v), Ok(v.to_string()), "{v}");
        }
        let mut small = [0u8; 38]; // u128::MAX has 39 digits
        assert_eq!(
            super::to_slice(&u128::MAX, &mut small),
            Err(super::Error::BufferFull)
        );
        // Refused.
        #[derive(Serialize)]
        enum E {
            Pair(u8, u8),
        }
        assert_eq!(ours(&E::Pair(1, 2)), Err(super::Error::Unsupported));
        struct Failing;
        impl Serialize for Failing {
            fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("cannot"))
            }
        }
        assert_eq!(ours(&Failing), Err(super::Error::Unsupported));
        assert_eq!(ours(&[Failing]), Err(super::Error::Unsupported));
    }
}
