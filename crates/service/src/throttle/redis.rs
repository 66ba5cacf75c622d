//! [`RedisThrottle`]: the login limits counted in Redis, so that every instance of a fleet
//! shares one count and a restart forgets nothing.
//!
//! Key layout: `<prefix><counter key>`, the prefix `tessera:login:` unless set otherwise and the
//! counter keys those of [`Attempt::counters`] (`p:<client length>:<client>:<username>`,
//! `c:<client>`, `u:<username>`). Each key holds the attempts counted in its window and expires
//! when the window closes, by Redis's clock (the instances' clocks play no part).
//!
//! Why Lua: a reservation checks every limit of an attempt and counts the attempt against each
//! in one step. Run as one script, that step is atomic in Redis, so no interleaving of concurrent
//! attempts, from one instance or many, gets more attempts than a limit allows. A release is one
//! script too. Scripts are sent by hash (`EVALSHA`) and loaded again when Redis lacks them.
//!
//! Failures fail closed: any Redis error or timeout is [`Unavailable`] (logins then answer 503),
//! with one `warn` event (target `tessera`) giving a short reason. Every call is bounded by the
//! connection timeout and the response timeout (1 s each by default). The connection is made on
//! first use, so a server may start while Redis is down, and made again after a failure: one
//! attempt at a time, at most one a second while attempts fail. Calls during an attempt wait for
//! it, unless the store is failing: then they answer [`Unavailable`] at once.
//!
//! The keys of one attempt are not in one hash slot: use a single Redis (with replicas if you
//! will), not Redis Cluster.

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;
use core::time::Duration;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use ::redis::aio::MultiplexedConnection;
use ::redis::{
    AsyncConnectionConfig, FromRedisValue, IntoConnectionInfo, Script, ScriptInvocation,
};
use tessera_core::UnixTime;
use tokio::sync::watch;

use super::{
    Admission, Attempt, Counter, LoginLimits, Release, StoreFuture, Throttle, Unavailable,
};

/// The key prefix unless set otherwise.
const DEFAULT_PREFIX: &str = "tessera:login:";
/// The connection timeout and the response timeout unless set otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
/// While connection attempts fail, the least time from one attempt to the next.
const RETRY_INTERVAL: Duration = Duration::from_secs(1);

/// Check and reserve. `KEYS`: the attempt's counters; `ARGV[2i-1]`, `ARGV[2i]`: the limit and
/// the window (seconds) of `KEYS[i]`. Returns the wait in seconds when a limit is reached (then
/// nothing is counted), else `0` once the attempt is counted against every key.
const RESERVE: &str = r"
local wait = 0
for i, key in ipairs(KEYS) do
  local value = redis.call('GET', key)
  local count = value and tonumber(value) or 0
  local ttl = redis.call('PTTL', key)
  if ttl == -1 then
    -- Found without an expiry: nothing may be kept forever.
    redis.call('EXPIRE', key, ARGV[2 * i])
    ttl = tonumber(ARGV[2 * i]) * 1000
  end
  if count >= tonumber(ARGV[2 * i - 1]) and ttl > wait then
    wait = ttl
  end
end
if wait > 0 then
  return math.floor((wait + 999) / 1000)
end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('EXPIRE', key, ARGV[2 * i])
  end
end
return 0
";

/// Release. `KEYS`: the attempt's counters; `ARGV[i]`: `clear` to delete `KEYS[i]`, `take` to
/// take one attempt off it (a count reaching 0 is deleted).
const RELEASE: &str = r"
for i, key in ipairs(KEYS) do
  if ARGV[i] == 'clear' then
    redis.call('DEL', key)
  else
    local value = redis.call('GET', key)
    local count = value and tonumber(value) or 0
    if count > 1 then
      redis.call('DECR', key)
    elseif count == 1 then
      redis.call('DEL', key)
    end
  end
end
return 0
";

/// A [`Throttle`] keeping its counts in Redis (feature `redis`), shared by every instance that
/// uses the same Redis and prefix; a restart forgets nothing.
///
/// Each counter of [`Attempt::counters`] is the key `<prefix><counter key>` (prefix
/// `tessera:login:` unless set otherwise), an integer that expires when its window closes, by
/// Redis's clock. [`Throttle::reserve`] and [`Throttle::release`] are one Lua script each, atomic
/// in Redis, so concurrent attempts from any number of instances never pass a limit. Use a single
/// Redis (with replicas if you will), not Redis Cluster: one attempt's keys are not in one slot.
///
/// It fails closed: any Redis error or timeout is [`Unavailable`] (logins answer 503), logged as
/// one `warn` event (target `tessera`). Each call is bounded by the connection timeout and the
/// response timeout (1 s each by default, [`with_timeouts`](Self::with_timeouts)). The connection
/// is made on first use and made again after a failure: one attempt at a time, at most one a
/// second while attempts fail. Calls during an attempt wait for it, unless the store is failing:
/// then they answer [`Unavailable`] at once.
///
/// Its calls need a Tokio runtime with time enabled; making it does not. Its `Debug` output
/// shows the address, the database, the prefix and the timeouts, never credentials.
pub struct RedisThrottle {
    client: ::redis::Client,
    prefix: String,
    connect_timeout: Duration,
    response_timeout: Duration,
    link: Mutex<Link>,
    /// Bumped when a connection attempt ends, for the calls waiting on it.
    attempts: watch::Sender<u64>,
    reserve: Script,
    release: Script,
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

/// A Redis URL [`RedisThrottle::new`] refuses. Its message never holds the URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisUrlError(&'static str);

impl fmt::Display for RedisUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for RedisUrlError {}

impl fmt::Debug for RedisThrottle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = self.client.get_connection_info();
        f.debug_struct("RedisThrottle")
            .field("address", &format_args!("{}", info.addr()))
            .field("db", &info.redis_settings().db())
            .field("prefix", &self.prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .finish_non_exhaustive()
    }
}

