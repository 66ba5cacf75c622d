//! The decisions of a server's password flow and bearer routes, framework-free: the steps
//! the request flows of this crate ([`crate::Tessera`]) put together.
//!
//! A [`Service`] holds the key, the error style, the login policy, the brute-force
//! [`Throttle`], the clients with a login under way, and the [`HashGate`] that bounds
//! concurrent argon2 work. [`crate::Tessera`] strings these calls together:
//!
//! - protected route: [`Service::authenticate`] → look the subject up (async, the
//!   application's [`UserStore`]) → [`Service::authorize`] → on error [`Service::reject`];
//! - `/token`: [`Service::begin_login`] (the form) → [`Service::login_turn`] (one login per
//!   client at a time) → [`Throttle::reserve`] → look the username up →
//!   [`Service::verify_login`], which waits its turn in the gate's fair queue and runs
//!   [`Service::finish_login`] (argon2) on one of the gate's hashing threads.
//!
//! The password grant is legacy: the OAuth 2.0 Security BCP (RFC 9700) says it must not be
//! used and OAuth 2.1 drops it. It is here for first-party clients and for compatibility with
//! the FastAPI tutorial; the token and bearer parts of this crate do not depend on it.

mod pool;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use core::future::Future;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use std::collections::HashSet;
use std::sync::Mutex;

use zeroize::Zeroizing;

use tessera_core::UnixTime;
use tessera_core::bearer::{self, Duplicates};
use tessera_core::form::{self, FormOptions};
use tessera_core::http::{Answer, Failure, Response, Style};
use tessera_core::jwt::{self, Header, OwnedClaims, Validation, Verifier};
use tessera_core::password::{PhcHash, Policy};
use tessera_core::{Hs256Key, KeyRing};

use crate::client::Client;
use crate::refresh::{MemoryRefreshTokens, RefreshTokens};
use crate::revocation::{MemoryRevocations, Revocations};
use crate::throttle::{LoginLimits, MemoryThrottle, Throttle};

pub use self::pool::{DEFAULT_NICENESS, HashGate, HashMemory, HashPermit, Pending};

/// What the core needs to know about a user account.
pub trait Account {
    /// The stored argon2 PHC string.
    fn password_hash(&self) -> &str;
    /// Whether the account may use the API (`false` answers 400 "Inactive user" on routes that
    /// require an active user).
    fn is_active(&self) -> bool {
        true
    }
    /// Tokens issued before this time (Unix seconds) are refused for this user: "log out
    /// everywhere", set when the user is disabled or changes password. A token without `iat`
    /// is refused once this is set. The default: none.
    fn tokens_valid_from(&self) -> Option<i64> {
        None
    }
    /// Whether this user may be granted `scope` at login. The default grants every requested
    /// scope, as the FastAPI tutorial does.
    fn may_have_scope(&self, scope: &str) -> bool {
        let _ = scope;
        true
    }
}

/// The application's user lookup, by username (the token's `sub`). Async, so a database fits.
pub trait UserStore: Send + Sync + 'static {
    /// The application's user type.
    type User: Account + Clone + Send + Sync + 'static;

    /// Finds a user by username.
    fn find(&self, username: &str) -> impl Future<Output = Option<Self::User>> + Send;

    /// Stores a new hash for `username` after a login found the old one weaker than the
    /// policy. The default keeps the old hash.
    fn update_hash(&self, username: &str, phc: String) -> impl Future<Output = ()> + Send {
        let _ = (username, phc);
        async {}
    }
}

