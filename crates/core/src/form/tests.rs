use super::decode::decode_lenient;
use super::*;

const CT: Option<&str> = Some("application/x-www-form-urlencoded; charset=UTF-8");
/// The rfc style's rules.
const RFC: FormOptions = FormOptions::DEFAULT;
/// The fastapi style's rules.
const FASTAPI: FormOptions = FormOptions {
    repeated: Repeated::LastWins,
    decoding: Decoding::Lenient,
    ..FormOptions::DEFAULT
};

fn p<'b>(
    body: &str,
    opts: FormOptions,
    buf: &'b mut [u8],
) -> Result<PasswordForm<'b>, FormError<'b>> {
    parse(body.as_bytes(), CT, &opts, buf)
}

fn lenient(src: &[u8]) -> std::string::String {
    let mut out = std::vec![0u8; 2 * src.len()];
    let n = decode_lenient(src, &mut out).expect("2 * len is enough");
    std::string::String::from_utf8(out[..n].to_vec()).expect("lenient output is UTF-8")
}

#[test]
fn default_options_are_the_const() {
    assert_eq!(FormOptions::default(), FormOptions::DEFAULT);
}

#[test]
fn lenient_decoding_reads_like_starlette() {
    // Expected values from Starlette (unquote_plus over latin-1); the full table with
    // FastAPI's answers is tests/data/fastapi_form.json.
    for (src, expected) in [
        (&b"a+b%2Bc"[..], "a b+c"),
        (b"%6a%6F", "jo"),
        (b"%zz", "%zz"),
        (b"abc%", "abc%"),
        (b"abc%4", "abc%4"),
        (b"%4g1", "%4g1"),
        (b"%%41", "%A"),
        (b"%2+", "%2 "),
        (b"%E9", "\u{fffd}"),
        (b"%E2%82", "\u{fffd}"),
        (b"%E2%82x", "\u{fffd}x"),
        (b"%C0%AF", "\u{fffd}\u{fffd}"),
        (b"%ED%A0%80", "\u{fffd}\u{fffd}\u{fffd}"),
        (b"%F0%80%80%80", "\u{fffd}\u{fffd}\u{fffd}\u{fffd}"),
        (b"%F4%90%80%80", "\u{fffd}\u{fffd}\u{fffd}\u{fffd}"),
        (b"%80%BFa%80", "\u{fffd}\u{fffd}a\u{fffd}"),
        (b"%F0%9F%94%91", "\u{1f511}"),
        (b"a%00b", "a\0b"),
        (b"jos\xc3\xa9", "jos\u{c3}\u{a9}"),
        (b"jos\xe9", "jos\u{e9}"),
        (b"%C3\xa9%A9", "\u{fffd}\u{a9}\u{fffd}"),
        (b"%C3\xff%A9x", "\u{fffd}\u{ff}\u{fffd}x"),
        (b"%4\xff", "%4\u{ff}"),
        (b"\xff\x80", "\u{ff}\u{80}"),
        (b"a\x7fb;c=d", "a\u{7f}b;c=d"),
        (b"", ""),
    ] {
        assert_eq!(lenient(src), expected, "{src:?}");
    }
}

