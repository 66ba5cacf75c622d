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
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rocket::data::{self, Data, FromData};
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::form::Form;
use rocket::http::{Method, Status};
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use rocket::response::{self, Responder};
use rocket::{Build, Catcher, Ignite, Rocket, Sentinel, catcher};
use tessera_service::{Checks, Failure, OwnedClaims, Principal, Refusal, Response, Service};
pub use tessera_service::{NoScopes, Scopes, scopes};
use tessera_service::{Style, UserStore};

/// The status codes whose catchers the fairing registers.
pub const CATCHER_CODES: [u16; 6] = [400, 401, 403, 413, 429, 503];

/// The fairing that sets Tessera up. Attach it once.
#[derive(Debug)]
pub struct Tessera<S: UserStore>(tessera_service::Tessera<S>);

impl<S: UserStore> Tessera<S> {
    /// Tessera with `service` for every decision and `store` for user lookups.
    #[must_use]
    pub fn new(service: impl Into<Arc<Service>>, store: impl Into<Arc<S>>) -> Self {
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
        let (name, kind) = ("Tessera", Kind::Ignite | Kind::Request | Kind::Singleton);
        Info { name, kind }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        if rocket.state::<Checks>().is_some() {
            rocket::error!("Tessera is attached more than once");
            return Err(rocket);
        }
        let catchers = CATCHER_CODES.map(|code| Catcher::new(code, catch));
        let rocket = rocket.manage(self.0.clone()).register("/", catchers);
        Ok(rocket.manage(self.0.checks().clone()))
    }

    /// Undoes Rocket's rewrite of a form `POST`'s method from a leading `_method` field (done
    /// before any fairing runs): the request shows the method that field names.
    async fn on_request(&self, req: &mut Request<'_>, data: &mut Data<'_>) {
        let form = req.content_type().is_some_and(|ct| ct.is_form());
        let text = std::str::from_utf8(data.peek(14).await).unwrap_or_default();
        let field = Form::values(text).next().filter(|f| f.name == "_method");
        let named = field.and_then(|f| f.value.parse().ok());
        if form && req.method() != Method::Post && named == Some(req.method()) {
            req.set_method(Method::Post);
        }
    }
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

impl From<Refusal> for AuthError {
    fn from(refusal: Refusal) -> Self {
        Self::Refused(refusal)
    }
}

/// The answer to statuses no refused guard explains, when the application has its own
/// (`rocket.manage(Unexplained(f))`); otherwise [`status_response`].
#[derive(Copy, Clone, Debug)]
pub struct Unexplained(pub for<'a, 'b> fn(Status, &'a Request<'b>) -> Response);

/// The last refusal of this request (a failed guard under `Option` does not mask it).
#[derive(Default)]
struct Slot(Mutex<Option<Refusal>>);

fn slot<'r>(req: &'r Request<'_>) -> MutexGuard<'r, Option<Refusal>> {
    let slot = req.local_cache(Slot::default);
    slot.0.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the fairing manages (`T`), or `NotAttached`.
fn state<'r, T: Send + Sync + 'static>(req: &'r Request<'_>) -> Result<&'r T, AuthError> {
    req.rocket().state::<T>().ok_or_else(|| {
        rocket::error!("a Tessera guard ran but the Tessera fairing is not attached");
        AuthError::NotAttached
    })
}

type Guarded<T, F> = Outcome<T, (Status, AuthError), F>;

/// A guard's outcome; a refusal is left in the request for the catchers.
fn outcome<T, F>(req: &Request<'_>, found: Result<T, AuthError>) -> Guarded<T, F> {
    match found {
        Ok(value) => Outcome::Success(value),
        Err(AuthError::Refused(refusal)) => {
            let status = slot(req).insert(refusal).status();
            Outcome::Error((Status::new(status), refusal.into()))
        }
        Err(error) => Outcome::Error((Status::InternalServerError, error)),
    }
}

fn authorization<'r>(req: &'r Request<'_>) -> impl Iterator<Item = &'r [u8]> {
    req.headers().get("authorization").map(str::as_bytes)
}

/// The token verification of this request, done once.
struct Verified(Result<OwnedClaims, Refusal>);

async fn verified<'r>(req: &'r Request<'_>, checks: &Checks) -> &'r Result<OwnedClaims, Refusal> {
    let check = async { Verified(checks.claims(authorization(req)).await) };
    let Verified(done) = req.local_cache_async(check).await;
    done
}

fn catch<'r>(status: Status, req: &'r Request<'_>) -> catcher::BoxFuture<'r> {
    let (refused, rocket) = (*slot(req), req.rocket());
    let style = rocket.state::<Checks>().map_or(Style::Rfc, Checks::style);
    let response = match (refused, rocket.state::<Unexplained>()) {
        (Some(r), _) if r.status() == status.code => r.response(),
        (_, Some(unexplained)) => (unexplained.0)(status, req),
        _ => status_response(status, style),
    };
    Box::pin(async move { Reply(response).respond_to(req) })
}

/// `{"detail":"<reason phrase>"}` for `status` (a bare `Bearer` challenge on 401, the form's
/// answer on 413).
#[must_use]
pub fn status_response(status: Status, style: Style) -> Response {
    Failure::Status(status.code)
        .answer(style, &[])
        .to_response()
}

/// A Rocket response: `status`, each of `headers` (none replaced), `body`.
fn respond(
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
) -> response::Result<'static> {
    let mut builder = rocket::Response::build();
    builder.status(Status::new(status));
    for (name, value) in headers {
        builder.raw_header_adjoin(name, value);
    }
    builder.sized_body(body.len(), Cursor::new(body)).ok()
}

