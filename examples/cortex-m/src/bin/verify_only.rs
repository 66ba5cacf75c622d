//! One `Verifier::verify` call and nothing else from tessera-core: the flash cost of the
//! verify path is this binary's size minus `baseline`'s.
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use tessera_core::UnixTime;
use tessera_cortex_m::{CLAIMS_BUF_LEN, fail, succeed, tokens, verifier, write};

#[entry]
fn main() -> ! {
    let v = verifier();
    let mut buf = [0u8; CLAIMS_BUF_LEN];
    // Opaque inputs, so the compiler cannot specialise the verifier for this one token.
    let token = black_box(tokens::VALID);
    let now = black_box(UnixTime(tokens::NOW));
    let ok = v
        .verify(token, now, &mut buf)
        .is_ok_and(|claims| claims.sub() == "johndoe");
    if ok {
        write(b"ok   verify-only\n");
        succeed()
    } else {
        fail(b"FAIL verify-only\n")
    }
}