/// How a [`Service`] behaves; every field has the FastAPI tutorial's default.
#[derive(Clone, Debug)]
pub struct Config {
    /// Error style (default rfc).
    pub style: Style,
    /// Token lifetime in seconds (default 30 minutes).
    pub token_lifetime_secs: u64,
    /// Whether issued tokens carry the granted `scope` (the scopes tutorial) or no scope at
    /// all (the jwt tutorial). Default `false`.
    pub scope_claim: bool,
    /// In the fastapi style, answer bad credentials with 401 and a challenge (the jwt tutorial)
    /// instead of 400 (the scopes tutorial). Default `true`.
    pub fastapi_login_challenge: bool,
    /// Token request parsing (limits, lenient or strict `grant_type`). Its `repeated` and
    /// `decoding` rules are set from `style` ([`Style::form_options`]).
    pub form: FormOptions,
    /// argon2 policy for the dummy verify and rehash decisions.
    pub policy: Policy,
    /// Token validation (leeway 0, `exp` required, no `aud`).
    pub validation: Validation<'static>,
    /// `Retry-After` seconds when a login cannot get a hashing slot in time, or its client
    /// already has one under way.
    pub busy_retry_after: u32,
    /// The failure limits of `/token` ([`LoginLimits`]).
    pub limits: LoginLimits,
    /// How many reverse proxies in front of the server append to `X-Forwarded-For` and are
    /// trusted to (default 0: the header is ignored). See [`Client::resolve`].
    pub trusted_proxy_hops: usize,
    /// How long a login waits in the hashing queue for a slot before 429 (default 2 s).
    pub queue_deadline: Duration,
    /// How many logins may wait in the hashing queue (default 64); one more gets 429 at once.
    pub queue_length: usize,
    /// `Retry-After` seconds of the 503 answered when a shared store is unreachable.
    pub unavailable_retry_after: u32,
    /// Refresh-token lifetime in seconds (default 14 days), counted again from each refresh.
    /// Refresh tokens are issued in the rfc style only.
    pub refresh_token_lifetime_secs: u64,
    /// Whether protected routes look a token's `jti` up among revoked tokens (default `true`).
    /// Off, `POST /revoke` still ends refresh-token families but a revoked access token works
    /// until it expires: for measuring the check's cost, not for production.
    pub revocation_check: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            style: Style::Rfc,
            token_lifetime_secs: 30 * 60,
            scope_claim: false,
            fastapi_login_challenge: true,
            form: FormOptions::default(),
            policy: Policy::OWASP,
            validation: Validation::new(),
            busy_retry_after: 1,
            limits: LoginLimits::default(),
            trusted_proxy_hops: 0,
            queue_deadline: Duration::from_secs(2),
            queue_length: 64,
            unavailable_retry_after: 5,
            refresh_token_lifetime_secs: 14 * 24 * 60 * 60,
            revocation_check: true,
        }
    }
}

/// A validated token request waiting for its user lookup. The password is zeroized on drop.
pub struct LoginRequest {
    username: String,
    password: Zeroizing<String>,
    scope: String,
}

impl core::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .field("password", &"_")
            .field("scope", &self.scope)
            .finish()
    }
}

impl LoginRequest {
    /// The username to look up.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The requested scopes, normalised.
    #[must_use]
    pub fn scope(&self) -> &str {
        &self.scope
    }
}

/// An access token issued by a login, and the scope it grants.
pub struct Issued {
    /// The signed token.
    pub access_token: String,
    /// The granted scope (normalised; empty for none).
    pub scope: String,
}

impl core::fmt::Debug for Issued {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Issued")
            .field("access_token", &"_")
            .field("scope", &self.scope)
            .finish()
    }
}

/// The result of a login: the response to send, and a new hash to store when the old one was
/// weaker than the policy.
#[derive(Debug)]
pub struct LoginOutcome {
    /// Whether the password was right and a token issued.
    pub succeeded: bool,
    /// The token issued, on success.
    pub issued: Option<Issued>,
    /// The HTTP answer (token or error).
    pub response: Response,
    /// A rehashed PHC string for the user, after a successful login with a weak stored hash.
    pub rehash: Option<String>,
    /// The username of the request (where to store `rehash`).
    pub username: String,
}

/// What a verified token says about its bearer.
pub type Principal = OwnedClaims;

/// The framework-free server side of Tessera. Share one behind an `Arc`.
pub struct Service {
    verifier: Verifier<'static>,
    config: Config,
    throttle: Box<dyn Throttle>,
    revocations: Box<dyn Revocations>,
    refresh_tokens: Box<dyn RefreshTokens>,
    gate: Arc<HashGate>,
    under_way: Mutex<HashSet<Client>>,
}

