//! Rocket 0.5.2 request guards for Tessera. Every check and every answer is
//! [`tessera_service`]'s; this crate moves Rocket's request parts into it and the answer back.
//!
//! Attach the [`Tessera`] fairing once; it manages the service and the [`UserStore`], registers
//! the catchers for refused guards ([`CATCHER_CODES`]: Rocket's catchers never see a guard's
//! error, rwf2/Rocket#749, so guards leave their refusal in the request-local cache) and undoes
//! Rocket's `_method` rewrite, so a request's method is its request line's.
//!
//! | guard | FastAPI | checks |
//! |---|---|---|
//! | [`BearerToken`] | `OAuth2PasswordBearer` | an `Authorization: Bearer` header, unverified |
//! | [`VerifiedClaims`] | `jwt.decode` | the token (signature, then claims) |
//! | [`CurrentUser<S, Sc>`] | `get_current_user` + `SecurityScopes` | token, user, scopes [`Scopes`] `Sc` |
//! | [`ActiveUser<S, Sc>`] | `get_current_active_user` | as `CurrentUser`, then the user is active |
//! | [`Login<S>`] (data guard) | `OAuth2PasswordRequestForm` + `/token` | the whole password grant |
//!
//! `Option<G>` makes a guard optional. Several guards on one route verify the token and look
//! the user up once per request.
//!
//! # Known limitations (Rocket 0.5.2)
//!
//! Rocket owns its connection loop (its `http_server` is crate-private) and offers no way to
//! change it. Put a reverse proxy with header and body timeouts in front of Rocket servers
//! exposed to the internet; `tessera-warp` and `tessera-axum` do not have these limits.
//! - **No header deadline**: Rocket builds hyper connections with `header_read_timeout(None)`.
//! - **Every body is peeked**: before any fairing or guard, Rocket reads 14 body bytes (for its
//!   `_method` rewrite) without a deadline, so `Expect: 100-continue` gets `100 Continue` before
//!   [`Login`] can refuse an oversized `Content-Length` (it does once those bytes arrive).
//! - **Non-UTF-8 header values are dropped** before guards run, so a valid `Authorization`
//!   header plus one that is not UTF-8 counts as one header.
//! - The `_method` undo cannot tell a `PUT` whose body starts `_method=put` from a rewritten
//!   `POST`; that request is taken as a `POST`.
//! - Methods outside RFC 9110 get a 400 before routing; answer them with [`Unexplained`].

#[cfg(feature = "openapi")]
pub mod docs;

use std::io::Cursor;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rocket::data::{self, Data, FromData};
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::{Method, Status};
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use rocket::response::{self, Responder};
use rocket::{Build, Catcher, Ignite, Rocket, Sentinel, catcher};
use tessera_service::{
    Checks, OwnedClaims, Principal, Refusal, Response, Service, Style, UserStore,
};
pub use tessera_service::{NoScopes, Scopes, scopes};

/// The status codes whose catchers the fairing registers.
pub const CATCHER_CODES: [u16; 5] = [400, 401, 403, 413, 429];

/// The fairing that sets Tessera up. Attach it once.
#[derive(Debug)]
pub struct Tessera<S: UserStore>(tessera_service::Tessera<S>);

impl<S: UserStore> Tessera<S> {
    /// Tessera with `service` for every decision and `store` for user lookups.
    #[must_use]
    pub fn new(
        service: impl Into<std::sync::Arc<Service>>,
        store: impl Into<std::sync::Arc<S>>,
    ) -> Self {
        Self(tessera_service::Tessera::new(service, store))
    }

    /// How long [`Login`] waits for a `/token` body (default 10 s); then 400.
    #[must_use]
    pub fn with_body_timeout(self, timeout: Duration) -> Self {
        Self(self.0.with_body_timeout(timeout))
    }
}

