//! Side-by-side verify, reject and encode costs on one 175-byte token (claims `sub`, `exp`,
//! `iat`, `scope`; 32-byte key): tessera-core, jsonwebtoken 12 (`rust_crypto`), jwt-simple
//! 0.15 (`pure-rust`), and the floor: a bare HMAC-SHA256 over the same signing input with a
//! prepared key. Heap allocations per operation are printed before the timings.
//!
//! Key rings (`verify` group): a one-key ring with a `kid` token, and a ring of four keys with
//! a token signed by the last (oldest) key, with its `kid` (routed: one HMAC) and without
//! (tried against each key: four HMACs).
//!
//! Run: `cargo bench -p tessera-core --bench jwt`

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use jwt_simple::prelude::MACLike;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tessera_core::{Hs256Key, KeyRing, UnixTime, jwt};

const KEY: &[u8; 32] = b"tessera-bench-key-0123456789abcd";
/// The three newer keys of the four-key ring, whose oldest key is `KEY`.
const NEWER_KEYS: [&[u8; 32]; 3] = [
    b"tessera-bench-key-3-newest-56789",
    b"tessera-bench-key-2-newer--56789",
    b"tessera-bench-key-1-new----56789",
];
const NOW: i64 = 1_764_000_000;

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    iat: u64,
    scope: String,
}

#[derive(Serialize)]
struct BorrowedClaims<'a> {
    sub: &'a str,
    exp: i64,
    iat: i64,
    scope: &'a str,
}

#[derive(Serialize, Deserialize)]
struct SimpleExtra {
    scope: String,
}

const CLAIMS: BorrowedClaims<'static> = BorrowedClaims {
    sub: "johndoe",
    exp: 4_102_444_800,
    iat: NOW,
    scope: "me items",
};

fn token() -> String {
    let key = Hs256Key::new(KEY).unwrap();
    jwt::encode_to_string(&key, &jwt::Header::JWT, &CLAIMS).unwrap()
}

