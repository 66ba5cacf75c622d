//! [`PgUsers`]: a [`UserStore`] on PostgreSQL (feature `postgres`), through a small `sqlx`
//! pool.
//!
//! The users live in one table, `users`: `username` (text, primary key), `email` and
//! `full_name` (text, null), `disabled` (boolean, default false), `password_hash` (text, an
//! argon2 PHC string, never a password) and `tokens_valid_from` (bigint, null: Unix seconds
//! before which issued tokens are to be refused, kept for a later "log out everywhere").
//! [`PgUsers::connect`] creates it by running the crate's migrations (`migrations/`, embedded
//! in the binary) once per database or schema; connecting again, from any number of instances,
//! finds them applied and changes nothing.
//!
//! With a schema (`PgUsers::connect(url, Some("tessera"))`), everything lives in that schema:
//! it is created if missing, and every connection of the pool sets its `search_path` to it.
//! Without one, the tables go where the connection's `search_path` puts them (usually
//! `public`).
//!
//! The same database also keeps refresh-token families: [`PgUsers::refresh_tokens`] answers a
//! [`PgRefreshTokens`] on the pool, in the tables `refresh_families` and `refresh_tokens`
//! (hashes only, never a token; see [`PgRefreshTokens`]).
//!
//! This is the store the tutorial apps use when `DATABASE_URL` is set; they seed it with the
//! tutorial's two users ([`PgUsers::seed_if_empty`]).
//!
//! # Failures
//!
//! The admin calls ([`PgUsers::add`], [`PgUsers::set_disabled`], [`PgUsers::set_password`],
//! [`PgUsers::get`]) answer a [`PgError`], whose `Display` and `Debug` never hold the database
//! URL (nor its password) nor a user's password hash.
//!
//! [`UserStore::find`] cannot answer an error: a database failure there is logged (a `warn`
//! event, target `tessera`, without the URL) and answered as `None`. A protected route then
//! answers as for an unknown user (401), and a login as for bad credentials, rather than 503.
//! This is a deliberate, provisional choice: the login still costs a dummy argon2 verify, so
//! an outage neither lets anyone in nor reveals which usernames exist; the price is that an
//! outage looks like "bad credentials" to users (and counts against the login limits as a
//! failure), and shows only in the log. Likewise a failed [`UserStore::update_hash`] is
//! logged and the old, weaker hash kept.
//!
//! # Pool
//!
//! At most [`MAX_CONNECTIONS`] connections; a call that cannot get one within
//! [`ACQUIRE_TIMEOUT`] fails (an unavailable database does not hold requests for long).

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt;
use core::time::Duration;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Connection, Executor};
use tessera_core::UnixTime;

use crate::service::{Account, UserStore};

mod refresh;

pub use refresh::PgRefreshTokens;

/// The most connections a [`PgUsers`] pool opens.
pub const MAX_CONNECTIONS: u32 = 5;
/// How long a call waits for a pooled connection before it fails.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// The migrations, in order: (version, description, SQL). Applied ones are recorded in
/// `tessera_migrations` and never run again; add new ones at the end, never edit old ones.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "users", include_str!("../migrations/0001_users.sql")),
    (
        2,
        "refresh tokens",
        include_str!("../migrations/0002_refresh_tokens.sql"),
    ),
];

/// Serialises migrations (and schema creation) across every instance: a transaction-scoped
/// advisory lock on this key.
const MIGRATION_LOCK: i64 = 0x7465_7373_6572_6101; // "tessera" + 1

/// The columns of a user, in [`PgUser`]'s order.
const COLUMNS: &str = "username, email, full_name, disabled, password_hash, tokens_valid_from";

type Row = (
    String,
    Option<String>,
    Option<String>,
    bool,
    String,
    Option<i64>,
);

/// A user as stored in the `users` table.
#[derive(Clone, PartialEq, Eq)]
pub struct PgUser {
    /// Login name, and the tokens' `sub`.
    pub username: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Display name.
    pub full_name: Option<String>,
    /// Disabled users may log in but are refused on routes that need an active user.
    pub disabled: bool,
    /// The argon2 PHC string (never printed by `Debug`).
    pub password_hash: String,
    /// Unix seconds before which this user's tokens are to be refused, if set.
    pub tokens_valid_from: Option<i64>,
}

impl fmt::Debug for PgUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgUser")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("full_name", &self.full_name)
            .field("disabled", &self.disabled)
            .field("password_hash", &"_")
            .field("tokens_valid_from", &self.tokens_valid_from)
            .finish()
    }
}

