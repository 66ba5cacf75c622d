//! OpenAPI 3.1 documents and a vendored Swagger UI for services built on tessera-core, with no
//! web framework: the Rocket and Warp adapters (or any other) serve what this crate computes.
//!
//! - [`ApiDoc`] builds the document: the OAuth2 password security scheme
//!   ([`SCHEME_NAME`], relative `tokenUrl` `token`, the application's scopes; in the rfc
//!   style `refreshUrl` too, the same URL), one [`SecuredRoute`] per operation declared with
//!   the same scope list its guard or filter uses (Swagger UI shows a lock on each protected
//!   operation and asks for exactly those scopes), the `/token` operation with its form body
//!   (in the rfc style the refresh grant's too) and `Token` response, in the rfc style the
//!   `/revoke` operation (RFC 7009) with its form body, and on every operation the error
//!   answers it can give in the service's [`Style`], with tessera-core's exact bodies as
//!   examples.
//! - [`docs_response`] (or a configured [`SwaggerUi`]) answers `GET /docs` and its assets from
//!   the Swagger UI files compiled into the binary.
//!
//! ```
//! use tessera_service::Config;
//! use tessera_openapi::{ApiDoc, SecuredRoute};
//!
//! const ME: &[&str] = &["me"];
//! let doc = ApiDoc::new("My API", "1.0.0", &Config::default())
//!     .scopes(&[("me", "Read information about the current user.")])
//!     .route(SecuredRoute::token("/token"))
//!     .route(SecuredRoute::get("/users/me/").active_user(ME))
//!     .build()
//!     .expect("the routes only use declared scopes");
//! let json = serde_json::to_value(&doc).expect("serialisable");
//! assert_eq!(json["paths"]["/users/me/"]["get"]["security"][0]["OAuth2PasswordBearer"][0], "me");
//!
//! let page = tessera_openapi::docs_response("/docs").expect("the page");
//! assert_eq!(page.status, 200);
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;
use tessera_core::form::GrantType;
use tessera_core::http::{Answer, Style};
use tessera_service::Config;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{
    Flow, OAuth2, Password, Scopes, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, RefOr,
    Required, Schema,
};

mod answers;
mod docs;
mod schemas;

pub use docs::{DocsFile, SwaggerUi, docs_response};
pub use utoipa;

/// The name of the security scheme in `components.securitySchemes`, as FastAPI names its
/// `OAuth2PasswordBearer`.
pub const SCHEME_NAME: &str = "OAuth2PasswordBearer";

/// An HTTP method of an operation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method name, upper case.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    /// Parses an upper-case method name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Get, Self::Post, Self::Put, Self::Patch, Self::Delete]
            .into_iter()
            .find(|m| m.as_str() == name)
    }

    fn http(self) -> HttpMethod {
        match self {
            Self::Get => HttpMethod::Get,
            Self::Post => HttpMethod::Post,
            Self::Put => HttpMethod::Put,
            Self::Patch => HttpMethod::Patch,
            Self::Delete => HttpMethod::Delete,
        }
    }
}

/// What an operation checks before its handler runs: this decides its security requirement
/// and the error answers it documents. Use the variant that matches the guard (Rocket) or
/// filter (Warp) the route really has, with the very same scope list.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Guard {
    /// No credentials are read.
    None,
    /// The raw bearer token, unverified (FastAPI's `Depends(oauth2_scheme)`; Rocket's
    /// `BearerToken`, Warp's `bearer`).
    Bearer,
    /// A verified token whose subject is a known user and which grants every listed scope
    /// (FastAPI's `get_current_user`; the user may be disabled).
    User(&'static [&'static str]),
    /// As [`Guard::User`], and the user must be active (FastAPI's
    /// `get_current_active_user`).
    ActiveUser(&'static [&'static str]),
    /// The OAuth2 token endpoint (tessera-core's login flow): the password grant, and in the
    /// rfc style the refresh grant (RFC 6749 §6).
    TokenEndpoint,
    /// The token revocation endpoint (RFC 7009; the rfc style only): the form's `token` is
    /// the only credential.
    RevocationEndpoint,
}

