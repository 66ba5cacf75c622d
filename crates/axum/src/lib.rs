//! axum 0.8 extractors for Tessera. Every check and every answer is [`tessera_service`]'s;
//! the extractors move axum's request parts into it and the answer back.
//!
//! Setup is one line, [`attach`], which puts the [`Tessera`] (service and user store) in every
//! request's extensions:
//!
//! ```no_run
//! use axum::Router;
//! use axum::routing::{get, post};
//! use tessera_axum::{ActiveUser, NoScopes, Tessera};
//! # #[derive(Clone)] struct User;
//! # impl tessera_service::Account for User { fn password_hash(&self) -> &str { "" } }
//! # struct Users;
//! # impl tessera_service::UserStore for Users {
//! #     type User = User;
//! #     async fn find(&self, _: &str) -> Option<User> { None }
//! # }
//! async fn me(user: ActiveUser<Users, NoScopes>) -> &'static str {
//!     "hello"
//! }
//! # fn app(tessera: Tessera<Users>) -> Router {
//! let app = Router::new()
//!     .route("/token", post(tessera_axum::token::<Users>))
//!     .route("/me", get(me));
//! tessera_axum::attach(app, tessera)
//! # }
//! ```
//!
//! | extractor | FastAPI | checks |
//! |---|---|---|
//! | [`BearerToken`] | `OAuth2PasswordBearer` | an `Authorization: Bearer` header, unverified |
//! | [`VerifiedClaims`] | `jwt.decode` | the token (signature, then claims) |
//! | [`CurrentUser<S, Sc>`] | `get_current_user` + `SecurityScopes` | token, user, scopes [`Scopes`] `Sc` |
//! | [`ActiveUser<S, Sc>`] | `get_current_active_user` | as `CurrentUser`, then the user is active |
//!
//! Each is also `Option<_>` (FastAPI's `auto_error=False`). A refusal is a [`Refused`], whose
//! response is the core's answer. The token is verified once per request whatever the number
//! of extractors. [`token`] is the `POST /token` handler; [`serve`] runs the app with a
//! deadline on request headers (`axum::serve` sets none).

#[cfg(feature = "openapi")]
pub mod docs;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::IntoResponse;
use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};
pub use tessera_service::serve::{Connection, DEFAULT_HEADER_TIMEOUT, ServeOptions};
use tessera_service::{Checks, OwnedClaims, Principal, Refusal, Response, UserStore};
pub use tessera_service::{NoScopes, Scopes, Tessera, scopes};

/// Makes `tessera` available to this crate's extractors and [`token`] on every route of
/// `router` (as request extensions).
pub fn attach<St: Clone + Send + Sync + 'static, S: UserStore>(
    router: Router<St>,
    tessera: Tessera<S>,
) -> Router<St> {
    let checks = tessera.checks().clone();
    router
        .layer(axum::Extension(tessera))
        .layer(axum::Extension(checks))
}

/// Serves `router` with [`tessera_service::serve::serve`]: HTTP/1.1 connections that must
/// finish each request's headers within `options.header_timeout`. Each request carries its
/// [`Connection`] in its extensions.
pub async fn serve(router: Router, listener: tokio::net::TcpListener, options: ServeOptions) {
    tessera_service::serve::serve(router, listener, options).await;
}

/// A core [`Response`] as an axum response.
#[must_use]
pub fn response(response: Response) -> axum::response::Response {
    tessera_service::to_http(response).map(Into::into)
}

/// A refused extractor: its response is the core's answer (or a 500 when [`attach`] was not
/// called for the route's user store).
#[derive(Debug)]
pub enum Refused {
    /// The request was refused.
    Refusal(Refusal),
    /// [`attach`] was not called (or with another user store).
    NotAttached,
}

impl IntoResponse for Refused {
    fn into_response(self) -> axum::response::Response {
        match self {
            Self::Refusal(r) => response(r.response()),
            Self::NotAttached => {
                (StatusCode::INTERNAL_SERVER_ERROR, "Tessera is not attached").into_response()
            }
        }
    }
}

fn authorization(parts: &Parts) -> impl Iterator<Item = &[u8]> {
    parts
        .headers
        .get_all(AUTHORIZATION)
        .iter()
        .map(HeaderValue::as_bytes)
}

/// The token verification of a request, done once.
#[derive(Clone)]
struct Verified(Result<OwnedClaims, Refusal>);

async fn verified(parts: &mut Parts) -> Result<Result<OwnedClaims, Refusal>, Refused> {
    if let Some(Verified(done)) = parts.extensions.get::<Verified>() {
        return Ok(done.clone());
    }
    let checks = parts
        .extensions
        .get::<Checks>()
        .ok_or(Refused::NotAttached)?;
    let done = checks.claims(authorization(parts)).await;
    parts.extensions.insert(Verified(done.clone()));
    Ok(done)
}

