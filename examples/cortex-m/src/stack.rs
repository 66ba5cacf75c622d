//! Stack high-water marks by painting.
//!
//! [`measure`] fills [`PAINT_LEN`] bytes below its own stack pointer with [`PAINT`], runs the
//! closure, and then finds the lowest word that no longer holds the pattern. Everything the
//! call pushed lies between that word and the stack pointer at the call, so their distance is
//! the call's peak stack use. Nothing else runs meanwhile: the example enables no interrupts.

use core::arch::asm;

/// The fill word.
pub const PAINT: u32 = 0xC0FF_EE55;
/// How far below the stack pointer [`measure`] paints. RAM on the board is 4 MiB and the
/// program's static data is tiny, so this region is always free.
pub const PAINT_LEN: usize = 16 * 1024;

/// A call's peak stack use, in bytes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Usage {
    /// Measured peak.
    Bytes(usize),
    /// The call reached the bottom of the painted region: it used at least [`PAINT_LEN`].
    Exhausted,
}

/// Runs `f` and returns its result with its peak stack use.
///
/// Keep `f` to a single call of an `#[inline(never)]` function: anything `f` inlines here
/// would live in this function's own frame, above the measured region.
#[inline(never)]
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Usage) {
    let top: usize;
    // SAFETY: writes only the `PAINT_LEN` bytes directly below the current stack pointer.
    // That memory is unused stack (no interrupts are enabled, so nothing else can be using
    // it), it lies inside RAM, and nothing this function owns lives there.
    unsafe {
        asm!(
            "mov {top}, sp",
            "mov {p}, sp",
            "sub {end}, {p}, {len}",
            "2:",
            "str {pat}, [{p}, #-4]!",
            "cmp {p}, {end}",
            "bhi 2b",
            top = out(reg) top,
            p = out(reg) _,
            end = out(reg) _,
            len = in(reg) PAINT_LEN,
            pat = in(reg) PAINT,
            options(nostack),
        );
    }
    let result = f();
    let bottom = top - PAINT_LEN;
    let mut at = bottom;
    while at < top {
        // SAFETY: inside the region painted above, word-aligned because the stack pointer is.
        let word = unsafe { core::ptr::read_volatile(at as *const u32) };
        if word != PAINT {
            break;
        }
        at += 4;
    }
    let usage = if at == bottom {
        Usage::Exhausted
    } else {
        Usage::Bytes(top - at)
    };
    (result, usage)
}
