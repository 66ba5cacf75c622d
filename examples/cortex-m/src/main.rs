//! tessera-core on a bare-metal Cortex-M4 (QEMU `mps2-an386`), with no allocator.
//!
//! Verifies fixed tokens against a fixed key and a fixed "now", encodes a token into a stack
//! buffer and verifies it back, and measures the peak stack use of single verifications.
//! Prints one `ok` or `FAIL` line per check through semihosting, then exits with failure if
//! any check failed.
#![no_std]
#![no_main]

use core::fmt;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use serde::Serialize;
use tessera_core::{TokenError, UnixTime, jwt};
use tessera_cortex_m::stack::{self, Usage};
use tessera_cortex_m::{CLAIMS_BUF_LEN, fail, succeed, tokens, verifier};

/// The most stack one verification may use, claims buffer included.
const STACK_BUDGET: usize = 8 * 1024;

/// The claims a service would issue, serialized by `serde-json-core` inside `jwt::encode`.
#[derive(Serialize)]
struct AccessClaims<'a> {
    sub: &'a str,
    exp: i64,
    scope: &'a str,
}

struct Report {
    passed: u32,
    failed: u32,
}

impl Report {
    fn check(&mut self, ok: bool, case: &str, detail: fmt::Arguments<'_>) {
        if ok {
            self.passed += 1;
            hprintln!("ok   {}: {}", case, detail);
        } else {
            self.failed += 1;
            hprintln!("FAIL {}: {}", case, detail);
        }
    }

    /// `token` must verify, with `sub` equal to `johndoe`.
    fn accepted(&mut self, v: &jwt::Verifier<'_>, case: &str, token: &str) {
        let mut buf = [0u8; CLAIMS_BUF_LEN];
        match v.verify(token, now(), &mut buf) {
            Ok(c) => self.check(c.sub() == "johndoe", case, format_args!("sub={}", c.sub())),
            Err(e) => self.check(
                false,
                case,
                format_args!("expected a valid token, got {e:?}"),
            ),
        }
    }

    /// `token` must be refused with `want`.
    fn refused(&mut self, v: &jwt::Verifier<'_>, case: &str, token: &str, want: TokenError) {
        let mut buf = [0u8; CLAIMS_BUF_LEN];
        match v.verify(token, now(), &mut buf) {
            Err(e) if e == want => self.check(true, case, format_args!("refused, {e:?} ({e})")),
            Err(e) => self.check(false, case, format_args!("expected {want:?}, got {e:?}")),
            Ok(c) => self.check(
                false,
                case,
                format_args!("expected {want:?}, got a valid token for sub={}", c.sub()),
            ),
        }
    }
}

fn now() -> UnixTime {
    UnixTime(tokens::NOW)
}

/// One verification into a caller buffer; out of line so that [`stack::measure`] sees all of it.
#[inline(never)]
fn verify_into<'b>(
    v: &jwt::Verifier<'_>,
    token: &str,
    buf: &'b mut [u8],
) -> Result<jwt::Claims<'b>, TokenError> {
    v.verify(token, now(), buf)
}

/// One verification with the claims buffer in this function's own frame.
#[inline(never)]
fn verify_with_own_buffer(v: &jwt::Verifier<'_>, token: &str) -> Result<(), TokenError> {
    let mut buf = [0u8; CLAIMS_BUF_LEN];
    v.verify(token, now(), &mut buf).map(|_| ())
}

/// One encode into a caller buffer.
#[inline(never)]
fn encode_into<'o>(
    v: &jwt::Verifier<'_>,
    claims: &AccessClaims<'_>,
    out: &'o mut [u8],
) -> Result<&'o str, tessera_core::EncodeError> {
    jwt::encode(v.key(), &jwt::Header::JWT, claims, out)
}

fn outcome(result: Option<TokenError>) -> &'static str {
    match result {
        None => "accepted",
        Some(e) => e.as_str(),
    }
}

fn bytes(u: Usage) -> Option<usize> {
    match u {
        Usage::Bytes(n) => Some(n),
        Usage::Exhausted => None,
    }
}

#[entry]
fn main() -> ! {
    let mut r = Report {
        passed: 0,
        failed: 0,
    };
    let v = verifier();
    verify_cases(&mut r, &v);
    encode_case(&mut r, &v);
    stack_cases(&mut r, &v);
    hprintln!("{} passed, {} failed", r.passed, r.failed);
    if r.failed == 0 { succeed() } else { fail(b"") }
}

