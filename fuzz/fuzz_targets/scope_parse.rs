#![no_main]
//! Any text as a scope: what `Scope::parse` accepts is its tokens joined by single spaces, and
//! `normalize_requested` gives the whitespace-separated tokens as a value that parses, is a
//! fixed point, and leaves an already valid value unchanged.

use libfuzzer_sys::fuzz_target;
use tessera_core::scope::{Scope, is_scope_token, normalize_requested};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    let parsed = Scope::parse(s);
    if let Ok(scope) = parsed {
        assert_eq!(scope.iter().collect::<Vec<_>>().join(" "), s);
        assert!(scope.iter().all(is_scope_token));
    }
    let mut out = vec![0u8; s.len()];
    match normalize_requested(s, &mut out) {
        Ok(n) => {
            let scope = Scope::parse(n).expect("a normalised scope parses");
            assert!(scope.iter().eq(s.split_ascii_whitespace()));
            let mut again = vec![0u8; n.len()];
            assert_eq!(normalize_requested(n, &mut again), Ok(n));
            assert!(parsed.is_err() || n == s);
        }
        Err(_) => assert!(parsed.is_err() && !s.split_ascii_whitespace().all(is_scope_token)),
    }
});
