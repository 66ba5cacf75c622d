//! Stores on Redis (feature `redis`), shared by every instance of a fleet: revoked access tokens
//! ([`RedisRevocations`]) and refresh-token families ([`RedisRefreshTokens`]); the login
//! throttle on Redis is [`crate::throttle::RedisThrottle`].
//!
//! Every store here and the throttle talk to Redis through one piece of code, the crate-internal
//! `Connector`, so that they behave alike when Redis fails:
//!
//! - a store fails closed: any Redis error or timeout is [`Unavailable`] (the request is then
//!   refused, never let through), with one `warn` event (target `tessera`) giving a short reason
//!   and never the URL or a credential;
//! - every call is bounded by the connection timeout and the response timeout (1 s each by
//!   default, `with_timeouts`);
//! - the connection (one multiplexed connection per store) is made on first use, so a server may
//!   start while Redis is down, and made again after a failure: one attempt at a time, at most
//!   one a second while attempts fail. Calls during an attempt wait for it, unless the store is
//!   failing: then they answer [`Unavailable`] at once.
//!
//! Why Lua: each step that reads and then writes (revoking a token again, starting, rotating or
//! revoking a family) is one script, atomic in Redis, so that concurrent calls from any number of
//! instances see each other's steps whole: of two concurrent exchanges of one refresh token, one
//! rotates and the other is a reuse. Scripts are sent by hash (`EVALSHA`) and loaded again when
//! Redis lacks them.
//!
//! Expiry: every key expires (by Redis's clock) when the entry it holds is no longer needed,
//! computed from the `now` the caller passes, while liveness is decided by comparing the expiry
//! stored in the entry with that `now`. So Redis forgets dead entries, and a caller's clock is
//! the one that decides.
//!
//! The scripts of the family store reach keys they find (a family's from one of its tokens), so
//! use a single Redis (with replicas if you will), not Redis Cluster.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use ::redis::aio::MultiplexedConnection;
use ::redis::{
    AsyncConnectionConfig, Cmd, FromRedisValue, IntoConnectionInfo, RedisResult, Script,
    ScriptInvocation,
};
use tessera_core::UnixTime;
use tokio::sync::watch;

use crate::refresh::{Family, RefreshTokens, Rotation, TokenHash};
use crate::revocation::Revocations;
use crate::throttle::{StoreFuture, Unavailable};

/// The connection timeout and the response timeout unless set otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
/// While connection attempts fail, the least time from one attempt to the next.
const RETRY_INTERVAL: Duration = Duration::from_secs(1);

/// A Redis URL refused by the constructors of the Redis stores (`new`). Its message never
/// holds the URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisUrlError(&'static str);

impl fmt::Display for RedisUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for RedisUrlError {}

/// What every Redis store has alike, given its type, its default key prefix and what instances
/// share through it: `Debug` (the address, the database, the prefix and the timeouts, never a
/// credential), `with_prefix`, `with_timeouts` and `prefix`. The stores hold their
/// [`Connector`] as `redis` and their prefix as `prefix`.
macro_rules! store_settings {
    ($store:ident, $default:literal, $shared:literal) => {
        impl core::fmt::Debug for $store {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                self.redis.fmt_store(f, stringify!($store), &self.prefix)
            }
        }

        impl $store {
            #[doc = concat!("Puts `prefix` before every key (`", $default, "` by default). ")]
            #[doc = concat!("Instances share ", $shared, " when they share the Redis and the prefix.")]
            #[must_use]
            pub fn with_prefix(mut self, prefix: impl Into<alloc::string::String>) -> Self {
                self.prefix = prefix.into();
                self
            }

            /// Bounds making a connection (`connect`: TCP, authentication and database
            /// selection) and each call's answer (`response`); 1 s each by default.
            #[must_use]
            pub fn with_timeouts(
                mut self,
                connect: core::time::Duration,
                response: core::time::Duration,
            ) -> Self {
                self.redis.set_timeouts(connect, response);
                self
            }

            /// The key prefix.
            #[must_use]
            pub fn prefix(&self) -> &str {
                &self.prefix
            }
        }
    };
}
pub(crate) use store_settings;

