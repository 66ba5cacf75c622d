//! `GET /openapi.json` and the Swagger UI at `GET /docs`, from `tessera-openapi`: the document
//! an application built with [`tessera_openapi::ApiDoc`], and the vendored Swagger UI assets
//! compiled into the binary (nothing is fetched at build or run time).
//!
//! ```no_run
//! use warp::Filter;
//! # fn spec() -> String { String::new() }
//! let docs = tessera_warp::docs::openapi_json(spec()).or(tessera_warp::docs::swagger_ui()).unify();
//! ```

use std::sync::Arc;

use warp::filters::path::FullPath;
use warp::http::HeaderValue;
use warp::http::header::CONTENT_TYPE;
use warp::reply::Response;
use warp::{Filter, Rejection};

/// `GET` (and `HEAD`) `/openapi.json`, exactly that path, answering `spec` as JSON.
pub fn openapi_json(
    spec: impl Into<Arc<str>>,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let spec: Arc<str> = spec.into();
    warp::get()
        .or(warp::head())
        .unify()
        .and(warp::path::full())
        .and_then(move |path: FullPath| {
            let spec = Arc::clone(&spec);
            std::future::ready(if path.as_str() == "/openapi.json" {
                let mut out = Response::new(spec.as_bytes().to_vec().into());
                out.headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                Ok(out)
            } else {
                Err(warp::reject::not_found())
            })
        })
}

/// `GET` (and `HEAD`) `/docs` (the page), `/docs/` (a redirect to it) and `/docs/<asset>`;
/// other paths are rejected as not found.
pub fn swagger_ui() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::get()
        .or(warp::head())
        .unify()
        .and(warp::path::full())
        .and_then(|path: FullPath| {
            std::future::ready(
                tessera_openapi::docs_response(path.as_str())
                    .map(reply)
                    .ok_or_else(warp::reject::not_found),
            )
        })
}

fn reply(file: tessera_openapi::DocsFile) -> Response {
    file.to_http().map(Into::into)
}
