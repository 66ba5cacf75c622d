use super::scan::*;
use super::string::*;
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
