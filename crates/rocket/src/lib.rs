//! Rocket request guards for `tessera-core`: the OAuth2 password-flow `/token` endpoint, bearer
//! tokens, verified claims, the current (active) user and per-route scopes.
//!
//! Every decision (status, headers, body bytes) is taken by [`tessera_core::service::Service`];
//! this crate only moves Rocket's request parts into it and copies its
//! [`Response`] back out.
//!
//! # Setup
//!
//! One line: attach the [`Tessera`] fairing. It manages the service and the application's
//! [`UserStore`], and registers the catchers that answer a refused guard (Rocket's catchers
//! never see a guard's error, rwf2/Rocket#749: the guards leave their failure in the
//! request-local cache and the catchers render it).
//!
//! ```no_run
//! use rocket::{get, post, routes};
//! use tessera_core::service::{Account, Config, Service, UserStore};
//! use tessera_rocket::{ActiveUser, Login, Tessera};
//!
//! #[derive(Clone)]
//! struct User { name: String, phc: String }
//! impl Account for User {
//!     fn password_hash(&self) -> &str { &self.phc }
//! }
//!
//! struct Users;
//! impl UserStore for Users {
//!     type User = User;
//!     async fn find(&self, username: &str) -> Option<User> { None }
//! }
//!
//! tessera_rocket::scopes!(
//!     /// `GET /me` needs the `me` scope.
//!     pub MeScope = ["me"]
//! );
//!
//! #[post("/token", data = "<login>")]
//! fn token(login: Login<Users>) -> Login<Users> {
//!     login
//! }
//!
//! #[get("/me")]
//! fn me(user: ActiveUser<Users, MeScope>) -> String {
//!     user.name.clone()
//! }
//!
//! #[rocket::launch]
//! fn rocket() -> _ {
//!     let key = tessera_core::Hs256Key::new(&[7; 32]).unwrap();
//!     let service = Service::new(key, Config::default());
//!     rocket::build()
//!         .attach(Tessera::new(service, Users))
//!         .mount("/", routes![token, me])
//! }
//! ```
//!
//! # Guards
//!
//! | guard | FastAPI | checks |
//! |---|---|---|
//! | [`BearerToken`] | `OAuth2PasswordBearer` | an `Authorization: Bearer` header; the token is not verified |
//! | [`VerifiedClaims`] | `jwt.decode` | the token (signature, then claims) |
//! | [`CurrentUser<S, Sc>`] | `get_current_user` with `SecurityScopes` | token, user exists, scopes `Sc` |
//! | [`ActiveUser<S, Sc>`] | `get_current_active_user` | as `CurrentUser`, then the user is active |
//! | [`Login<S>`] (data guard) | `OAuth2PasswordRequestForm` + the `/token` handler | the whole password grant |
//!
//! `Option<G>` of any request guard makes authentication optional (FastAPI's
//! `auto_error=False`). Several guards on one route verify the token and look the user up
//! once per request.
//!
//! # Catchers
//!
//! The fairing registers catchers for 400, 401, 403, 413 and 429 at `/`; an application must
//! not register its own for those codes at `/` (Rocket refuses to launch on the collision).
//! Such a status without a refused Tessera guard behind it is answered with
//! `{"detail":"<reason phrase>"}` (and `WWW-Authenticate: Bearer` for a 401).
//!
//! # Methods
//!
//! Rocket rewrites the method of a `POST` whose form body starts with `_method=<method>`
//! before any route or fairing sees it. The [`Tessera`] fairing undoes that: a request's method
//! is the one on its request line, and `_method` is an ordinary (ignored) form field. The one
//! case it cannot tell apart is a request whose request line already names the method of a
//! leading `_method` field (`PUT` with a body starting `_method=put`); that request is taken as
//! a `POST`.
//!
//! # Known limitations (Rocket 0.5.2)
//!
//! Rocket 0.5.2 owns its connection loop and offers no way to change it; each of these
//! follows from that, and each is answered differently by `tessera-warp`, which has its own
//! loop ([`tessera_warp::serve`](https://docs.rs/tessera-warp)). Put a reverse proxy with
//! header and body timeouts in front of Rocket servers exposed to the internet.
//!
//! - **No header deadline.** Rocket builds its hyper connections with
//!   `header_read_timeout(None)`: a client that never finishes its request headers keeps its
//!   connection (and a file descriptor) open for as long as it likes.
//! - **Every body is peeked.** Before any fairing or guard runs, Rocket reads the first 14
//!   bytes of every request body (for its `_method` rewrite), with no deadline. So a client
//!   that announces a body and sends fewer than 14 bytes holds its connection, and a request
//!   with `Expect: 100-continue` is sent `100 Continue` before the [`Login`] guard can refuse
//!   an oversized `Content-Length` with 413. The guard then refuses it as soon as those bytes
//!   arrive, and bounds the rest of the body read with [`Tessera::with_body_timeout`].
//! - **Header values that are not UTF-8 are dropped** before guards see them (Rocket's
//!   request conversion skips them with a warning). A request with a valid `Authorization`
//!   header and a second one that is not UTF-8 is therefore answered as if only the first
//!   existed, where the rfc style would refuse two headers.
//! - Methods outside RFC 9110 never reach routing; Rocket answers them 400 before any route
//!   runs. An application can answer them itself through [`Unexplained`].