impl Guard {
    /// The scopes the operation requires (empty when none).
    #[must_use]
    pub const fn scopes(self) -> &'static [&'static str] {
        match self {
            Self::User(s) | Self::ActiveUser(s) => s,
            _ => &[],
        }
    }

    /// Whether the operation needs a bearer token (and so gets a security requirement).
    #[must_use]
    pub const fn needs_token(self) -> bool {
        !matches!(
            self,
            Self::None | Self::TokenEndpoint | Self::RevocationEndpoint
        )
    }
}

/// The JSON body of an operation's successful answer.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// Not documented.
    Unspecified,
    /// The component schema of this name (registered with [`ApiDoc::schema`]).
    Schema(&'static str),
    /// An array of the component schema of this name.
    ArrayOf(&'static str),
}

/// One operation of the service, declared once: method, path, what it checks (with its
/// scopes) and what it answers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SecuredRoute {
    /// The method.
    pub method: Method,
    /// The path, exactly as routed (for example `/users/me/`).
    pub path: &'static str,
    /// What it checks.
    pub guard: Guard,
    /// Its successful answer's body.
    pub response: Body,
    /// A one-line summary (Swagger UI shows it next to the path).
    pub summary: Option<&'static str>,
    /// A longer description (Markdown).
    pub description: Option<&'static str>,
    /// The operation id; derived from the method and path when `None`.
    pub operation_id: Option<&'static str>,
}

impl SecuredRoute {
    /// An operation that reads no credentials and documents no body.
    #[must_use]
    pub const fn new(method: Method, path: &'static str) -> Self {
        Self {
            method,
            path,
            guard: Guard::None,
            response: Body::Unspecified,
            summary: None,
            description: None,
            operation_id: None,
        }
    }

    /// `GET path`.
    #[must_use]
    pub const fn get(path: &'static str) -> Self {
        Self::new(Method::Get, path)
    }

    /// `POST path`.
    #[must_use]
    pub const fn post(path: &'static str) -> Self {
        Self::new(Method::Post, path)
    }

    /// The token endpoint, `POST path` (usually `/token`).
    #[must_use]
    pub const fn token(path: &'static str) -> Self {
        Self::post(path).guard(Guard::TokenEndpoint)
    }

    /// The token revocation endpoint (RFC 7009), `POST path` (usually `/revoke`). It exists
    /// in the rfc style only: a document of the fastapi style leaves it out.
    #[must_use]
    pub const fn revoke(path: &'static str) -> Self {
        Self::post(path).guard(Guard::RevocationEndpoint)
    }

    /// Sets what the operation checks.
    #[must_use]
    pub const fn guard(mut self, guard: Guard) -> Self {
        self.guard = guard;
        self
    }

    /// Reads the raw bearer token ([`Guard::Bearer`]).
    #[must_use]
    pub const fn bearer(self) -> Self {
        self.guard(Guard::Bearer)
    }