/// Implements `Option<E>` for an extractor: a refusal is `None`, a missing setup is not.
macro_rules! optional {
    ($name:ident $(<$($g:ident: $b:path),+>)?) => {
        impl<St: Send + Sync $($(, $g: $b)+)?> OptionalFromRequestParts<St> for $name$(<$($g),+>)? {
            type Rejection = Refused;

            async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Option<Self>, Refused> {
                match <Self as FromRequestParts<St>>::from_request_parts(parts, state).await {
                    Ok(found) => Ok(Some(found)),
                    Err(Refused::Refusal(_)) => Ok(None),
                    Err(Refused::NotAttached) => Err(Refused::NotAttached),
                }
            }
        }
    };
}

/// The raw bearer token, **not verified**.
pub struct BearerToken(pub String);

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken(_)")
    }
}

impl<St: Send + Sync> FromRequestParts<St> for BearerToken {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, _: &St) -> Result<Self, Refused> {
        let checks = parts
            .extensions
            .get::<Checks>()
            .ok_or(Refused::NotAttached)?;
        match checks.bearer(authorization(parts)) {
            Ok(token) => Ok(Self(token.to_owned())),
            Err(refusal) => Err(Refused::Refusal(refusal)),
        }
    }
}

optional!(BearerToken);

/// The verified claims of the request's bearer token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedClaims(pub OwnedClaims);

impl<St: Send + Sync> FromRequestParts<St> for VerifiedClaims {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, _: &St) -> Result<Self, Refused> {
        verified(parts).await?.map(Self).map_err(Refused::Refusal)
    }
}

optional!(VerifiedClaims);

async fn user_of<S: UserStore>(
    parts: &mut Parts,
    scopes: &'static [&'static str],
    active: bool,
) -> Result<Principal<S::User>, Refused> {
    let claims = verified(parts)
        .await?
        .map_err(|r| Refused::Refusal(r.with_scopes(scopes)))?;
    let tessera = parts
        .extensions
        .get::<Tessera<S>>()
        .ok_or(Refused::NotAttached)?;
    let user = tessera.user(&claims, scopes, active).await;
    user.map(|user| Principal { user, claims })
        .map_err(Refused::Refusal)
}

macro_rules! user_extractor {
    ($(#[$meta:meta])* $name:ident, active = $active:expr) => {
        tessera_service::principal_type!($(#[$meta])* $name);

        impl<St: Send + Sync, S: UserStore, Sc: Scopes> FromRequestParts<St> for $name<S, Sc> {
            type Rejection = Refused;

            async fn from_request_parts(parts: &mut Parts, _: &St) -> Result<Self, Refused> {
                Ok(Self(user_of::<S>(parts, Sc::SCOPES, $active).await?, PhantomData))
            }
        }

        optional!($name<S: UserStore, Sc: Scopes>);
    };
}

user_extractor!(
    /// The user named by a valid token's `sub`, holding the scopes `Sc`; disabled users pass.
    CurrentUser,
    active = false
);

user_extractor!(
    /// As [`CurrentUser`], and the user must be active (400 "Inactive user", after scopes).
    ActiveUser,
    active = true
);

/// The `POST /token` handler: the answer is the token or the refusal. The `Authorization`
/// header is ignored.
pub async fn token<S: UserStore>(request: Request) -> axum::response::Response {
    let Some(tessera) = request.extensions().get::<Tessera<S>>().cloned() else {
        return Refused::NotAttached.into_response();
    };
    let (parts, body) = request.into_parts();
    let client = tessera.client(peer(&parts), forwarded_for(&parts.headers));
    let answer = match read_form(&tessera, &parts, body).await {
        Ok(body) => tessera.token(&client, content_type(&parts), body).await,
        Err(refused) => refused,
    };
    response(answer)
}

/// The `POST /revoke` handler (RFC 7009): 200 with an empty body whether or not the token was
/// valid, or the refusal of a malformed form. The token is the only credential.
pub async fn revoke(request: Request) -> axum::response::Response {
    let Some(checks) = request.extensions().get::<Checks>().cloned() else {
        return Refused::NotAttached.into_response();
    };
    let (parts, body) = request.into_parts();
    let answer = match read_form(&checks, &parts, body).await {
        Ok(body) => checks.revoke(content_type(&parts), body).await,
        Err(refused) => refused,
    };
    response(answer)
}

fn content_type(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

async fn read_form(
    checks: &Checks,
    parts: &Parts,
    body: axum::body::Body,
) -> Result<Vec<u8>, Response> {
    let length = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok());
    checks.read_form(length, body.into_data_stream()).await
}

fn peer(parts: &Parts) -> Option<IpAddr> {
    let ext = &parts.extensions;
    ext.get::<Connection>().map(|c| c.peer.ip()).or_else(|| {
        ext.get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
    })
}

/// Every `X-Forwarded-For` value (read only when proxies are trusted).
fn forwarded_for(headers: &axum::http::HeaderMap) -> impl Iterator<Item = &[u8]> {
    headers
        .get_all("x-forwarded-for")
        .into_iter()
        .map(HeaderValue::as_bytes)
}
