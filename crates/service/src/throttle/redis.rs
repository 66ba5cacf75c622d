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
//! it, unless the store is failing: then they answer [`Unavailable`] at once. That connection
//! handling is the one every Redis store of this crate shares (`crate::redis`).
//!
//! The keys of one attempt are not in one hash slot: use a single Redis (with replicas if you
//! will), not Redis Cluster.
//!
//! [`Unavailable`]: super::Unavailable

use alloc::boxed::Box;
use alloc::string::String;

use ::redis::Script;
use tessera_core::UnixTime;

use crate::redis::Connector;
pub use crate::redis::RedisUrlError;

use super::{Admission, Attempt, Counter, LoginLimits, Release, StoreFuture, Throttle};

/// The key prefix unless set otherwise.
const DEFAULT_PREFIX: &str = "tessera:login:";

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
///
/// [`Unavailable`]: super::Unavailable
pub struct RedisThrottle {
    redis: Connector,
    prefix: String,
    reserve: Script,
    release: Script,
}

crate::redis::store_settings!(RedisThrottle, "tessera:login:", "counts");

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
        Ok(Self {
            redis: Connector::new(url, "login throttle")?,
            prefix: String::from(DEFAULT_PREFIX),
            reserve: Script::new(RESERVE),
            release: Script::new(RELEASE),
        })
    }

    fn key(&self, counter_key: &str) -> String {
        let mut key = String::with_capacity(self.prefix.len() + counter_key.len());
        key.push_str(&self.prefix);
        key.push_str(counter_key);
        key
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
            let wait: i64 = self.redis.invoke(&call, "reserve").await?;
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
            self.redis.invoke::<i64>(&call, "release").await.map(drop)
        })
    }
}
