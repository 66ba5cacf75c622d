//! Brute-force protection for `/token` (RFC 6749 §4.3.2 asks for it; SECURITY O5 asks that it
//! resist malicious lockout).
//!
//! A login counts against three windows at once ([`LoginLimits`]):
//!
//! - the **pair** (client, username): a few failures, then that client waits for that username.
//!   Other clients keep logging in, so nobody can lock an account from elsewhere;
//! - the **client** over every username: a ceiling against password spraying;
//! - the **username** over every client: a high ceiling against guessing spread over many
//!   addresses. It is the one limit that can lock an account for everyone, which is why it is
//!   high, and `0` turns it off.
//!
//! Accounting is *check and reserve* in one atomic step ([`Throttle::reserve`]): an attempt
//! takes its place in every count before any hashing, so no interleaving of concurrent attempts
//! gets more guesses than the limit. A login that succeeds gives its place back and clears its
//! pair ([`Release::Succeeded`]); one that never reached the password check gives its place back
//! ([`Release::Undone`]); a failure keeps it. A success does not clear the client's or the
//! username's count, so a client holding one valid account cannot reset its spraying budget.
//!
//! Windows are fixed: a window opens at the first counted attempt and lasts its length; once
//! the count reaches the limit, further attempts wait until the window closes.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use std::collections::HashMap;
use std::sync::Mutex;

use tessera_core::UnixTime;

use crate::client::Client;

#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
pub use self::redis::{RedisThrottle, RedisUrlError};

/// One limit: at most `max` counted attempts within a window of `window_secs` seconds that opens
/// at the first of them. `max == 0` turns the limit off.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Attempts allowed per window (`0`: no limit).
    pub max: u32,
    /// The window's length in seconds (at least 1 is used).
    pub window_secs: u32,
}

impl Limit {
    /// `max` attempts per `window_secs` seconds.
    #[must_use]
    pub const fn new(max: u32, window_secs: u32) -> Self {
        Self { max, window_secs }
    }

    /// Whether the limit counts at all.
    #[must_use]
    pub const fn is_on(&self) -> bool {
        self.max > 0
    }

    fn window(&self) -> i64 {
        i64::from(self.window_secs.max(1))
    }
}

/// The three login limits. The defaults: 5 failures per (client, username) per 60 s, 1000 per
/// client per 10 minutes, 100 per username per hour.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct LoginLimits {
    /// Failures of one client on one username.
    pub pair: Limit,
    /// Failures of one client over every username.
    pub client: Limit,
    /// Failures on one username from every client (`max: 0` turns it off).
    pub username: Limit,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            pair: Limit::new(5, 60),
            client: Limit::new(1000, 600),
            username: Limit::new(100, 3600),
        }
    }
}

/// Which count a key belongs to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Counter {
    /// (client, username).
    Pair,
    /// The client over every username.
    Client,
    /// The username over every client.
    Username,
}

/// One login attempt, as the throttle counts it.
#[derive(Copy, Clone, Debug)]
pub struct Attempt<'a> {
    /// Who sends it.
    pub client: &'a Client,
    /// The username it is for (known or not).
    pub username: &'a str,
}

impl Attempt<'_> {
    /// The counters this attempt counts against under `limits`, each with its limit and its key:
    /// `p:<client length>:<client>:<username>`, `c:<client>`, `u:<username>` (the length keeps
    /// a client containing `:`, as IPv6 addresses do, from running into the username). Limits
    /// that are off are left out.
    #[must_use]
    pub fn counters(&self, limits: &LoginLimits) -> Vec<(Counter, Limit, String)> {
        let client = self.client.as_str();
        let all = [
            (
                Counter::Pair,
                limits.pair,
                alloc::format!("p:{}:{client}:{}", client.len(), self.username),
            ),
            (Counter::Client, limits.client, alloc::format!("c:{client}")),
            (
                Counter::Username,
                limits.username,
                alloc::format!("u:{}", self.username),
            ),
        ];
        all.into_iter().filter(|(_, l, _)| l.is_on()).collect()
    }
}

/// The throttle's decision on an attempt.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Go ahead: the attempt is counted as a failure until released.
    Granted,
    /// A limit is reached: retry after this many seconds (at least 1).
    Wait(u32),
}

