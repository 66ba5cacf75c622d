//! The one orchestration every Tessera adapter calls.
//!
//! `tessera-core` decides about single things (a token, a form, a password, an answer);
//! this crate strings them together for a request, once, so that the Rocket, Warp and axum
//! adapters only translate their framework's request into these calls and the answer back:
//!
//! | job | call | FastAPI |
//! |---|---|---|
//! | the raw bearer token | [`Tessera::bearer`] | `OAuth2PasswordBearer` |
//! | verified claims | [`Tessera::claims`] | `jwt.decode` |
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

mod events;
mod flow;
mod scopes;
#[cfg(feature = "serve")]
pub mod serve;

pub use events::Reason;
pub use flow::{Checks, DEFAULT_BODY_TIMEOUT, Refusal, Tessera};
pub use scopes::{NoScopes, Scopes, is_scope_token};
pub use tessera_core::http::{Failure, Response, Style};
pub use tessera_core::jwt::OwnedClaims;
pub use tessera_core::service::{
    Account, Config, DEFAULT_NICENESS, HashGate, HashMemory, HashPermit, LoginOutcome,
    LoginRequest, MemoryThrottle, Pending, Service, Throttle, UserStore,
};
