//! Runs the FastAPI security tutorial app on Warp.
//!
//! `warp-tutorial [--variant jwt|scopes] [--style rfc|fastapi] [--address ADDR] [--port PORT]`,
//! with `SECRET_KEY` and `ACCESS_TOKEN_EXPIRE_MINUTES` from the environment.

use std::process::ExitCode;
use std::sync::Arc;

use tessera_tutorial::Users;

#[tokio::main]
async fn main() -> ExitCode {
    tessera_tutorial::init_logging();
    let (options, service) = match tessera_tutorial::setup(std::env::args().skip(1)) {
        Ok((options, service, warning)) => {
            if let Some(warning) = warning {
                eprintln!("warning: {warning}");
            }
            (options, service)
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let tessera = tessera_warp::Tessera::new(Arc::new(service), Arc::new(Users::default()))
        .with_body_timeout(options.body_timeout);
    let app = warp_tutorial::app_with(&options, tessera);
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
    let serve_options =
        tessera_warp::ServeOptions::default().with_header_timeout(options.header_timeout);
    tessera_warp::serve(app, listener, serve_options).await;
    ExitCode::SUCCESS
}
