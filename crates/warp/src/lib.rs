//! Warp 0.4.3 filters for Tessera. Every check and every answer is [`tessera_service`]'s; the
//! filters move Warp's request parts into it and the answer back.
//!
//! ```no_run
//! use tessera_warp::{NoScopes, Tessera};
//! use warp::Filter;
//! # fn demo<S: tessera_service::UserStore>(tessera: Tessera<S>) where S::User: std::fmt::Debug {
//! let token = warp::path!("token")
//!     .and(warp::post())
//!     .and(tessera_warp::token(&tessera))
//!     .recover(tessera_warp::recover)
//!     .unify();
//! let me = warp::path!("users" / "me")
//!     .and(warp::get())
//!     .and(tessera_warp::current_active_user::<S, NoScopes>(&tessera))
//!     .map(|user| format!("{user:?}"))
//!     .recover(tessera_warp::recover);
//! # let _ = token.or(me);
//! # }
//! ```
//!
//! Put these filters *after* a route's path and method filters, and give each route its own
//! `.recover(recover)`: its refusals then become answers while path and method mismatches
//! fall through to the next `.or(…)` branch (Warp prefers a custom rejection over "not found"
//! when merging branches, seanmonstar/warp#77).
//!
//! All `Authorization` fields are read as bytes, so duplicates are seen (the rfc style refuses
//! them). [`token`] reads the body itself, capped at the core's limit with or without
//! `Content-Length`, within [`Tessera::with_body_timeout`] (10 s by default).
//!
//! [`serve`] runs a filter on HTTP/1.1 connections that must finish each request's headers
//! within [`ServeOptions::header_timeout`] (10 s by default); `warp::serve` sets no deadline.

#[cfg(feature = "openapi")]
pub mod docs;

use std::convert::Infallible;

pub use tessera_service::serve::{Connection, DEFAULT_HEADER_TIMEOUT, ServeOptions};
use tessera_service::{Checks, OwnedClaims, Refusal, Response, UserStore};
pub use tessera_service::{NoScopes, Scopes, Tessera, scopes};
use warp::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use warp::http::{HeaderMap, HeaderName, HeaderValue};
use warp::reject::{Reject, Rejection};
use warp::{Filter, Stream};

/// A refusal of one of these filters; [`recover`] answers it.
#[derive(Debug)]
pub struct Rejected(pub Refusal);

impl Reject for Rejected {}

/// Answers a [`Rejected`] and hands every other rejection back unchanged.
///
/// # Errors
/// `err` itself when it is not a [`Rejected`].
pub async fn recover(err: Rejection) -> Result<warp::reply::Response, Rejection> {
    match err.find::<Rejected>() {
        Some(r) => Ok(reply(r.0.response())),
        None => Err(err),
    }
}

/// A core [`Response`] as a Warp reply.
#[must_use]
pub fn reply(response: Response) -> warp::reply::Response {
    tessera_service::to_http(response).map(Into::into)
}

fn authorization(headers: &HeaderMap) -> impl Iterator<Item = &[u8]> {
    headers
        .get_all(AUTHORIZATION)
        .iter()
        .map(HeaderValue::as_bytes)
}

fn rejected(refusal: Refusal) -> Rejection {
    warp::reject::custom(Rejected(refusal))
}

/// The raw bearer token, unverified (FastAPI's `OAuth2PasswordBearer`).
pub fn bearer<S: UserStore>(
    tessera: &Tessera<S>,
) -> impl Filter<Extract = (String,), Error = Rejection> + Clone + use<S> {
    let checks = tessera.checks().clone();
    warp::header::headers_cloned().and_then(move |headers: HeaderMap| {
        let token = checks.bearer(authorization(&headers)).map(String::from);
        std::future::ready(token.map_err(rejected))
    })
}

/// The raw bearer token when there is a usable one; never rejects (`auto_error=False`).
pub fn optional_bearer<S: UserStore>(
    tessera: &Tessera<S>,
) -> impl Filter<Extract = (Option<String>,), Error = Infallible> + Clone + use<S> {
    let checks = tessera.checks().clone();
    warp::header::headers_cloned().map(move |headers: HeaderMap| {
        checks
            .bearer(authorization(&headers))
            .ok()
            .map(String::from)
    })
}

