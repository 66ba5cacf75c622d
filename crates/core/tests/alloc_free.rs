//! The borrowed-claims verify path and the buffer encode path allocate nothing: measured with a
//! counting global allocator (`allocation-counter`), which counts this thread's allocations.

use serde::Serialize;
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

#[test]
fn the_counter_does_count() {
    // Guards the test above against a counter that always reads zero.
    let m = allocation_counter::measure(|| {
        let v: Vec<u8> = Vec::with_capacity(10);
        std::hint::black_box(v);
    });
    assert_eq!(m.count_total, 1);
}