pub mod docs;

use std::fmt;
use std::io::Cursor;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rocket::data::{self, Data, FromData};
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::{Method, Status};
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use rocket::response::{self, Responder};
use rocket::{Build, Catcher, Ignite, Rocket, Sentinel, catcher};
use tessera_core::UnixTime;
use tessera_core::form::{self, FormError};
use tessera_core::http::{Failure, Response, Style};
use tessera_core::jwt::OwnedClaims;
use tessera_core::service::{Service, UserStore};

/// The status codes whose catchers the [`Tessera`] fairing registers.
pub const CATCHER_CODES: [u16; 5] = [400, 401, 403, 413, 429];

/// The fairing that sets Tessera up: it manages the [`Service`] and the [`UserStore`] and
/// registers the catchers for refused guards. Attach it once.
pub struct Tessera<S: UserStore> {
    service: Arc<Service>,
    store: Arc<S>,
    body_timeout: Duration,
}

/// How long the [`Login`] guard waits for a request body by default: 10 seconds.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

impl<S: UserStore> fmt::Debug for Tessera<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tessera")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl<S: UserStore> Tessera<S> {
    /// Tessera with `service` for every decision and `store` for user lookups.
    #[must_use]
    pub fn new(service: impl Into<Arc<Service>>, store: S) -> Self {
        Self::shared(service, Arc::new(store))
    }

    /// As [`new`](Self::new), with a store the application keeps a handle on.
    #[must_use]
    pub fn shared(service: impl Into<Arc<Service>>, store: Arc<S>) -> Self {
        Self {
            service: service.into(),
            store,
            body_timeout: DEFAULT_BODY_TIMEOUT,
        }
    }

    /// How long the [`Login`] guard waits for the rest of a `/token` body once it reads it
    /// (default 10 s); a body that takes longer is answered as malformed (400).
    #[must_use]
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }
}

/// Whether Rocket rewrote a request's method from a leading `_method` form field.
///
/// Rocket does so, before any fairing runs, for a `POST` with a form body whose first field is
/// `_method=<method>`; the request then shows that method. Seeing the same field naming the
/// method shown (other than `POST`) means the request line said `POST`. The one request this
/// cannot tell apart is one whose request line already names that method and whose form body
/// starts with the same `_method` field; it is taken as a `POST`.
fn overridden(shown: Method, is_form: bool, peeked: &[u8]) -> bool {
    if shown == Method::Post || !is_form {
        return false;
    }
    let Ok(text) = std::str::from_utf8(peeked) else {
        return false;
    };
    rocket::form::Form::values(text)
        .next()
        .filter(|field| field.name == "_method")
        .and_then(|field| field.value.parse::<Method>().ok())
        .is_some_and(|m| m == shown)
}

/// The body timeout of the [`Login`] guard.
struct BodyTimeout(Duration);