/// One store's way to Redis: the parsed URL, the timeouts, and a multiplexed connection made
/// lazily and made again after a failure. Every call answers [`Unavailable`] on any error or
/// timeout.
pub(crate) struct Connector {
    client: ::redis::Client,
    /// What the store is, for the events (`login throttle`, `refresh-token store`, …).
    store: &'static str,
    connect_timeout: Duration,
    response_timeout: Duration,
    link: Mutex<Link>,
    /// Bumped when a connection attempt ends, for the calls waiting on it.
    attempts: watch::Sender<u64>,
}

/// The connection and the state of connection attempts.
struct Link {
    /// The connection in use and its number.
    conn: Option<(MultiplexedConnection, u64)>,
    /// Connections made so far.
    made: u64,
    /// Whether an attempt is under way.
    connecting: bool,
    /// Whether the last attempt failed or the last connection broke: calls then answer at once
    /// rather than wait on an attempt.
    failing: bool,
    /// When the last attempt started.
    last_attempt: Option<Instant>,
}

impl Connector {
    /// A connector to the Redis at `url`, named `store` in events. Only parses the URL.
    ///
    /// # Errors
    ///
    /// `RedisUrlError` when `url` is not a Redis URL, or asks for TLS (`rediss://`), which this
    /// build does not have.
    pub(crate) fn new(url: &str, store: &'static str) -> Result<Self, RedisUrlError> {
        let info = url
            .into_connection_info()
            .map_err(|_| RedisUrlError("not a Redis URL"))?;
        if !info.addr().is_supported() {
            return Err(RedisUrlError(
                "the Redis URL asks for a connection this build does not support (TLS)",
            ));
        }
        let client = ::redis::Client::open(info).map_err(|_| RedisUrlError("not a Redis URL"))?;
        Ok(Self {
            client,
            store,
            connect_timeout: DEFAULT_TIMEOUT,
            response_timeout: DEFAULT_TIMEOUT,
            link: Mutex::new(Link {
                conn: None,
                made: 0,
                connecting: false,
                failing: false,
                last_attempt: None,
            }),
            attempts: watch::Sender::new(0),
        })
    }

    /// Sets the connection timeout and the response timeout.
    pub(crate) fn set_timeouts(&mut self, connect: Duration, response: Duration) {
        self.connect_timeout = connect;
        self.response_timeout = response;
    }

