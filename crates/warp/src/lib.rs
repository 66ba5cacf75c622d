//! Warp filters for `tessera-core`: FastAPI-style bearer tokens, the current user, required
//! scopes and the OAuth2 password grant on `/token`.
//!
//! The filters only move bytes between Warp and [`tessera_core::service::Service`]: every
//! status, header and body comes from the core, so a Warp server answers exactly as any other
//! Tessera adapter.
//!
//! ```no_run
//! use std::sync::Arc;
//! use tessera_warp::Tessera;
//! use warp::Filter;
//! # fn demo<S: tessera_core::service::UserStore>(service: tessera_core::service::Service, store: S)
//! # where S::User: std::fmt::Debug {
//! let tessera = Tessera::new(Arc::new(service), Arc::new(store));
//! let token = warp::path!("token")
//!     .and(warp::post())
//!     .and(tessera_warp::token(&tessera))
//!     .recover(tessera_warp::recover)
//!     .unify();
//! let me = warp::path!("users" / "me")
//!     .and(warp::get())
//!     .and(tessera_warp::current_active_user_with(&tessera, &["me"]))
//!     .map(|user| format!("{user:?}"))
//!     .recover(tessera_warp::recover);
//! # let _ = token.or(me);
//! # }
//! ```
//!
//! # Composing routes
//!
//! Put the filters of this crate *after* the path and method filters of a route, and give
//! each route its own `.recover(tessera_warp::recover)`: the route's authentication failures
//! then become answers, while its path and method mismatches pass through unchanged to the
//! next `.or(…)` branch. Warp merges the rejections of `or` branches and prefers a custom
//! rejection over "not found" (seanmonstar/warp#77), so an authentication filter placed before
//! the path filter, or a `recover` applied only once at the very end, can turn an unrelated
//! 404 into a 401.
//!
//! # Headers
//!
//! All `Authorization` fields are read as bytes, so duplicates are seen (the rfc style refuses
//! them) and bytes outside visible ASCII never cause a rejection of their own.
//!
//! # `/token`
//!
//! [`token`] reads the body itself, capped at the core's body limit whether or not the client
//! sends `Content-Length`, and gives up on a body that is not complete within
//! [`Tessera::with_body_timeout`] (10 s by default). The `Authorization` header is ignored
//! there (Swagger UI sends `Basic Og==`). Password verification runs on the service's hashing threads, a pool
//! bounded by its hashing gate, at a lowered priority.

//!
//! # Serving
//!
//! [`serve`] runs a filter on HTTP/1.1 connections that must finish each request's headers
//! within [`ServeOptions::header_timeout`] (10 s by default); `warp::serve` sets no such
//! deadline, so idle half-open requests would hold their sockets forever.

pub mod docs;
mod serve;

pub use serve::{Connection, DEFAULT_HEADER_TIMEOUT, ServeOptions, serve};

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Buf;
use tessera_core::UnixTime;
use tessera_core::form::FormError;
use tessera_core::http::{Failure, Response, Style};
use tessera_core::jwt::OwnedClaims;
use tessera_core::service::{LoginRequest, Service, UserStore};
use warp::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use warp::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use warp::reject::{Reject, Rejection};
use warp::{Filter, Stream};

/// How long [`token`] waits for the rest of a request body by default.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// The service and the user store the filters share. Cheap to clone.
pub struct Tessera<S> {
    service: Arc<Service>,
    store: Arc<S>,
    body_timeout: Duration,
}

impl<S> Clone for Tessera<S> {
    fn clone(&self) -> Self {
        Self {
            service: Arc::clone(&self.service),
            store: Arc::clone(&self.store),
            body_timeout: self.body_timeout,
        }
    }
}

impl<S> fmt::Debug for Tessera<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tessera")
            .field("service", &self.service)
            .field("body_timeout", &self.body_timeout)
            .finish_non_exhaustive()
    }
}

