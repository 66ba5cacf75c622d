//! The FastAPI security tutorial on Rocket.
//!
//! `rocket-tutorial [--variant jwt|scopes] [--style rfc|fastapi] [--address ADDR] [--port PORT]`,
//! with the signing key from `SECRET_KEY` (a random one, with a warning, when unset) and the
//! token lifetime from `ACCESS_TOKEN_EXPIRE_MINUTES`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let (options, service) = match tessera_tutorial::start() {
        Ok(started) => started,
        Err(code) => return code,
    };
    if options.address.parse::<std::net::IpAddr>().is_err() {
        eprintln!(
            "--address must be an IP address (such as 127.0.0.1 or ::), not {:?}",
            options.address
        );
        return ExitCode::from(2);
    }
    if let Err(e) = rocket::Config::try_from(rocket_tutorial::figment(&options)) {
        eprintln!("invalid server configuration: {e}");
        return ExitCode::from(2);
    }
    let app = rocket_tutorial::build(&options, service);
    match rocket::execute(app.launch()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