impl From<Row> for PgUser {
    fn from((username, email, full_name, disabled, password_hash, tokens_valid_from): Row) -> Self {
        Self {
            username,
            email,
            full_name,
            disabled,
            password_hash,
            tokens_valid_from,
        }
    }
}

impl Account for PgUser {
    fn password_hash(&self) -> &str {
        &self.password_hash
    }

    fn is_active(&self) -> bool {
        !self.disabled
    }

    fn tokens_valid_from(&self) -> Option<i64> {
        self.tokens_valid_from
    }
}

/// A user to insert ([`PgUsers::add`], [`PgUsers::seed_if_empty`]); `tokens_valid_from` starts
/// unset.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Display name.
    pub full_name: Option<String>,
    /// Whether the account starts disabled.
    pub disabled: bool,
    /// The argon2 PHC string (never printed by `Debug`).
    pub password_hash: String,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("full_name", &self.full_name)
            .field("disabled", &self.disabled)
            .field("password_hash", &"_")
            .finish()
    }
}

/// What kind of failure a [`PgError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PgErrorKind {
    /// The URL or another connection setting is invalid (the URL is not repeated).
    Config,
    /// The schema name is empty, longer than 63 bytes, or holds a NUL.
    Schema,
    /// No connection could be made or had within the acquire timeout.
    Unavailable,
    /// [`PgUsers::add`]: a user with this username exists.
    Exists,
    /// No user has this username.
    UnknownUser,
    /// Any other error of the database or the driver.
    Database,
}

/// A failure of a [`PgUsers`] call. Its `Display` and `Debug` never hold the database URL, a
/// password or a password hash: only the kind and a short, safe detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgError {
    kind: PgErrorKind,
    detail: Option<String>,
}

impl PgError {
    /// What kind of failure this is.
    #[must_use]
    pub fn kind(&self) -> PgErrorKind {
        self.kind
    }

    fn new(kind: PgErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: Some(detail.into()),
        }
    }
}

impl From<sqlx::Error> for PgError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            // May quote the URL: drop the detail.
            sqlx::Error::Configuration(_) => Self {
                kind: PgErrorKind::Config,
                detail: None,
            },
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
                let kind = if code == "23505" {
                    PgErrorKind::Exists
                } else {
                    PgErrorKind::Database
                };
                Self::new(kind, format!("{} (SQLSTATE {code})", db.message()))
            }
            sqlx::Error::PoolTimedOut => Self::new(
                PgErrorKind::Unavailable,
                "no connection within the acquire timeout",
            ),
            sqlx::Error::PoolClosed => Self::new(PgErrorKind::Unavailable, "the pool is closed"),
            sqlx::Error::Io(io) => Self::new(PgErrorKind::Unavailable, io.to_string()),
            sqlx::Error::Tls(_) => Self::new(PgErrorKind::Unavailable, "TLS failure"),
            other => Self::new(PgErrorKind::Database, other.to_string()),
        }
    }
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            PgErrorKind::Config => "invalid PostgreSQL connection settings (URL not shown)",
            PgErrorKind::Schema => "invalid PostgreSQL schema name",
            PgErrorKind::Unavailable => "PostgreSQL unavailable",
            PgErrorKind::Exists => "the user exists",
            PgErrorKind::UnknownUser => "no such user",
            PgErrorKind::Database => "PostgreSQL error",
        };
        match &self.detail {
            Some(detail) => write!(f, "{what}: {detail}"),
            None => f.write_str(what),
        }
    }
}

impl std::error::Error for PgError {}

/// The users in PostgreSQL: a [`UserStore`] plus the admin calls of a CLI. Cheap to clone (the
/// clones share one pool).
#[derive(Clone)]
pub struct PgUsers {
    pool: PgPool,
    schema: Option<String>,
}

impl fmt::Debug for PgUsers {
    // Not the pool's: its options hold the URL's password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgUsers")
            .field("schema", &self.schema)
            .field("connections", &self.pool.size())
            .finish_non_exhaustive()
    }
}