    /// The `Debug` output of a store named `name` with key prefix `prefix`: the address, the
    /// database, the prefix and the timeouts, never credentials.
    pub(crate) fn fmt_store(
        &self,
        f: &mut fmt::Formatter<'_>,
        name: &str,
        prefix: &str,
    ) -> fmt::Result {
        let info = self.client.get_connection_info();
        f.debug_struct(name)
            .field("address", &format_args!("{}", info.addr()))
            .field("db", &info.redis_settings().db())
            .field("prefix", &prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .finish_non_exhaustive()
    }

    fn lock(&self) -> MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The connection to use, made when there is none, and its number.
    async fn connection(&self) -> Result<(MultiplexedConnection, u64), Unavailable> {
        let waiting = {
            let mut link = self.lock();
            if let Some((conn, n)) = &link.conn {
                return Ok((conn.clone(), *n));
            }
            if link.connecting {
                if link.failing {
                    return Err(Unavailable);
                }
                // The first attempt, or the first after a cancelled one: wait for it.
                Some(self.attempts.subscribe())
            } else if link.failing
                && link
                    .last_attempt
                    .is_some_and(|at| at.elapsed() < RETRY_INTERVAL)
            {
                return Err(Unavailable);
            } else {
                link.connecting = true;
                link.last_attempt = Some(Instant::now());
                None
            }
        };
        if let Some(mut ended) = waiting {
            // The attempt is itself bounded by the connection timeout.
            let _ = tokio::time::timeout(self.connect_timeout, ended.changed()).await;
            let link = self.lock();
            return link.conn.clone().ok_or(Unavailable);
        }
        let mut attempt = Connecting {
            connector: self,
            failed: None,
        };
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.connect_timeout))
            .set_response_timeout(Some(self.response_timeout));
        let made = tokio::time::timeout(
            self.connect_timeout,
            self.client
                .get_multiplexed_async_connection_with_config(&config),
        )
        .await;
        match made {
            Ok(Ok(conn)) => {
                let mut link = self.lock();
                link.made += 1;
                let n = link.made;
                link.conn = Some((conn.clone(), n));
                attempt.failed = Some(false);
                Ok((conn, n))
            }
            Ok(Err(e)) => {
                attempt.failed = Some(true);
                tracing::warn!(
                    target: "tessera",
                    kind = ?e.kind(),
                    code = e.code().unwrap_or("-"),
                    "the {} could not connect to Redis",
                    self.store
                );
                Err(Unavailable)
            }
            Err(_) => {
                attempt.failed = Some(true);
                tracing::warn!(
                    target: "tessera",
                    "the {}'s connection to Redis timed out",
                    self.store
                );
                Err(Unavailable)
            }
        }
    }

    /// Drops connection `n` after it failed, so that the next call makes a new one.
    fn broken(&self, n: u64) {
        let mut link = self.lock();
        if link.conn.as_ref().is_some_and(|(_, current)| *current == n) {
            link.conn = None;
            link.failing = true;
        }
    }

    /// Runs the script `call` (`EVALSHA`, loading the script when Redis lacks it), within the
    /// response timeout. `op` names the call in events.
    pub(crate) async fn invoke<T: FromRedisValue>(
        &self,
        call: &ScriptInvocation<'_>,
        op: &'static str,
    ) -> Result<T, Unavailable> {
        let (mut conn, n) = self.connection().await?;
        let answer =
            tokio::time::timeout(self.response_timeout, call.invoke_async(&mut conn)).await;
        self.settle(answer, n, op)
    }

    /// Runs the command `cmd`, within the response timeout. `op` names the call in events.
    pub(crate) async fn query<T: FromRedisValue>(
        &self,
        cmd: &Cmd,
        op: &'static str,
    ) -> Result<T, Unavailable> {
        let (mut conn, n) = self.connection().await?;
        let answer = tokio::time::timeout(self.response_timeout, cmd.query_async(&mut conn)).await;
        self.settle(answer, n, op)
    }

    /// The answer of a call on connection `n`: a failure or a timeout drops the connection and
    /// is [`Unavailable`].
    fn settle<T>(
        &self,
        answer: Result<RedisResult<T>, tokio::time::error::Elapsed>,
        n: u64,
        op: &'static str,
    ) -> Result<T, Unavailable> {
        match answer {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                self.broken(n);
                tracing::warn!(
                    target: "tessera",
                    op,
                    kind = ?e.kind(),
                    code = e.code().unwrap_or("-"),
                    "the {}'s Redis call failed",
                    self.store
                );
                Err(Unavailable)
            }
            Err(_) => {
                self.broken(n);
                tracing::warn!(
                    target: "tessera",
                    op,
                    "the {}'s Redis call timed out",
                    self.store
                );
                Err(Unavailable)
            }
        }
    }

    /// An answer that Redis gave but that the store cannot read (a key written by hand, say):
    /// [`Unavailable`], with an event.
    fn unreadable(&self, op: &'static str) -> Unavailable {
        tracing::warn!(
            target: "tessera",
            op,
            "the {} found an entry it cannot read in Redis",
            self.store
        );
        Unavailable
    }
}

/// A connection attempt under way: when it ends, however it ends (its call may be cancelled),
/// the next may start and the calls waiting on it are woken.
struct Connecting<'a> {
    connector: &'a Connector,
    /// How it ended (`None`: cancelled).
    failed: Option<bool>,
}