/// How a reserved attempt ended, when it did not end as a failure.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Release {
    /// The password was right: the pair's failures are cleared, and the attempt is taken off
    /// the client's and the username's counts.
    Succeeded,
    /// The password was never checked (no hashing slot, the hash job failed): the attempt is
    /// taken off every count.
    Undone,
}

/// The throttle's store cannot be reached. Logins then fail closed (503).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Unavailable;

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the login throttle's store cannot be reached")
    }
}

impl std::error::Error for Unavailable {}

/// What a throttle call returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Unavailable>> + Send + 'a>>;

/// Where login attempts are counted: [`MemoryThrottle`] in the process, or a shared store so
/// that a fleet of instances enforces one set of limits (`RedisThrottle`, feature `redis`).
///
/// Both calls must be atomic with respect to every other call on the same keys, from this
/// process or any other sharing the store.
pub trait Throttle: Send + Sync + 'static {
    /// Checks every limit of `attempt` and, when none is reached, counts the attempt against
    /// each, in one step. When one is reached nothing is counted, and the answer is the longest
    /// wait among the reached limits.
    fn reserve<'a>(
        &'a self,
        attempt: Attempt<'a>,
        limits: &'a LoginLimits,
        now: UnixTime,
    ) -> StoreFuture<'a, Admission>;

    /// Ends a reservation that was not a failure (see [`Release`]).
    fn release<'a>(
        &'a self,
        attempt: Attempt<'a>,
        limits: &'a LoginLimits,
        how: Release,
    ) -> StoreFuture<'a, ()>;
}

/// One count in a [`MemoryThrottle`].
#[derive(Copy, Clone, Debug)]
struct Window {
    count: u32,
    /// When the window closes (Unix seconds).
    ends: i64,
    /// The limit it was counted under (to tell a locked window).
    max: u32,
}

impl Window {
    fn open(&self, now: UnixTime) -> bool {
        now.0 < self.ends
    }

    fn locked(&self, now: UnixTime) -> bool {
        self.open(now) && self.count >= self.max
    }
}

/// The in-process [`Throttle`]: the embedded default. Each process keeps its own counts, and a
/// restart forgets them; use a shared store for a fleet.
///
/// Memory is bounded by `capacity` windows: when a new window would pass it, closed windows are
/// dropped, then open windows that are not locked, those closing first, down to three quarters of
/// the capacity. A locked window is never dropped (a lock must hold until it ends); there can
/// only be as many as the hashing threads can fill, since each takes its limit of password
/// checks within its window.
#[derive(Debug)]
pub struct MemoryThrottle {
    capacity: usize,
    windows: Mutex<HashMap<String, Window>>,
}

impl Default for MemoryThrottle {
    /// At most 100 000 windows (a few MiB).
    fn default() -> Self {
        Self::with_capacity(100_000)
    }
}

impl MemoryThrottle {
    /// A throttle holding at most `capacity` windows (at least 4) but locked ones.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(4),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// The number of windows held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no window is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Window>> {
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The synchronous body of [`Throttle::reserve`].
    #[must_use]
    pub fn reserve_now(
        &self,
        attempt: Attempt<'_>,
        limits: &LoginLimits,
        now: UnixTime,
    ) -> Admission {
        let counters = attempt.counters(limits);
        let mut map = self.lock();
        let mut wait = 0i64;
        for (_, _, key) in &counters {
            if let Some(w) = map.get(key).filter(|w| w.locked(now)) {
                wait = wait.max(w.ends - now.0);
            }
        }
        if wait > 0 {
            return Admission::Wait(u32::try_from(wait).unwrap_or(u32::MAX).max(1));
        }
        if map.len() + counters.len() > self.capacity {
            self.evict(&mut map, now);
        }
        for (_, limit, key) in counters {
            let fresh = Window {
                count: 0,
                ends: now.0.saturating_add(limit.window()),
                max: limit.max,
            };
            let w = map.entry(key).or_insert(fresh);
            if !w.open(now) {
                *w = fresh;
            }
            w.count = w.count.saturating_add(1);
            w.max = limit.max;
        }
        Admission::Granted
    }