fn tampered(t: &str) -> String {
    let mut b = t.as_bytes().to_vec();
    let i = b.len() - 5;
    b[i] = if b[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(b).unwrap()
}

fn report_allocations(token: &str) {
    let key = Hs256Key::new(KEY).unwrap();
    let v = jwt::Verifier::new(key.clone(), jwt::Validation::new());
    let mut buf = [0u8; 256];
    let mut out = [0u8; 256];
    let ours = allocation_counter::measure(|| {
        black_box(v.verify(token, UnixTime(NOW), &mut buf).unwrap());
    });
    let ours_encode = allocation_counter::measure(|| {
        black_box(jwt::encode(&key, &jwt::Header::JWT, &CLAIMS, &mut out).unwrap());
    });
    let jk = jsonwebtoken::DecodingKey::from_secret(KEY).unwrap();
    let jv = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    let theirs = allocation_counter::measure(|| {
        black_box(jsonwebtoken::decode::<Claims>(token, &jk, &jv).unwrap());
    });
    let sk = jwt_simple::prelude::HS256Key::from_bytes(KEY);
    let simple = allocation_counter::measure(|| {
        black_box(sk.verify_token::<SimpleExtra>(token, None).unwrap());
    });
    println!(
        "heap allocations per operation: tessera verify {}, tessera encode {}, jsonwebtoken verify {}, jwt-simple verify {}",
        ours.count_total, ours_encode.count_total, theirs.count_total, simple.count_total
    );
}

fn benches(c: &mut Criterion) {
    let token = token();
    assert_eq!(token.len(), 175);
    report_allocations(&token);
    let bad = tampered(&token);
    let signing_input = token.rsplit_once('.').unwrap().0.to_string();
    let prepared = <Hmac<Sha256> as KeyInit>::new_from_slice(KEY).unwrap();
    let floor = |input: &[u8]| {
        let mut m = prepared.clone();
        m.update(input);
        m.finalize().into_bytes()
    };

    let key = Hs256Key::new(KEY).unwrap();
    let verifier = jwt::Verifier::new(key.clone(), jwt::Validation::new());
    let jk = jsonwebtoken::DecodingKey::from_secret(KEY).unwrap();
    let jek = jsonwebtoken::EncodingKey::from_secret(KEY).unwrap();
    let jv = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    let sk = jwt_simple::prelude::HS256Key::from_bytes(KEY);

    // Key rings. `KEY` is the only key of `one_ring`, and the last of the four of `ring4`.
    let kid_token = jwt::encode_to_string(&key, &jwt::Header::for_key(&key), &CLAIMS).unwrap();
    let one_ring = jwt::Verifier::from_ring(KeyRing::new(key.clone()), jwt::Validation::new());
    let mut ring = KeyRing::new(Hs256Key::new(NEWER_KEYS[0]).unwrap());
    for k in NEWER_KEYS[1..].iter().copied().chain([KEY]) {
        ring.push_previous(Hs256Key::new(k).unwrap()).unwrap();
    }
    assert_eq!(ring.keys().last().unwrap().kid(), key.kid());
    let ring4 = jwt::Verifier::from_ring(ring, jwt::Validation::new());

    let mut g = c.benchmark_group("verify");
    g.bench_function("floor: HMAC-SHA256 of the signing input", |b| {
        b.iter(|| floor(black_box(signing_input.as_bytes())))
    });
    g.bench_function("tessera-core", |b| {
        let mut buf = [0u8; 256];
        b.iter(|| {
            let c = verifier
                .verify(black_box(&token), UnixTime(NOW), &mut buf)
                .unwrap();
            black_box(c.grants_all(&["me"]))
        });
    });
    for (name, v, t) in [
        ("tessera-core, one-key ring, kid", &one_ring, &kid_token),
        (
            "tessera-core, 4-key ring, last key, kid",
            &ring4,
            &kid_token,
        ),
        ("tessera-core, 4-key ring, last key, no kid", &ring4, &token),
    ] {
        g.bench_function(name, |b| {
            let mut buf = [0u8; 256];
            b.iter(|| {
                let c = v.verify(black_box(t), UnixTime(NOW), &mut buf).unwrap();
                black_box(c.grants_all(&["me"]))
            });
        });
    }
    g.bench_function("jsonwebtoken 12", |b| {
        b.iter(|| jsonwebtoken::decode::<Claims>(black_box(&token), &jk, &jv).unwrap())
    });
    g.bench_function("jwt-simple 0.15", |b| {
        b.iter(|| {
            sk.verify_token::<SimpleExtra>(black_box(&token), None)
                .unwrap()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("reject_bad_signature");
    g.bench_function("floor: HMAC-SHA256 of the signing input", |b| {
        b.iter(|| floor(black_box(signing_input.as_bytes())))
    });
    g.bench_function("tessera-core", |b| {
        let mut buf = [0u8; 256];
        b.iter(|| {
            verifier
                .verify(black_box(&bad), UnixTime(NOW), &mut buf)
                .is_err()
        });
    });
    g.bench_function("jsonwebtoken 12", |b| {
        b.iter(|| jsonwebtoken::decode::<Claims>(black_box(&bad), &jk, &jv).is_err())
    });
    g.bench_function("jwt-simple 0.15", |b| {
        b.iter(|| {
            sk.verify_token::<SimpleExtra>(black_box(&bad), None)
                .is_err()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("encode");
    g.bench_function("floor: HMAC-SHA256 of the signing input", |b| {
        b.iter(|| floor(black_box(signing_input.as_bytes())))
    });
    g.bench_function("tessera-core (caller buffer)", |b| {
        let mut out = [0u8; 256];
        b.iter(|| {
            jwt::encode(&key, &jwt::Header::JWT, black_box(&CLAIMS), &mut out)
                .map(str::len)
                .unwrap()
        });
    });
    let owned = Claims {
        sub: "johndoe".into(),
        exp: 4_102_444_800,
        iat: NOW as u64,
        scope: "me items".into(),
    };
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    g.bench_function("jsonwebtoken 12", |b| {
        b.iter(|| jsonwebtoken::encode(&header, black_box(&owned), &jek).unwrap())
    });
    g.bench_function("jwt-simple 0.15", |b| {
        b.iter(|| {
            let claims = jwt_simple::prelude::Claims::with_custom_claims(
                SimpleExtra {
                    scope: "me items".into(),
                },
                jwt_simple::prelude::Duration::from_secs(1800),
            )
            .with_subject("johndoe");
            sk.authenticate(black_box(claims)).unwrap()
        });
    });
    g.finish();
}

criterion_group! {
    name = jwt_benches;
    config = Criterion::default().sample_size(60).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = benches
}
criterion_main!(jwt_benches);