impl Drop for Connecting<'_> {
    fn drop(&mut self) {
        {
            let mut link = self.connector.lock();
            link.connecting = false;
            if let Some(failed) = self.failed {
                link.failing = failed;
            }
        }
        self.connector
            .attempts
            .send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// `prefix` followed by `rest`.
fn key(prefix: &str, rest: &str) -> String {
    let mut key = String::with_capacity(prefix.len() + rest.len());
    key.push_str(prefix);
    key.push_str(rest);
    key
}

/// The seconds from `now` to `until`, at least 1 (an expiry Redis accepts).
fn ttl(until: UnixTime, now: UnixTime) -> i64 {
    until.0.saturating_sub(now.0).max(1)
}

/// Revoke. `KEYS[1]`: the entry; `ARGV[1]`: until when the token is refused (Unix seconds);
/// `ARGV[2]`: the seconds from now to then. Keeps the later of the stored and the given
/// `until`, and the longer of the key's remaining life and `ARGV[2]`: revoking again never
/// shortens an entry. Returns 1 when the entry was written, 0 when it already covered as much.
const REVOKE_JTI: &str = r"
local stored = redis.call('GET', KEYS[1])
local old = stored and tonumber(stored)
local ms = tonumber(ARGV[2]) * 1000
if old and old >= tonumber(ARGV[1]) then
  local left = redis.call('PTTL', KEYS[1])
  if left < ms then
    redis.call('PEXPIRE', KEYS[1], ms)
  end
  return 0
end
local left = redis.call('PTTL', KEYS[1])
if left > ms then
  ms = left
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ms)
return 1
";

/// A [`Revocations`] keeping revoked token ids in Redis (feature `redis`), shared by every
/// instance that uses the same Redis and prefix; a restart forgets nothing.
///
/// Each revoked `jti` is the key `<prefix><jti>` (prefix `tessera:revoked:` unless set
/// otherwise), holding the Unix second until which the token is refused (its `exp`) and
/// expiring then. [`Revocations::is_revoked`] compares that second with the caller's `now`;
/// revoking again (one Lua script) keeps the later second and the longer expiry.
///
/// It fails closed: any Redis error or timeout is [`Unavailable`] (the request is refused with
/// 503), logged as one `warn` event (target `tessera`). Each call is bounded by the connection
/// timeout and the response timeout (1 s each by default, [`with_timeouts`](Self::with_timeouts)).
/// The connection is made on first use and made again after a failure, as for
/// [`crate::throttle::RedisThrottle`].
///
/// Its calls need a Tokio runtime with time enabled; making it does not. Its `Debug` output
/// shows the address, the database, the prefix and the timeouts, never credentials.
pub struct RedisRevocations {
    redis: Connector,
    prefix: String,
    revoke: Script,
}

store_settings!(RedisRevocations, "tessera:revoked:", "revocations");

impl RedisRevocations {
    /// The key prefix unless set otherwise.
    pub const DEFAULT_PREFIX: &'static str = "tessera:revoked:";

    /// A store on the Redis at `url` (`redis://[[user]:password@]host[:port][/db]`, or a
    /// `redis+unix://` socket path), with the prefix `tessera:revoked:` and timeouts of 1 s. The
    /// URL is only parsed here: the connection is made on first use.
    ///
    /// # Errors
    ///
    /// `RedisUrlError` when `url` is not a Redis URL, or asks for TLS (`rediss://`), which this
    /// build does not have.
    pub fn new(url: &str) -> Result<Self, RedisUrlError> {
        Ok(Self {
            redis: Connector::new(url, "revocation store")?,
            prefix: String::from(Self::DEFAULT_PREFIX),
            revoke: Script::new(REVOKE_JTI),
        })
    }
}

impl Revocations for RedisRevocations {
    fn revoke<'a>(&'a self, jti: &'a str, until: UnixTime, now: UnixTime) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            if until.0 <= now.0 {
                // An expired token is refused anyway.
                return Ok(());
            }
            let mut call = self.revoke.prepare_invoke();
            call.key(key(&self.prefix, jti))
                .arg(until.0)
                .arg(ttl(until, now));
            self.redis.invoke::<i64>(&call, "revoke").await.map(drop)
        })
    }

    fn is_revoked<'a>(&'a self, jti: &'a str, now: UnixTime) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut get = ::redis::cmd("GET");
            get.arg(key(&self.prefix, jti));
            let stored: Option<String> = self.redis.query(&get, "is_revoked").await?;
            match stored {
                None => Ok(false),
                Some(until) => until
                    .parse::<i64>()
                    .map(|until| until > now.0)
                    .map_err(|_| self.redis.unreadable("is_revoked")),
            }
        })
    }
}

