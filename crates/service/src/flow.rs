//! The request flows: bearer token, claims, user with scopes, and `POST /token`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::refresh::{Family, Rotation, TokenHash};
use crate::service::{Account, Issued, Service, UserStore, random_id, scope_holds};
use bytes::Buf;
use futures_core::Stream;
use tessera_core::UnixTime;
use tessera_core::form::{self, Field, FormError};
use tessera_core::http::{Answer, Failure, Response, Style};
use tessera_core::jwt::OwnedClaims;

use crate::Principal;
use crate::client::Client;
use crate::events::{self, Reason};
use crate::throttle::{Admission, Attempt, Release};

/// How long a `/token` body may take to arrive by default: 10 seconds.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// A refused check: the core's failure, the scopes of the route that refused it (its
/// challenge lists them) and the answer style. Holds no token and no password.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    failure: Failure<'static>,
    scopes: &'static [&'static str],
    style: Style,
}

impl Refusal {
    /// The failure.
    #[must_use]
    pub const fn failure(&self) -> Failure<'static> {
        self.failure
    }

    /// The scopes of the refusing route, in challenge order.
    #[must_use]
    pub const fn scopes(&self) -> &'static [&'static str] {
        self.scopes
    }

    /// The status of the answer.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.failure.answer(self.style, self.scopes).status()
    }

    /// The whole answer: status, headers, body.
    #[must_use]
    pub fn response(&self) -> Response {
        self.failure.answer(self.style, self.scopes).to_response()
    }
}

impl Refusal {
    /// The same refusal on a route requiring `scopes` (its challenge lists them).
    #[must_use]
    pub const fn with_scopes(mut self, scopes: &'static [&'static str]) -> Self {
        self.scopes = scopes;
        self
    }
}

/// The checks that need no user store: bearer token, claims, `/token` body limits. Cheap to
/// clone; [`Tessera`] dereferences to it.
#[derive(Clone)]
pub struct Checks {
    service: Arc<Service>,
    body_timeout: Duration,
}

impl fmt::Debug for Checks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checks")
            .field("service", &self.service)
            .field("body_timeout", &self.body_timeout)
            .finish()
    }
}

/// The service and the user store, as every adapter holds them. Cheap to clone.
pub struct Tessera<S> {
    checks: Checks,
    store: Arc<S>,
}

impl<S> Clone for Tessera<S> {
    fn clone(&self) -> Self {
        Self {
            checks: self.checks.clone(),
            store: Arc::clone(&self.store),
        }
    }
}

impl<S> fmt::Debug for Tessera<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tessera")
            .field("checks", &self.checks)
            .finish_non_exhaustive()
    }
}

impl<S> std::ops::Deref for Tessera<S> {
    type Target = Checks;

    fn deref(&self) -> &Checks {
        &self.checks
    }
}

impl Checks {
    /// The checks of `service`.
    #[must_use]
    pub fn new(service: impl Into<Arc<Service>>) -> Self {
        Self {
            service: service.into(),
            body_timeout: DEFAULT_BODY_TIMEOUT,
        }
    }

    /// The core service.
    #[must_use]
    pub fn service(&self) -> &Arc<Service> {
        &self.service
    }

    /// The answer style.
    #[must_use]
    pub fn style(&self) -> Style {
        self.service.style()
    }

    /// How long a `/token` body may take to arrive (see [`Tessera::with_body_timeout`]).
    #[must_use]
    pub fn body_timeout(&self) -> Duration {
        self.body_timeout
    }