impl<S: UserStore> Tessera<S> {
    /// Filters backed by `service` and `store`.
    #[must_use]
    pub fn new(service: Arc<Service>, store: Arc<S>) -> Self {
        Self {
            service,
            store,
            body_timeout: DEFAULT_BODY_TIMEOUT,
        }
    }

    /// How long [`token`] waits for a request body to complete (default 10 s). A body that
    /// takes longer is answered as malformed.
    #[must_use]
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// The core service.
    #[must_use]
    pub fn service(&self) -> &Arc<Service> {
        &self.service
    }

    /// The user store.
    #[must_use]
    pub fn store(&self) -> &Arc<S> {
        &self.store
    }
}

/// A refusal from one of this crate's filters; [`recover`] turns it into its answer.
///
/// It holds the core's [`Failure`] with the scopes of the route and the service's style, or,
/// for `/token`, the core's finished answer. Neither ever contains a token or a password.
#[derive(Debug)]
pub struct Rejected(Refusal);

#[derive(Debug)]
enum Refusal {
    Auth {
        failure: Failure<'static>,
        scopes: &'static [&'static str],
        style: Style,
    },
    Login(Response),
}

impl Reject for Rejected {}

impl Rejected {
    fn auth(service: &Service, failure: Failure<'static>, scopes: &'static [&'static str]) -> Self {
        Self(Refusal::Auth {
            failure,
            scopes,
            style: service.style(),
        })
    }

    /// The failure of a protected route; `None` for a refused token request.
    #[must_use]
    pub fn failure(&self) -> Option<Failure<'static>> {
        match &self.0 {
            Refusal::Auth { failure, .. } => Some(*failure),
            Refusal::Login(_) => None,
        }
    }

    /// The scopes the refusing route requires, in challenge order.
    #[must_use]
    pub fn scopes(&self) -> &'static [&'static str] {
        match &self.0 {
            Refusal::Auth { scopes, .. } => scopes,
            Refusal::Login(_) => &[],
        }
    }

    /// The core's answer.
    #[must_use]
    pub fn response(&self) -> Response {
        match &self.0 {
            Refusal::Auth {
                failure,
                scopes,
                style,
            } => failure.answer(*style, scopes).to_response(),
            Refusal::Login(r) => r.clone(),
        }
    }
}

/// Turns a [`Rejected`] into its answer and hands every other rejection back unchanged.
///
/// # Errors
/// `err` itself when it is not a [`Rejected`].
pub async fn recover(err: Rejection) -> Result<warp::reply::Response, Rejection> {
    match err.find::<Rejected>() {
        Some(r) => Ok(reply(r.response())),
        None => Err(err),
    }
}

/// A core [`Response`] as a Warp reply: its status, each of its headers once, its body.
#[must_use]
pub fn reply(response: Response) -> warp::reply::Response {
    let mut out = warp::reply::Response::new(response.body.into());
    *out.status_mut() =
        StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = out.headers_mut();
    for (name, value) in response.headers {
        // Core header names are lower-case tokens and values are visible ASCII; a value that
        // still does not fit is left out rather than allowed to panic.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::try_from(value),
        ) {
            headers.append(name, value);
        }
    }
    out
}

fn authorization(headers: &HeaderMap) -> impl Iterator<Item = &[u8]> {
    headers
        .get_all(AUTHORIZATION)
        .iter()
        .map(HeaderValue::as_bytes)
}

/// The raw bearer token, unverified (FastAPI's `OAuth2PasswordBearer`).
///
/// Rejects with [`Rejected`]: missing credentials (401), several `Authorization` headers in
/// the rfc style (400), credentials that are not UTF-8 (401 invalid token).
pub fn bearer<S: UserStore>(
    tessera: &Tessera<S>,
) -> impl Filter<Extract = (String,), Error = Rejection> + Clone + use<S> {
    let service = Arc::clone(&tessera.service);
    warp::header::headers_cloned().and_then(move |headers: HeaderMap| {
        let token = service
            .bearer(authorization(&headers))
            .map(String::from)
            .map_err(|f| warp::reject::custom(Rejected::auth(&service, f, &[])));
        std::future::ready(token)
    })
}