    /// Requires a valid token of a known user granting `scopes` ([`Guard::User`]).
    #[must_use]
    pub const fn user(self, scopes: &'static [&'static str]) -> Self {
        self.guard(Guard::User(scopes))
    }

    /// Requires a valid token of an active user granting `scopes` ([`Guard::ActiveUser`]).
    #[must_use]
    pub const fn active_user(self, scopes: &'static [&'static str]) -> Self {
        self.guard(Guard::ActiveUser(scopes))
    }

    /// Answers the component schema `name` ([`Body::Schema`]).
    #[must_use]
    pub const fn returns(mut self, name: &'static str) -> Self {
        self.response = Body::Schema(name);
        self
    }

    /// Answers an array of the component schema `name` ([`Body::ArrayOf`]).
    #[must_use]
    pub const fn returns_array(mut self, name: &'static str) -> Self {
        self.response = Body::ArrayOf(name);
        self
    }

    /// Sets the summary.
    #[must_use]
    pub const fn summary(mut self, summary: &'static str) -> Self {
        self.summary = Some(summary);
        self
    }

    /// Sets the description.
    #[must_use]
    pub const fn description(mut self, description: &'static str) -> Self {
        self.description = Some(description);
        self
    }

    /// Sets the operation id.
    #[must_use]
    pub const fn operation_id(mut self, id: &'static str) -> Self {
        self.operation_id = Some(id);
        self
    }

    /// The operation id: the one set, or the lower-case method and the path's words joined by
    /// `_` (`GET /users/me/` gives `get_users_me`).
    #[must_use]
    pub fn id(&self) -> String {
        if let Some(id) = self.operation_id {
            return id.to_owned();
        }
        let mut id = self.method.as_str().to_ascii_lowercase();
        for word in self
            .path
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            id.push('_');
            id.push_str(word);
        }
        id
    }
}

/// Why a document could not be built: a mistake in the application's declarations.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DocError {
    /// An operation requires a scope that [`ApiDoc::scopes`] does not declare.
    UndeclaredScope {
        /// The operation (`METHOD path`).
        operation: String,
        /// The scope.
        scope: &'static str,
    },
    /// Two operations share a method and path.
    DuplicateOperation(String),
    /// An operation answers a schema that was not registered.
    UnknownSchema {
        /// The operation (`METHOD path`).
        operation: String,
        /// The schema name.
        schema: &'static str,
    },
    /// A schema name is registered twice, or is one this crate defines.
    DuplicateSchema(String),
    /// A scope is declared twice.
    DuplicateScope(&'static str),
}

impl fmt::Display for DocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UndeclaredScope { operation, scope } => {
                write!(f, "{operation} requires the undeclared scope {scope:?}")
            }
            Self::DuplicateOperation(op) => write!(f, "{op} is declared twice"),
            Self::UnknownSchema { operation, schema } => {
                write!(f, "{operation} answers the unregistered schema {schema:?}")
            }
            Self::DuplicateSchema(name) => write!(
                f,
                "the schema {name:?} is registered twice or is defined by tessera-openapi"
            ),
            Self::DuplicateScope(scope) => write!(f, "the scope {scope:?} is declared twice"),
        }
    }
}

impl std::error::Error for DocError {}

/// A placeholder access token for the examples.
const EXAMPLE_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJqb2huZG9lIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDE4MDB9.9S3cC8x4fXyB2uGn0rPqVbJq9xw8XwZr5mZ2o3Fq4aE";

/// A placeholder refresh token for the examples (32 random bytes in unpadded base64url, as
/// tessera-service makes them).
const EXAMPLE_REFRESH_TOKEN: &str = "dnyrB2yC5zhzwV0qDpqo3dYWZ24rnSUXHansiD3w0tw";

/// `response` with the caching headers of `answer` (`Cache-Control`, `Pragma`), each
/// documented with its one value and `description`.
fn no_store(
    mut response: ResponseBuilder,
    answer: &Answer<'_>,
    description: &str,
) -> ResponseBuilder {
    let mut headers: BTreeMap<&'static str, String> = BTreeMap::new();
    let _ = answer.headers(|name, value| {
        if name != "content-type" {
            headers.insert(name, value.to_string());
        }
        Ok::<(), ()>(())
    });
    for (name, value) in headers {
        let display = match name {
            "cache-control" => "Cache-Control",
            "pragma" => "Pragma",
            other => other,
        };
        response = response.header(
            display,
            HeaderBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some([value.clone()])),
                ))
                .description(Some(description))
                .build(),
        );
    }
    response
}