    /// The client of a request, for the login throttle and queue: the socket `peer` (`None`
    /// when the server cannot tell), or the `X-Forwarded-For` entry (`forwarded_for`: each
    /// such header's value) chosen by the service's trusted proxy hops
    /// ([`crate::Config::trusted_proxy_hops`]; with none, the header is not read).
    #[must_use]
    pub fn client<'h>(
        &self,
        peer: Option<std::net::IpAddr>,
        forwarded_for: impl IntoIterator<Item = &'h [u8]>,
    ) -> Client {
        Client::resolve(
            peer,
            forwarded_for,
            self.service.config().trusted_proxy_hops,
        )
    }

    /// `failure` on a route requiring `scopes`, recorded as an event.
    #[must_use]
    pub fn refuse(&self, failure: Failure<'static>, scopes: &'static [&'static str]) -> Refusal {
        events::refused(Reason::of(&failure), None);
        self.refusal(failure, scopes)
    }

    fn refusal(&self, failure: Failure<'static>, scopes: &'static [&'static str]) -> Refusal {
        Refusal {
            failure,
            scopes,
            style: self.style(),
        }
    }

    /// The raw bearer token of a request's `Authorization` values, unverified.
    ///
    /// # Errors
    /// Missing credentials (401), two headers in the rfc style (400), credentials that are not
    /// UTF-8 (401 invalid token).
    pub fn bearer<'h>(
        &self,
        authorization: impl IntoIterator<Item = &'h [u8]>,
    ) -> Result<&'h str, Refusal> {
        self.bearer_for(authorization, &[])
    }

    fn bearer_for<'h>(
        &self,
        authorization: impl IntoIterator<Item = &'h [u8]>,
        scopes: &'static [&'static str],
    ) -> Result<&'h str, Refusal> {
        self.service
            .bearer(authorization)
            .map_err(|failure| self.refuse(failure, scopes))
    }

    /// The verified claims of a request's bearer token: header, signature, then claims, and
    /// (when the token has a `jti`) that it was not revoked.
    ///
    /// # Errors
    /// As [`bearer`](Self::bearer), an invalid token (401) for any token the core refuses or
    /// that was revoked, and 503 when the store of revoked tokens cannot be reached.
    pub async fn claims<'h>(
        &self,
        authorization: impl IntoIterator<Item = &'h [u8]>,
    ) -> Result<OwnedClaims, Refusal> {
        self.claims_for(authorization, &[]).await
    }

    async fn claims_for<'h>(
        &self,
        authorization: impl IntoIterator<Item = &'h [u8]>,
        scopes: &'static [&'static str],
    ) -> Result<OwnedClaims, Refusal> {
        let token = self.bearer_for(authorization, scopes)?;
        let now = UnixTime::now();
        let claims = self
            .service
            .verifier()
            .verify_owned(token, now)
            .map_err(|e| {
                events::refused(Reason::of_token(e), None);
                self.refusal(Failure::InvalidToken, scopes)
            })?;
        self.not_revoked(&claims, now, scopes).await?;
        Ok(claims)
    }

    /// Refuses verified `claims` whose `jti` was revoked.
    async fn not_revoked(
        &self,
        claims: &OwnedClaims,
        now: UnixTime,
        scopes: &'static [&'static str],
    ) -> Result<(), Refusal> {
        let Some(jti) = claims.jti.as_deref() else {
            return Ok(());
        };
        if !self.service.config().revocation_check {
            return Ok(());
        }
        let revocations = self.service.revocations();
        let answer = match revocations.is_revoked_at_once(jti, now) {
            Some(revoked) => Ok(revoked),
            None => revocations.is_revoked(jti, now).await,
        };
        match answer {
            Ok(false) => Ok(()),
            Ok(true) => {
                events::refused(Reason::Revoked, Some(&claims.sub));
                Err(self.refusal(Failure::InvalidToken, scopes))
            }
            Err(_) => {
                events::token_store_unreachable();
                let retry = self.service.config().unavailable_retry_after;
                Err(self.refusal(Failure::Unavailable(retry), scopes))
            }
        }
    }

    /// The checks after the user lookup of verified `claims`, in order: the user exists, the
    /// token grants every scope of `scopes`, and (when `active`) the user is not disabled.
    /// For adapters that look users up themselves (for example once per request).
    ///
    /// # Errors
    /// An invalid token (unknown subject), insufficient scope, inactive user.
    pub fn admit<A: Account>(
        &self,
        claims: &OwnedClaims,
        user: Option<&A>,
        scopes: &'static [&'static str],
        active: bool,
    ) -> Result<(), Refusal> {
        self.service
            .authorize(claims, user, scopes, active)
            .map_err(|failure| {
                events::refused(Reason::of(&failure), Some(&claims.sub));
                self.refusal(failure, scopes)
            })
    }

    /// The most a `/token` body reader should take: one byte over the limit, so the form
    /// parser can tell "too large" from "exactly the limit".
    #[must_use]
    pub fn body_read_limit(&self) -> usize {
        self.service.config().form.limits.body.saturating_add(1)
    }

    /// Refuses a `/token` request whose `Content-Length` is over the body limit (413) or
    /// unreadable (400) before any of its body is read.
    ///
    /// # Errors
    /// The answer to send.
    pub fn check_declared_length(&self, content_length: Option<&str>) -> Result<(), Response> {
        form::check_declared_length(content_length, &self.service.config().form.limits)
            .map_err(|e| self.form_refused(e))
    }

    /// The answer to a `/token` body that broke off or did not arrive in time.
    #[must_use]
    pub fn unreadable_body(&self) -> Response {
        self.form_refused(FormError::Malformed)
    }

    fn form_refused(&self, e: FormError<'static>) -> Response {
        events::refused(Reason::InvalidRequest, None);
        self.service.reject(Failure::Form(e), &[])
    }

    /// `POST /revoke` (RFC 7009), with its `Content-Type` and whole body: the form's `token`
    /// is revoked, and is the only credential. An access token (signature and claims valid)
    /// is refused from now until its `exp` by every protected route (through its `jti`); a
    /// refresh token ends its whole family. The answer is 200 with an empty body whether or
    /// not the token was valid, so that it tells nothing about tokens; `token_type_hint` is
    /// read (a repeated one is refused in the rfc style) and not needed: the kind of a token
    /// shows in its shape.
    ///
    /// # Errors (as answers)
    /// 400 `invalid_request` for a malformed form or a missing `token`, 413 over the body limit,
    /// 503 when the store the token belongs to cannot be reached.
    pub async fn revoke(&self, content_type: Option<&str>, body: Vec<u8>) -> Response {
        let answer = self.revoke_form(content_type, &body).await;
        wipe(body);
        answer
    }

    async fn revoke_form(&self, content_type: Option<&str>, body: &[u8]) -> Response {
        let opts = self.style().form_options(self.service.config().form);
        let mut buf = zeroize::Zeroizing::new(vec![0u8; form::buffer_len(body, &opts)]);
        let params = match form::parse_params(
            body,
            content_type,
            &opts,
            [Field::Token, Field::TokenTypeHint],
            &mut buf,
        ) {
            Ok(params) => params,
            Err(e) => return self.form_refused(e),
        };
        let [Some(token), _] = params.values else {
            events::refused(Reason::InvalidRequest, None);
            return self
                .service
                .reject(Failure::MissingParameter(Field::Token), &[]);
        };
        let now = UnixTime::now();
        let stored = if token.contains('.') {
            // An access token: only a valid one has anything to revoke.
            match self.service.verifier().verify_owned(token, now) {
                Ok(OwnedClaims {
                    jti: Some(jti),
                    exp: Some(exp),
                    ..
                }) => {
                    let until = UnixTime(exp.floor_secs().saturating_add(1));
                    self.service.revocations().revoke(&jti, until, now).await
                }
                _ => Ok(()),
            }
        } else {
            self.service
                .refresh_tokens()
                .revoke(TokenHash::of(token), now)
                .await
                .map(|_| ())
        };
        if stored.is_err() {
            events::token_store_unreachable();
            let retry = self.service.config().unavailable_retry_after;
            return self.service.reject(Failure::Unavailable(retry), &[]);
        }
        events::revocation();
        Answer::empty_ok().to_response()
    }

    /// The whole form body of a `POST` (`/token`, `/revoke`) from a stream of chunks, with its
    /// declared `Content-Length`: refused before any byte is read when that is over the limit,
    /// stopped as soon as the body is, and given up after [`body_timeout`](Self::body_timeout)
    /// (on Tokio's timer).
    ///
    /// # Errors
    /// The answer to send: 413 over the limit, 400 for a body that breaks off or is too slow.
    pub async fn read_form<B: Buf, E>(
        &self,
        content_length: Option<&str>,
        body: impl Stream<Item = Result<B, E>>,
    ) -> Result<Vec<u8>, Response> {
        self.check_declared_length(content_length)?;
        match tokio::time::timeout(self.body_timeout, self.read_body(body)).await {
            Ok(done) => done,
            Err(_) => Err(self.unreadable_body()),
        }
    }

    /// Reads a `/token` body from a stream of chunks, stopping with 413 as soon as it is over
    /// the limit. It has no deadline of its own: adapters bound it with
    /// [`body_timeout`](Self::body_timeout) on their runtime's timer.
    ///
    /// # Errors
    /// The answer to send: 413 over the limit, 400 for a body that breaks off.
    pub async fn read_body<B: Buf, E>(
        &self,
        body: impl Stream<Item = Result<B, E>>,
    ) -> Result<Vec<u8>, Response> {
        let limit = self.service.config().form.limits.body;
        let mut body = std::pin::pin!(body);
        let mut out = Vec::new();
        while let Some(chunk) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
            let mut chunk = chunk.map_err(|_| self.unreadable_body())?;
            if chunk.remaining() > limit - out.len() {
                wipe(out);
                return Err(self.form_refused(FormError::TooLarge));
            }
            while chunk.has_remaining() {
                let part = chunk.chunk();
                out.extend_from_slice(part);
                let n = part.len();
                chunk.advance(n);
            }
        }
        Ok(out)
    }
}