#[test]
fn lossy_utf8_substitutes_maximal_subparts_as_std_does() {
    // Every escaped sequence of up to four bytes drawn from the boundary values of
    // Unicode Table 3-7 decodes as `String::from_utf8_lossy` does (the same substitution
    // rule as Python's "replace" error handler).
    const EDGES: [u8; 25] = [
        0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
        0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
    ];
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut seq = std::vec::Vec::new();
    let (mut escaped, mut out) = (std::vec::Vec::new(), [0u8; 16]);
    let mut check = |bytes: &[u8]| {
        escaped.clear();
        for &b in bytes {
            escaped.extend([b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
        let n = decode_lenient(&escaped, &mut out).unwrap();
        assert_eq!(
            out[..n],
            *std::string::String::from_utf8_lossy(bytes).as_bytes(),
            "{bytes:02x?}"
        );
    };
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            check(&[a, b]);
        }
    }
    for &a in &EDGES {
        for &b in &EDGES {
            for &c in &EDGES {
                for &d in &EDGES {
                    seq.clear();
                    seq.extend([a, b, c, d]);
                    check(&seq);
                    check(&seq[..3]);
                }
            }
        }
    }
}

#[test]
fn fastapi_rules_never_refuse_the_encoding() {
    let mut b = [0u8; 256];
    let f = p(
        "username=john%zz&password=%E9%&client_id=%FF",
        FASTAPI,
        &mut b,
    )
    .unwrap();
    assert_eq!(
        (f.username, f.password, f.client_id),
        ("john%zz", "\u{fffd}%", Some("\u{fffd}"))
    );
    // Names are decoded the same way; a malformed one is just an unknown name.
    let mut b = [0u8; 256];
    let f = p("%75sername=a&user%zzname=b&password=c", FASTAPI, &mut b).unwrap();
    assert_eq!(f.username, "a");
    // `;` is an ordinary byte, `&&` an empty piece, a piece without `=` an empty value.
    let mut b = [0u8; 256];
    let f = p("&&username=a;b=c&&flag&password=x=y&", FASTAPI, &mut b).unwrap();
    assert_eq!((f.username, f.password), ("a;b=c", "x=y"));
    // A `grant_type` that is not `password` is echoed decoded.
    let mut b = [0u8; 256];
    assert_eq!(
        p(
            "grant_type=pass%zz%E9&username=a&password=b",
            FASTAPI,
            &mut b
        ),
        Err(FormError::Fields {
            grant_type: Some("pass%zz\u{fffd}"),
            missing: Missing::default(),
        })
    );
}

#[test]
fn fastapi_rules_let_the_last_occurrence_win_even_empty() {
    let missing_password = Err(FormError::Fields {
        grant_type: None,
        missing: Missing {
            password: true,
            ..Missing::default()
        },
    });
    for body in [
        "username=a&password=p&password=",
        "username=a&password=p&password",
        "username=a&password=p&password=&username=a",
    ] {
        let mut b = [0u8; 256];
        assert_eq!(p(body, FASTAPI, &mut b), missing_password, "{body}");
    }
    let mut b = [0u8; 256];
    let f = p("username=a&password=&password=p", FASTAPI, &mut b).unwrap();
    assert_eq!(f.password, "p");
    // An empty last `grant_type` is no `grant_type` at all.
    let mut b = [0u8; 256];
    let f = p(
        "grant_type=x&grant_type=&username=a&password=p",
        FASTAPI,
        &mut b,
    )
    .unwrap();
    assert_eq!(f.grant_type, None);
    // The rfc rules are unchanged: an empty occurrence is omitted, a second value refused.
    let mut b = [0u8; 256];
    assert_eq!(
        p("username=a&password=p&password=", RFC, &mut b)
            .unwrap()
            .password,
        "p"
    );
    let mut b = [0u8; 256];
    assert_eq!(
        p("username=a&password=p&password=q", RFC, &mut b),
        Err(FormError::Repeated(Field::Password))
    );
}

#[test]
fn lenient_buffer_grows_with_raw_high_bytes() {
    let body = b"username=\xff\xff\xff\xff&password=p";
    assert_eq!(buffer_len(body, &RFC), body.len());
    assert_eq!(buffer_len(body, &FASTAPI), body.len() + 4);
    let mut small = [0u8; 27];
    assert_eq!(small.len(), body.len() + 3);
    assert_eq!(
        parse(body, CT, &FASTAPI, &mut small),
        Err(FormError::TooLarge)
    );
    let mut exact = [0u8; 28];
    let f = parse(body, CT, &FASTAPI, &mut exact).unwrap();
    assert_eq!(f.username, "\u{ff}\u{ff}\u{ff}\u{ff}");
    // The worst case, every byte raw and high, fits in twice the body.
    let mut body = std::vec::Vec::from(&b"username=a&password="[..]);
    body.resize(300, 0xE9);
    let mut buf = std::vec![0u8; 2 * body.len()];
    let f = parse(&body, CT, &FASTAPI, &mut buf).unwrap();
    assert_eq!(f.password.chars().count(), 280);
    assert!(f.password.chars().all(|c| c == '\u{e9}'));
}

#[test]
fn declared_length() {
    let l = Limits::DEFAULT;
    assert_eq!(
        check_declared_length(Some("100000000000"), &l),
        Err(FormError::TooLarge)
    );
    assert_eq!(
        check_declared_length(Some("16385"), &l),
        Err(FormError::TooLarge)
    );
    assert_eq!(check_declared_length(Some("16384"), &l), Ok(()));
    assert_eq!(check_declared_length(Some("abc"), &l), Ok(()));
    assert_eq!(check_declared_length(None, &l), Ok(()));
}

#[test]
fn rules() {
    let mut b = [0u8; 256];
    let f = p(
        "username=john%20doe&password=a+b%2Bc&client_id=x&extra=%41",
        RFC,
        &mut b,
    )
    .unwrap();
    assert_eq!(
        (f.username, f.password, f.client_id),
        ("john doe", "a b+c", Some("x"))
    );
    let mut b = [0u8; 256];
    assert_eq!(
        p("username=a&password=%zz", RFC, &mut b),
        Err(FormError::Malformed)
    );
    let mut b = [0u8; 256];
    assert_eq!(
        p("username=a&password=%", RFC, &mut b),
        Err(FormError::Malformed)
    );
    let mut b = [0u8; 256];
    assert_eq!(
        p("username=a&password=%FF", RFC, &mut b),
        Err(FormError::Malformed)
    );
    let mut b = [0u8; 256];
    assert_eq!(
        p("username=a&username=b&password=c", RFC, &mut b),
        Err(FormError::Repeated(Field::Username))
    );
    let mut b = [0u8; 256];
    assert_eq!(
        p("username=a&username=b&password=c", FASTAPI, &mut b)
            .unwrap()
            .username,
        "b"
    );
    let mut b = [0u8; 256];
    assert_eq!(
        p("username=&username=b&password=c", RFC, &mut b)
            .unwrap()
            .username,
        "b"
    );
    let mut b = [0u8; 256];
    assert_eq!(
        p("grant_type=client_credentials&password=c", RFC, &mut b),
        Err(FormError::Fields {
            grant_type: Some("client_credentials"),
            missing: Missing {
                grant_type: false,
                username: true,
                password: false
            }
        })
    );
    let mut b = [0u8; 256];
    assert_eq!(
        parse(
            b"username=a&password=b",
            Some("application/json"),
            &FormOptions::default(),
            &mut b
        ),
        Err(FormError::Fields {
            grant_type: None,
            missing: Missing {
                grant_type: false,
                username: true,
                password: true
            }
        })
    );
}
