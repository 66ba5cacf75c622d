//! `GET /openapi.json` and the Swagger UI at `GET /docs`, from `tessera-openapi`: the document
//! an application built with [`tessera_openapi::ApiDoc`], and the vendored Swagger UI assets
//! compiled into the binary (nothing is fetched at build or run time).
//!
//! ```no_run
//! # fn spec() -> String { String::new() }
//! let rocket = rocket::build()
//!     .manage(tessera_rocket::docs::OpenApiJson(spec()))
//!     .mount("/", tessera_rocket::docs::routes());
//! ```

use std::io::Cursor;

use rocket::http::uri::Origin;
use rocket::http::{ContentType, Status};
use rocket::response::{self, Responder};
use rocket::{Request, Response, Route, State};
use tessera_openapi::DocsFile;

/// The OpenAPI document, as JSON text, served at `GET /openapi.json` (managed state).
#[derive(Debug, Clone)]
pub struct OpenApiJson(pub String);

#[rocket::get("/openapi.json")]
fn openapi(uri: &Origin<'_>, spec: &State<OpenApiJson>) -> Option<(ContentType, String)> {
    // Rocket's routing also takes `/openapi.json/`; only the exact path is the document.
    (uri.path().as_str() == "/openapi.json").then(|| (ContentType::JSON, spec.0.clone()))
}

/// `/docs` (the page), `/docs/` (a redirect to it) and `/docs/<asset>`; anything else under
/// `/docs` falls through to the 404 catcher.
#[rocket::get("/docs/<_..>")]
fn docs(uri: &Origin<'_>) -> Option<Docs> {
    tessera_openapi::docs_response(uri.path().as_str()).map(Docs)
}

/// A Swagger UI file: its status, headers and bytes, exactly as `tessera-openapi` gives them.
#[derive(Debug)]
pub struct Docs(pub DocsFile);

impl<'r> Responder<'r, 'static> for Docs {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let file = self.0;
        let mut out = Response::build();
        out.status(Status::new(file.status));
        for (name, value) in file.headers() {
            out.raw_header(name, value.to_owned());
        }
        let body = file.body.into_owned();
        out.sized_body(body.len(), Cursor::new(body));
        out.ok()
    }
}

/// The two routes, to mount at `/` next to [`OpenApiJson`] in managed state.
#[must_use]
pub fn routes() -> Vec<Route> {
    rocket::routes![openapi, docs]
}