/// Start. `KEYS[1]`: the family (`f:<id>`); `KEYS[2]`: its token list (`s:<id>`); `KEYS[3]`:
/// the token (`t:<hex>`); `KEYS[4]`: the user's families (`u:<username>`, ids scored by when
/// they started). `ARGV`: the key prefix, the family id, the username, the scope, when it
/// started, the token's hex hash, the expiry (Unix seconds), the seconds from now to the
/// expiry, the most families a user may have. A family already held under this id is forgotten
/// first, with its tokens; then, past the most a user may have, the user's oldest families
/// (never the new one) are forgotten with theirs. Returns 1.
const START: &str = r"
local prefix = ARGV[1]
local function forget(id)
  local skey = prefix .. 's:' .. id
  for _, t in ipairs(redis.call('SMEMBERS', skey)) do
    redis.call('DEL', prefix .. 't:' .. t)
  end
  redis.call('DEL', prefix .. 'f:' .. id, skey)
end
forget(ARGV[2])
redis.call('HSET', KEYS[1], 'username', ARGV[3], 'scope', ARGV[4], 'started', ARGV[5],
  'current', ARGV[6], 'expires', ARGV[7], 'revoked', '0')
redis.call('EXPIRE', KEYS[1], ARGV[8])
redis.call('SADD', KEYS[2], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[8])
redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[8])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[2])
while redis.call('ZCARD', KEYS[4]) > tonumber(ARGV[9]) do
  local oldest = redis.call('ZRANGE', KEYS[4], 0, 1)
  local id = oldest[1] == ARGV[2] and oldest[2] or oldest[1]
  redis.call('ZREM', KEYS[4], id)
  forget(id)
end
if redis.call('TTL', KEYS[4]) < tonumber(ARGV[8]) then
  redis.call('EXPIRE', KEYS[4], ARGV[8])
end
return 1
";

/// Rotate. `KEYS[1]`: the presented token (`t:<old hex>`). `ARGV`: the key prefix, the old
/// token's hex hash, the new one's, the new expiry (Unix seconds), now (Unix seconds), the
/// seconds from now to the new expiry. Returns `{'unknown'}` (no such token, its family
/// forgotten, expired (then forgotten with its tokens) or revoked), `{'reused'}` (the token is
/// not the family's current one: the family is revoked), or `{'rotated', id, username,
/// scope, started}` once the new token is current, the family lives until the new expiry, and the
/// family's key, its token list and every token it ever had expire then.
const ROTATE: &str = r"
local prefix = ARGV[1]
local id = redis.call('GET', KEYS[1])
if not id then
  return {'unknown'}
end
local fkey = prefix .. 'f:' .. id
local skey = prefix .. 's:' .. id
local f = redis.call('HMGET', fkey, 'username', 'scope', 'started', 'current', 'expires',
  'revoked')
local expires = f[5] and tonumber(f[5])
if not expires then
  return {'unknown'}
end
if tonumber(ARGV[5]) >= expires then
  for _, t in ipairs(redis.call('SMEMBERS', skey)) do
    redis.call('DEL', prefix .. 't:' .. t)
  end
  redis.call('DEL', fkey, skey, KEYS[1])
  return {'unknown'}
end
if f[4] ~= ARGV[2] then
  redis.call('HSET', fkey, 'revoked', '1')
  return {'reused'}
end
if f[6] == '1' then
  return {'unknown'}
end
redis.call('HSET', fkey, 'current', ARGV[3], 'expires', ARGV[4])
redis.call('SET', prefix .. 't:' .. ARGV[3], id)
redis.call('SADD', skey, ARGV[3])
for _, t in ipairs(redis.call('SMEMBERS', skey)) do
  redis.call('EXPIRE', prefix .. 't:' .. t, ARGV[6])
end
redis.call('EXPIRE', fkey, ARGV[6])
redis.call('EXPIRE', skey, ARGV[6])
local ukey = prefix .. 'u:' .. f[1]
if redis.call('TTL', ukey) < tonumber(ARGV[6]) then
  redis.call('EXPIRE', ukey, ARGV[6])
end
return {'rotated', id, f[1], f[2], f[3]}
";