/// Builds the OpenAPI document of a service: its security scheme, operations and schemas.
#[derive(Clone)]
pub struct ApiDoc {
    title: String,
    version: String,
    description: Option<String>,
    style: Style,
    login_challenge: bool,
    grant_type_required: bool,
    scope_claim: bool,
    token_lifetime_secs: u64,
    limits: tessera_core::form::Limits,
    token_url: String,
    scopes: Vec<(&'static str, &'static str)>,
    routes: Vec<SecuredRoute>,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl fmt::Debug for ApiDoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiDoc")
            .field("title", &self.title)
            .field("version", &self.version)
            .field("style", &self.style)
            .field("token_url", &self.token_url)
            .field("scopes", &self.scopes)
            .field("routes", &self.routes)
            .field(
                "schemas",
                &self.schemas.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl ApiDoc {
    /// A document titled `title`, version `version`, for a service configured with `config`
    /// (its style, login answer, `grant_type` rule, scope claim and token lifetime decide what
    /// the document says). The token URL is `token`, relative as in the FastAPI tutorial:
    /// Swagger UI resolves it against its page, so a page at `/docs` posts to `/token`.
    #[must_use]
    pub fn new(title: impl Into<String>, version: impl Into<String>, config: &Config) -> Self {
        Self {
            title: title.into(),
            version: version.into(),
            description: None,
            style: config.style,
            login_challenge: config.fastapi_login_challenge,
            grant_type_required: config.form.grant_type == GrantType::Required,
            scope_claim: config.scope_claim,
            token_lifetime_secs: config.token_lifetime_secs,
            limits: config.form.limits,
            token_url: "token".to_owned(),
            scopes: Vec::new(),
            routes: Vec::new(),
            schemas: Vec::new(),
        }
    }

    /// Sets the API description (Markdown).
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the `tokenUrl` of the password flow (default `token`), which in the rfc style is its
    /// `refreshUrl` too.
    #[must_use]
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = url.into();
        self
    }

    /// Declares the scopes the service knows, with their descriptions (Swagger UI offers one
    /// box per scope in the Authorize dialog). None by default.
    #[must_use]
    pub fn scopes(mut self, scopes: &[(&'static str, &'static str)]) -> Self {
        self.scopes.extend_from_slice(scopes);
        self
    }

    /// Adds an operation.
    #[must_use]
    pub fn route(mut self, route: SecuredRoute) -> Self {
        self.routes.push(route);
        self
    }

    /// Adds operations.
    #[must_use]
    pub fn routes(mut self, routes: impl IntoIterator<Item = SecuredRoute>) -> Self {
        self.routes.extend(routes);
        self
    }

    /// Registers a component schema that operations can answer ([`SecuredRoute::returns`]).
    #[must_use]
    pub fn schema(mut self, name: impl Into<String>, schema: impl Into<RefOr<Schema>>) -> Self {
        self.schemas.push((name.into(), schema.into()));
        self
    }

    /// The document. In the fastapi style the revocation endpoint does not exist (the service
    /// answers it 404), so a [`SecuredRoute::revoke`] is left out.
    ///
    /// # Errors
    /// A [`DocError`] when the declarations contradict each other: an operation requires an
    /// undeclared scope or answers an unregistered schema, an operation, scope or schema name
    /// is declared twice.
    pub fn build(self) -> Result<OpenApi, DocError> {
        self.check()?;
        let mut used: Vec<&'static str> = Vec::new();
        let mut paths = Paths::new();
        for route in self.routes.iter().filter(|r| self.documents(r)) {
            let (operation, refs) = self.operation(route);
            for r in refs {
                if !used.contains(&r) {
                    used.push(r);
                }
            }
            paths.add_path_operation(route.path, vec![route.method.http()], operation);
        }

        let scopes: Scopes = self
            .scopes
            .iter()
            .map(|(name, description)| (*name, *description))
            .collect();
        // The rfc style refreshes at the token endpoint (RFC 6749 §6).
        let flow = match self.style {
            Style::Rfc => {
                Password::with_refresh_url(self.token_url.clone(), scopes, self.token_url.clone())
            }
            Style::FastApi => Password::new(self.token_url.clone(), scopes),
        };
        let scheme = SecurityScheme::OAuth2(OAuth2::new([Flow::Password(flow)]));
        let mut components = ComponentsBuilder::new().security_scheme(SCHEME_NAME, scheme);
        for (name, schema) in &self.schemas {
            components = components.schema(name.clone(), schema.clone());
        }
        if used.contains(&schemas::VALIDATION_ERRORS) {
            used.push(schemas::VALIDATION_ERROR);
        }
        let builtin = [
            (schemas::TOKEN, schemas::token(self.style, self.scope_claim)),
            (
                schemas::PASSWORD_FORM,
                schemas::password_form(self.style, self.grant_type_required, &self.limits),
            ),
            (
                schemas::REVOCATION_FORM,
                schemas::revocation_form(&self.limits),
            ),
            (schemas::HTTP_ERROR, schemas::http_error()),
            (schemas::OAUTH_ERROR, schemas::oauth_error()),
            (schemas::VALIDATION_ERRORS, schemas::validation_errors()),
            (schemas::VALIDATION_ERROR, schemas::validation_error()),
        ];
        for (name, schema) in builtin {
            if used.contains(&name) {
                components = components.schema(name, schema);
            }
        }

        let info = InfoBuilder::new()
            .title(self.title.clone())
            .version(self.version.clone())
            .description(self.description.clone())
            .build();
        Ok(OpenApiBuilder::new()
            .info(info)
            .paths(paths)
            .components(Some(components.build()))
            .build())
    }

    /// Whether `route` is in the document of this style.
    fn documents(&self, route: &SecuredRoute) -> bool {
        route.guard != Guard::RevocationEndpoint || self.style == Style::Rfc
    }

    fn check(&self) -> Result<(), DocError> {
        let name = |r: &SecuredRoute| format!("{} {}", r.method.as_str(), r.path);
        for (i, (scope, _)) in self.scopes.iter().enumerate() {
            if self.scopes[..i].iter().any(|(s, _)| s == scope) {
                return Err(DocError::DuplicateScope(scope));
            }
        }
        for (i, (schema, _)) in self.schemas.iter().enumerate() {
            if schemas::RESERVED.contains(&schema.as_str())
                || self.schemas[..i].iter().any(|(s, _)| s == schema)
            {
                return Err(DocError::DuplicateSchema(schema.clone()));
            }
        }
        for (i, r) in self.routes.iter().enumerate() {
            if self.routes[..i]
                .iter()
                .any(|o| o.method == r.method && o.path == r.path)
            {
                return Err(DocError::DuplicateOperation(name(r)));
            }
            if let Some(scope) = r
                .guard
                .scopes()
                .iter()
                .find(|s| !self.scopes.iter().any(|(d, _)| d == *s))
            {
                return Err(DocError::UndeclaredScope {
                    operation: name(r),
                    scope,
                });
            }
            if let Body::Schema(schema) | Body::ArrayOf(schema) = r.response
                && !self.schemas.iter().any(|(s, _)| s == schema)
            {
                return Err(DocError::UnknownSchema {
                    operation: name(r),
                    schema,
                });
            }
        }
        Ok(())
    }

    /// The operation of `route`, and the built-in schemas it references.
    fn operation(
        &self,
        route: &SecuredRoute,
    ) -> (utoipa::openapi::path::Operation, Vec<&'static str>) {
        let guard = route.guard;
        let scopes = guard.scopes();
        let cases = match guard {
            Guard::None => Vec::new(),
            Guard::TokenEndpoint => answers::token_cases(
                self.style,
                answers::TokenChecks {
                    login_challenge: self.login_challenge,
                    grant_type_required: self.grant_type_required,
                },
            ),
            Guard::RevocationEndpoint => answers::revocation_cases(),
            Guard::Bearer => answers::guard_cases(
                self.style,
                answers::Checks {
                    verify: false,
                    scopes: false,
                    active: false,
                },
            ),
            Guard::User(s) | Guard::ActiveUser(s) => answers::guard_cases(
                self.style,
                answers::Checks {
                    verify: true,
                    scopes: !s.is_empty(),
                    active: matches!(guard, Guard::ActiveUser(_)),
                },
            ),
        };
        let (errors, mut refs) = answers::responses(self.style, scopes, &cases);

        let mut op = OperationBuilder::new()
            .operation_id(Some(route.id()))
            .summary(route.summary)
            .description(route.description);
        op = op.response("200", self.success(route, &mut refs));
        for (status, response) in errors {
            op = op.response(status.to_string(), response);
        }
        let form = match guard {
            Guard::TokenEndpoint if self.style == Style::Rfc => Some((
                schemas::PASSWORD_FORM,
                "The OAuth2 password grant form (RFC 6749 §4.3.2) or refresh grant form \
                 (RFC 6749 §6)",
            )),
            Guard::TokenEndpoint => Some((
                schemas::PASSWORD_FORM,
                "The OAuth2 password grant form (RFC 6749 §4.3.2)",
            )),
            Guard::RevocationEndpoint => Some((
                schemas::REVOCATION_FORM,
                "The token revocation form (RFC 7009 §2.1)",
            )),
            _ => None,
        };
        if let Some((schema, what)) = form {
            refs.push(schema);
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .description(Some(format!(
                        "{what}, at most {} bytes as sent; a larger body gets 413.",
                        self.limits.body
                    )))
                    .required(Some(Required::True))
                    .content(
                        "application/x-www-form-urlencoded",
                        ContentBuilder::new()
                            .schema(Some(schemas::reference(schema)))
                            .build(),
                    )
                    .build(),
            ));
        }
        if guard.needs_token() {
            op = op.security(SecurityRequirement::new(
                SCHEME_NAME,
                scopes.iter().copied(),
            ));
        }
        (op.build(), refs)
    }

    /// The 200 response of `route`.
    fn success(
        &self,
        route: &SecuredRoute,
        refs: &mut Vec<&'static str>,
    ) -> utoipa::openapi::Response {
        if route.guard == Guard::TokenEndpoint {
            refs.push(schemas::TOKEN);
            let scope = if self.scope_claim {
                self.scopes
                    .iter()
                    .map(|(s, _)| *s)
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                String::new()
            };
            let answer = Answer::token(self.style, EXAMPLE_TOKEN, self.token_lifetime_secs, &scope)
                .with_refresh_token(EXAMPLE_REFRESH_TOKEN);
            let example: Value =
                serde_json::from_str(&answer.body().to_string()).unwrap_or(Value::Null);
            let response = ResponseBuilder::new()
                .description(match self.style {
                    Style::Rfc => "OK: the access token, and a refresh token.",
                    Style::FastApi => "OK: the access token.",
                })
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(schemas::reference(schemas::TOKEN)))
                        .examples_from_iter([(
                            "token",
                            ExampleBuilder::new()
                                .summary("A token")
                                .value(Some(example)),
                        )])
                        .build(),
                );
            return no_store(
                response,
                &answer,
                "Tokens must not be cached (RFC 6749 §5.1).",
            )
            .build();
        }
        if route.guard == Guard::RevocationEndpoint {
            let response = ResponseBuilder::new().description(
                "OK: the token is revoked, or was not valid (RFC 7009 §2.2: the answer is the \
                 same). The body is empty.",
            );
            return no_store(
                response,
                &Answer::empty_ok(),
                "The answer must not be cached.",
            )
            .build();
        }
        let schema: Option<RefOr<Schema>> = match route.response {
            Body::Unspecified => None,
            Body::Schema(name) => Some(schemas::reference(name)),
            Body::ArrayOf(name) => Some(ArrayBuilder::new().items(schemas::reference(name)).into()),
        };
        let mut response = ResponseBuilder::new().description("OK.");
        if let Some(schema) = schema {
            response = response.content(
                "application/json",
                ContentBuilder::new().schema(Some(schema)).build(),
            );
        }
        response.build()
    }
}