    /// The synchronous body of [`Throttle::release`].
    pub fn release_now(&self, attempt: Attempt<'_>, limits: &LoginLimits, how: Release) {
        let mut map = self.lock();
        for (counter, _, key) in attempt.counters(limits) {
            if how == Release::Succeeded && counter == Counter::Pair {
                map.remove(&key);
                continue;
            }
            if let Some(w) = map.get_mut(&key) {
                w.count = w.count.saturating_sub(1);
                if w.count == 0 {
                    map.remove(&key);
                }
            }
        }
    }

    fn evict(&self, map: &mut HashMap<String, Window>, now: UnixTime) {
        map.retain(|_, w| w.open(now));
        let target = self.capacity - self.capacity / 4;
        if map.len() <= target {
            return;
        }
        let mut unlocked: Vec<(i64, String)> = map
            .iter()
            .filter(|(_, w)| !w.locked(now))
            .map(|(k, w)| (w.ends, k.clone()))
            .collect();
        unlocked.sort_unstable();
        let excess = map.len() - target;
        for (_, key) in unlocked.into_iter().take(excess) {
            map.remove(&key);
        }
    }
}

impl Throttle for MemoryThrottle {
    fn reserve<'a>(
        &'a self,
        attempt: Attempt<'a>,
        limits: &'a LoginLimits,
        now: UnixTime,
    ) -> StoreFuture<'a, Admission> {
        let admission = self.reserve_now(attempt, limits, now);
        Box::pin(core::future::ready(Ok(admission)))
    }

    fn release<'a>(
        &'a self,
        attempt: Attempt<'a>,
        limits: &'a LoginLimits,
        how: Release,
    ) -> StoreFuture<'a, ()> {
        self.release_now(attempt, limits, how);
        Box::pin(core::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(s: &str) -> Client {
        Client::from_peer(s.parse().unwrap())
    }

    fn limits(pair: u32, client: u32, username: u32) -> LoginLimits {
        LoginLimits {
            pair: Limit::new(pair, 60),
            client: Limit::new(client, 600),
            username: Limit::new(username, 3600),
        }
    }

    // The semantics every throttle shares (pair, client and username limits, success, undone)
    // are checked on this one and on Redis by `tests/common/throttle.rs`; these are its own.

    #[test]
    fn concurrent_reservations_never_pass_the_limit() {
        let t = std::sync::Arc::new(MemoryThrottle::default());
        let l = limits(5, 0, 0);
        let granted = std::sync::atomic::AtomicU32::new(0);
        std::thread::scope(|s| {
            for _ in 0..16 {
                s.spawn(|| {
                    let c = client("192.0.2.9");
                    for _ in 0..10 {
                        let at = Attempt {
                            client: &c,
                            username: "johndoe",
                        };
                        if t.reserve_now(at, &l, UnixTime(0)) == Admission::Granted {
                            granted.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(granted.into_inner(), 5);
    }

    #[test]
    fn eviction_keeps_every_locked_window() {
        let t = MemoryThrottle::with_capacity(40);
        let l = limits(2, 0, 0);
        let now = UnixTime(0);
        let locked: Vec<Client> = (0..10)
            .map(|i| client(&alloc::format!("10.0.0.{i}")))
            .collect();
        for c in &locked {
            let at = Attempt {
                client: c,
                username: "victim",
            };
            assert_eq!(t.reserve_now(at, &l, now), Admission::Granted);
            assert_eq!(t.reserve_now(at, &l, now), Admission::Granted);
        }
        // Thousands of one-off names from another client push the map past its capacity.
        let other = client("10.0.1.1");
        for i in 0..5000 {
            let name = alloc::format!("name{i}");
            let at = Attempt {
                client: &other,
                username: &name,
            };
            assert_eq!(t.reserve_now(at, &l, UnixTime(i / 100)), Admission::Granted);
            assert!(t.len() <= 40);
        }
        for c in &locked {
            let at = Attempt {
                client: c,
                username: "victim",
            };
            assert!(matches!(
                t.reserve_now(at, &l, UnixTime(50)),
                Admission::Wait(10)
            ));
        }
    }

    #[test]
    fn keys_do_not_run_into_each_other() {
        let a = Client::from_raw("a:b");
        let b = Client::from_raw("a");
        let l = LoginLimits::default();
        let ka = Attempt {
            client: &a,
            username: "c",
        }
        .counters(&l);
        let kb = Attempt {
            client: &b,
            username: "b:c",
        }
        .counters(&l);
        assert_ne!(ka[0].2, kb[0].2);
    }
}