#[rocket::async_trait]
impl<S: UserStore> Fairing for Tessera<S> {
    fn info(&self) -> Info {
        let kind = Kind::Ignite | Kind::Request | Kind::Singleton;
        Info {
            name: "Tessera",
            kind,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        if rocket.state::<Checks>().is_some() {
            rocket::error!("Tessera is attached more than once");
            return Err(rocket);
        }
        let catchers: Vec<_> = CATCHER_CODES
            .iter()
            .map(|&c| Catcher::new(c, catch))
            .collect();
        let checks = self.0.checks().clone();
        Ok(rocket
            .manage(checks)
            .manage(self.0.clone())
            .register("/", catchers))
    }

    async fn on_request(&self, req: &mut Request<'_>, data: &mut Data<'_>) {
        let form = req.content_type().is_some_and(|ct| ct.is_form());
        if overridden(req.method(), form, data.peek(14).await) {
            req.set_method(Method::Post);
        }
    }
}

/// Whether Rocket rewrote a `POST`'s method from a leading `_method` form field: the
/// request shows the method that field names (Rocket does this before any fairing runs).
fn overridden(shown: Method, is_form: bool, peeked: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(peeked) else {
        return false;
    };
    shown != Method::Post
        && is_form
        && rocket::form::Form::values(text)
            .next()
            .filter(|field| field.name == "_method")
            .and_then(|field| field.value.parse::<Method>().ok())
            .is_some_and(|m| m == shown)
}

/// Why a Tessera guard failed; the catchers render the answer, Rocket logs this.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// The request was refused.
    Refused(Refusal),
    /// The [`Tessera`] fairing is not attached (or for another store): 500.
    NotAttached,
}

/// The answer to statuses no refused guard explains, when the application has its own
/// (`rocket.manage(Unexplained(f))`); otherwise [`status_response`].
#[derive(Copy, Clone, Debug)]
pub struct Unexplained(pub for<'a, 'b> fn(Status, &'a Request<'b>) -> Response);

/// The last refusal of this request (a failed guard under `Option` does not mask it).
#[derive(Default)]
struct Slot(Mutex<Option<Refusal>>);

fn slot<'r>(req: &'r Request<'_>) -> std::sync::MutexGuard<'r, Option<Refusal>> {
    let slot = req.local_cache(Slot::default);
    slot.0.lock().unwrap_or_else(PoisonError::into_inner)
}

fn not_attached<T, E>() -> Outcome<T, (Status, AuthError), E> {
    rocket::error!("a Tessera guard ran but the Tessera fairing is not attached");
    Outcome::Error((Status::InternalServerError, AuthError::NotAttached))
}

fn refuse<T>(req: &Request<'_>, refusal: Refusal) -> request::Outcome<T, AuthError> {
    *slot(req) = Some(refusal);
    Outcome::Error((Status::new(refusal.status()), AuthError::Refused(refusal)))
}

fn authorization<'r>(req: &'r Request<'_>) -> impl Iterator<Item = &'r [u8]> {
    req.headers().get("authorization").map(str::as_bytes)
}

/// The token verification of this request, done once.
struct Verified(Result<OwnedClaims, Refusal>);

fn verified<'r>(req: &'r Request<'_>, checks: &Checks) -> &'r Result<OwnedClaims, Refusal> {
    &req.local_cache(|| Verified(checks.claims(authorization(req))))
        .0
}

fn catch<'r>(status: Status, req: &'r Request<'_>) -> catcher::BoxFuture<'r> {
    let refused = *slot(req);
    let response = match (refused, req.rocket().state::<Unexplained>()) {
        (Some(r), _) if r.status() == status.code => r.response(),
        (_, Some(unexplained)) => (unexplained.0)(status, req),
        _ => status_response(
            status,
            req.rocket()
                .state::<Checks>()
                .map_or(Style::Rfc, Checks::style),
        ),
    };
    Box::pin(async move { Reply(response).respond_to(req) })
}

/// `{"detail":"<reason phrase>"}` for `status` (a bare `Bearer` challenge on 401, the form's
/// answer on 413).
#[must_use]
pub fn status_response(status: Status, style: Style) -> Response {
    tessera_service::Failure::Status(status.code)
        .answer(style, &[])
        .to_response()
}

/// A Rocket responder for a core [`Response`].
#[derive(Debug)]
pub struct Reply(pub Response);

impl<'r> Responder<'r, 'static> for Reply {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut builder = rocket::Response::build();
        builder.status(Status::new(self.0.status));
        for (name, value) in self.0.headers {
            builder.raw_header_adjoin(name, value);
        }
        builder
            .sized_body(self.0.body.len(), Cursor::new(self.0.body))
            .ok()
    }
}

/// The raw bearer token, **not verified**.
pub struct BearerToken(String);

impl BearerToken {
    /// The token, as the header carried it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken(_)")
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for BearerToken {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, AuthError> {
        let Some(checks) = req.rocket().state::<Checks>() else {
            return not_attached();
        };
        match checks.bearer(authorization(req)) {
            Ok(token) => Outcome::Success(Self(token.to_owned())),
            Err(refusal) => refuse(req, refusal),
        }
    }
}

/// The verified claims of the request's bearer token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedClaims(pub OwnedClaims);

impl Deref for VerifiedClaims {
    type Target = OwnedClaims;

