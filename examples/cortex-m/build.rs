//! Puts `memory.x` where cortex-m-rt's `link.x` finds it, and links with `link.x`.
//!
//! The linker script is passed here rather than in `.cargo/config.toml`'s `rustflags`: a
//! `RUSTFLAGS` environment variable (CI sets `-D warnings`) replaces those, and the binary would
//! then be linked without a vector table.

use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy("memory.x", out.join("memory.x")).expect("copy memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
}
