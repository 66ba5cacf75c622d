//! What the Rocket and Warp ports of the FastAPI security tutorial share, so that both answer
//! byte-identically: the fixed users, the command-line options and environment, the routes
//! with the scopes each requires, and the answer for requests that match no route.
//!
//! Everything that decides about tokens, passwords and errors lives in `tessera-core`; this
//! crate only holds the tutorial's data and wiring.

use std::collections::HashMap;
use std::fmt;
use std::sync::RwLock;
use std::time::Duration;

use serde::Serialize;
use tessera_core::http::{Answer, Failure, Response, Style};
use tessera_core::{Hs256Key, KeyError, KeyRing};
use tessera_service::postgres::{NewUser, PgRefreshTokens, PgUsers};
use tessera_service::redis::{RedisRefreshTokens, RedisRevocations};
use tessera_service::refresh::{Family, RefreshTokens, Rotation, TokenHash};
use tessera_service::throttle::{Limit, LoginLimits, RedisThrottle, StoreFuture, Unavailable};
use tessera_service::{Account, Config, DEFAULT_NICENESS, HashGate, Service, UserStore};
pub mod openapi;

/// Which chapter of the tutorial the app ports.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Variant {
    /// "OAuth2 with Password (and hashing), Bearer with JWT tokens".
    #[default]
    Jwt,
    /// "OAuth2 scopes".
    Scopes,
}

impl Variant {
    /// `jwt` or `scopes`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Jwt => "jwt",
            Self::Scopes => "scopes",
        }
    }
}

/// The scopes of the scopes variant, with their descriptions.
pub const SCOPES: [(&str, &str); 2] = [
    ("me", "Read information about the current user."),
    ("items", "Read items."),
];

/// A user of the tutorial app.
#[derive(Clone, Debug, Serialize)]
pub struct User {
    /// Login name, and the tokens' `sub`.
    pub username: String,
    /// E-mail address.
    pub email: String,
    /// Display name.
    pub full_name: String,
    /// Disabled users may log in but are refused on routes that need an active user.
    pub disabled: bool,
    #[serde(skip)]
    hashed_password: String,
    /// Tokens issued before this time are refused (users in PostgreSQL only).
    #[serde(skip)]
    tokens_valid_from: Option<i64>,
}

impl Account for User {
    fn password_hash(&self) -> &str {
        &self.hashed_password
    }

    fn is_active(&self) -> bool {
        !self.disabled
    }

    fn tokens_valid_from(&self) -> Option<i64> {
        self.tokens_valid_from
    }
}

impl User {
    /// The public JSON of the user (never the hash).
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The tutorial's users: johndoe (active) and alice (disabled), stored only as argon2id hashes
/// (OWASP parameters). In this process's memory by default ([`Users::default`]); in PostgreSQL
/// with a database URL ([`Users::for_options`]), shared by every instance given the same
/// database.
pub struct Users {
    users: RwLock<HashMap<String, User>>,
    database: Option<Database>,
}

/// Where the users live when they are in PostgreSQL. The pool is made at the first lookup (the
/// table is created and seeded with the two tutorial users if empty), and made again at a later
/// lookup if that failed; meanwhile lookups find nobody.
struct Database {
    url: String,
    schema: Option<String>,
    pool: tokio::sync::OnceCell<PgUsers>,
}

impl fmt::Debug for Users {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the database URL: it may hold a password.
        f.debug_struct("Users")
            .field("postgres", &self.database.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for Users {
    fn default() -> Self {
        let user =
            |username: &str, email: &str, full_name: &str, disabled: bool, hash: &str| User {
                username: username.into(),
                email: email.into(),
                full_name: full_name.into(),
                disabled,
                hashed_password: hash.into(),
                tokens_valid_from: None,
            };
        let list = [
            user(
                "johndoe",
                "johndoe@example.com",
                "John Doe",
                false,
                "$argon2id$v=19$m=19456,t=2,p=1$hdpvkuzIulVq9WzNS2YiVw$od0/qBf8GvOZEqz98Tm9OZu9Lwxv5YFrUd0KWLGOH54",
            ),
            user(
                "alice",
                "alice@example.com",
                "Alice Wonderson",
                true,
                "$argon2id$v=19$m=19456,t=2,p=1$X6Az2RswN/radLF35foWhA$dIO9OHMPgZujGug7hboEJA6MZOVz7ccvvVm9DVjyMzk",
            ),
        ];
        Self {
            users: RwLock::new(list.into_iter().map(|u| (u.username.clone(), u)).collect()),
            database: None,
        }
    }
}

impl Users {
    /// The users the options ask for: in PostgreSQL when `options.database_url` is set (in the
    /// schema `options.database_schema`, when given), else in memory.
    #[must_use]
    pub fn for_options(options: &Options) -> Self {
        let database = options.database_url.as_ref().map(|url| Database {
            url: url.clone(),
            schema: options.database_schema.clone(),
            pool: tokio::sync::OnceCell::new(),
        });
        Self {
            database,
            ..Self::default()
        }
    }

    async fn postgres<'a>(&self, db: &'a Database) -> Option<&'a PgUsers> {
        let seed: Vec<NewUser> = self
            .users
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .map(|u| NewUser {
                username: u.username.clone(),
                email: Some(u.email.clone()),
                full_name: Some(u.full_name.clone()),
                disabled: u.disabled,
                password_hash: u.hashed_password.clone(),
            })
            .collect();
        let made = db
            .pool
            .get_or_try_init(|| async {
                let pg = PgUsers::connect(&db.url, db.schema.as_deref()).await?;
                pg.seed_if_empty(&seed).await?;
                Ok::<_, tessera_service::postgres::PgError>(pg)
            })
            .await;
        match made {
            Ok(pg) => Some(pg),
            Err(e) => {
                eprintln!("users: {e}");
                None
            }
        }
    }
}

impl UserStore for Users {
    type User = User;

