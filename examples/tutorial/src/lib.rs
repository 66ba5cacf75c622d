//! What the Rocket and Warp ports of the FastAPI security tutorial share, so that both answer
//! byte-identically: the fixed users, the command-line options and environment, the routes
//! with the scopes each requires, and the answer for requests that match no route.
//!
//! Everything that decides about tokens, passwords and errors lives in `tessera-core`; this
//! crate only holds the tutorial's data and wiring.

use std::collections::HashMap;
use std::fmt;
use std::sync::RwLock;

use serde::Serialize;
use tessera_core::http::{Answer, Failure, Response, Style};
use tessera_core::service::{
    Account, Config, DEFAULT_NICENESS, HashGate, MemoryThrottle, Service, UserStore,
};
use tessera_core::{Hs256Key, KeyError};
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
}

impl Account for User {
    fn password_hash(&self) -> &str {
        &self.hashed_password
    }

    fn is_active(&self) -> bool {
        !self.disabled
    }
}

impl User {
    /// The public JSON of the user (never the hash).
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The tutorial's fake database: johndoe (active) and alice (disabled), stored only as
/// argon2id hashes (OWASP parameters).
#[derive(Debug)]
pub struct Users {
    users: RwLock<HashMap<String, User>>,
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
        }
    }
}

impl UserStore for Users {
    type User = User;

    async fn find(&self, username: &str) -> Option<User> {
        self.users
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(username)
            .cloned()
    }

    async fn update_hash(&self, username: &str, phc: String) {
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
}

impl Route {
    /// Every route, in documentation order.
    pub const ALL: [Self; 5] = [
        Self::Token,
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
        }
    }

    /// The one method the route answers.
    #[must_use]
    pub const fn method(self) -> &'static str {
        match self {
            Self::Token => "POST",
            _ => "GET",
        }
    }

    /// Whether the route exists in `variant`.
    #[must_use]
    pub const fn exists_in(self, variant: Variant) -> bool {
        !matches!((self, variant), (Self::Status, Variant::Jwt))
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

/// Whether `method` is one the tutorial's routing knows: the methods of RFC 9110 §9 and PATCH,
/// except CONNECT (whose target is an authority, not a path). Other requests get a 400 from
/// both apps, before any routing.
#[must_use]
pub fn is_routable_method(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "OPTIONS" | "TRACE" | "PATCH"
    )
}

/// The answer to a request whose method is not routable (see [`is_routable_method`]).
#[must_use]
pub fn unroutable(style: Style) -> Response {
    Failure::Status(400).answer(style, &[]).to_response()
}

/// The answer to a request that no route took: a 307 to the path with its trailing slash
/// when that is a route (before any auth check, as Starlette does), 405 with `Allow` when the
/// path exists with another method, 404 otherwise. `query` is kept on redirects.
#[must_use]
pub fn fallback(
    variant: Variant,
    style: Style,
    method: &str,
    path: &str,
    query: Option<&str>,
) -> Response {
    let routes = Route::ALL.into_iter().filter(|r| r.exists_in(variant));
    for r in routes {
        if r.path() == path {
            if r.method() == method || (method == "HEAD" && r.method() == "GET") {
                break; // should have been routed; fall through to 404
            }
            return Failure::MethodNotAllowed(r.method())
                .answer(style, &[])
                .to_response();
        }
        if r.path().strip_suffix('/') == Some(path) {
            let location = match query {
                Some(q) if !q.is_empty() => format!("{}?{q}", r.path()),
                _ => r.path().to_string(),
            };
            return Answer::redirect(&location).to_response();
        }
    }
    Failure::NotFound.answer(style, &[]).to_response()
}

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
}