impl RedisThrottle {
    /// A throttle on the Redis at `url` (`redis://[[user]:password@]host[:port][/db]`, or a
    /// `redis+unix://` socket path), with the prefix `tessera:login:` and timeouts of 1 s. The
    /// URL is only parsed here: the connection is made on first use.
    ///
    /// # Errors
    ///
    /// `RedisUrlError` when `url` is not a Redis URL, or asks for TLS (`rediss://`), which this
    /// build does not have.
    pub fn new(url: &str) -> Result<Self, RedisUrlError> {
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
            prefix: String::from(DEFAULT_PREFIX),
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
            reserve: Script::new(RESERVE),
            release: Script::new(RELEASE),
        })
    }

    /// Puts `prefix` before every key (`tessera:login:` by default). Instances share counts
    /// when they share the Redis and the prefix.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Bounds making a connection (`connect`: TCP, authentication and database selection) and
    /// each call's answer (`response`); 1 s each by default.
    #[must_use]
    pub fn with_timeouts(mut self, connect: Duration, response: Duration) -> Self {
        self.connect_timeout = connect;
        self.response_timeout = response;
        self
    }

    /// The key prefix.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn lock(&self) -> MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn key(&self, counter_key: &str) -> String {
        let mut key = String::with_capacity(self.prefix.len() + counter_key.len());
        key.push_str(&self.prefix);
        key.push_str(counter_key);
        key
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
            throttle: self,
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
                    "the login throttle could not connect to Redis"
                );
                Err(Unavailable)
            }
            Err(_) => {
                attempt.failed = Some(true);
                tracing::warn!(
                    target: "tessera",
                    "the login throttle's connection to Redis timed out"
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

    /// Runs `call` on the connection, within the response timeout.
    async fn run<T: FromRedisValue>(
        &self,
        call: &ScriptInvocation<'_>,
        op: &'static str,
    ) -> Result<T, Unavailable> {
        let (mut conn, n) = self.connection().await?;
        match tokio::time::timeout(self.response_timeout, call.invoke_async(&mut conn)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                self.broken(n);
                tracing::warn!(
                    target: "tessera",
                    op,
                    kind = ?e.kind(),
                    code = e.code().unwrap_or("-"),
                    "the login throttle's Redis call failed"
                );
                Err(Unavailable)
            }
            Err(_) => {
                self.broken(n);
                tracing::warn!(
                    target: "tessera",
                    op,
                    "the login throttle's Redis call timed out"
                );
                Err(Unavailable)
            }
        }
    }
}

/// A connection attempt under way: when it ends, however it ends (its call may be cancelled),
/// the next may start and the calls waiting on it are woken.
struct Connecting<'a> {
    throttle: &'a RedisThrottle,
    /// How it ended (`None`: cancelled).
    failed: Option<bool>,
}

impl Drop for Connecting<'_> {
    fn drop(&mut self) {
        {
            let mut link = self.throttle.lock();
            link.connecting = false;
            if let Some(failed) = self.failed {
                link.failing = failed;
            }
        }
        self.throttle
            .attempts
            .send_modify(|n| *n = n.wrapping_add(1));
    }
}

impl Throttle for RedisThrottle {
    fn reserve<'a>(
        &'a self,
        attempt: Attempt<'a>,
        limits: &'a LoginLimits,
        _now: UnixTime,
    ) -> StoreFuture<'a, Admission> {
        let counters = attempt.counters(limits);
        let mut call = self.reserve.prepare_invoke();
        for (_, limit, key) in &counters {
            call.key(self.key(key)).arg(limit.max).arg(limit.window());
        }
        Box::pin(async move {
            if counters.is_empty() {
                return Ok(Admission::Granted);
            }
            let wait: i64 = self.run(&call, "reserve").await?;
            Ok(if wait > 0 {
                Admission::Wait(u32::try_from(wait).unwrap_or(u32::MAX))
            } else {
                Admission::Granted
            })
        })
    }

    fn release<'a>(
        &'a self,
        attempt: Attempt<'a>,
        limits: &'a LoginLimits,
        how: Release,
    ) -> StoreFuture<'a, ()> {
        let counters = attempt.counters(limits);
        let mut call = self.release.prepare_invoke();
        for (counter, _, key) in &counters {
            let clear = how == Release::Succeeded && *counter == Counter::Pair;
            call.key(self.key(key))
                .arg(if clear { "clear" } else { "take" });
        }
        Box::pin(async move {
            if counters.is_empty() {
                return Ok(());
            }
            self.run::<i64>(&call, "release").await.map(drop)
        })
    }
}