    fn deref(&self) -> &OwnedClaims {
        &self.0
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for VerifiedClaims {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, AuthError> {
        let Some(checks) = req.rocket().state::<Checks>() else {
            return not_attached();
        };
        match verified(req, checks) {
            Ok(claims) => Outcome::Success(Self(claims.clone())),
            Err(refusal) => refuse(req, *refusal),
        }
    }
}

/// The user lookup of this request, once per store type.
struct Found<S: UserStore>(Option<S::User>);

async fn user_of<S: UserStore>(
    req: &Request<'_>,
    scopes: &'static [&'static str],
    active: bool,
) -> request::Outcome<(S::User, OwnedClaims), AuthError> {
    let Some(tessera) = req.rocket().state::<tessera_service::Tessera<S>>() else {
        return not_attached();
    };
    let claims = match verified(req, tessera) {
        Ok(claims) => claims,
        Err(refusal) => return refuse(req, refusal.with_scopes(scopes)),
    };
    let found = req
        .local_cache_async(async { Found::<S>(tessera.store().find(&claims.sub).await) })
        .await;
    match (
        tessera.admit(claims, found.0.as_ref(), scopes, active),
        &found.0,
    ) {
        (Ok(()), Some(user)) => Outcome::Success((user.clone(), claims.clone())),
        (Err(refusal), _) => refuse(req, refusal),
        (Ok(()), None) => refuse(
            req,
            tessera.refuse(tessera_service::Failure::InvalidToken, scopes),
        ),
    }
}

macro_rules! user_guard {
    ($(#[$meta:meta])* $name:ident, active = $active:expr) => {
        tessera_service::principal_type!($(#[$meta])* $name);

        #[rocket::async_trait]
        impl<'r, S: UserStore, Sc: Scopes> FromRequest<'r> for $name<S, Sc> {
            type Error = AuthError;

            async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, AuthError> {
                let found = user_of::<S>(req, Sc::SCOPES, $active).await;
                found.map(|(user, claims)| Self(Principal { user, claims }, PhantomData))
            }
        }

        impl<S: UserStore, Sc: Scopes> Sentinel for $name<S, Sc> {
            fn abort(rocket: &Rocket<Ignite>) -> bool {
                !attached::<S>(rocket)
            }
        }
    };
}

user_guard!(
    /// The user named by a valid token's `sub`, holding the scopes `Sc`; disabled users pass.
    CurrentUser,
    active = false
);

user_guard!(
    /// As [`CurrentUser`], and the user must be active (400 "Inactive user", after scopes).
    ActiveUser,
    active = true
);

/// `POST /token` as a data guard: it always succeeds with the answer (token or refusal);
/// return it from the handler. The `Authorization` header is ignored.
#[derive(Debug)]
pub struct Login<S> {
    response: Response,
    store: PhantomData<fn() -> S>,
}

#[rocket::async_trait]
impl<'r, S: UserStore> FromData<'r> for Login<S> {
    type Error = AuthError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let Some(tessera) = req.rocket().state::<tessera_service::Tessera<S>>() else {
            return not_attached();
        };
        let response = match tessera.check_declared_length(req.headers().get_one("content-length"))
        {
            Err(response) => response,
            Ok(()) => {
                let limit = tessera.body_read_limit();
                let read = data.open(limit.into()).into_bytes();
                match rocket::tokio::time::timeout(tessera.body_timeout(), read).await {
                    Ok(Ok(body)) => {
                        tessera
                            .token(req.headers().get_one("content-type"), body.into_inner())
                            .await
                    }
                    _ => tessera.unreadable_body(),
                }
            }
        };
        Outcome::Success(Self {
            response,
            store: PhantomData,
        })
    }
}

impl<S: UserStore> Sentinel for Login<S> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        !attached::<S>(rocket)
    }
}

/// Whether the fairing is attached for the store `S`.
fn attached<S: UserStore>(rocket: &Rocket<Ignite>) -> bool {
    rocket.state::<tessera_service::Tessera<S>>().is_some()
}

/// The guards that need no store abort the launch without the fairing.
macro_rules! needs_fairing {
    ($($guard:ty),*) => {$(
        impl Sentinel for $guard {
            fn abort(rocket: &Rocket<Ignite>) -> bool {
                rocket.state::<Checks>().is_none()
            }
        }
    )*};
}

needs_fairing!(BearerToken, VerifiedClaims);

impl<'r, S> Responder<'r, 'static> for Login<S> {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        Reply(self.response).respond_to(req)
    }
}