/// The raw bearer token when the request carries a usable one, `None` otherwise; never
/// rejects (FastAPI's `OAuth2PasswordBearer(auto_error=False)`).
pub fn optional_bearer<S: UserStore>(
    tessera: &Tessera<S>,
) -> impl Filter<Extract = (Option<String>,), Error = Infallible> + Clone + use<S> {
    let service = Arc::clone(&tessera.service);
    warp::header::headers_cloned().map(move |headers: HeaderMap| {
        service
            .bearer(authorization(&headers))
            .ok()
            .map(String::from)
    })
}

/// The verified claims of the bearer token; deserialize your own claim type with
/// [`OwnedClaims::deserialize`].
///
/// Rejects with [`Rejected`] as [`bearer`] does, and with an invalid token (401) for any token
/// the core refuses.
pub fn claims<S: UserStore>(
    tessera: &Tessera<S>,
) -> impl Filter<Extract = (OwnedClaims,), Error = Rejection> + Clone + use<S> {
    let service = Arc::clone(&tessera.service);
    warp::header::headers_cloned().and_then(move |headers: HeaderMap| {
        let claims = service
            .authenticate(authorization(&headers), UnixTime::now())
            .map_err(|f| warp::reject::custom(Rejected::auth(&service, f, &[])));
        std::future::ready(claims)
    })
}

fn user_filter<S: UserStore>(
    tessera: &Tessera<S>,
    scopes: &'static [&'static str],
    require_active: bool,
) -> impl Filter<Extract = (S::User,), Error = Rejection> + Clone + use<S> {
    let tessera = tessera.clone();
    warp::header::headers_cloned().and_then(move |headers: HeaderMap| {
        let tessera = tessera.clone();
        async move {
            let service = &tessera.service;
            let refuse = |f| warp::reject::custom(Rejected::auth(service, f, scopes));
            let principal = service
                .authenticate(authorization(&headers), UnixTime::now())
                .map_err(refuse)?;
            let user = tessera.store.find(&principal.sub).await;
            service
                .authorize(&principal, user.as_ref(), scopes, require_active)
                .map_err(refuse)?;
            user.ok_or_else(|| refuse(Failure::InvalidToken))
        }
    })
}

/// The user named by a valid bearer token (FastAPI's `get_current_user`); disabled users pass.
///
/// Rejects with [`Rejected`] as [`claims`] does, and with an invalid token (401) when the
/// token's subject is not in the store.
pub fn current_user<S: UserStore>(
    tessera: &Tessera<S>,
) -> impl Filter<Extract = (S::User,), Error = Rejection> + Clone + use<S> {
    user_filter(tessera, &[], false)
}

/// [`current_user`], also requiring the token to grant every scope in `scopes`. The slice order
/// is the order of the `scope` challenge parameter (FastAPI lists a route's own scopes first,
/// then those of the dependencies it builds on).
///
/// Rejects as [`current_user`] does, and with insufficient scope (rfc 403, fastapi 401).
pub fn current_user_with<S: UserStore>(
    tessera: &Tessera<S>,
    scopes: &'static [&'static str],
) -> impl Filter<Extract = (S::User,), Error = Rejection> + Clone + use<S> {
    user_filter(tessera, scopes, false)
}

/// [`current_user`], refusing disabled users (FastAPI's `get_current_active_user`).
///
/// Rejects as [`current_user`] does, and with 400 "Inactive user".
pub fn current_active_user<S: UserStore>(
    tessera: &Tessera<S>,
) -> impl Filter<Extract = (S::User,), Error = Rejection> + Clone + use<S> {
    user_filter(tessera, &[], true)
}

/// [`current_active_user`] with required scopes, checked before the disabled flag (as in
/// FastAPI). See [`current_user_with`] for the order of `scopes`.
///
/// Rejects as [`current_user_with`] does, and with 400 "Inactive user".
pub fn current_active_user_with<S: UserStore>(
    tessera: &Tessera<S>,
    scopes: &'static [&'static str],
) -> impl Filter<Extract = (S::User,), Error = Rejection> + Clone + use<S> {
    user_filter(tessera, scopes, true)
}