    async fn find(&self, username: &str) -> Option<User> {
        if let Some(db) = &self.database {
            let found = self.postgres(db).await?.find(username).await?;
            return Some(User {
                username: found.username,
                email: found.email.unwrap_or_default(),
                full_name: found.full_name.unwrap_or_default(),
                disabled: found.disabled,
                hashed_password: found.password_hash,
                tokens_valid_from: found.tokens_valid_from,
            });
        }
        self.users
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(username)
            .cloned()
    }

    async fn update_hash(&self, username: &str, phc: String) {
        if let Some(db) = &self.database {
            if let Some(pg) = self.postgres(db).await {
                pg.update_hash(username, phc).await;
            }
            return;
        }
        if let Some(u) = self
            .users
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get_mut(username)
        {
            u.hashed_password = phc;
        }
    }
}

/// `GET /users/me/` in the scopes variant: the scopes of [`Route::scopes`], the one
/// declaration the OpenAPI document uses too.
#[derive(Copy, Clone, Debug)]
pub struct MeScope;

impl tessera_service::Scopes for MeScope {
    const SCOPES: &'static [&'static str] = Route::Me.scopes(Variant::Scopes);
}

/// `GET /users/me/items/` in the scopes variant: its own scope, then that of the user it
/// builds on (from [`Route::scopes`]).
#[derive(Copy, Clone, Debug)]
pub struct MyItemsScopes;

impl tessera_service::Scopes for MyItemsScopes {
    const SCOPES: &'static [&'static str] = Route::MyItems.scopes(Variant::Scopes);
}

/// A route of the tutorial app.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST /token`
    Token,
    /// `GET /items/`: the raw bearer token, no verification.
    Items,
    /// `GET /users/me/`
    Me,
    /// `GET /users/me/items/`
    MyItems,
    /// `GET /status/` (scopes variant only)
    Status,
    /// `POST /revoke` (RFC 7009; rfc style only: FastAPI's tutorial has no such route)
    Revoke,
}

impl Route {
    /// Every route, in documentation order.
    pub const ALL: [Self; 6] = [
        Self::Token,
        Self::Revoke,
        Self::Items,
        Self::Me,
        Self::MyItems,
        Self::Status,
    ];

    /// The canonical path.
    #[must_use]
    pub const fn path(self) -> &'static str {
        match self {
            Self::Token => "/token",
            Self::Items => "/items/",
            Self::Me => "/users/me/",
            Self::MyItems => "/users/me/items/",
            Self::Status => "/status/",
            Self::Revoke => "/revoke",
        }
    }

    /// The one method the route answers.
    #[must_use]
    pub const fn method(self) -> &'static str {
        match self {
            Self::Token | Self::Revoke => "POST",
            _ => "GET",
        }
    }

    /// Whether the route exists in `variant` and `style`.
    #[must_use]
    pub const fn exists_in(self, variant: Variant, style: Style) -> bool {
        match self {
            Self::Status => matches!(variant, Variant::Scopes),
            Self::Revoke => matches!(style, Style::Rfc),
            _ => true,
        }
    }

    /// The scopes the route requires, in challenge order (its own, then its dependencies').
    #[must_use]
    pub const fn scopes(self, variant: Variant) -> &'static [&'static str] {
        match (variant, self) {
            (Variant::Scopes, Self::Me) => &["me"],
            (Variant::Scopes, Self::MyItems) => &["items", "me"],
            _ => &[],
        }
    }
}

/// The paths the apps serve besides the tutorial's routes: the OpenAPI document and the
/// Swagger UI page (each answers `GET`, and `HEAD` as `GET` in both styles, as FastAPI's own
/// documentation routes do).
pub const DOC_PATHS: [&str; 2] = ["/openapi.json", "/docs"];

/// The security headers both apps send on every answer.
pub const SECURITY_HEADERS: [(&str, &str); 2] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
];

/// Whether `route` answers `HEAD` as `GET` in `style`: RFC 9110 asks it of every `GET` route
/// (rfc style); FastAPI's `APIRoute` answers `HEAD` with 405 (fastapi style).
#[must_use]
pub const fn route_takes_head(style: Style) -> bool {
    matches!(style, Style::Rfc)
}

