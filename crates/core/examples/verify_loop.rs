//! Verifies one 175-byte token in a loop: a fixed workload for profilers such as
//! `valgrind --tool=callgrind`.
//!
//! Run: `cargo build --release -p tessera-core --example verify_loop && valgrind --tool=callgrind target/release/examples/verify_loop 20000`
//! (add `encode` after the count to profile encoding the same claims instead).

#![allow(missing_docs)]

use tessera_core::{Hs256Key, UnixTime, jwt};

#[derive(serde::Serialize)]
struct Claims<'a> {
    sub: &'a str,
    exp: i64,
    iat: i64,
    scope: &'a str,
}

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let Ok(key) = Hs256Key::new(b"tessera-bench-key-0123456789abcd") else {
        return;
    };
    let claims = Claims {
        sub: "johndoe",
        exp: 4_102_444_800,
        iat: 1_764_000_000,
        scope: "me items",
    };
    let mut out = [0u8; 256];
    let Ok(token) = jwt::encode(&key, &jwt::Header::JWT, &claims, &mut out) else {
        return;
    };
    let token = token.to_string();
    if std::env::args().nth(2).as_deref() == Some("encode") {
        let mut total = 0usize;
        for _ in 0..n {
            let mut out = [0u8; 256];
            if let Ok(t) = jwt::encode(
                &key,
                &jwt::Header::JWT,
                std::hint::black_box(&claims),
                &mut out,
            ) {
                total += t.len();
            }
        }
        println!("{total} bytes encoded");
        return;
    }
    let v = jwt::Verifier::new(key, jwt::Validation::new());
    let mut buf = [0u8; 256];
    let mut ok = 0u32;
    for _ in 0..n {
        if let Ok(c) = v.verify(
            std::hint::black_box(&token),
            UnixTime(1_764_000_000),
            &mut buf,
        ) {
            ok += u32::from(c.grants_all(&["me"]));
        }
    }
    println!("{ok} of {n} verified");
}