fn verify_cases(r: &mut Report, v: &jwt::Verifier<'_>) {
    use TokenError::{Algorithm, BadSignature, Expired, Json, Malformed};
    r.accepted(v, "valid token", tokens::VALID);
    r.refused(v, "expired token", tokens::EXPIRED, Expired);
    r.refused(v, "wrong signature", tokens::WRONG_SIGNATURE, BadSignature);
    r.refused(v, "alg none, no signature", tokens::ALG_NONE, Malformed);
    r.refused(
        v,
        "alg none, correct MAC",
        tokens::ALG_NONE_SIGNED,
        Algorithm,
    );
    // Nothing is decoded before the MAC check, so a character outside base64url in the payload
    // is first of all a signature mismatch.
    r.refused(v, "bad base64", tokens::BAD_BASE64, BadSignature);
    r.refused(v, "two segments", tokens::TWO_SEGMENTS, Malformed);
    r.accepted(
        v,
        "header nested to the depth limit",
        tokens::DEEP_HEADER_OBJECTS,
    );
    r.accepted(
        v,
        "claims nested to the depth limit",
        tokens::DEEP_CLAIMS_OBJECTS,
    );
    r.refused(
        v,
        "claims nested past the depth limit",
        tokens::TOO_DEEP_OBJECTS,
        Json,
    );

    let case = "scope \"me items\"";
    let mut buf = [0u8; CLAIMS_BUF_LEN];
    match v.verify(tokens::VALID, now(), &mut buf) {
        Ok(c) => {
            let mine = c.grants_all(&["items", "me"]);
            let admin = c.grants_all(&["admin"]);
            r.check(
                mine && !admin,
                case,
                format_args!("grants [items, me]: {mine}, grants [admin]: {admin}"),
            );
        }
        Err(e) => r.check(false, case, format_args!("{e:?}")),
    }
}

fn encode_case(r: &mut Report, v: &jwt::Verifier<'_>) {
    let case = "encode into a 256-byte stack buffer";
    let claims = AccessClaims {
        sub: "johndoe",
        exp: tokens::NOW + 1800,
        scope: "me items",
    };
    let mut out = [0u8; 256];
    let (encoded, used) = stack::measure(|| encode_into(v, &claims, &mut out));
    let token = match encoded {
        Ok(token) => token,
        Err(e) => return r.check(false, case, format_args!("{e:?}")),
    };
    let same = token == tokens::VALID;
    let n = token.len();
    r.check(
        same,
        case,
        format_args!("{n} bytes, same as the host-signed token: {same}"),
    );

    let case = "verify the encoded token";
    let mut buf = [0u8; CLAIMS_BUF_LEN];
    match v.verify(token, now(), &mut buf) {
        Ok(c) => r.check(
            c.sub() == "johndoe" && c.grants_all(&["me", "items"]),
            case,
            format_args!("sub={}", c.sub()),
        ),
        Err(e) => r.check(false, case, format_args!("{e:?}")),
    }

    match bytes(used) {
        Some(n) => r.check(
            n <= STACK_BUDGET,
            "stack",
            format_args!("encode: {n} bytes, output buffer outside"),
        ),
        None => r.check(
            false,
            "stack",
            format_args!("encode: more than {}", stack::PAINT_LEN),
        ),
    }
}

/// Peak stack of one verification, for the paths that differ in depth: a canonical header is
/// compared as text, any other header is decoded and parsed, and nesting at (or one past) the
/// depth limit maximises the JSON scanner's recursion in the header or the claims.
fn stack_cases(r: &mut Report, v: &jwt::Verifier<'_>) {
    use TokenError::{Algorithm, BadSignature, Json};
    let cases: [(&str, &str, Option<TokenError>); 10] = [
        ("valid token", tokens::VALID, None),
        (
            "wrong signature",
            tokens::WRONG_SIGNATURE,
            Some(BadSignature),
        ),
        (
            "alg none, correct MAC",
            tokens::ALG_NONE_SIGNED,
            Some(Algorithm),
        ),
        ("deep header, arrays", tokens::DEEP_HEADER_ARRAYS, None),
        ("deep header, objects", tokens::DEEP_HEADER_OBJECTS, None),
        ("deep claims, arrays", tokens::DEEP_CLAIMS_ARRAYS, None),
        ("deep claims, objects", tokens::DEEP_CLAIMS_OBJECTS, None),
        (
            "deep claims, duplicate scan",
            tokens::DEEP_CLAIMS_DUPLICATE_SCAN,
            None,
        ),
        (
            "past the depth limit, arrays",
            tokens::TOO_DEEP_ARRAYS,
            Some(Json),
        ),
        (
            "past the depth limit, objects",
            tokens::TOO_DEEP_OBJECTS,
            Some(Json),
        ),
    ];
    let mut worst = (0, 0, "");
    for (case, token, want) in cases {
        let mut buf = [0u8; CLAIMS_BUF_LEN];
        let (got, outside) = stack::measure(|| verify_into(v, token, &mut buf));
        let got = got.map(|_| ()).err();
        let (got_own, inside) = stack::measure(|| verify_with_own_buffer(v, token));
        let got_own = got_own.err();
        let (Some(a), Some(b)) = (bytes(outside), bytes(inside)) else {
            let limit = stack::PAINT_LEN;
            r.check(
                false,
                "stack",
                format_args!("{case}: more than {limit} bytes"),
            );
            continue;
        };
        r.check(
            got == want && got_own == want && b <= STACK_BUDGET,
            "stack",
            format_args!(
                "{case}: {a} bytes, {b} with the {CLAIMS_BUF_LEN}-byte claims buffer on the \
                 stack ({})",
                outcome(got)
            ),
        );
        if b > worst.1 {
            worst = (a, b, case);
        }
    }
    let (a, b, case) = worst;
    r.check(
        b <= STACK_BUDGET,
        "stack worst case",
        format_args!("{a} bytes ({case}), {b} with the claims buffer; budget {STACK_BUDGET}"),
    );
}