/// The answer to `CONNECT`: 400. It asks for a tunnel to an authority, not for a path, and
/// neither app routes it (Rocket refuses its target before routing, Warp's path filters
/// cannot read one).
#[must_use]
pub fn connect(style: Style) -> Response {
    Failure::Status(400).answer(style, &[]).to_response()
}

/// A request that no route took, as the fallback sees it.
#[derive(Copy, Clone, Debug, Default)]
pub struct Unmatched<'a> {
    /// The request line's method; empty when the server could not represent it (Rocket
    /// refuses methods outside RFC 9110 before routing).
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The query, without `?`.
    pub query: Option<&'a str>,
    /// The `Host` header, for the absolute `Location` of the fastapi style.
    pub host: Option<&'a str>,
    /// The server's own address, used when there is no `Host` header.
    pub local: Option<std::net::SocketAddr>,
}

/// The methods a path allows, when it is one of the app's paths in `variant`.
fn allowed(variant: Variant, style: Style, path: &str) -> Option<&'static str> {
    if let Some(r) = Route::ALL
        .into_iter()
        .find(|r| r.exists_in(variant, style) && r.path() == path)
    {
        return Some(r.method());
    }
    DOC_PATHS.contains(&path).then_some(match style {
        Style::Rfc => "GET",
        Style::FastApi => "GET, HEAD",
    })
}

/// The answer to a request that no route took, as Starlette (behind FastAPI) gives it:
/// * the path is one of the app's: 405 with `Allow` (any other method, including methods
///   outside RFC 9110, and `HEAD` on a tutorial route in the fastapi style);
/// * the path with its trailing slashes removed, or with one added, is one of the app's: 307
///   to it, whatever the method, before any authentication; the query is kept. `Location` is
///   the path in the rfc style and an absolute URL built from `Host` in the fastapi style;
/// * otherwise 404.
#[must_use]
pub fn fallback(variant: Variant, style: Style, req: &Unmatched<'_>) -> Response {
    if let Some(allow) = allowed(variant, style, req.path) {
        return Failure::MethodNotAllowed(allow)
            .answer(style, &[])
            .to_response();
    }
    let target = if req.path.ends_with('/') {
        req.path.trim_end_matches('/').to_owned()
    } else {
        format!("{}/", req.path)
    };
    if req.path != "/" && allowed(variant, style, &target).is_some() {
        let mut location = match (style, req.host, req.local) {
            (Style::Rfc, _, _) => String::new(),
            (Style::FastApi, Some(host), _) => format!("http://{host}"),
            (Style::FastApi, None, Some(local)) if local.port() == 80 => {
                format!("http://{}", local.ip())
            }
            (Style::FastApi, None, Some(local)) => format!("http://{local}"),
            (Style::FastApi, None, None) => String::new(),
        };
        location.push_str(&target);
        if let Some(q) = req.query.filter(|q| !q.is_empty()) {
            location.push('?');
            location.push_str(q);
        }
        return Answer::redirect(&location).to_response();
    }
    Failure::NotFound.answer(style, &[]).to_response()
}

/// The default of both connection timeouts: 10 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How the app was asked to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// `--variant jwt|scopes` (default jwt).
    pub variant: Variant,
    /// `--style rfc|fastapi` (default rfc).
    pub style: Style,
    /// `--address` (default 127.0.0.1).
    pub address: String,
    /// `--port` (default 8000).
    pub port: u16,
    /// How long a connection may take to send a request's headers before it is closed
    /// (`HEADER_TIMEOUT_SECS`, default 10).
    pub header_timeout: Duration,
    /// How long a `/token` request may take to send its body (`BODY_TIMEOUT_SECS`, default 10).
    pub body_timeout: Duration,
    /// `--redis-url` (or `REDIS_URL`): keep the login throttle in Redis, shared by every
    /// instance given the same URL. Unset: in this process's memory.
    pub redis_url: Option<String>,
    /// `--database-url` (or `DATABASE_URL`): keep the users in PostgreSQL, shared by every
    /// instance given the same database. Unset: the two tutorial users in memory.
    pub database_url: Option<String>,
    /// `DATABASE_SCHEMA`: the PostgreSQL schema of the users table (default: the database's
    /// search path, usually `public`).
    pub database_schema: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            variant: Variant::Jwt,
            style: Style::Rfc,
            address: "127.0.0.1".into(),
            port: 8000,
            header_timeout: DEFAULT_TIMEOUT,
            body_timeout: DEFAULT_TIMEOUT,
            redis_url: None,
            database_url: None,
            database_schema: None,
        }
    }
}

/// A bad command line or environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupError(pub String);

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

/// Usage text.
pub const USAGE: &str =
    "options: --variant jwt|scopes  --style rfc|fastapi  --address ADDR  --port PORT  --redis-url URL  --database-url URL