/// The verified claims of the bearer token.
pub fn claims<S: UserStore>(
    tessera: &Tessera<S>,
) -> impl Filter<Extract = (OwnedClaims,), Error = Rejection> + Clone + use<S> {
    let checks = tessera.checks().clone();
    warp::header::headers_cloned().and_then(move |headers: HeaderMap| {
        let checks = checks.clone();
        async move {
            checks
                .claims(authorization(&headers))
                .await
                .map_err(rejected)
        }
    })
}

fn user<S: UserStore>(
    tessera: &Tessera<S>,
    scopes: &'static [&'static str],
    active: bool,
) -> impl Filter<Extract = (S::User,), Error = Rejection> + Clone + use<S> {
    let tessera = tessera.clone();
    warp::header::headers_cloned().and_then(move |headers: HeaderMap| {
        let tessera = tessera.clone();
        async move {
            let found = tessera
                .authorize(authorization(&headers), scopes, active)
                .await;
            found.map(|principal| principal.user).map_err(rejected)
        }
    })
}

/// The user named by a valid token holding the scopes `Sc` (FastAPI's `get_current_user`
/// with `SecurityScopes`); disabled users pass.
pub fn current_user<S: UserStore, Sc: Scopes>(
    tessera: &Tessera<S>,
) -> impl Filter<Extract = (S::User,), Error = Rejection> + Clone + use<S, Sc> {
    user(tessera, Sc::SCOPES, false)
}

/// [`current_user`], refusing disabled users after the scope check (FastAPI's
/// `get_current_active_user`).
pub fn current_active_user<S: UserStore, Sc: Scopes>(
    tessera: &Tessera<S>,
) -> impl Filter<Extract = (S::User,), Error = Rejection> + Clone + use<S, Sc> {
    user(tessera, Sc::SCOPES, true)
}

/// The whole `POST /token` endpoint after its path and method filters: the answer (token or
/// refusal) is always a reply. The `Authorization` header is ignored. The client is the
/// [`Connection`]'s peer (served by [`serve`]); elsewhere every login counts as one client.
pub fn token<S: UserStore>(
    tessera: &Tessera<S>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone + use<S> {
    let tessera = tessera.clone();
    warp::header::headers_cloned()
        .and(warp::ext::optional::<Connection>())
        .and(warp::body::stream())
        .then(move |headers: HeaderMap, conn: Option<Connection>, body| {
            let tessera = tessera.clone();
            async move {
                let forwarded = headers.get_all("x-forwarded-for");
                let values = forwarded.into_iter().map(HeaderValue::as_bytes);
                let client = tessera.client(conn.map(|c| c.peer.ip()), values);
                let answer = match read_form(&tessera, &headers, body).await {
                    Ok(body) => {
                        tessera
                            .token(&client, text(&headers, CONTENT_TYPE), body)
                            .await
                    }
                    Err(refused) => refused,
                };
                reply(answer)
            }
        })
}

/// `POST /revoke` (RFC 7009): 200 with an empty body whether or not the token was valid, or
/// the refusal of a malformed form. The token is the only credential.
pub fn revoke<S: UserStore>(
    tessera: &Tessera<S>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone + use<S> {
    let checks = tessera.checks().clone();
    warp::header::headers_cloned()
        .and(warp::body::stream())
        .then(move |headers: HeaderMap, body| {
            let checks = checks.clone();
            async move {
                let answer = match read_form(&checks, &headers, body).await {
                    Ok(body) => checks.revoke(text(&headers, CONTENT_TYPE), body).await,
                    Err(refused) => refused,
                };
                reply(answer)
            }
        })
}

fn text(headers: &HeaderMap, name: HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn read_form<B: bytes::Buf>(
    checks: &Checks,
    headers: &HeaderMap,
    body: impl Stream<Item = Result<B, warp::Error>>,
) -> Result<Vec<u8>, Response> {
    checks.read_form(text(headers, CONTENT_LENGTH), body).await
}

/// Serves `filter` on `listener` with [`tessera_service::serve::serve`]: HTTP/1.1 connections
/// that must finish each request's headers within `options.header_timeout`. Read a request's
/// [`Connection`] with `warp::ext::optional::<Connection>()`.
pub async fn serve(
    filter: warp::filters::BoxedFilter<(warp::reply::Response,)>,
    listener: tokio::net::TcpListener,
    options: ServeOptions,
) {
    tessera_service::serve::serve(warp::service(filter), listener, options).await;
}
