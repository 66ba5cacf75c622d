//! Runs the FastAPI security tutorial app on Warp.
//!
//! `warp-tutorial [--variant jwt|scopes] [--style rfc|fastapi] [--address ADDR] [--port PORT]`,
//! with `SECRET_KEY` and `ACCESS_TOKEN_EXPIRE_MINUTES` from the environment.

use std::process::ExitCode;
use std::sync::Arc;

use tessera_tutorial::Users;

#[tokio::main]
async fn main() -> ExitCode {
    let (options, service) = match tessera_tutorial::start() {
        Ok(started) => started,
        Err(code) => return code,
    };
    let tessera =
        tessera_warp::Tessera::new(Arc::new(service), Arc::new(Users::for_options(&options)))
            .with_body_timeout(options.body_timeout);
    let app = warp_tutorial::app_with(&options, tessera);
    let listener = match tessera_tutorial::listen(&options).await {
        Ok(listener) => listener,
        Err(code) => return code,
    };
    let serve_options =
        tessera_warp::ServeOptions::default().with_header_timeout(options.header_timeout);
    tessera_warp::serve(app, listener, serve_options).await;
    ExitCode::SUCCESS
}