/// Revoke a family. `KEYS[1]`: one of its tokens (`t:<hex>`). `ARGV`: the key prefix, now
/// (Unix seconds). Marks the family revoked (its keys keep their expiry, so that its tokens
/// stay known as revoked). Returns 1 when the family was live (not revoked, not expired at
/// now), else 0 (also when no family has the token).
const REVOKE_FAMILY: &str = r"
local id = redis.call('GET', KEYS[1])
if not id then
  return 0
end
local fkey = ARGV[1] .. 'f:' .. id
local f = redis.call('HMGET', fkey, 'expires', 'revoked')
local expires = f[1] and tonumber(f[1])
if not expires then
  return 0
end
redis.call('HSET', fkey, 'revoked', '1')
if f[2] ~= '1' and tonumber(ARGV[2]) < expires then
  return 1
end
return 0
";

/// Look a family up. `KEYS[1]`: a token (`t:<hex>`). `ARGV`: the key prefix, the token's hex
/// hash, now (Unix seconds). Changes nothing. Returns `{id, username, scope, started}` when the
/// token is its family's current one and the family is live (not revoked, not expired at now),
/// else an empty list.
const FAMILY: &str = r"
local id = redis.call('GET', KEYS[1])
if not id then
  return {}
end
local f = redis.call('HMGET', ARGV[1] .. 'f:' .. id, 'username', 'scope', 'started',
  'current', 'expires', 'revoked')
local expires = f[5] and tonumber(f[5])
if not expires or f[4] ~= ARGV[2] or f[6] == '1' or tonumber(ARGV[3]) >= expires then
  return {}
end
return {id, f[1], f[2], f[3]}
";

/// A [`RefreshTokens`] keeping refresh-token families in Redis (feature `redis`), shared by
/// every instance that uses the same Redis and prefix; a restart forgets nothing.
///
/// Keys, after the prefix (`tessera:refresh:` unless set otherwise):
///
/// - `f:<family id>`: a hash of the family: `username`, `scope`, `started` (Unix seconds),
///   `current` (the current token's SHA-256 in hex), `expires` (Unix seconds), `revoked`
///   (`0` or `1`);
/// - `s:<family id>`: the set of the hex hashes of every token the family had;
/// - `t:<hex hash>`: for every token the family had, current or former, the family's id.
///
/// Every key of a family expires (by Redis's clock) when the family does, `expires` minus the
/// caller's `now` seconds after the last start or rotation; a rotation moves the expiry of all
/// of them, so that a former token is known, and its reuse seen, as long as its family lives.
/// Liveness itself compares `expires` with the caller's `now`. A rotation sets the expiry of
/// every token the family had, so its cost grows with the number of rotations of the family.
///
/// [`RefreshTokens::start`], [`RefreshTokens::rotate`], [`RefreshTokens::revoke`] and
/// [`RefreshTokens::family`] (a read) are one Lua script each, atomic in Redis: of concurrent exchanges of one token, from any number of
/// instances, exactly one rotates and the others are reuses. The scripts reach a family's keys
/// from its token's: use a single Redis (with replicas if you will), not Redis Cluster.
///
/// It fails closed: any Redis error or timeout is [`Unavailable`], logged as one `warn` event
/// (target `tessera`). Each call is bounded by the connection timeout and the response timeout
/// (1 s each by default, [`with_timeouts`](Self::with_timeouts)). The connection is made on first
/// use and made again after a failure, as for [`crate::throttle::RedisThrottle`].
///
/// Its calls need a Tokio runtime with time enabled; making it does not. Its `Debug` output
/// shows the address, the database, the prefix and the timeouts, never credentials.
pub struct RedisRefreshTokens {
    redis: Connector,
    prefix: String,
    start: Script,
    rotate: Script,
    revoke: Script,
    family: Script,
}

store_settings!(RedisRefreshTokens, "tessera:refresh:", "families");

impl RedisRefreshTokens {
    /// The key prefix unless set otherwise.
    pub const DEFAULT_PREFIX: &'static str = "tessera:refresh:";

