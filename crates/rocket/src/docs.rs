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

use rocket::http::ContentType;
use rocket::http::uri::Origin;
use rocket::response::{self, Responder};
use rocket::{Request, Route, State};
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
        let headers = self.0.headers().map(|(n, v)| (n, v.to_owned())).collect();
        crate::respond(self.0.status, headers, self.0.body.into_owned())
    }
}

/// The two routes, to mount at `/` next to [`OpenApiJson`] in managed state.
#[must_use]
pub fn routes() -> Vec<Route> {
    rocket::routes![openapi, docs]
}