/// The answer to a status that no refused Tessera guard explains, for applications whose
/// answer to it is their own (manage it with `rocket.manage(Unexplained(f))`). Without it such
/// a status gets [`status_response`].
///
/// Rocket answers 400 before routing for a method it does not know (anything outside RFC
/// 9110); this is where an application can answer those as it answers unknown methods.
#[derive(Copy, Clone)]
pub struct Unexplained(pub for<'a, 'b> fn(Status, &'a Request<'b>) -> Response);

impl fmt::Debug for Unexplained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Unexplained(_)")
    }
}

/// The managed service (not generic, so catchers and user-less guards can reach it).
struct Core(Arc<Service>);

/// The managed user store.
struct Store<S>(Arc<S>);

#[rocket::async_trait]
impl<S: UserStore> Fairing for Tessera<S> {
    fn info(&self) -> Info {
        Info {
            name: "Tessera",
            kind: Kind::Ignite | Kind::Request | Kind::Singleton,
        }
    }

    /// Undoes Rocket's `_method` override: a request's method is the one on its request line.
    async fn on_request(&self, req: &mut Request<'_>, data: &mut Data<'_>) {
        if overridden(
            req.method(),
            req.content_type().is_some_and(|ct| ct.is_form()),
            data.peek(14).await,
        ) {
            req.set_method(Method::Post);
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        if rocket.state::<Core>().is_some() {
            rocket::error!("Tessera is attached more than once (with different user stores)");
            return Err(rocket);
        }
        let catchers = CATCHER_CODES
            .iter()
            .map(|&code| Catcher::new(code, catch))
            .collect::<Vec<_>>();
        Ok(rocket
            .manage(BodyTimeout(self.body_timeout))
            .manage(Core(Arc::clone(&self.service)))
            .manage(Store(Arc::clone(&self.store)))
            .register("/", catchers))
    }
}

/// Why a Tessera guard did not produce its value. The HTTP answer is rendered by the catchers
/// the fairing registers; this value is what Rocket logs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// The request was refused (missing credentials, invalid token, missing scope, …).
    Refused(Failure<'static>),
    /// The [`Tessera`] fairing is not attached (or for another user store): 500.
    NotAttached,
}

/// A route's required scopes, declared as a type with [`scopes!`].
pub trait Scopes: Send + Sync + 'static {
    /// The scopes, in the order the route's challenge lists them (the route's own first, then
    /// those of what it builds on).
    const SCOPES: &'static [&'static str];
}

/// No scope required.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct NoScopes;

impl Scopes for NoScopes {
    const SCOPES: &'static [&'static str] = &[];
}

/// Declares marker types implementing [`Scopes`], for [`CurrentUser`] and [`ActiveUser`].
///
/// Each scope must be an RFC 6749 scope token; anything else fails to compile.
///
/// ```
/// tessera_rocket::scopes!(
///     /// `GET /users/me/`
///     pub MeScope = ["me"];
///     /// `GET /users/me/items/`: its own scope, then `me` from the user it builds on.
///     pub MyItemsScopes = ["items", "me"];
/// );
/// use tessera_rocket::Scopes;
/// assert_eq!(MyItemsScopes::SCOPES, ["items", "me"]);
/// ```
///
/// ```compile_fail
/// tessera_rocket::scopes!(pub Bad = ["two words"]);
/// ```
#[macro_export]
macro_rules! scopes {
    ($($(#[$meta:meta])* $vis:vis $name:ident = [$($scope:literal),* $(,)?]);+ $(;)?) => {$(
        $(#[$meta])*
        #[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
        $vis struct $name;

        impl $crate::Scopes for $name {
            const SCOPES: &'static [&'static str] = &[$($scope),*];
        }

        const _: () = {
            $(::core::assert!(
                $crate::is_scope_token($scope),
                ::core::concat!("not an RFC 6749 scope token: ", ::core::stringify!($scope)),
            );)*
        };
    )+};
}

/// Whether `s` is one RFC 6749 scope token (used by [`scopes!`] at compile time).
#[doc(hidden)]
#[must_use]
pub const fn is_scope_token(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if !tessera_core::scope::is_scope_char(bytes[i] as char) {
            return false;
        }
        i += 1;
    }
    true
}