impl<S: UserStore> Tessera<S> {
    /// Checks and logins by `service`, users from `store`.
    #[must_use]
    pub fn new(service: impl Into<Arc<Service>>, store: impl Into<Arc<S>>) -> Self {
        Self {
            checks: Checks::new(service),
            store: store.into(),
        }
    }

    /// How long a `/token` body may take to arrive (default 10 s); adapters give up on the
    /// read after it and answer as for a malformed body.
    #[must_use]
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.checks.body_timeout = timeout;
        self
    }

    /// The checks that need no store.
    #[must_use]
    pub fn checks(&self) -> &Checks {
        &self.checks
    }

    /// The user store.
    #[must_use]
    pub fn store(&self) -> &Arc<S> {
        &self.store
    }

    /// The user named by verified `claims`, checked in order: the user exists, the token
    /// grants every scope of `scopes`, and (when `active`) the user is not disabled.
    ///
    /// # Errors
    /// An invalid token (unknown subject), insufficient scope, inactive user.
    pub async fn user(
        &self,
        claims: &OwnedClaims,
        scopes: &'static [&'static str],
        active: bool,
    ) -> Result<S::User, Refusal> {
        let user = self.store.find(&claims.sub).await;
        self.admit(claims, user.as_ref(), scopes, active)?;
        user.ok_or_else(|| self.refusal(Failure::InvalidToken, scopes))
    }

    /// The whole check of a protected route, in order: header, token (signature, then
    /// claims), user exists, scopes, and (when `active`) the user is active.
    ///
    /// # Errors
    /// The first check that fails, as a [`Refusal`] carrying `scopes` for the challenge.
    pub async fn authorize<'h>(
        &self,
        authorization: impl IntoIterator<Item = &'h [u8]>,
        scopes: &'static [&'static str],
        active: bool,
    ) -> Result<Principal<S::User>, Refusal> {
        let claims = self.claims_for(authorization, scopes).await?;
        let user = self.user(&claims, scopes, active).await?;
        Ok(Principal { user, claims })
    }

    /// `POST /token` from `client` ([`Checks::client`]), with its `Content-Type` and whole
    /// body. In order: the form is parsed and checked; the client may have one login under way
    /// at a time (429 otherwise); the throttle checks every limit and reserves a place in each
    /// count (429 with `Retry-After` when one is reached, 503 when its store is unreachable:
    /// no login is ever checked without it); the user is looked up; the login waits for a
    /// hashing slot (429 when none comes in time) and the password is verified; a success
    /// clears the client's failures on that username, and a weak stored hash is replaced. The
    /// body is wiped once parsed. The request's `Authorization` header plays no part.
    ///
    /// A login whose answer is never awaited (the client went away) stays counted as a
    /// failure.
    pub async fn token(
        &self,
        client: &Client,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Response {
        if self.style() == Style::Rfc && self.is_refresh_grant(content_type, &body) {
            let answer = self.refresh(content_type, &body).await;
            wipe(body);
            return answer;
        }
        let begun = self.service.begin_login(content_type, &body);
        wipe(body);
        let request = match begun {
            Ok(request) => request,
            Err(response) => {
                events::refused(Reason::InvalidRequest, None);
                return response;
            }
        };
        let username = request.username().to_owned();
        let config = self.service.config();
        let refuse = |failure: Failure<'static>| {
            events::login_refused(Reason::of(&failure), &username, client);
            self.service.reject(failure, &[])
        };
        let Some(_turn) = self.service.login_turn(client) else {
            return refuse(Failure::Busy(config.busy_retry_after));
        };
        let attempt = Attempt {
            client,
            username: &username,
        };
        match self
            .service
            .throttle()
            .reserve(attempt, &config.limits, UnixTime::now())
            .await
        {
            Ok(Admission::Granted) => {}
            Ok(Admission::Wait(secs)) => return refuse(Failure::Throttled(secs)),
            Err(_) => return refuse(Failure::Unavailable(config.unavailable_retry_after)),
        }
        let user = self.store.find(&username).await;
        let outcome = match self.service.verify_login(request, user).await {
            Ok(outcome) => outcome,
            Err(busy) => {
                // The password was not checked: the attempt is not a failure.
                self.release(client, &username, Release::Undone);
                return refuse(busy);
            }
        };
        if outcome.succeeded {
            events::logged_in(&username, client);
            self.release(client, &username, Release::Succeeded);
        } else {
            events::login_refused(Reason::BadCredentials, &username, client);
        }
        if let Some(phc) = outcome.rehash {
            self.store.update_hash(&outcome.username, phc).await;
        }
        match outcome.issued {
            Some(issued) if self.style() == Style::Rfc => {
                self.start_family(&outcome.username, &issued).await
            }
            _ => outcome.response,
        }
    }

    /// The answer to a successful password login in the rfc style: the access token and the
    /// first refresh token of a new family. Should the family's store be unreachable, the
    /// access token is answered alone (the client logs in again when it expires).
    async fn start_family(&self, username: &str, issued: &Issued) -> Response {
        let now = UnixTime::now();
        let refresh = random_id::<32>();
        let family = Family {
            id: random_id::<16>(),
            username: username.to_owned(),
            scope: issued.scope.clone(),
            started: now.0,
        };
        let started = self
            .service
            .refresh_tokens()
            .start(
                &family,
                TokenHash::of(&refresh),
                self.refresh_expiry(now),
                now,
            )
            .await;
        let refresh = match started {
            Ok(()) => Some(refresh.as_str()),
            Err(_) => {
                events::token_store_unreachable();
                None
            }
        };
        self.service
            .token_response(&issued.access_token, &issued.scope, refresh)
    }

    fn refresh_expiry(&self, now: UnixTime) -> UnixTime {
        let lifetime = self.service.config().refresh_token_lifetime_secs;
        UnixTime(
            now.0
                .saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX)),
        )
    }

    /// Whether a `/token` body asks for the refresh grant (else it is read as the password
    /// grant, whose parser answers any form error).
    fn is_refresh_grant(&self, content_type: Option<&str>, body: &[u8]) -> bool {
        let opts = self.style().form_options(self.service.config().form);
        let mut buf = zeroize::Zeroizing::new(vec![0u8; form::buffer_len(body, &opts)]);
        form::parse_params(body, content_type, &opts, [Field::GrantType], &mut buf)
            .is_ok_and(|p| p.values[0] == Some("refresh_token"))
    }

    /// `grant_type=refresh_token` (RFC 6749 section 6; rfc style only). In order: the form
    /// (`refresh_token` required, `scope` optional); the family of the token, when it is the
    /// current one of a live family: the requested scope against the family's (`invalid_scope`
    /// when it asks for more), then the user (not found: `invalid_grant`, the token kept;
    /// disabled, or with [`Account::tokens_valid_from`] after the family's login: the family is
    /// revoked, `invalid_grant`); then the exchange (an unknown, expired or revoked token is
    /// `invalid_grant`; a rotated one revokes its family and is `invalid_grant`). Else a new
    /// access token and a new refresh token, the old one dead.
    async fn refresh(&self, content_type: Option<&str>, body: &[u8]) -> Response {
        let opts = self.style().form_options(self.service.config().form);
        let mut buf = zeroize::Zeroizing::new(vec![0u8; form::buffer_len(body, &opts)]);
        let fields = [Field::GrantType, Field::RefreshToken, Field::Scope];
        let params = match form::parse_params(body, content_type, &opts, fields, &mut buf) {
            Ok(params) => params,
            Err(e) => return self.form_refused(e),
        };
        let refuse = |failure: Failure<'static>, username: Option<&str>| {
            events::refused(Reason::of(&failure), username);
            self.service.reject(failure, &[])
        };
        if params.scope_malformed {
            return refuse(Failure::Form(FormError::InvalidScope), None);
        }
        let [_, Some(old), requested] = params.values else {
            return refuse(Failure::MissingParameter(Field::RefreshToken), None);
        };
        let store = self.service.refresh_tokens();
        let now = UnixTime::now();
        let old = TokenHash::of(old);
        // The family's scope and its user are checked before the token is spent, so that a
        // refused refresh (a scope too wide, a user the store cannot find just now) leaves the
        // token as it was.
        let checked = match store.family(old, now).await {
            Err(_) => return self.unavailable(),
            // A former token (a reuse) or one of no live family: the exchange below tells.
            Ok(None) => None,
            Ok(Some(family)) => {
                let username = Some(family.username.as_str());
                if requested.is_some_and(|r| !scope_holds(&family.scope, r)) {
                    return refuse(Failure::ScopeBeyondGrant, username);
                }
                let Some(user) = self.store.find(&family.username).await else {
                    return refuse(Failure::InvalidRefreshToken, username);
                };
                let valid_from = user.tokens_valid_from();
                if !user.is_active() || valid_from.is_some_and(|from| family.started < from) {
                    // The user may no longer have tokens: the family ends here.
                    if store.revoke(old, now).await.is_err() {
                        events::token_store_unreachable();
                    }
                    return refuse(Failure::InvalidRefreshToken, username);
                }
                self.service.refresh_scope(requested, &family.scope, &user)
            }
        };
        let new = random_id::<32>();
        let new_hash = TokenHash::of(&new);
        let family = match store
            .rotate(old, new_hash, self.refresh_expiry(now), now)
            .await
        {
            Ok(Rotation::Rotated(family)) => family,
            Ok(Rotation::Reused) => {
                events::refresh_reused();
                return self.service.reject(Failure::InvalidRefreshToken, &[]);
            }
            Ok(Rotation::Unknown) => return refuse(Failure::InvalidRefreshToken, None),
            Err(_) => return self.unavailable(),
        };
        let access = checked
            .as_ref()
            .and_then(|scope| self.service.issue(&family.username, scope, now).ok());
        let (Some(scope), Some(access)) = (checked, access) else {
            // A token no live family had a moment ago cannot rotate, so this is not reached;
            // should it be, nothing unchecked is issued and the family ends.
            if store.revoke(new_hash, now).await.is_err() {
                events::token_store_unreachable();
            }
            return refuse(Failure::InvalidRefreshToken, Some(&family.username));
        };
        events::refreshed(&family.username);
        self.service.token_response(&access, &scope, Some(&new))
    }

    fn unavailable(&self) -> Response {
        events::token_store_unreachable();
        let retry = self.service.config().unavailable_retry_after;
        self.service.reject(Failure::Unavailable(retry), &[])
    }
}

impl<S> Tessera<S> {
    /// Ends a reservation without holding up the answer: a store that answers at once (the
    /// in-memory one) is done before this returns; a remote one finishes on a spawned task, so
    /// that a login waits for one round trip to the store (the reservation), not two. Should
    /// the store fail, the attempt stays counted as a failure, which errs towards caution.
    fn release(&self, client: &Client, username: &str, how: Release) {
        let service = Arc::clone(&self.service);
        let (client, username) = (client.clone(), username.to_owned());
        let mut release = Box::pin(async move {
            let attempt = Attempt {
                client: &client,
                username: &username,
            };
            let limits = &service.config().limits;
            if service
                .throttle()
                .release(attempt, limits, how)
                .await
                .is_err()
            {
                events::store_unreachable();
            }
        });
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        if release.as_mut().poll(&mut cx).is_pending() {
            tokio::spawn(release);
        }
    }
}

/// Overwrites a buffer that held a password.
fn wipe(mut bytes: Vec<u8>) {
    zeroize::Zeroize::zeroize(&mut bytes);
}