impl Default for Options {
    fn default() -> Self {
        Self {
            variant: Variant::Jwt,
            style: Style::Rfc,
            address: "127.0.0.1".into(),
            port: 8000,
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
    "options: --variant jwt|scopes  --style rfc|fastapi  --address ADDR  --port PORT
environment: SECRET_KEY (its UTF-8 bytes are the HS256 key; at least 32 bytes; unset: a random key)
             ACCESS_TOKEN_EXPIRE_MINUTES (default 30)
             LOGIN_FAILURE_LIMIT (failed logins per username within 60 s before 429; default 5)
             HASH_NICENESS (priority of the password-hashing threads, 0 to 19; default 19)";

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

/// The number of failed logins one username may make within 60 seconds before `/token`
/// answers 429, from `LOGIN_FAILURE_LIMIT` (default 5, the tutorial's policy). A higher limit
/// lets a benchmark send many wrong passwords for the same user.
///
/// # Errors
/// A message when the value is not a whole number of at least 1.
pub fn login_failure_limit_from_env() -> Result<u32, SetupError> {
    parse_login_failure_limit(std::env::var("LOGIN_FAILURE_LIMIT").ok().as_deref())
}

fn parse_login_failure_limit(value: Option<&str>) -> Result<u32, SetupError> {
    match value {
        None => Ok(5),
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(SetupError(format!(
                "LOGIN_FAILURE_LIMIT must be a whole number from 1 to {}, not {v:?}",
                u32::MAX
            ))),
        },
    }
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

/// The core service configured as the tutorial variant and style ask, with the tutorial's
/// login throttle (5 failures per username within 60 s).
#[must_use]
pub fn service(key: Hs256Key, options: &Options, lifetime_secs: u64) -> Service {
    let config = Config {
        style: options.style,
        token_lifetime_secs: lifetime_secs,
        scope_claim: options.variant == Variant::Scopes,
        fastapi_login_challenge: options.variant == Variant::Jwt,
        ..Config::default()
    };
    Service::new(key, config)
}

/// What a tutorial binary needs before it serves: the options parsed from `args` (without the
/// program name) and the service built from the environment (`SECRET_KEY`,
/// `ACCESS_TOKEN_EXPIRE_MINUTES`, `LOGIN_FAILURE_LIMIT`, `HASH_NICENESS`), plus a warning to print when the key
/// is random.
///
/// # Errors
/// The first bad argument or environment variable, with a message for the user.
pub fn setup<I: IntoIterator<Item = String>>(
    args: I,
) -> Result<(Options, Service, Option<&'static str>), SetupError> {
    let options = Options::parse(args)?;
    let (key, warning) = key_from_env()?;
    let lifetime = lifetime_from_env()?;
    let limit = login_failure_limit_from_env()?;
    let niceness = hash_niceness_from_env()?;
    let service = service(key, &options, lifetime)
        .with_throttle(MemoryThrottle::new(limit, 60))
        .with_gate(HashGate::per_core_with_niceness(niceness));
    Ok((options, service, warning))
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

    #[test]
    fn fallback_answers() {
        let r = fallback(Variant::Jwt, Style::Rfc, "GET", "/users/me", Some("a=1"));
        assert_eq!(
            (r.status, r.header("location")),
            (307, Some("/users/me/?a=1"))
        );
        let r = fallback(Variant::Jwt, Style::Rfc, "GET", "/token", None);
        assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
        assert_eq!(
            fallback(Variant::Jwt, Style::Rfc, "GET", "/status/", None).status,
            404
        );
        assert_eq!(
            fallback(Variant::Scopes, Style::Rfc, "POST", "/status/", None).status,
            405
        );
        assert_eq!(
            fallback(Variant::Jwt, Style::Rfc, "GET", "/nope", None).body,
            r#"{"detail":"Not Found"}"#
        );
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
    fn login_failure_limit() {
        assert_eq!(parse_login_failure_limit(None), Ok(5));
        assert_eq!(parse_login_failure_limit(Some("1")), Ok(1));
        assert_eq!(parse_login_failure_limit(Some(" 1000000 ")), Ok(1_000_000));
        assert_eq!(parse_login_failure_limit(Some("4294967295")), Ok(u32::MAX));
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