/// The refusal a guard left for the catchers. The last one written wins, so a guard under
/// `Option<_>` that failed earlier does not mask the guard that ended the request.
#[derive(Default)]
struct Slot(Mutex<Option<(Failure<'static>, &'static [&'static str])>>);

fn core<'r>(req: &'r Request<'_>) -> Option<&'r Service> {
    req.rocket().state::<Core>().map(|c| &*c.0)
}

fn attached(rocket: &Rocket<Ignite>) -> bool {
    rocket.state::<Core>().is_some()
}

fn not_attached<T>() -> request::Outcome<T, AuthError> {
    rocket::error!("a Tessera guard ran but the Tessera fairing is not attached");
    Outcome::Error((Status::InternalServerError, AuthError::NotAttached))
}

/// Records `failure` for the catchers and ends the request with its status.
fn refuse<T>(
    req: &Request<'_>,
    service: &Service,
    failure: Failure<'static>,
    scopes: &'static [&'static str],
) -> request::Outcome<T, AuthError> {
    let status = failure.answer(service.style(), scopes).status();
    let slot = req.local_cache(Slot::default);
    *slot.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((failure, scopes));
    Outcome::Error((Status::new(status), AuthError::Refused(failure)))
}

/// The request's `Authorization` values, every one of them, as bytes.
fn authorization<'r>(req: &'r Request<'_>) -> impl Iterator<Item = &'r [u8]> {
    req.headers().get("authorization").map(str::as_bytes)
}

/// The token verification of this request, done once.
struct Authenticated(Result<OwnedClaims, Failure<'static>>);

fn authenticate<'r>(
    req: &'r Request<'_>,
    service: &Service,
) -> &'r Result<OwnedClaims, Failure<'static>> {
    &req.local_cache(|| Authenticated(service.authenticate(authorization(req), UnixTime::now())))
        .0
}

/// The user lookup of this request, done once per store type.
struct Found<S: UserStore>(Option<S::User>);

/// The catcher for every code in [`CATCHER_CODES`].
fn catch<'r>(status: Status, req: &'r Request<'_>) -> catcher::BoxFuture<'r> {
    Box::pin(async move { Reply(answer_caught(status, req)).respond_to(req) })
}

fn answer_caught(status: Status, req: &Request<'_>) -> Response {
    let service = core(req);
    let slot = req.local_cache(Slot::default);
    let refused = *slot.0.lock().unwrap_or_else(PoisonError::into_inner);
    if let (Some(service), Some((failure, scopes))) = (service, refused) {
        let response = service.reject(failure, scopes);
        if response.status == status.code {
            return response;
        }
    }
    if let Some(unexplained) = req.rocket().state::<Unexplained>() {
        return (unexplained.0)(status, req);
    }
    status_response(status, service.map_or(Style::Rfc, Service::style))
}

/// The answer to `status` when no Tessera guard explains it: `{"detail":"<reason phrase>"}`,
/// `WWW-Authenticate: Bearer` on a 401, and the core's 413 answer for a body too large.
#[must_use]
pub fn status_response(status: Status, style: Style) -> Response {
    Failure::Status(status.code)
        .answer(style, &[])
        .to_response()
}

/// A Rocket responder for a core [`Response`]: its status, every header, its body.
pub struct Reply(pub Response);

impl fmt::Debug for Reply {
    /// The status and header names; never the body, which can hold an access token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.0.status)
            .field(
                "headers",
                &self.0.headers.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl From<Response> for Reply {
    fn from(response: Response) -> Self {
        Self(response)
    }
}

impl<'r> Responder<'r, 'static> for Reply {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let Response {
            status,
            headers,
            body,
        } = self.0;
        let mut builder = rocket::Response::build();
        builder.status(Status::new(status));
        for (name, value) in headers {
            builder.raw_header_adjoin(name, value);
        }
        builder.sized_body(body.len(), Cursor::new(body)).ok()
    }
}

/// The raw bearer token of a request, **not verified** (FastAPI's `OAuth2PasswordBearer`).
///
/// Refused with 401 "Not authenticated" when there are no bearer credentials, and 400 for two
/// `Authorization` headers in the rfc style.
pub struct BearerToken(String);

impl BearerToken {
    /// The token, as the `Authorization` header carried it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The token.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(_)")
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for BearerToken {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, AuthError> {
        let Some(service) = core(req) else {
            return not_attached();
        };
        match service.bearer(authorization(req)) {
            Ok(token) => Outcome::Success(Self(token.to_owned())),
            Err(failure) => refuse(req, service, failure, &[]),
        }
    }
}

impl Sentinel for BearerToken {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        !attached(rocket)
    }
}

/// The verified claims of the request's bearer token (signature, then claims), for apps with
/// their own claim type: see [`OwnedClaims::deserialize`].
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
        let Some(service) = core(req) else {
            return not_attached();
        };
        match authenticate(req, service) {
            Ok(claims) => Outcome::Success(Self(claims.clone())),
            Err(failure) => refuse(req, service, *failure, &[]),
        }
    }
}