/// `name` as a quoted SQL identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl PgUsers {
    /// Connects to `url` (`postgres://user:password@host:port/database`), in `schema` if given
    /// (created if missing), and applies the migrations not applied yet.
    ///
    /// # Errors
    ///
    /// [`PgErrorKind::Config`] for an invalid URL, [`PgErrorKind::Schema`] for an invalid
    /// schema name, else the database's or the connection's failure.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Self, PgError> {
        if let Some(name) = schema
            && (name.is_empty() || name.len() > 63 || name.contains('\0'))
        {
            return Err(PgError {
                kind: PgErrorKind::Schema,
                detail: None,
            });
        }
        let options = PgConnectOptions::from_str(url)?;
        let mut pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT);
        if let Some(name) = schema {
            let set = format!("SET search_path TO {}", quote_ident(name));
            pool = pool.after_connect(move |conn, _meta| {
                let set = set.clone();
                Box::pin(async move {
                    conn.execute(set.as_str()).await?;
                    Ok(())
                })
            });
        }
        let pool = pool.connect_with(options).await?;
        let users = Self {
            pool,
            schema: schema.map(ToString::to_string),
        };
        users.migrate().await?;
        Ok(users)
    }

    /// Creates the schema if any and applies the pending migrations, in one transaction under
    /// an advisory lock, so that instances starting together apply each migration once.
    async fn migrate(&self) -> Result<(), PgError> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        migrate_in(&mut tx, self.schema.as_deref()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Inserts `users` if the table holds no user at all, in one transaction (instances
    /// starting together seed once). Answers whether it inserted them.
    ///
    /// # Errors
    ///
    /// The database's or the connection's failure; then nothing is inserted.
    pub async fn seed_if_empty(&self, users: &[NewUser]) -> Result<bool, PgError> {
        let mut tx = self.pool.begin().await?;
        let seeded = seed_in(&mut tx, users).await?;
        tx.commit().await?;
        Ok(seeded)
    }

    /// Looks `username` up, answering the database's failures (which [`UserStore::find`]
    /// logs and answers as `None`).
    ///
    /// # Errors
    ///
    /// The database's or the connection's failure.
    pub async fn get(&self, username: &str) -> Result<Option<PgUser>, PgError> {
        let row: Option<Row> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE username = $1"))
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(PgUser::from))
    }

    /// Adds a user.
    ///
    /// # Errors
    ///
    /// [`PgErrorKind::Exists`] if the username is taken, else the database's or the
    /// connection's failure.
    pub async fn add(&self, user: NewUser) -> Result<(), PgError> {
        let mut conn = self.pool.acquire().await?;
        insert(&mut conn, &user).await
    }

    /// Disables or enables `username`. Disabling also sets `tokens_valid_from` to now, so that
    /// the user's tokens issued so far can be refused.
    ///
    /// # Errors
    ///
    /// [`PgErrorKind::UnknownUser`] if no user has this name, else the database's or the
    /// connection's failure.
    pub async fn set_disabled(&self, username: &str, disabled: bool) -> Result<(), PgError> {
        let result = if disabled {
            sqlx::query(
                "UPDATE users SET disabled = true, tokens_valid_from = $2 WHERE username = $1",
            )
            .bind(username)
            .bind(UnixTime::now().as_secs())
            .execute(&self.pool)
            .await?
        } else {
            sqlx::query("UPDATE users SET disabled = false WHERE username = $1")
                .bind(username)
                .execute(&self.pool)
                .await?
        };
        known(result.rows_affected(), username)
    }

    /// Sets `username`'s password hash to `phc` (an argon2 PHC string) and `tokens_valid_from`
    /// to now, so that the tokens issued under the old password can be refused.
    ///
    /// # Errors
    ///
    /// [`PgErrorKind::UnknownUser`] if no user has this name, else the database's or the
    /// connection's failure.
    pub async fn set_password(&self, username: &str, phc: &str) -> Result<(), PgError> {
        let result = sqlx::query(
            "UPDATE users SET password_hash = $2, tokens_valid_from = $3 WHERE username = $1",
        )
        .bind(username)
        .bind(phc)
        .bind(UnixTime::now().as_secs())
        .execute(&self.pool)
        .await?;
        known(result.rows_affected(), username)
    }

    /// The refresh-token families in this database (and schema), on this pool: closing
    /// either closes both.
    #[must_use]
    pub fn refresh_tokens(&self) -> PgRefreshTokens {
        PgRefreshTokens::new(self.pool.clone(), self.schema.clone())
    }

    /// Closes the pool's connections, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// [`PgUsers::migrate`]'s work, in its transaction.
async fn migrate_in(conn: &mut PgConnection, schema: Option<&str>) -> Result<(), PgError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await?;
    if let Some(name) = schema {
        // The connection's search_path already names it; PostgreSQL resolves it once it
        // exists.
        let create = format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(name));
        conn.execute(create.as_str()).await?;
    }
    conn.execute(
        "CREATE TABLE IF NOT EXISTS tessera_migrations (
            version bigint PRIMARY KEY,
            description text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .await?;
    let applied: Vec<(i64,)> = sqlx::query_as("SELECT version FROM tessera_migrations")
        .fetch_all(&mut *conn)
        .await?;
    for &(version, description, sql) in MIGRATIONS {
        if applied.contains(&(version,)) {
            continue;
        }
        // No arguments: the simple protocol, which runs every statement of the file.
        conn.execute(sql).await?;
        sqlx::query("INSERT INTO tessera_migrations (version, description) VALUES ($1, $2)")
            .bind(version)
            .bind(description)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// [`PgUsers::seed_if_empty`]'s work, in its transaction.
async fn seed_in(conn: &mut PgConnection, users: &[NewUser]) -> Result<bool, PgError> {
    // Blocks other seeders and writers until the transaction ends, not readers.
    conn.execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
        .await?;
    let (any,): (bool,) = sqlx::query_as("SELECT EXISTS (SELECT 1 FROM users)")
        .fetch_one(&mut *conn)
        .await?;
    if any {
        return Ok(false);
    }
    for user in users {
        insert(conn, user).await?;
    }
    Ok(true)
}

/// `Ok` if an update touched a row, else [`PgErrorKind::UnknownUser`].
fn known(rows: u64, username: &str) -> Result<(), PgError> {
    if rows == 0 {
        Err(PgError::new(PgErrorKind::UnknownUser, username))
    } else {
        Ok(())
    }
}

async fn insert(conn: &mut PgConnection, user: &NewUser) -> Result<(), PgError> {
    sqlx::query(
        "INSERT INTO users (username, email, full_name, disabled, password_hash)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&user.username)
    .bind(&user.email)
    .bind(&user.full_name)
    .bind(user.disabled)
    .bind(&user.password_hash)
    .execute(conn)
    .await?;
    Ok(())
}

impl UserStore for PgUsers {
    type User = PgUser;

    /// Looks `username` up; a database failure is logged and answered as `None` (see the
    /// module's documentation).
    async fn find(&self, username: &str) -> Option<PgUser> {
        match self.get(username).await {
            Ok(user) => user,
            Err(e) => {
                tracing::warn!(
                    target: "tessera",
                    kind = ?e.kind(),
                    error = %e,
                    "the user lookup failed; answered as an unknown user"
                );
                None
            }
        }
    }

    /// Stores the rehashed PHC string; a database failure is logged and the old hash kept.
    async fn update_hash(&self, username: &str, phc: String) {
        let result = sqlx::query("UPDATE users SET password_hash = $2 WHERE username = $1")
            .bind(username)
            .bind(&phc)
            .execute(&self.pool)
            .await;
        if let Err(e) = result {
            let e = PgError::from(e);
            tracing::warn!(
                target: "tessera",
                kind = ?e.kind(),
                error = %e,
                "storing a rehashed password failed; the old hash is kept"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send<T: Send>(_: &T) {}

    /// Every call's future is `Send`, so servers may spawn it (checked at compile time only).
    #[allow(dead_code, clippy::let_underscore_future)]
    async fn futures_are_send(users: PgUsers) {
        send(&PgUsers::connect("", None));
        send(&users.seed_if_empty(&[]));
        send(&users.get(""));
        send(&users.add(NewUser {
            username: String::new(),
            email: None,
            full_name: None,
            disabled: false,
            password_hash: String::new(),
        }));
        send(&users.set_disabled("", true));
        send(&users.set_password("", ""));
        send(&users.find(""));
        send(&users.update_hash("", String::new()));
        send(&users.close());
        let store = users.refresh_tokens();
        let family = crate::refresh::Family {
            id: String::new(),
            username: String::new(),
            scope: String::new(),
            started: 0,
        };
        let (hash, t) = (crate::refresh::TokenHash([0; 32]), UnixTime(0));
        send(&crate::refresh::RefreshTokens::start(
            &store, &family, hash, t, t,
        ));
        send(&crate::refresh::RefreshTokens::rotate(
            &store, hash, hash, t, t,
        ));
        send(&crate::refresh::RefreshTokens::revoke(&store, hash, t));
        send(&crate::refresh::RefreshTokens::family(&store, hash, t));
    }
}