/// A client's one login under way ([`Service::login_turn`]); the turn ends on drop.
#[derive(Debug)]
pub struct LoginTurn<'a> {
    service: &'a Service,
    client: Client,
}

impl Drop for LoginTurn<'_> {
    fn drop(&mut self) {
        self.service.under_way().remove(&self.client);
    }
}

impl core::fmt::Debug for Service {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Service")
            .field("config", &self.config)
            .field("gate", &self.gate)
            .finish_non_exhaustive()
    }
}

impl Service {
    /// A service signing and verifying with `key`, the in-process throttle
    /// ([`MemoryThrottle`]) and a hashing bound of one per core but one
    /// ([`HashGate::per_core`]).
    #[must_use]
    pub fn new(key: Hs256Key, config: Config) -> Self {
        Self::with_keys(KeyRing::new(key), config)
    }

    /// As [`new`](Self::new), verifying with every key of `ring` and signing with its current
    /// key: the way to rotate keys without logging anyone out. A token whose header names a key
    /// of the ring (`kid`) is checked with that key only; a token without `kid` (the fastapi
    /// style's and FastAPI's own) is tried against each key. A `kid` naming no key of the ring
    /// refuses the token in the rfc style; the fastapi style, like FastAPI, reads no such `kid`
    /// and tries each key.
    #[must_use]
    pub fn with_keys(ring: KeyRing, config: Config) -> Self {
        let verifier =
            Verifier::from_ring(ring, config.validation).with_kid_check(config.style == Style::Rfc);
        Self {
            verifier,
            config,
            throttle: Box::new(MemoryThrottle::default()),
            revocations: Box::new(MemoryRevocations::default()),
            refresh_tokens: Box::new(MemoryRefreshTokens::default()),
            gate: HashGate::per_core(),
            under_way: Mutex::new(HashSet::new()),
        }
    }

    /// Replaces the throttle (for example with one backed by a shared store, so that a fleet
    /// of instances shares one count).
    #[must_use]
    pub fn with_throttle(mut self, throttle: impl Throttle) -> Self {
        self.throttle = Box::new(throttle);
        self
    }

    /// The throttle.
    #[must_use]
    pub fn throttle(&self) -> &dyn Throttle {
        &*self.throttle
    }

    /// Replaces the store of revoked access tokens (by default [`MemoryRevocations`]), for
    /// example with one every instance of a fleet shares.
    #[must_use]
    pub fn with_revocations(mut self, revocations: impl Revocations) -> Self {
        self.revocations = Box::new(revocations);
        self
    }

    /// The store of revoked access tokens.
    #[must_use]
    pub fn revocations(&self) -> &dyn Revocations {
        &*self.revocations
    }

    /// Replaces the store of refresh-token families (by default [`MemoryRefreshTokens`]).
    #[must_use]
    pub fn with_refresh_tokens(mut self, refresh_tokens: impl RefreshTokens) -> Self {
        self.refresh_tokens = Box::new(refresh_tokens);
        self
    }

    /// The store of refresh-token families.
    #[must_use]
    pub fn refresh_tokens(&self) -> &dyn RefreshTokens {
        &*self.refresh_tokens
    }

    /// The answer carrying `access_token` (granting `scope`) and, in the rfc style, a
    /// `refresh_token` when one was issued.
    #[must_use]
    pub fn token_response(
        &self,
        access_token: &str,
        scope: &str,
        refresh: Option<&str>,
    ) -> Response {
        let answer = Answer::token(
            self.config.style,
            access_token,
            self.config.token_lifetime_secs,
            scope,
        );
        match refresh {
            Some(refresh) => answer.with_refresh_token(refresh).to_response(),
            None => answer.to_response(),
        }
    }

    fn under_way(&self) -> std::sync::MutexGuard<'_, HashSet<Client>> {
        self.under_way
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The turn of `client` to log in, or `None` when it already has a login under way (in this
    /// process): one password hash in flight or queued per client, so that no client can fill
    /// the hashing queue.
    #[must_use]
    pub fn login_turn(&self, client: &Client) -> Option<LoginTurn<'_>> {
        self.under_way().insert(client.clone()).then(|| LoginTurn {
            service: self,
            client: client.clone(),
        })
    }