impl Sentinel for VerifiedClaims {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        !attached(rocket)
    }
}

/// The checks of the user guards, in order: header, token, subject, user exists, scopes, and
/// (when `require_active`) active.
async fn user_of<S: UserStore>(
    req: &Request<'_>,
    scopes: &'static [&'static str],
    require_active: bool,
) -> request::Outcome<(S::User, OwnedClaims), AuthError> {
    let (Some(service), Some(store)) = (core(req), req.rocket().state::<Store<S>>()) else {
        return not_attached();
    };
    let claims = match authenticate(req, service) {
        Ok(claims) => claims,
        Err(failure) => return refuse(req, service, *failure, scopes),
    };
    let found = req
        .local_cache_async(async { Found::<S>(store.0.find(&claims.sub).await) })
        .await;
    match service.authorize(claims, found.0.as_ref(), scopes, require_active) {
        Err(failure) => refuse(req, service, failure, scopes),
        Ok(()) => match &found.0 {
            Some(user) => Outcome::Success((user.clone(), claims.clone())),
            None => refuse(req, service, Failure::InvalidToken, scopes),
        },
    }
}

macro_rules! user_guard {
    ($(#[$meta:meta])* $name:ident, active = $active:expr) => {
        $(#[$meta])*
        pub struct $name<S: UserStore, Sc: Scopes = NoScopes> {
            user: S::User,
            claims: OwnedClaims,
            scopes: PhantomData<fn() -> Sc>,
        }

        impl<S: UserStore, Sc: Scopes> $name<S, Sc> {
            /// The user.
            #[must_use]
            pub fn user(&self) -> &S::User {
                &self.user
            }

            /// The user, by value.
            #[must_use]
            pub fn into_user(self) -> S::User {
                self.user
            }

            /// The verified claims of the token.
            #[must_use]
            pub fn claims(&self) -> &OwnedClaims {
                &self.claims
            }
        }

        impl<S: UserStore, Sc: Scopes> Deref for $name<S, Sc> {
            type Target = S::User;

            fn deref(&self) -> &S::User {
                &self.user
            }
        }

        impl<S: UserStore, Sc: Scopes> fmt::Debug for $name<S, Sc> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("sub", &self.claims.sub)
                    .field("scopes", &Sc::SCOPES)
                    .finish_non_exhaustive()
            }
        }

        #[rocket::async_trait]
        impl<'r, S: UserStore, Sc: Scopes> FromRequest<'r> for $name<S, Sc> {
            type Error = AuthError;

            async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, AuthError> {
                user_of::<S>(req, Sc::SCOPES, $active)
                    .await
                    .map(|(user, claims)| Self {
                        user,
                        claims,
                        scopes: PhantomData,
                    })
            }
        }

        impl<S: UserStore, Sc: Scopes> Sentinel for $name<S, Sc> {
            fn abort(rocket: &Rocket<Ignite>) -> bool {
                !attached(rocket) || rocket.state::<Store<S>>().is_none()
            }
        }
    };
}

