//! Times argon2id hash and verify with Tessera's default policy (m = 19456 KiB, t = 2, p = 1)
//! and prints one JSON line with the median milliseconds. `scripts/argon2-vs-libargon2.sh`
//! runs it alternately with the same measurement on Python's argon2-cffi (libargon2).
//!
//! Run: `cargo run --release -p tessera-core --example argon2_timing -- 15`

#![allow(missing_docs)]

use std::time::Instant;

use tessera_core::password::{PhcHash, Policy};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(15);
    let policy = Policy::OWASP;
    let salt = [0x42u8; 16];
    let Ok(phc) = policy.hash_with_salt(b"correct horse battery staple", &salt) else {
        eprintln!("hashing failed");
        std::process::exit(1);
    };
    let Ok(parsed) = PhcHash::parse(&phc) else {
        eprintln!("bad PHC");
        std::process::exit(1);
    };
    let mut hash = Vec::with_capacity(n);
    let mut verify = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let h = policy.hash_with_salt(b"correct horse battery staple", &salt);
        hash.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(h.ok());
        let t = Instant::now();
        let ok = parsed.verify(b"correct horse battery staple");
        verify.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(ok, Ok(true));
    }
    println!(
        r#"{{"impl":"tessera (RustCrypto argon2 0.6)","runs":{n},"hash_ms":{:.2},"verify_ms":{:.2}}}"#,
        median(hash),
        median(verify)
    );
}
