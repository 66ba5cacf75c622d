//! Runs the FastAPI security tutorial app on axum.
//!
//! `axum-tutorial [--variant jwt|scopes] [--style rfc|fastapi] [--address ADDR] [--port PORT]`,
//! with the environment of `tessera_tutorial::USAGE`.

use std::process::ExitCode;

use tessera_tutorial::Users;

#[tokio::main]
async fn main() -> ExitCode {
    let (options, service) = match tessera_tutorial::start() {
        Ok(started) => started,
        Err(code) => return code,
    };
    let tessera = tessera_axum::Tessera::new(service, Users::for_options(&options))
        .with_body_timeout(options.body_timeout);
    let app = axum_tutorial::app(&options, tessera);
    let listener = match tessera_tutorial::listen(&options).await {
        Ok(listener) => listener,
        Err(code) => return code,
    };
    let serve_options =
        tessera_axum::ServeOptions::default().with_header_timeout(options.header_timeout);
    tessera_axum::serve(app, listener, serve_options).await;
    ExitCode::SUCCESS
}
