//! The borrowed-claims verify path, the buffer encode path and the form parser (both
//! decodings, with the answers it leads to) allocate nothing: measured with a counting global
//! allocator (`allocation-counter`), which counts this thread's allocations.

use core::fmt::Write;

use serde::Serialize;
use tessera_core::form::{self, FormError, FormOptions};
use tessera_core::http::{Failure, Style};
use tessera_core::{Hs256Key, UnixTime, jwt};

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    exp: i64,
    iat: i64,
    scope: &'a str,
}

#[test]
fn verify_and_encode_make_no_heap_allocation() {
    let key = Hs256Key::new(b"tessera-allocation-test-key-32bytes!").unwrap();
    let claims = Claims {
        sub: "johndoe",
        exp: 1_764_001_800,
        iat: 1_764_000_000,
        scope: "me items",
    };
    let mut out = [0u8; 512];
    let mut buf = [0u8; 512];
    let verifier = jwt::Verifier::new(key.clone(), jwt::Validation::new());

    let encode = allocation_counter::measure(|| {
        let t = jwt::encode(&key, &jwt::Header::JWT, &claims, &mut out).unwrap();
        assert!(!t.is_empty());
    });
    assert_eq!(encode.count_total, 0, "encode allocated: {encode:?}");

    let token = jwt::encode(&key, &jwt::Header::JWT, &claims, &mut out)
        .unwrap()
        .to_string();
    let escaped = {
        let mut o = [0u8; 512];
        #[derive(Serialize)]
        struct E<'a> {
            sub: &'a str,
            exp: i64,
            scope: &'a str,
        }
        jwt::encode(
            &key,
            &jwt::Header::ACCESS_TOKEN,
            &E {
                sub: "jo\"hn\ndoe",
                exp: 1_764_001_800,
                scope: "me",
            },
            &mut o,
        )
        .unwrap()
        .to_string()
    };
    let verify = allocation_counter::measure(|| {
        let c = verifier
            .verify(&token, UnixTime(1_764_000_000), &mut buf)
            .unwrap();
        assert!(c.sub() == "johndoe");
        assert!(c.grants_all(&["items", "me"]));
    });
    assert_eq!(verify.count_total, 0, "verify allocated: {verify:?}");
    // Escaped strings and a non-default header take the slow paths: still no allocation.
    let verify_escaped = allocation_counter::measure(|| {
        let c = verifier
            .verify(&escaped, UnixTime(1_764_000_000), &mut buf)
            .unwrap();
        assert!(c.sub() == "jo\"hn\ndoe");
    });
    assert_eq!(verify_escaped.count_total, 0, "{verify_escaped:?}");
    let reject = allocation_counter::measure(|| {
        assert!(
            verifier
                .verify(&token, UnixTime(1_764_001_800), &mut buf)
                .is_err()
        );
        assert!(verifier.verify("a.b.c", UnixTime(0), &mut buf).is_err());
    });
    assert_eq!(reject.count_total, 0, "{reject:?}");
}

/// A `fmt::Write` into a fixed array.
struct Fixed {
    buf: [u8; 1024],
    len: usize,
}

impl Write for Fixed {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(core::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[test]
fn form_parsing_and_its_answers_make_no_heap_allocation() {
    const CT: Option<&str> = Some("application/x-www-form-urlencoded");
    let bodies: [&[u8]; 6] = [
        b"grant_type=password&username=johndoe&password=p%40ss+w&scope=me++items",
        b"username=john%zz&password=%E9%C0%AF%&client_id=%FF",
        b"username=jos\xc3\xa9&password=s\xe9&password=\xff%F0%9F%94%91",
        b"grant_type=%08%0C%00pass%zz\xe9&username=a&password=b",
        b"username=a&password=p&password=",
        b"&&user%6Eame=a;b&flag&password=x=y&",
    ];
    let mut out = Fixed {
        buf: [0; 1024],
        len: 0,
    };
    for style in [Style::Rfc, Style::FastApi] {
        let opts = style.form_options(FormOptions::DEFAULT);
        for body in bodies {
            let mut buf = [0u8; 256];
            assert!(form::buffer_len(body, &opts) <= buf.len());
            let m = allocation_counter::measure(|| match form::parse(body, CT, &opts, &mut buf) {
                Ok(f) => assert!(!f.password.is_empty()),
                Err(e) => {
                    out.len = 0;
                    let a = Failure::Form(e).answer(style, &[]);
                    write!(out, "{}", a.body()).unwrap();
                    assert!(out.len > 0);
                    assert!(!matches!(e, FormError::TooLarge));
                }
            });
            assert_eq!(m.count_total, 0, "{style:?} {body:?}: {m:?}");
        }
    }
}

#[test]
fn the_counter_does_count() {
    // Guards the test above against a counter that always reads zero.
    let m = allocation_counter::measure(|| {
        let v: Vec<u8> = Vec::with_capacity(10);
        std::hint::black_box(v);
    });
    assert_eq!(m.count_total, 1);
}
