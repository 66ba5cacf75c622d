//! Whether serde-json-core can write a value without panicking.
//!
//! [`jwt::encode`](crate::jwt::encode) writes claims with `serde_json_core::to_slice`, which
//! panics (`unreachable!`) on a `char`, a 128-bit integer, a tuple variant, an `EscapedStr`
//! wrapping anything but a string, and any custom error a `Serialize` implementation returns.
//! [`check`] walks the value once through a serializer that writes nothing and refuses exactly
//! those, so encode can answer `EncodeError::Claims` instead. A `Serialize` implementation that
//! behaves differently on a second call is outside what this check can see.

use core::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// serde-json-core's name for `EscapedStr` (crate-private there); its inner value must be a
/// string.
const ESCAPED_STR: &str = "__serde_json_core_escaped_string__";

/// `true` when serde-json-core can serialize `value` without reaching one of its panics.
pub(crate) fn check<T: Serialize + ?Sized>(value: &T) -> bool {
    value.serialize(&mut Check { escaped: false }).is_ok()
}

/// Something serde-json-core would panic on.
#[derive(Debug)]
pub(crate) struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("value serde-json-core cannot write")
    }
}

impl core::error::Error for Refused {}

impl ser::Error for Refused {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Self
    }
}

type Result = core::result::Result<(), Refused>;

/// The walker; `escaped` while inside an `EscapedStr`, where only a string is accepted.
struct Check {
    escaped: bool,
}

impl Check {
    /// Any value other than a string: refused inside an `EscapedStr`.
    fn other(&mut self) -> core::result::Result<&mut Self, Refused> {
        if self.escaped { Err(Refused) } else { Ok(self) }
    }
}

impl<'a> ser::Serializer for &'a mut Check {
    type Ok = ();
    type Error = Refused;
    type SerializeSeq = &'a mut Check;
    type SerializeTuple = &'a mut Check;
    type SerializeTupleStruct = &'a mut Check;
    type SerializeTupleVariant = Impossible<(), Refused>;
    type SerializeMap = &'a mut Check;
    type SerializeStruct = &'a mut Check;
    type SerializeStructVariant = &'a mut Check;

    fn serialize_bool(self, _: bool) -> Result {
        self.other().map(drop)
    }
    fn serialize_i8(self, _: i8) -> Result {
        self.other().map(drop)
    }
    fn serialize_i16(self, _: i16) -> Result {
        self.other().map(drop)
    }
    fn serialize_i32(self, _: i32) -> Result {
        self.other().map(drop)
    }
    fn serialize_i64(self, _: i64) -> Result {
        self.other().map(drop)
    }
    fn serialize_u8(self, _: u8) -> Result {
        self.other().map(drop)
    }
    fn serialize_u16(self, _: u16) -> Result {
        self.other().map(drop)
    }
    fn serialize_u32(self, _: u32) -> Result {
        self.other().map(drop)
    }
    fn serialize_u64(self, _: u64) -> Result {
        self.other().map(drop)
    }
    fn serialize_f32(self, _: f32) -> Result {
        self.other().map(drop)
    }
    fn serialize_f64(self, _: f64) -> Result {
        self.other().map(drop)
    }
    fn serialize_i128(self, _: i128) -> Result {
        Err(Refused)
    }
    fn serialize_u128(self, _: u128) -> Result {
        Err(Refused)
    }
    fn serialize_char(self, _: char) -> Result {
        Err(Refused)
    }
    fn serialize_str(self, _: &str) -> Result {
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result {
        self.other().map(drop)
    }
    fn serialize_none(self) -> Result {
        self.other().map(drop)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self.other()?)
    }
    fn serialize_unit(self) -> Result {
        self.other().map(drop)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result {
        self.other().map(drop)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result {
        self.other().map(drop)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result {
        let this = self.other()?;
        this.escaped = name == ESCAPED_STR;
        let r = value.serialize(&mut *this);
        this.escaped = false;
        r
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> Result {
        value.serialize(self.other()?)
    }
    fn serialize_seq(self, _: Option<usize>) -> core::result::Result<Self, Refused> {
        self.other()
    }
    fn serialize_tuple(self, _: usize) -> core::result::Result<Self, Refused> {
        self.other()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> core::result::Result<Self, Refused> {
        self.other()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> core::result::Result<Impossible<(), Refused>, Refused> {
        Err(Refused)
    }
    fn serialize_map(self, _: Option<usize>) -> core::result::Result<Self, Refused> {
        self.other()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> core::result::Result<Self, Refused> {
        self.other()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> core::result::Result<Self, Refused> {
        self.other()
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, _: &T) -> Result {
        self.other().map(drop)
    }
}

/// The compound serializers: every member is checked the same way.
macro_rules! members {
    ($($trait:ident :: $method:ident ($($key:ty)?)),*) => {$(
        impl ser::$trait for &mut Check {
            type Ok = ();
            type Error = Refused;
            fn $method<T: Serialize + ?Sized>(&mut self, $(_: $key,)? value: &T) -> Result {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result {
                Ok(())
            }
        }
    )*};
}

members!(
    SerializeSeq::serialize_element(),
    SerializeTuple::serialize_element(),
    SerializeTupleStruct::serialize_field(),
    SerializeStruct::serialize_field(&'static str),
    SerializeStructVariant::serialize_field(&'static str)
);

impl ser::SerializeMap for &mut Check {
    type Ok = ();
    type Error = Refused;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result {
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde::{Serialize, Serializer};

    /// What `check` accepts, serde-json-core writes; what it refuses would have panicked.
    fn accepted<T: Serialize + ?Sized>(v: &T) -> bool {
        let ok = super::check(v);
        if ok {
            let mut buf = [0u8; 256];
            serde_json_core::to_slice(v, &mut buf).unwrap();
        }
        ok
    }

    #[derive(Serialize)]
    enum E {
        Unit,
        One(u8),
        Pair(u8, u8),
        Named { a: &'static str },
    }

    struct Failing;
    impl Serialize for Failing {
        fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("cannot"))
        }
    }

    /// An `EscapedStr`-named newtype around something that is not a string.
    struct FakeEscaped;
    impl Serialize for FakeEscaped {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_newtype_struct(super::ESCAPED_STR, &5u8)
        }
    }

    #[derive(Serialize)]
    struct Claims<'a> {
        sub: &'a str,
        exp: i64,
        nbf: Option<u64>,
        roles: [&'a str; 2],
        ratio: f64,
        unit: (),
        kinds: (E, E, E),
        name: serde_json_core::str::EscapedStr<'a>,
    }

    #[test]
    fn what_serde_json_core_writes_is_accepted() {
        assert!(accepted(&Claims {
            sub: "johndoe",
            exp: -1,
            nbf: None,
            roles: ["a", "b\""],
            ratio: f64::NAN,
            unit: (),
            kinds: (E::Unit, E::One(1), E::Named { a: "x" }),
            name: serde_json_core::str::EscapedStr("a\\n"),
        }));
        assert!(accepted(&[(1u8, "x")]));
    }

    #[test]
    fn what_serde_json_core_panics_on_is_refused() {
        assert!(!accepted(&'x'));
        assert!(!accepted(&[Some('x')]));
        assert!(!accepted(&0u128));
        assert!(!accepted(&(1i128, 2u8)));
        assert!(!accepted(&E::Pair(1, 2)));
        assert!(!accepted(&Failing));
        assert!(!accepted(&[Failing]));
        assert!(!accepted(&FakeEscaped));
        // After an `EscapedStr`, other values are accepted again.
        assert!(accepted(&(serde_json_core::str::EscapedStr("a"), 1u8)));
    }
}
