//! `GET /openapi.json` and the Swagger UI at `GET /docs`, from `tessera-openapi` (the
//! vendored assets compiled into the binary; nothing is fetched).
//!
//! ```no_run
//! # fn spec() -> String { String::new() }
//! let app: axum::Router = tessera_axum::docs::routes(spec());
//! ```

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// `GET /openapi.json` answering `spec` as JSON and `GET /docs` (the page). The page's assets
/// are served by [`asset`], which the application's fallback calls: a route for them would
/// also take paths such as `/docs//`, which are the application's to answer.
pub fn routes<St: Clone + Send + Sync + 'static>(spec: impl Into<Arc<str>>) -> Router<St> {
    let spec: Arc<str> = spec.into();
    let json = move || {
        let spec = Arc::clone(&spec);
        async move {
            (
                [(header::CONTENT_TYPE, "application/json")],
                spec.to_string(),
            )
        }
    };
    Router::new()
        .route("/openapi.json", get(json))
        .route("/docs", get(page))
}

async fn page(request: Request) -> Response {
    asset(request.uri().path()).unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// The Swagger UI file at `path` (the page at `/docs`, the assets below it), or `None`.
#[must_use]
pub fn asset(path: &str) -> Option<Response> {
    tessera_openapi::docs_response(path).map(reply)
}

fn reply(file: tessera_openapi::DocsFile) -> Response {
    file.to_http().map(Into::into)
}