environment: SECRET_KEY (its UTF-8 bytes are the HS256 key; at least 32 bytes; unset: a random key)
             PREVIOUS_SECRET_KEYS (up to 3 earlier keys, space-separated, whose tokens still verify)
             ACCESS_TOKEN_EXPIRE_MINUTES (default 30)
             REFRESH_TOKEN_EXPIRE_DAYS (refresh-token lifetime, rfc style; default 14)
             TOKEN_REVOCATION (on|off: whether protected routes check revoked tokens; default on)
             REDIS_URL (as --redis-url: the login throttle, revoked tokens and, without DATABASE_URL,
                        refresh-token families in Redis, shared by a fleet; unset: in memory)
             REDIS_KEY_PREFIX (the Redis key prefix; default tessera:, then login:, revoked:, refresh:)
             DATABASE_URL (as --database-url: the users and refresh-token families in PostgreSQL,
                           shared by a fleet; unset: in memory)
             DATABASE_SCHEMA (the PostgreSQL schema of the users table; default: the search path)
             LOGIN_FAILURE_LIMIT (failed logins of one client on one username within 60 s before 429; default 5)
             LOGIN_CLIENT_FAILURE_LIMIT (failed logins of one client within 10 min; default 1000; 0: no limit)
             LOGIN_USERNAME_FAILURE_LIMIT (failed logins on one username from all clients within 1 h; default 100; 0: no limit)
             TRUSTED_PROXY_HOPS (reverse proxies whose X-Forwarded-For entries are trusted; default 0)
             HASH_NICENESS (priority of the password-hashing threads, 0 to 19; default 19)
             HEADER_TIMEOUT_SECS (seconds a client may take to send a request's headers; default 10)
             BODY_TIMEOUT_SECS (seconds a client may take to send a /token body; default 10)";

impl Options {
    /// Parses the command line (without the program name).
    ///
    /// # Errors
    /// A message naming the bad argument.
    pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Self, SetupError> {
        let mut o = Self::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (arg.clone(), None),
            };
            if name == "--help" || name == "-h" {
                return Err(SetupError(USAGE.into()));
            }
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| SetupError(format!("{name} needs a value\n{USAGE}")))
            };
            match name.as_str() {
                "--variant" => {
                    o.variant = match value()?.as_str() {
                        "jwt" => Variant::Jwt,
                        "scopes" => Variant::Scopes,
                        v => {
                            return Err(SetupError(format!(
                                "--variant must be jwt or scopes, not {v:?}"
                            )));
                        }
                    }
                }
                "--style" => {
                    let v = value()?;
                    o.style = Style::from_name(&v).ok_or_else(|| {
                        SetupError(format!("--style must be rfc or fastapi, not {v:?}"))
                    })?;
                }
                "--address" => o.address = value()?,
                "--redis-url" => o.redis_url = Some(value()?),
                "--database-url" => o.database_url = Some(value()?),
                "--port" => {
                    let v = value()?;
                    o.port = v.parse().map_err(|_| {
                        SetupError(format!(
                            "--port must be a number from 0 to 65535, not {v:?}"
                        ))
                    })?;
                }
                _ => return Err(SetupError(format!("unknown argument {arg:?}\n{USAGE}"))),
            }
        }
        Ok(o)
    }
}

/// The signing key from `SECRET_KEY`: its UTF-8 bytes, as FastAPI uses them. Unset gives a
/// random key and `warning` says so (tokens then die with the process).
///
/// # Errors
/// A message when `SECRET_KEY` is shorter than 32 bytes or not valid UTF-8.
pub fn key_from_env() -> Result<(Hs256Key, Option<&'static str>), SetupError> {
    match std::env::var("SECRET_KEY") {
        Ok(s) => Hs256Key::new(s.as_bytes()).map(|k| (k, None)).map_err(|e| match e {
            KeyError::Empty | KeyError::TooShort => SetupError(format!(
                "SECRET_KEY is {} bytes; it must be at least 32 (for example the output of `tessera secret` or `openssl rand -hex 32`)",
                s.len()
            )),
            other => SetupError(other.to_string()),
        }),
        Err(std::env::VarError::NotUnicode(_)) => Err(SetupError("SECRET_KEY is not valid UTF-8".into())),
        Err(std::env::VarError::NotPresent) => {
            let bytes = tessera_core::random_secret().map_err(|e| SetupError(e.to_string()))?;
            let key = Hs256Key::new(&bytes).map_err(|e| SetupError(e.to_string()))?;
            Ok((key, Some("SECRET_KEY is not set: using a random key; tokens will not survive a restart")))
        }
    }
}

/// The keys that still verify after a rotation, from `PREVIOUS_SECRET_KEYS`: at most three,
/// separated by spaces, each at least 32 bytes (its UTF-8 bytes are the key, as for
/// `SECRET_KEY`). Unset or blank: none.
///
/// # Errors
/// A message naming the key (by its place, never its value) that is too short, or more than
/// three keys.
pub fn previous_keys_from_env() -> Result<Vec<Hs256Key>, SetupError> {
    match std::env::var("PREVIOUS_SECRET_KEYS") {
        Err(std::env::VarError::NotPresent) => Ok(Vec::new()),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(SetupError("PREVIOUS_SECRET_KEYS is not valid UTF-8".into()))
        }
        Ok(list) => parse_previous_keys(&list),
    }
}

