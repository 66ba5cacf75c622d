#![no_main]
//! Any `Authorization` value: `parse` accepts exactly `bearer` (any case), then nothing or one
//! space and the token, around optional spaces and tabs; the token it returns is the value's
//! trimmed tail. `extract` agrees with `parse` and refuses duplicates.

use libfuzzer_sys::fuzz_target;
use tessera_core::bearer::{BearerError, Duplicates, extract, parse};

fn is_ows(b: &u8) -> bool {
    matches!(b, b' ' | b'\t')
}

fuzz_target!(|data: &[u8]| {
    let parsed = parse(data);
    assert_eq!(extract([data], Duplicates::Reject), parsed);
    assert_eq!(
        extract([data, &b"Basic Og=="[..]], Duplicates::First),
        parsed
    );
    assert_eq!(
        extract([data, data], Duplicates::Reject),
        Err(BearerError::Multiple)
    );

    let start = data.iter().position(|b| !is_ows(b)).unwrap_or(data.len());
    let end = data
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    let v = &data[start..end];
    let scheme_ok =
        v.len() >= 6 && v[..6].eq_ignore_ascii_case(b"bearer") && (v.len() == 6 || v[6] == b' ');
    let utf8 = core::str::from_utf8(v).is_ok();
    match parsed {
        Ok(token) => {
            assert!(scheme_ok && utf8);
            assert!(!token.starts_with([' ', '\t']) && !token.ends_with([' ', '\t']));
            assert!(v.ends_with(token.as_bytes()));
        }
        Err(BearerError::Undecodable) => assert!(scheme_ok && !utf8),
        Err(e) => assert!(!scheme_ok, "{e:?} for a bearer value"),
    }
});
