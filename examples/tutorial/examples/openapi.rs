//! Writes the tutorial's OpenAPI document for every variant and style into a directory, as
//! `<variant>-<style>.json` (what `GET /openapi.json` answers), for external validators.
//!
//! `cargo run -p tessera-tutorial --example openapi -- DIR`

use std::path::PathBuf;
use std::process::ExitCode;

use tessera_core::http::Style;
use tessera_tutorial::Variant;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: openapi DIR");
        return ExitCode::from(2);
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    for variant in [Variant::Jwt, Variant::Scopes] {
        for style in [Style::Rfc, Style::FastApi] {
            let path = dir.join(format!("{}-{}.json", variant.as_str(), style.as_str()));
            let json = tessera_tutorial::openapi::to_json(variant, style);
            if let Err(e) = std::fs::write(&path, json) {
                eprintln!("cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            println!("{}", path.display());
        }
    }
    ExitCode::SUCCESS
}