fn parse_previous_keys(list: &str) -> Result<Vec<Hs256Key>, SetupError> {
    let keys: Vec<&str> = list.split_whitespace().collect();
    if keys.len() > KeyRing::CAPACITY - 1 {
        return Err(SetupError(format!(
            "PREVIOUS_SECRET_KEYS holds {} keys; at most {} may still verify",
            keys.len(),
            KeyRing::CAPACITY - 1
        )));
    }
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            Hs256Key::new(k.as_bytes()).map_err(|_| {
                SetupError(format!(
                    "PREVIOUS_SECRET_KEYS: key {} is {} bytes; each must be at least 32",
                    i + 1,
                    k.len()
                ))
            })
        })
        .collect()
}

/// The token lifetime from `ACCESS_TOKEN_EXPIRE_MINUTES` (default 30), in seconds.
///
/// # Errors
/// A message when the value is not a whole number of minutes from 1 to 525600.
pub fn lifetime_from_env() -> Result<u64, SetupError> {
    match std::env::var("ACCESS_TOKEN_EXPIRE_MINUTES") {
        Err(_) => Ok(30 * 60),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(m) if (1..=525_600).contains(&m) => Ok(m * 60),
            _ => Err(SetupError(format!(
                "ACCESS_TOKEN_EXPIRE_MINUTES must be a whole number of minutes from 1 to 525600, not {v:?}"
            ))),
        },
    }
}

/// A whole number from the environment variable `name`, within `min..=max`, `default` when
/// unset.
///
/// # Errors
/// A message naming the variable and the range when the value is not such a number.
pub fn number_from_env(name: &str, min: u32, max: u32, default: u32) -> Result<u32, SetupError> {
    parse_number(name, std::env::var(name).ok().as_deref(), min, max, default)
}

fn parse_number(
    name: &str,
    value: Option<&str>,
    min: u32,
    max: u32,
    default: u32,
) -> Result<u32, SetupError> {
    match value {
        None => Ok(default),
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(SetupError(format!(
                "{name} must be a whole number from {min} to {max}, not {v:?}"
            ))),
        },
    }
}

/// The login limits from the environment: `LOGIN_FAILURE_LIMIT` (one client on one username
/// per 60 s, default 5, at least 1), `LOGIN_CLIENT_FAILURE_LIMIT` (one client per 10 minutes,
/// default 1000) and `LOGIN_USERNAME_FAILURE_LIMIT` (one username from all clients per hour,
/// default 100); 0 turns the last two off. Raising them lets a benchmark send many wrong
/// passwords.
///
/// # Errors
/// A message naming the first bad variable.
pub fn login_limits_from_env() -> Result<LoginLimits, SetupError> {
    let d = LoginLimits::default();
    let limit = |name, min, l: Limit| {
        number_from_env(name, min, u32::MAX, l.max).map(|max| Limit::new(max, l.window_secs))
    };
    Ok(LoginLimits {
        pair: limit("LOGIN_FAILURE_LIMIT", 1, d.pair)?,
        client: limit("LOGIN_CLIENT_FAILURE_LIMIT", 0, d.client)?,
        username: limit("LOGIN_USERNAME_FAILURE_LIMIT", 0, d.username)?,
    })
}

/// The niceness of the password-hashing threads, from `HASH_NICENESS` (0, normal priority, to
/// 19, the lowest; default [`DEFAULT_NICENESS`]).
///
/// # Errors
/// A message when the value is not a whole number from 0 to 19.
pub fn hash_niceness_from_env() -> Result<i32, SetupError> {
    parse_hash_niceness(std::env::var("HASH_NICENESS").ok().as_deref())
}

fn parse_hash_niceness(value: Option<&str>) -> Result<i32, SetupError> {
    match value {
        None => Ok(DEFAULT_NICENESS),
        Some(v) => match v.trim().parse::<i32>() {
            Ok(n) if (0..=19).contains(&n) => Ok(n),
            _ => Err(SetupError(format!(
                "HASH_NICENESS must be a whole number from 0 to 19, not {v:?}"
            ))),
        },
    }
}

/// A connection timeout from the environment variable `name`, in whole seconds from 1 to 3600
/// (default [`DEFAULT_TIMEOUT`]).
///
/// # Errors
/// A message naming the variable when the value is not such a number.
pub fn timeout_from_env(name: &str) -> Result<Duration, SetupError> {
    parse_timeout(name, std::env::var(name).ok().as_deref())
}

