//! `verify-only` without the verification: reset handler, semihosting output and exit. The
//! difference in size between the two is what verifying a token costs in flash.
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use tessera_cortex_m::{fail, succeed, write};

#[entry]
fn main() -> ! {
    if black_box(true) {
        write(b"ok   baseline\n");
        succeed()
    } else {
        fail(b"FAIL baseline\n")
    }
}
