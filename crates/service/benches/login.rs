//! Timing equality of failed logins: an unknown user (dummy verify) against a known user with a
//! wrong password, through `Service::finish_login`, with the default argon2id policy. The two
//! medians should be within 10% of each other.
//!
//! Run: `cargo bench -p tessera-core --bench login`

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use tessera_core::password::Policy;
use tessera_core::{Hs256Key, UnixTime};
use tessera_service::{Account, Config, HashGate, HashMemory, Service};

struct User(String);

impl Account for User {
    fn password_hash(&self) -> &str {
        &self.0
    }
}

fn bench(c: &mut Criterion) {
    let s = Service::new(Hs256Key::new(&[3; 32]).unwrap(), Config::default())
        .with_gate(HashGate::new(1));
    let john = User(Policy::OWASP.hash_with_salt(b"secret", &[1; 16]).unwrap());
    let now = UnixTime(1_764_000_000);
    let form = Some("application/x-www-form-urlencoded");
    let wrong = s
        .begin_login(form, b"username=johndoe&password=wrong-password")
        .unwrap();
    let unknown = s
        .begin_login(form, b"username=nobody&password=wrong-password")
        .unwrap();
    // As on a hashing thread: one block array, reused and wiped after every hash.
    let mut memory = HashMemory::default();
    let mut finish = |request, user: Option<&User>| {
        let outcome = s.finish_login(request, user, now, &mut memory);
        memory.wipe();
        outcome
    };
    let a = finish(&wrong, Some(&john)).response;
    let b = finish(&unknown, None).response;
    assert_eq!(a, b, "identical answers");

    // Interleaved: the two kinds alternate, so machine noise falls on both alike.
    let rounds = 40;
    let (mut w, mut u) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..rounds {
        let t = std::time::Instant::now();
        black_box(finish(&wrong, Some(&john)));
        w.push(t.elapsed().as_secs_f64() * 1e3);
        let t = std::time::Instant::now();
        black_box(finish(&unknown, None));
        u.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mw, mu) = (median(&mut w), median(&mut u));
    println!(
        "interleaved, {rounds} rounds: wrong password median {mw:.2} ms, unknown user median {mu:.2} ms, ratio {:.3}",
        mw / mu
    );

    let mut g = c.benchmark_group("failed_login");
    g.bench_function("wrong password", |bn| {
        bn.iter(|| black_box(finish(&wrong, Some(&john))))
    });
    g.bench_function("unknown user", |bn| {
        bn.iter(|| black_box(finish(&unknown, None)))
    });
    g.finish();
}

criterion_group! {
    name = login;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(8)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(login);