fn parse_timeout(name: &str, value: Option<&str>) -> Result<Duration, SetupError> {
    match value {
        None => Ok(DEFAULT_TIMEOUT),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if (1..=3600).contains(&n) => Ok(Duration::from_secs(n)),
            _ => Err(SetupError(format!(
                "{name} must be a whole number of seconds from 1 to 3600, not {v:?}"
            ))),
        },
    }
}

/// The core service configured as the tutorial variant and style ask, with the default login
/// limits ([`LoginLimits`]) and the in-memory throttle.
#[must_use]
pub fn service(key: Hs256Key, options: &Options, lifetime_secs: u64) -> Service {
    Service::new(key, service_config(options, lifetime_secs))
}

fn service_config(options: &Options, lifetime_secs: u64) -> Config {
    Config {
        style: options.style,
        token_lifetime_secs: lifetime_secs,
        scope_claim: options.variant == Variant::Scopes,
        fastapi_login_challenge: options.variant == Variant::Jwt,
        ..Config::default()
    }
}

/// What a tutorial binary needs before it serves: the options parsed from `args` (without the
/// program name) and the service built from the environment (see [`USAGE`]), plus a warning
/// to print when the key is random. With a Redis URL the throttle is [`RedisThrottle`]; the
/// connection is made on the first login, and while Redis cannot be reached logins answer
/// 503.
///
/// # Errors
/// The first bad argument or environment variable, with a message for the user.
pub fn setup<I: IntoIterator<Item = String>>(
    args: I,
) -> Result<(Options, Service, Option<&'static str>), SetupError> {
    let mut options = Options::parse(args)?;
    options.header_timeout = timeout_from_env("HEADER_TIMEOUT_SECS")?;
    options.body_timeout = timeout_from_env("BODY_TIMEOUT_SECS")?;
    let (key, warning) = key_from_env()?;
    let lifetime = lifetime_from_env()?;
    let niceness = hash_niceness_from_env()?;
    if options.redis_url.is_none() {
        options.redis_url = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty());
    }
    if options.database_url.is_none() {
        options.database_url = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty());
    }
    options.database_schema = std::env::var("DATABASE_SCHEMA")
        .ok()
        .filter(|s| !s.is_empty());
    let config = Config {
        limits: login_limits_from_env()?,
        trusted_proxy_hops: number_from_env("TRUSTED_PROXY_HOPS", 0, 16, 0)? as usize,
        refresh_token_lifetime_secs: u64::from(number_from_env(
            "REFRESH_TOKEN_EXPIRE_DAYS",
            1,
            3650,
            14,
        )?) * 86_400,
        revocation_check: revocation_from_env()?,
        ..service_config(&options, lifetime)
    };
    let mut ring = KeyRing::new(key);
    for old in previous_keys_from_env()? {
        ring.push_previous(old).map_err(|_| {
            SetupError("PREVIOUS_SECRET_KEYS repeats a key, or the current SECRET_KEY".into())
        })?;
    }
    let mut service =
        Service::with_keys(ring, config).with_gate(HashGate::per_core_with_niceness(niceness));
    if let Some(url) = &options.redis_url {
        let prefix = std::env::var("REDIS_KEY_PREFIX").unwrap_or_else(|_| "tessera:".into());
        let refused = |e: tessera_service::throttle::RedisUrlError| {
            SetupError(format!("--redis-url / REDIS_URL: {e}"))
        };
        let throttle = RedisThrottle::new(url).map_err(refused)?;
        let revocations = RedisRevocations::new(url).map_err(refused)?;
        service = service
            .with_throttle(throttle.with_prefix(format!("{prefix}login:")))
            .with_revocations(revocations.with_prefix(format!("{prefix}revoked:")));
        if options.database_url.is_none() {
            let families = RedisRefreshTokens::new(url).map_err(refused)?;
            service =
                service.with_refresh_tokens(families.with_prefix(format!("{prefix}refresh:")));
        }
    }
    if let Some(url) = &options.database_url {
        service = service.with_refresh_tokens(PgFamilies {
            url: url.clone(),
            schema: options.database_schema.clone(),
            store: tokio::sync::OnceCell::new(),
        });
    }
    Ok((options, service, warning))
}

/// `TOKEN_REVOCATION`: `on` (the default) or `off` (for measuring the check's cost).
fn revocation_from_env() -> Result<bool, SetupError> {
    match std::env::var("TOKEN_REVOCATION").as_deref() {
        Err(_) | Ok("on") => Ok(true),
        Ok("off") => Ok(false),
        Ok(v) => Err(SetupError(format!(
            "TOKEN_REVOCATION must be on or off, not {v:?}"
        ))),
    }
}

/// Refresh-token families in PostgreSQL ([`PgRefreshTokens`]), beside the users: connected at
/// the first call (the migrations then run), and again at a later call if that failed;
/// meanwhile every call is [`Unavailable`].
struct PgFamilies {
    url: String,
    schema: Option<String>,
    store: tokio::sync::OnceCell<PgRefreshTokens>,
}