    /// Replaces the hashing bound.
    #[must_use]
    pub fn with_gate(mut self, gate: Arc<HashGate>) -> Self {
        self.gate = gate;
        self
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The error style.
    #[must_use]
    pub fn style(&self) -> Style {
        self.config.style
    }

    /// The verifier (and through it the key).
    #[must_use]
    pub fn verifier(&self) -> &Verifier<'static> {
        &self.verifier
    }

    fn duplicates(&self) -> Duplicates {
        match self.config.style {
            Style::Rfc => Duplicates::Reject,
            Style::FastApi => Duplicates::First,
        }
    }

    /// The raw bearer token of a request, unverified (FastAPI's `OAuth2PasswordBearer`).
    ///
    /// # Errors
    /// [`Failure::MissingCredentials`], [`Failure::MultipleAuthorization`],
    /// [`Failure::InvalidToken`] (credentials not UTF-8).
    pub fn bearer<'h, I>(&self, authorization: I) -> Result<&'h str, Failure<'static>>
    where
        I: IntoIterator<Item = &'h [u8]>,
    {
        bearer::extract(authorization, self.duplicates()).map_err(Failure::from)
    }

    /// Verifies the bearer token of a request: header, then signature, then claims.
    ///
    /// # Errors
    /// As [`bearer`](Self::bearer), and [`Failure::InvalidToken`] for any token error (the
    /// reason is logged by the caller if it wants, never told to the client).
    pub fn authenticate<'h, I>(
        &self,
        authorization: I,
        now: UnixTime,
    ) -> Result<Principal, Failure<'static>>
    where
        I: IntoIterator<Item = &'h [u8]>,
    {
        let token = self.bearer(authorization)?;
        self.verifier
            .verify_owned(token, now)
            .map_err(|_| Failure::InvalidToken)
    }

    /// The checks after the user lookup, in order: the user exists and the token was issued
    /// after the user's [`Account::tokens_valid_from`], the token grants every `required`
    /// scope, and (when `require_active`) the user is active.
    ///
    /// # Errors
    /// [`Failure::InvalidToken`] (unknown subject, or a token from before the user's
    /// `tokens_valid_from`), [`Failure::InsufficientScope`], [`Failure::InactiveUser`].
    pub fn authorize<A: Account>(
        &self,
        principal: &Principal,
        user: Option<&A>,
        required: &[&str],
        require_active: bool,
    ) -> Result<(), Failure<'static>> {
        let user = user.ok_or(Failure::InvalidToken)?;
        if let Some(from) = user.tokens_valid_from()
            && principal.iat.is_none_or(|iat| iat.floor_secs() < from)
        {
            return Err(Failure::InvalidToken);
        }
        if !principal.scope().grants_all(required) {
            return Err(Failure::InsufficientScope);
        }
        if require_active && !user.is_active() {
            return Err(Failure::InactiveUser);
        }
        Ok(())
    }

    /// The answer to `failure` on a route requiring `scopes`.
    #[must_use]
    pub fn reject(&self, failure: Failure<'_>, scopes: &[&str]) -> Response {
        failure.answer(self.config.style, scopes).to_response()
    }

    /// First step of `/token`: parses and checks the form.
    ///
    /// # Errors
    /// The answer to a form error.
    pub fn begin_login(
        &self,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<LoginRequest, Response> {
        let style = self.config.style;
        let opts = style.form_options(self.config.form);
        let mut buf = Zeroizing::new(alloc::vec![0u8; form::buffer_len(body, &opts)]);
        let form = form::parse(body, content_type, &opts, &mut buf)
            .map_err(|e| Failure::Form(e).answer(style, &[]).to_response())?;
        Ok(LoginRequest {
            username: String::from(form.username),
            password: Zeroizing::new(String::from(form.password)),
            scope: String::from(form.scope),
        })
    }

    /// A slot for the argon2 work of one login, at once, or `None` when every slot is busy or
    /// logins are queued.
    #[must_use]
    pub fn try_permit(&self) -> Option<HashPermit> {
        self.gate.try_acquire()
    }

    /// The password check of `/token`, after the throttle and the user lookup: waits for a
    /// hashing slot in the gate's queue (first come, first served, at most
    /// [`Config::queue_length`] waiting, each for at most [`Config::queue_deadline`]), then runs
    /// [`finish_login`](Self::finish_login) on one of the gate's threads, with that thread's
    /// reusable argon2 memory.
    ///
    /// # Errors
    /// [`Failure::Busy`] when no slot came in time (or the hashing job failed): the password
    /// was not checked.
    pub async fn verify_login<A>(
        self: &Arc<Self>,
        request: LoginRequest,
        user: Option<A>,
    ) -> Result<LoginOutcome, Failure<'static>>
    where
        A: Account + Send + 'static,
    {
        let busy = Failure::Busy(self.config.busy_retry_after);
        let permit = self
            .gate
            .acquire(self.config.queue_length, self.config.queue_deadline)
            .await
            .ok_or(busy)?;
        let service = Arc::clone(self);
        permit
            .run(move |memory| {
                service.finish_login(&request, user.as_ref(), UnixTime::now(), memory)
            })
            .await
            .ok_or(busy)
    }

    /// Last step of `/token`, to run off the async executor while holding a [`HashPermit`]
    /// ([`verify_login`](Self::verify_login) does both): verifies the password in `memory` (or
    /// spends the same on a dummy verify for an unknown user) and issues the token. The
    /// throttle is the caller's business.
    #[must_use]
    pub fn finish_login<A: Account>(
        &self,
        request: &LoginRequest,
        user: Option<&A>,
        now: UnixTime,
        memory: &mut HashMemory,
    ) -> LoginOutcome {
        let style = self.config.style;
        let policy = &self.config.policy;
        let password = request.password.as_bytes();
        let verified = match user.map(|u| PhcHash::parse(u.password_hash())) {
            Some(Ok(h)) => match memory.blocks(h.block_count()) {
                Some(blocks) => h
                    .verify_with_memory(password, blocks)
                    .unwrap_or(false)
                    .then(|| policy.needs_rehash(&h)),
                None => None,
            },
            // An unknown user, or a stored hash that cannot be read: the same work, on nothing.
            Some(Err(_)) | None => {
                if let Some(blocks) = memory.blocks(policy.block_count()) {
                    policy.dummy_verify_with_memory(password, blocks);
                }
                None
            }
        };
        let username = request.username.clone();
        let (Some(needs_rehash), Some(user)) = (verified, user) else {
            let failure = Failure::InvalidGrant {
                challenge: self.config.fastapi_login_challenge,
            };
            return LoginOutcome {
                succeeded: false,
                issued: None,
                response: failure.answer(style, &[]).to_response(),
                rehash: None,
                username,
            };
        };
        let scope = self.granted_scope(&request.scope, user);
        let (issued, response) = match self.issue(&request.username, &scope, now) {
            Ok(token) => {
                let response = self.token_response(&token, &scope, None);
                let issued = Issued {
                    access_token: token,
                    scope,
                };
                (Some(issued), response)
            }
            // Only reachable with a misconfigured lifetime; answer as a failed login.
            Err(_) => (
                None,
                Failure::InvalidGrant { challenge: false }
                    .answer(style, &[])
                    .to_response(),
            ),
        };
        let succeeded = issued.is_some();
        let rehash = if needs_rehash {
            let mut out = [0u8; tessera_core::password::MAX_PHC_LEN];
            memory.blocks(policy.block_count()).and_then(|blocks| {
                policy
                    .hash_with_memory(password, &fresh_salt(now), blocks, &mut out)
                    .ok()
                    .map(String::from)
            })
        } else {
            None
        };
        LoginOutcome {
            succeeded,
            issued,
            response,
            rehash,
            username,
        }
    }

    /// The scope a refresh grants: the family's `granted` scope when the request names none,
    /// else the `requested` scopes, each of which the family must hold (`None` otherwise); in
    /// either case only those the user may still have.
    #[must_use]
    pub fn refresh_scope<A: Account>(
        &self,
        requested: Option<&str>,
        granted: &str,
        user: &A,
    ) -> Option<String> {
        let wanted = requested.unwrap_or(granted);
        if !scope_holds(granted, wanted) {
            return None;
        }
        Some(self.granted_scope(wanted, user))
    }

    fn granted_scope<A: Account>(&self, requested: &str, user: &A) -> String {
        if !self.config.scope_claim {
            return String::new();
        }
        let mut out = String::with_capacity(requested.len());
        for s in requested
            .split(' ')
            .filter(|s| !s.is_empty() && user.may_have_scope(s))
        {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(s);
        }
        out
    }

    /// Issues an access token for `sub` with `scope`, signed by the current key, in this
    /// service's style: rfc tokens name their key in the header (`kid`) and carry `sub`, `iat`,
    /// `exp` (and `scope` when the service issues scopes); fastapi tokens have FastAPI's header
    /// (no `kid`) and carry
    /// exactly what the FastAPI tutorial issues (`sub`, `exp`, and `scope` between them when the service issues scopes).
    ///
    /// # Errors
    /// [`tessera_core::EncodeError`] only for a lifetime that overflows the clock.
    pub fn issue(
        &self,
        sub: &str,
        scope: &str,
        now: UnixTime,
    ) -> Result<String, tessera_core::EncodeError> {
        #[derive(serde::Serialize)]
        struct Rfc<'a> {
            sub: &'a str,
            iat: i64,
            exp: i64,
            jti: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            scope: Option<&'a str>,
        }
        #[derive(serde::Serialize)]
        struct Fastapi<'a> {
            sub: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            scope: Option<&'a str>,
            exp: i64,
        }
        let lifetime = i64::try_from(self.config.token_lifetime_secs)
            .map_err(|_| tessera_core::EncodeError::Claims)?;
        let exp = now
            .0
            .checked_add(lifetime)
            .ok_or(tessera_core::EncodeError::Claims)?;
        let scope = self.config.scope_claim.then_some(scope);
        let key = self.verifier.key();
        match self.config.style {
            Style::Rfc => jwt::encode_to_string(
                key,
                &Header::for_key(key),
                &Rfc {
                    sub,
                    iat: now.0,
                    exp,
                    jti: &random_id::<16>(),
                    scope,
                },
            ),
            Style::FastApi => {
                jwt::encode_to_string(key, &Header::JWT, &Fastapi { sub, scope, exp })
            }
        }
    }
}

