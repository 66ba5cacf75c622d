//! The one orchestration every Tessera adapter calls.
//!
//! `tessera-core` decides about single things (a token, a form, a password, an answer);
//! this crate strings them together for a request, once, so that the Rocket, Warp and axum
//! adapters only translate their framework's request into these calls and the answer back:
//!
//! | job | call | FastAPI |
//! |---|---|---|
//! | the raw bearer token | [`Checks::bearer`] | `OAuth2PasswordBearer` |
//! | verified claims | [`Checks::claims`] | `jwt.decode` |
//! | the current (active) user with scopes | [`Tessera::authorize`] | `get_current_user`, `get_current_active_user`, `SecurityScopes` |
//! | `POST /token` | [`Tessera::token`] | `OAuth2PasswordRequestForm` and the tutorial's handler |
//!
//! A refused check is a [`Refusal`]: the core's failure with the route's scopes and the
//! answer style, which renders to the exact status, headers and body of the answer.
//!
//! Routes declare the scopes they require as types implementing [`Scopes`] (see
//! [`scopes!`]); every adapter takes them the same way.
//!
//! # Events
//!
//! Every refusal and every login is a `tracing` event with target `tessera` and a stable
//! `reason` field ([`Reason`]), plus the username where there is one. No event ever holds a
//! token, a password or a query string.

extern crate alloc;

pub mod client;
mod events;
mod flow;
#[cfg(feature = "postgres")]
pub mod postgres;
mod principal;
#[cfg(feature = "redis")]
pub mod redis;
pub mod refresh;
pub mod revocation;
mod scopes;
#[cfg(feature = "serve")]
pub mod serve;
pub mod service;
pub mod throttle;

pub use client::Client;
pub use events::Reason;
pub use flow::{Checks, DEFAULT_BODY_TIMEOUT, Refusal, Tessera};
pub use principal::Principal;
pub use refresh::{Family, MemoryRefreshTokens, RefreshTokens, Rotation, TokenHash};
pub use revocation::{MemoryRevocations, Revocations};
pub use scopes::{NoScopes, Scopes, is_scope_token};
pub use service::{
    Account, Config, DEFAULT_NICENESS, HashGate, HashMemory, HashPermit, Issued, LoginOutcome,
    LoginRequest, Pending, Service, UserStore, random_id,
};
pub use tessera_core::http::{Failure, Response, Style};
pub use tessera_core::jwt::OwnedClaims;
pub use throttle::{LoginLimits, MemoryThrottle, Throttle, Unavailable};

/// An answer as an `http::Response` (feature `http`): its status, each header, its body. A
/// header that does not fit `http`'s types is left out rather than allowed to panic (core
/// names are lower-case tokens and values visible ASCII, so none is).
#[cfg(feature = "http")]
#[must_use]
pub fn to_http(response: Response) -> http::Response<String> {
    let mut out = http::Response::new(response.body);
    *out.status_mut() = http::StatusCode::from_u16(response.status)
        .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in response.headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::try_from(value),
        ) {
            out.headers_mut().append(name, value);
        }
    }
    out
}