/// A Rocket responder for a core [`Response`].
#[derive(Debug)]
pub struct Reply(pub Response);

impl<'r> Responder<'r, 'static> for Reply {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        respond(self.0.status, self.0.headers, self.0.body.into_bytes())
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

/// The verified claims of the request's bearer token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedClaims(pub OwnedClaims);

impl Deref for VerifiedClaims {
    type Target = OwnedClaims;

    fn deref(&self) -> &OwnedClaims {
        &self.0
    }
}

/// The launch aborts (a sentinel) unless the fairing manages `$state`.
macro_rules! sentinel {
    ($guard:ty, $state:ty $(, $g:ident: $b:path)*) => {
        impl<$($g: $b),*> Sentinel for $guard {
            fn abort(rocket: &Rocket<Ignite>) -> bool {
                rocket.state::<$state>().is_none()
            }
        }
    };
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for BearerToken {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, AuthError> {
        let token = state::<Checks>(req).and_then(|checks| Ok(checks.bearer(authorization(req))?));
        outcome(req, token.map(|token| Self(token.to_owned())))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for VerifiedClaims {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, AuthError> {
        let claims = match state::<Checks>(req) {
            Ok(checks) => verified(req, checks).await.clone().map_err(AuthError::from),
            Err(e) => Err(e),
        };
        outcome(req, claims.map(Self))
    }
}

sentinel!(BearerToken, Checks);
sentinel!(VerifiedClaims, Checks);

/// The user lookup of this request, once per store type.
struct Found<S: UserStore>(Option<S::User>);

async fn user<S: UserStore>(
    req: &Request<'_>,
    scopes: &'static [&'static str],
    active: bool,
) -> Result<Principal<S::User>, AuthError> {
    let tessera = state::<tessera_service::Tessera<S>>(req)?;
    let claims = verified(req, tessera).await.as_ref();
    let claims = claims.map_err(|refusal| refusal.with_scopes(scopes))?;
    let find = async { Found::<S>(tessera.store().find(&claims.sub).await) };
    let Found(found) = req.local_cache_async(find).await;
    tessera.admit(claims, found.as_ref(), scopes, active)?;
    let unknown = || tessera.refuse(Failure::InvalidToken, scopes);
    let (user, claims) = (found.clone().ok_or_else(unknown)?, claims.clone());
    Ok(Principal { user, claims })
}

macro_rules! user_guards {
    ($($(#[$meta:meta])* $name:ident, active = $active:expr;)*) => {$(
        tessera_service::principal_type!($(#[$meta])* $name);

        #[rocket::async_trait]
        impl<'r, S: UserStore, Sc: Scopes> FromRequest<'r> for $name<S, Sc> {
            type Error = AuthError;

            async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, AuthError> {
                let found = user::<S>(req, Sc::SCOPES, $active).await;
                outcome(req, found.map(|principal| Self(principal, PhantomData)))
            }
        }

        sentinel!($name<S, Sc>, tessera_service::Tessera<S>, S: UserStore, Sc: Scopes);
    )*};
}

user_guards! {
    /// The user named by a valid token's `sub`, holding the scopes `Sc`; disabled users pass.
    CurrentUser, active = false;
    /// As [`CurrentUser`], and the user must be active (400 "Inactive user", after scopes).
    ActiveUser, active = true;
}

/// `POST /token` as a data guard: it always succeeds with the answer (token or refusal);
/// return it from the handler. The `Authorization` header is ignored.
#[derive(Debug)]
pub struct Login<S>(Response, PhantomData<fn() -> S>);

/// The whole form body of a `POST`, or the answer refusing it (too large, too slow, broken).
async fn read_form(req: &Request<'_>, c: &Checks, data: Data<'_>) -> Result<Vec<u8>, Response> {
    c.check_declared_length(req.headers().get_one("content-length"))?;
    let read = data.open(c.body_read_limit().into()).into_bytes();
    match rocket::tokio::time::timeout(c.body_timeout(), read).await {
        Ok(Ok(body)) => Ok(body.into_inner()),
        _ => Err(c.unreadable_body()),
    }
}

async fn login<S: UserStore>(req: &Request<'_>, data: Data<'_>) -> Result<Response, AuthError> {
    let tessera = state::<tessera_service::Tessera<S>>(req)?;
    let forwarded = req.headers().get("x-forwarded-for").map(str::as_bytes);
    let client = tessera.client(req.remote().map(|a| a.ip()), forwarded);
    let content_type = req.headers().get_one("content-type");
    Ok(match read_form(req, tessera, data).await {
        Ok(body) => tessera.token(&client, content_type, body).await,
        Err(refused) => refused,
    })
}

/// `POST /revoke` (RFC 7009) as a data guard: it always succeeds with the answer (200 with an
/// empty body, or a refusal of the form); return it from the handler.
#[derive(Debug)]
pub struct Revocation(Response);

async fn revocation(req: &Request<'_>, data: Data<'_>) -> Result<Response, AuthError> {
    let checks = state::<Checks>(req)?;
    let content_type = req.headers().get_one("content-type");
    Ok(match read_form(req, checks, data).await {
        Ok(body) => checks.revoke(content_type, body).await,
        Err(refused) => refused,
    })
}

/// The data guards that answer a form `POST` whole: `FromData` (never failing but for a missing
/// fairing), their sentinel, and `Responder` (the answer as it is).
macro_rules! form_guards {
    ($($guard:ident$(<$s:ident>)?: $state:ty, $answer:ident, $wrap:expr;)*) => {$(
        #[rocket::async_trait]
        impl<'r $(, $s: UserStore)?> FromData<'r> for $guard$(<$s>)? {
            type Error = AuthError;

            async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
                outcome(req, $answer$(::<$s>)?(req, data).await.map($wrap))
            }
        }

        sentinel!($guard$(<$s>)?, $state $(, $s: UserStore)?);

        impl<'r $(, $s)?> Responder<'r, 'static> for $guard$(<$s>)? {
            fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
                Reply(self.0).respond_to(req)
            }
        }
    )*};
}

form_guards! {
    Login<S>: tessera_service::Tessera<S>, login, |response| Self(response, PhantomData);
    Revocation: Checks, revocation, Self;
}