/// Whether every scope of `requested` (normalised) is one of `granted`.
pub(crate) fn scope_holds(granted: &str, requested: &str) -> bool {
    requested
        .split(' ')
        .filter(|s| !s.is_empty())
        .all(|s| granted.split(' ').any(|g| g == s))
}

/// `N` random bytes from the operating system in base64url without padding: token ids (16
/// bytes, 128 bits) and refresh tokens (32 bytes, 256 bits). Should the operating system fail
/// to give randomness, the process stops rather than issue a guessable token.
#[must_use]
pub fn random_id<const N: usize>() -> String {
    use base64ct::Encoding;
    let mut bytes = [0u8; N];
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    base64ct::Base64UrlUnpadded::encode_string(&bytes)
}

/// A salt for a rehash: from the operating system, or, should that fail, derived from the clock
/// and a process counter (a salt must be unique, not secret).
fn fresh_salt(now: UnixTime) -> [u8; tessera_core::password::SALT_LEN] {
    let mut salt = [0u8; tessera_core::password::SALT_LEN];
    if getrandom::fill(&mut salt).is_ok() {
        return salt;
    }
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) as u64;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    salt[..8].copy_from_slice(&now.0.to_le_bytes());
    salt[8..12].copy_from_slice(&nanos.to_le_bytes());
    salt[12..].copy_from_slice(&(n as u32).to_le_bytes());
    salt
}