    /// A store on the Redis at `url` (`redis://[[user]:password@]host[:port][/db]`, or a
    /// `redis+unix://` socket path), with the prefix `tessera:refresh:` and timeouts of 1 s. The
    /// URL is only parsed here: the connection is made on first use.
    ///
    /// # Errors
    ///
    /// `RedisUrlError` when `url` is not a Redis URL, or asks for TLS (`rediss://`), which this
    /// build does not have.
    pub fn new(url: &str) -> Result<Self, RedisUrlError> {
        Ok(Self {
            redis: Connector::new(url, "refresh-token store")?,
            prefix: String::from(Self::DEFAULT_PREFIX),
            start: Script::new(START),
            rotate: Script::new(ROTATE),
            revoke: Script::new(REVOKE_FAMILY),
            family: Script::new(FAMILY),
        })
    }

    fn token_key(&self, token: TokenHash) -> String {
        let mut rest = String::with_capacity(66);
        rest.push_str("t:");
        rest.push_str(&token.to_hex());
        key(&self.prefix, &rest)
    }
}

impl RedisRefreshTokens {
    /// A family from a script's answer: its id, username, scope and start.
    fn read_family(
        &self,
        mut answer: impl Iterator<Item = String>,
        op: &'static str,
    ) -> Result<Family, Unavailable> {
        let (Some(id), Some(username), Some(scope), Some(started)) =
            (answer.next(), answer.next(), answer.next(), answer.next())
        else {
            return Err(self.redis.unreadable(op));
        };
        let started = started
            .parse::<i64>()
            .map_err(|_| self.redis.unreadable(op))?;
        Ok(Family {
            id,
            username,
            scope,
            started,
        })
    }
}

impl RefreshTokens for RedisRefreshTokens {
    fn start<'a>(
        &'a self,
        family: &'a Family,
        token: TokenHash,
        expires: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut call = self.start.prepare_invoke();
            call.key(key(&self.prefix, &alloc::format!("f:{}", family.id)))
                .key(key(&self.prefix, &alloc::format!("s:{}", family.id)))
                .key(self.token_key(token))
                .key(key(&self.prefix, &alloc::format!("u:{}", family.username)))
                .arg(&self.prefix)
                .arg(&family.id)
                .arg(&family.username)
                .arg(&family.scope)
                .arg(family.started)
                .arg(token.to_hex())
                .arg(expires.0)
                .arg(ttl(expires, now))
                .arg(crate::refresh::MAX_FAMILIES_PER_USER);
            self.redis.invoke::<i64>(&call, "start").await.map(drop)
        })
    }

    fn rotate<'a>(
        &'a self,
        old: TokenHash,
        new: TokenHash,
        expires: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, Rotation> {
        Box::pin(async move {
            let mut call = self.rotate.prepare_invoke();
            call.key(self.token_key(old))
                .arg(&self.prefix)
                .arg(old.to_hex())
                .arg(new.to_hex())
                .arg(expires.0)
                .arg(now.0)
                .arg(ttl(expires, now));
            let answer: Vec<String> = self.redis.invoke(&call, "rotate").await?;
            let mut answer = answer.into_iter();
            match answer.next().as_deref() {
                Some("unknown") => Ok(Rotation::Unknown),
                Some("reused") => Ok(Rotation::Reused),
                Some("rotated") => self.read_family(answer, "rotate").map(Rotation::Rotated),
                _ => Err(self.redis.unreadable("rotate")),
            }
        })
    }

    fn revoke<'a>(&'a self, token: TokenHash, now: UnixTime) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut call = self.revoke.prepare_invoke();
            call.key(self.token_key(token)).arg(&self.prefix).arg(now.0);
            let live: i64 = self.redis.invoke(&call, "revoke").await?;
            Ok(live == 1)
        })
    }

    fn family<'a>(&'a self, token: TokenHash, now: UnixTime) -> StoreFuture<'a, Option<Family>> {
        Box::pin(async move {
            let mut call = self.family.prepare_invoke();
            call.key(self.token_key(token))
                .arg(&self.prefix)
                .arg(token.to_hex())
                .arg(now.0);
            let answer: Vec<String> = self.redis.invoke(&call, "family").await?;
            if answer.is_empty() {
                return Ok(None);
            }
            self.read_family(answer.into_iter(), "family").map(Some)
        })
    }
}