/// The validated OAuth2 password form of a token request (FastAPI's
/// `OAuth2PasswordRequestForm`), throttle included.
///
/// Rejects with [`Rejected`] carrying the core's answer: 413 for a body over the limit, the
/// form errors of the chosen style, 429 for a throttled username, 400 for a body that breaks
/// off or stalls.
pub fn password_form<S: UserStore>(
    tessera: &Tessera<S>,
) -> impl Filter<Extract = (LoginRequest,), Error = Rejection> + Clone + use<S> {
    let service = Arc::clone(&tessera.service);
    let timeout = tessera.body_timeout;
    warp::header::headers_cloned()
        .and(warp::body::stream())
        .and_then(move |headers: HeaderMap, body| {
            let service = Arc::clone(&service);
            async move {
                let refuse = |r| warp::reject::custom(Rejected(Refusal::Login(r)));
                let limit = service.config().form.limits.body;
                let body = read_body(&headers, body, limit, timeout)
                    .await
                    .map_err(|e| refuse(service.reject(Failure::Form(e), &[])))?;
                let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
                service
                    .begin_login(content_type, &body, UnixTime::now())
                    .map_err(refuse)
            }
        })
}

/// Reads at most `limit` bytes of body, with or without `Content-Length`.
async fn read_body<B: Buf>(
    headers: &HeaderMap,
    body: impl Stream<Item = Result<B, warp::Error>>,
    limit: usize,
    timeout: Duration,
) -> Result<Vec<u8>, FormError<'static>> {
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok());
    let limits = tessera_core::form::Limits {
        body: limit,
        ..tessera_core::form::Limits::DEFAULT
    };
    tessera_core::form::check_declared_length(declared, &limits)?;
    let capacity = declared
        .and_then(|n| n.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let read = async {
        let mut body = std::pin::pin!(body);
        let mut out = Vec::with_capacity(capacity.min(limit));
        while let Some(chunk) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
            let mut chunk = chunk.map_err(|_| FormError::Malformed)?;
            if chunk.remaining() > limit - out.len() {
                return Err(FormError::TooLarge);
            }
            while chunk.has_remaining() {
                let part = chunk.chunk();
                out.extend_from_slice(part);
                let n = part.len();
                chunk.advance(n);
            }
        }
        Ok(out)
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(FormError::Malformed))
}

/// Finishes a token request: looks the user up, takes a hashing slot (429 with `Retry-After`
/// when none is free), verifies the password on the service's hashing threads, stores a stronger hash
/// when the core asks for one, and returns the core's answer (the token, or the refusal).
pub async fn login<S: UserStore>(tessera: &Tessera<S>, request: LoginRequest) -> Response {
    let service = Arc::clone(&tessera.service);
    let user = tessera.store.find(request.username()).await;
    let pending = match service.login(request, user) {
        Ok(pending) => pending,
        Err(busy) => return busy,
    };
    let Some(outcome) = pending.await else {
        // The hashing job failed: nothing was decided, so the client is told to retry.
        return service.reject(Failure::Busy(service.config().busy_retry_after), &[]);
    };
    if let Some(phc) = outcome.rehash {
        tessera.store.update_hash(&outcome.username, phc).await;
    }
    outcome.response
}

/// The whole `POST /token` endpoint after its path and method filters: [`password_form`], then
/// [`login`]. Its refusals are [`Rejected`]; add `.recover(recover)` to the route.
pub fn token<S: UserStore>(
    tessera: &Tessera<S>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone + use<S> {
    let tessera = tessera.clone();
    password_form(&tessera).and_then(move |request: LoginRequest| {
        let tessera = tessera.clone();
        async move { Ok::<_, Rejection>(reply(login(&tessera, request).await)) }
    })
}