impl PgFamilies {
    async fn store(&self) -> Result<&PgRefreshTokens, Unavailable> {
        self.store
            .get_or_try_init(|| async {
                let users = PgUsers::connect(&self.url, self.schema.as_deref()).await;
                users.map(|users| users.refresh_tokens()).map_err(|e| {
                    eprintln!("refresh tokens: {e}");
                    Unavailable
                })
            })
            .await
    }
}

impl RefreshTokens for PgFamilies {
    fn start<'a>(
        &'a self,
        family: &'a Family,
        token: TokenHash,
        expires: tessera_core::UnixTime,
        now: tessera_core::UnixTime,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.store().await?.start(family, token, expires, now).await })
    }

    fn rotate<'a>(
        &'a self,
        old: TokenHash,
        new: TokenHash,
        expires: tessera_core::UnixTime,
        now: tessera_core::UnixTime,
    ) -> StoreFuture<'a, Rotation> {
        Box::pin(async move { self.store().await?.rotate(old, new, expires, now).await })
    }

    fn revoke<'a>(
        &'a self,
        token: TokenHash,
        now: tessera_core::UnixTime,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move { self.store().await?.revoke(token, now).await })
    }

    fn family<'a>(
        &'a self,
        token: TokenHash,
        now: tessera_core::UnixTime,
    ) -> StoreFuture<'a, Option<Family>> {
        Box::pin(async move { self.store().await?.family(token, now).await })
    }
}

/// What every tutorial binary does first: starts the event log, parses the command line and
/// the environment ([`setup`]), prints a warning for a random key. A bad argument or variable
/// is printed, and is the exit code (2) to end with.
///
/// # Errors
/// The exit code after the message was printed.
pub fn start() -> Result<(Options, Service), std::process::ExitCode> {
    init_logging();
    match setup(std::env::args().skip(1)) {
        Ok((options, service, warning)) => {
            if let Some(warning) = warning {
                eprintln!("warning: {warning}");
            }
            Ok((options, service))
        }
        Err(e) => {
            eprintln!("{e}");
            Err(std::process::ExitCode::from(2))
        }
    }
}

/// The listening socket of the Warp and axum binaries, printed as `listening on http://…`.
///
/// # Errors
/// The exit code (1) after the message was printed, when the address cannot be bound.
pub async fn listen(options: &Options) -> Result<tokio::net::TcpListener, std::process::ExitCode> {
    let bound = tokio::net::TcpListener::bind((options.address.as_str(), options.port)).await;
    let listener = bound.map_err(|e| {
        eprintln!("cannot listen on {}:{}: {e}", options.address, options.port);
        std::process::ExitCode::from(1)
    })?;
    match listener.local_addr() {
        Ok(addr) => println!("listening on http://{addr}"),
        Err(_) => println!("listening on http://{}:{}", options.address, options.port),
    }
    Ok(listener)
}

/// Prints Tessera's events (each refusal and login, with its reason code and the username,
/// never a token, a password or a query string) on standard error, filtered by `RUST_LOG`
/// (default `tessera=info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("tessera=info"));
    // A second call (tests that run several apps in one process) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// `GET /users/me/items/`: the items of `owner`.
#[must_use]
pub fn my_items_json(owner: &str) -> String {
    serde_json::json!([{ "item_id": "Foo", "owner": owner }]).to_string()
}

/// `GET /items/`: the bearer token as the extraction yields it.
#[must_use]
pub fn items_json(token: &str) -> String {
    serde_json::json!({ "token": token }).to_string()
}

