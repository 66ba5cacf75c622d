#![no_main]
//! Any text as a stored hash: what `PhcHash::parse` accepts has argon2's parameter bounds
//! (RFC 9106 §3.1) under the memory cap, and is the canonical spelling of what was parsed.
//! Nothing is hashed: fuzzed memory costs would make every run slow.

use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use libfuzzer_sys::fuzz_target;
use tessera_core::password::{MAX_M_COST, MAX_PHC_BYTES, PhcHash, Policy, Variant};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(h) = PhcHash::parse(s) else { return };
    assert!((1..=0xFF_FFFF).contains(&h.p_cost) && h.t_cost >= 1);
    assert!(h.m_cost >= 8 * h.p_cost && h.m_cost <= MAX_M_COST);
    assert!(h.version == 0x10 || h.version == 0x13);
    assert!((8..=MAX_PHC_BYTES).contains(&h.salt().len()));
    assert!(h.block_count() > 0 && h.block_count() <= h.m_cost as usize);
    let _ = Policy::OWASP.needs_rehash(&h);

    let variant = match h.variant {
        Variant::Argon2d => "argon2d",
        Variant::Argon2i => "argon2i",
        Variant::Argon2id => "argon2id",
    };
    let version = if s.contains("$v=") {
        format!("v={}$", h.version)
    } else {
        String::new()
    };
    let (m, t, p, salt) = (
        h.m_cost,
        h.t_cost,
        h.p_cost,
        STANDARD_NO_PAD.encode(h.salt()),
    );
    let prefix = format!("${variant}${version}m={m},t={t},p={p}${salt}$");
    let hash = s
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{s:?} is not spelled {prefix:?}…"));
    let hash = STANDARD_NO_PAD
        .decode(hash)
        .expect("the hash is canonical B64");
    assert!((4..=MAX_PHC_BYTES).contains(&hash.len()));
});