user_guard!(
    /// The user named by a valid token's `sub`, holding the scopes `Sc` (FastAPI's
    /// `get_current_user` with `SecurityScopes`). The disabled flag is not checked.
    CurrentUser,
    active = false
);

user_guard!(
    /// As [`CurrentUser`], and the user must be active (FastAPI's `get_current_active_user`):
    /// a disabled user gets 400 "Inactive user", after the scope check.
    ActiveUser,
    active = true
);

/// The `/token` endpoint as a data guard: reads the form (16 KiB at most), checks it, looks the
/// user up, verifies the password on the service's hashing threads (a bounded pool at a
/// lowered priority) and issues the token. It always
/// succeeds with the answer to send (token or error); return it from the handler.
///
/// The `Authorization` header of the request is ignored.
pub struct Login<S> {
    response: Response,
    store: PhantomData<fn() -> S>,
}

impl<S> Login<S> {
    /// The answer: 200 with the token, or the refusal.
    #[must_use]
    pub fn response(&self) -> &Response {
        &self.response
    }

    /// The answer, by value.
    #[must_use]
    pub fn into_response(self) -> Response {
        self.response
    }
}

impl<S> fmt::Debug for Login<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("status", &self.response.status)
            .finish_non_exhaustive()
    }
}

/// Overwrites a buffer that held a password.
fn wipe(mut bytes: Vec<u8>) {
    bytes.fill(0);
    std::hint::black_box(&bytes);
}

async fn login<S: UserStore>(
    service: &Arc<Service>,
    store: &S,
    content_type: Option<&str>,
    data: Data<'_>,
    timeout: Duration,
) -> Response {
    // One byte over the limit lets the core tell "too large" from "exactly the limit".
    let cap = service.config().form.limits.body.saturating_add(1);
    let read = rocket::tokio::time::timeout(timeout, data.open(cap.into()).into_bytes()).await;
    let body = match read {
        Ok(Ok(body)) => body.into_inner(),
        Ok(Err(_)) | Err(_) => {
            return Failure::Form(FormError::Malformed)
                .answer(service.style(), &[])
                .to_response();
        }
    };
    let begun = service.begin_login(content_type, &body, UnixTime::now());
    wipe(body);
    let request = match begun {
        Ok(request) => request,
        Err(response) => return response,
    };
    let user = store.find(request.username()).await;
    let pending = match service.login(request, user) {
        Ok(pending) => pending,
        Err(busy) => return busy,
    };
    let Some(outcome) = pending.await else {
        // The hashing job failed: nothing was decided, so the client is told to retry.
        return service.reject(Failure::Busy(service.config().busy_retry_after), &[]);
    };
    if let Some(phc) = outcome.rehash {
        store.update_hash(&outcome.username, phc).await;
    }
    outcome.response
}

#[rocket::async_trait]
impl<'r, S: UserStore> FromData<'r> for Login<S> {
    type Error = AuthError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let (Some(service), Some(store)) = (
            req.rocket().state::<Core>(),
            req.rocket().state::<Store<S>>(),
        ) else {
            rocket::error!("the Login guard ran but the Tessera fairing is not attached");
            return Outcome::Error((Status::InternalServerError, AuthError::NotAttached));
        };
        let content_type = req.headers().get_one("content-type");
        // A body announced as too large is refused before any byte is read.
        let declared = req.headers().get_one("content-length");
        if let Err(e) = form::check_declared_length(declared, &service.0.config().form.limits) {
            let response = service.0.reject(Failure::Form(e), &[]);
            return Outcome::Success(Self {
                response,
                store: PhantomData,
            });
        }
        let timeout = req
            .rocket()
            .state::<BodyTimeout>()
            .map_or(DEFAULT_BODY_TIMEOUT, |t| t.0);
        let response = login(&service.0, &*store.0, content_type, data, timeout).await;
        Outcome::Success(Self {
            response,
            store: PhantomData,
        })
    }
}

impl<S: UserStore> Sentinel for Login<S> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        !attached(rocket) || rocket.state::<Store<S>>().is_none()
    }
}

impl<'r, S> Responder<'r, 'static> for Login<S> {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        Reply(self.response).respond_to(req)
    }
}