/// `GET /status/`.
pub const STATUS_JSON: &str = r#"{"status":"ok"}"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(variant: Variant, style: Style, method: &str, path: &str) -> Response {
        fallback(
            variant,
            style,
            &Unmatched {
                method,
                path,
                query: Some("a=1"),
                host: Some("example.test:8000"),
                local: None,
            },
        )
    }

    #[test]
    fn fallback_answers() {
        let r = answer(Variant::Jwt, Style::Rfc, "GET", "/users/me");
        assert_eq!(
            (r.status, r.header("location")),
            (307, Some("/users/me/?a=1"))
        );
        let r = answer(Variant::Jwt, Style::FastApi, "POST", "/token/");
        assert_eq!(
            (r.status, r.header("location")),
            (307, Some("http://example.test:8000/token?a=1"))
        );
        let r = answer(Variant::Jwt, Style::FastApi, "GET", "/docs//");
        assert_eq!(
            (r.status, r.header("location")),
            (307, Some("http://example.test:8000/docs?a=1"))
        );
        let r = answer(Variant::Jwt, Style::Rfc, "GET", "/openapi.json/");
        assert_eq!(
            (r.status, r.header("location")),
            (307, Some("/openapi.json?a=1"))
        );
        let r = answer(Variant::Jwt, Style::Rfc, "GET", "/token");
        assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
        let r = answer(Variant::Jwt, Style::FastApi, "HEAD", "/users/me/");
        assert_eq!((r.status, r.header("allow")), (405, Some("GET")));
        let r = answer(Variant::Jwt, Style::Rfc, "", "/users/me/");
        assert_eq!((r.status, r.header("allow")), (405, Some("GET")));
        assert_eq!(
            answer(Variant::Jwt, Style::Rfc, "GET", "/status/").status,
            404
        );
        assert_eq!(
            answer(Variant::Jwt, Style::Rfc, "GET", "/users/me//").status,
            404
        );
        assert_eq!(
            answer(Variant::Scopes, Style::Rfc, "POST", "/status/").status,
            405
        );
        assert_eq!(
            answer(Variant::Jwt, Style::Rfc, "GET", "/nope").body,
            r#"{"detail":"Not Found"}"#
        );
        assert_eq!(answer(Variant::Jwt, Style::FastApi, "GET", "/").status, 404);
    }

    #[test]
    fn fastapi_location_without_host_uses_the_server_address() {
        let req = |port| Unmatched {
            method: "GET",
            path: "/users/me",
            local: Some(std::net::SocketAddr::from(([127, 0, 0, 1], port))),
            ..Unmatched::default()
        };
        let r = fallback(Variant::Jwt, Style::FastApi, &req(8000));
        assert_eq!(
            r.header("location"),
            Some("http://127.0.0.1:8000/users/me/")
        );
        let r = fallback(Variant::Jwt, Style::FastApi, &req(80));
        assert_eq!(r.header("location"), Some("http://127.0.0.1/users/me/"));
    }

    #[test]
    fn options() {
        let o = Options::parse(
            ["--variant", "scopes", "--style=fastapi", "--port", "9"].map(String::from),
        )
        .unwrap();
        assert_eq!(
            (o.variant, o.style, o.port),
            (Variant::Scopes, Style::FastApi, 9)
        );
        assert!(Options::parse(["--port", "x"].map(String::from)).is_err());
        assert!(Options::parse(["--bogus"].map(String::from)).is_err());
        let r = Options::parse(["--redis-url", "redis://127.0.0.1:1/"].map(String::from)).unwrap();
        assert_eq!(r.redis_url.as_deref(), Some("redis://127.0.0.1:1/"));
    }

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout("T", None), Ok(DEFAULT_TIMEOUT));
        assert_eq!(parse_timeout("T", Some(" 1 ")), Ok(Duration::from_secs(1)));
        for bad in ["0", "3601", "1.5", "", "soon"] {
            let e = parse_timeout("T", Some(bad)).unwrap_err();
            assert!(e.0.starts_with("T must be a whole number"), "{bad}: {e}");
        }
    }

    #[test]
    fn hash_niceness() {
        assert_eq!(parse_hash_niceness(None), Ok(DEFAULT_NICENESS));
        assert_eq!(parse_hash_niceness(Some("0")), Ok(0));
        assert_eq!(parse_hash_niceness(Some(" 19 ")), Ok(19));
        for bad in ["-1", "20", "low", ""] {
            let e = parse_hash_niceness(Some(bad)).unwrap_err();
            assert!(e.0.starts_with("HASH_NICENESS must be"), "{bad}: {e}");
        }
    }

    #[test]
    fn previous_keys() {
        assert!(parse_previous_keys("").unwrap().is_empty());
        let a = "a".repeat(32);
        let b = "b".repeat(40);
        let keys = parse_previous_keys(&format!(" {a}  {b} ")).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].kid(), Hs256Key::new(a.as_bytes()).unwrap().kid());
        let short = parse_previous_keys(&format!("{a} short-SECRET")).unwrap_err();
        assert_eq!(
            short.0,
            "PREVIOUS_SECRET_KEYS: key 2 is 12 bytes; each must be at least 32"
        );
        assert!(
            !short.0.contains("short-SECRET"),
            "the value is never echoed"
        );
        let four = [a.as_str(); 4].join(" ");
        assert!(
            parse_previous_keys(&four)
                .unwrap_err()
                .0
                .contains("at most 3")
        );
    }

    #[test]
    fn numbers() {
        let parse_login_failure_limit = |v| parse_number("LOGIN_FAILURE_LIMIT", v, 1, u32::MAX, 5);
        assert_eq!(parse_login_failure_limit(None), Ok(5));
        assert_eq!(parse_login_failure_limit(Some("1")), Ok(1));
        assert_eq!(parse_login_failure_limit(Some(" 1000000 ")), Ok(1_000_000));
        assert_eq!(parse_login_failure_limit(Some("4294967295")), Ok(u32::MAX));
        assert_eq!(parse_number("H", Some("0"), 0, 16, 3), Ok(0));
        assert!(parse_number("H", Some("17"), 0, 16, 3).is_err());
        for bad in ["", "0", "-1", "2.5", "1e6", "ten", "4294967296"] {
            let e = parse_login_failure_limit(Some(bad)).unwrap_err();
            assert!(
                e.0.starts_with("LOGIN_FAILURE_LIMIT must be a whole number"),
                "{bad}: {e}"
            );
            assert!(e.0.contains(&format!("{bad:?}")), "{bad}: {e}");
        }
    }
}
