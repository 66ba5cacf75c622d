//! Runs the FastAPI security tutorial app on Warp.
//!
//! `warp-tutorial [--variant jwt|scopes] [--style rfc|fastapi] [--address ADDR] [--port PORT]`,
//! with `SECRET_KEY` and `ACCESS_TOKEN_EXPIRE_MINUTES` from the environment.

use std::process::ExitCode;
use std::sync::Arc;

use tessera_tutorial::{Options, Users};

#[tokio::main]
async fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let key = match tessera_tutorial::key_from_env() {
        Ok((key, warning)) => {
            if let Some(w) = warning {
                eprintln!("warning: {w}");
            }
            key
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let lifetime = match tessera_tutorial::lifetime_from_env() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let service = Arc::new(tessera_tutorial::service(key, &options, lifetime));
    let app = warp_tutorial::app(&options, service, Arc::new(Users::default()));

    let listener =
        match tokio::net::TcpListener::bind((options.address.as_str(), options.port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("cannot listen on {}:{}: {e}", options.address, options.port);
                return ExitCode::from(1);
            }
        };
    match listener.local_addr() {
        Ok(addr) => println!("listening on http://{addr}"),
        Err(_) => println!("listening on http://{}:{}", options.address, options.port),
    }
    warp::serve(app).incoming(listener).run().await;
    ExitCode::SUCCESS
}
