//! Shared pieces of the Cortex-M4 example binaries: the fixed key and tokens, the verifier
//! configuration, stack painting, semihosting output without `core::fmt`, and the panic
//! handler.
#![no_std]

use cortex_m_semihosting::{debug, hio};
use tessera_core::{Hs256Key, jwt};

pub mod stack;
pub mod tokens;

/// Longest token accepted: far below the 8 KiB default, to suit a microcontroller.
pub const MAX_TOKEN_LEN: usize = 1024;
/// A claims buffer that fits the decoded payload of any token under [`MAX_TOKEN_LEN`].
pub const CLAIMS_BUF_LEN: usize = MAX_TOKEN_LEN / 4 * 3;

/// The verifier every binary uses: default validation with a 1 KiB token cap.
///
/// Ends the run with a failure if the fixed key were refused; it is 32 bytes, so it is not.
#[must_use]
pub fn verifier() -> jwt::Verifier<'static> {
    let Ok(key) = Hs256Key::new(tokens::KEY.as_bytes()) else {
        fail(b"FAIL the fixed key was refused\n")
    };
    jwt::Verifier::new(key, jwt::Validation::new().max_len(MAX_TOKEN_LEN))
}

/// Writes raw bytes to the host's stdout through semihosting.
pub fn write(bytes: &[u8]) {
    if let Ok(mut out) = hio::hstdout() {
        let _ = out.write_all(bytes);
    }
}

/// Writes a decimal number without `core::fmt`.
pub fn write_u32(mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    write(&digits[i..]);
}

/// Ends the program: QEMU exits 0.
pub fn succeed() -> ! {
    debug::exit(debug::EXIT_SUCCESS);
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Writes `line` and ends the program with a failure: QEMU exits 1.
pub fn fail(line: &[u8]) -> ! {
    write(line);
    debug::exit(debug::EXIT_FAILURE);
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Any panic is a failed run. Reports the location only, so no formatting code is linked in.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    write(b"FAIL panic");
    if let Some(at) = info.location() {
        write(b" at ");
        write(at.file().as_bytes());
        write(b":");
        write_u32(at.line());
    }
    fail(b"\n")
}
