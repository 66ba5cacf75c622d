//! Runs the FastAPI security tutorial app on axum.
//!
//! `axum-tutorial [--variant jwt|scopes] [--style rfc|fastapi] [--address ADDR] [--port PORT]`,
//! with the environment of `tessera_tutorial::USAGE`.

use std::process::ExitCode;

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
    let tessera = tessera_axum::Tessera::new(service, Users::default())
        .with_body_timeout(options.body_timeout);
    let app = axum_tutorial::app(&options, tessera);
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
        tessera_axum::ServeOptions::default().with_header_timeout(options.header_timeout);
    tessera_axum::serve(app, listener, serve_options).await;
    ExitCode::SUCCESS
}
