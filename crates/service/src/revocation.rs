//! Revoked access tokens: the `jti` of every access token revoked through `POST /revoke`,
//! refused from then until the token's own `exp`.
//!
//! [`Revocations`] is the store: [`MemoryRevocations`] in the process (the embedded default),
//! or a shared one (`RedisRevocations`, feature `redis`) so that a token revoked on one instance
//! is refused by every instance. The check runs on every protected request, so the in-process
//! store answers without locking while nothing is revoked and with one short lock otherwise.

use alloc::boxed::Box;
use alloc::string::String;
use core::sync::atomic::{AtomicUsize, Ordering};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tessera_core::UnixTime;

use crate::throttle::{StoreFuture, Unavailable};

/// Where revoked token ids are kept until their tokens expire.
///
/// Both calls must see every revocation made before them, from this process or any other
/// sharing the store.
pub trait Revocations: Send + Sync + 'static {
    /// Refuses the token `jti` from now until `until` (its `exp`, Unix seconds). Revoking a
    /// revoked token again changes nothing (but may extend its entry to the later `until`).
    ///
    /// # Errors
    /// [`Unavailable`] when the store cannot be reached or, for a bounded store, is full of
    /// live entries.
    fn revoke<'a>(&'a self, jti: &'a str, until: UnixTime, now: UnixTime) -> StoreFuture<'a, ()>;

    /// Whether `jti` was revoked and its token has not expired yet at `now`.
    ///
    /// # Errors
    /// [`Unavailable`] when the store cannot be reached (the request is then refused with 503
    /// rather than let through).
    fn is_revoked<'a>(&'a self, jti: &'a str, now: UnixTime) -> StoreFuture<'a, bool>;

    /// The answer of [`is_revoked`](Self::is_revoked) when the store can give it at once,
    /// without waiting and without allocating (an in-process store); `None` (the default) when
    /// it must be asked. The check on every protected request tries this first.
    fn is_revoked_at_once(&self, jti: &str, now: UnixTime) -> Option<bool> {
        let _ = (jti, now);
        None
    }
}

/// The in-process [`Revocations`]: each process keeps its own, and a restart forgets them; use
/// a shared store for a fleet.
///
/// Bounded: at most `capacity` entries. When a revocation would pass it, entries whose tokens
/// have expired are dropped; if the store is still full, the revocation is refused
/// ([`Unavailable`]) rather than forget a live one. There is one entry per revoked, unexpired
/// access token, and no more of those than logins within one token lifetime: the hashing pool
/// bounds logins (about 50 a second per hashing thread with the default policy), so the default
/// million entries (about 100 MB at most) holds every token a server of up to 10 or so cores
/// can issue in 30 minutes.
#[derive(Debug)]
pub struct MemoryRevocations {
    capacity: usize,
    /// `entries.len()`, read without the lock on the request path.
    count: AtomicUsize,
    entries: Mutex<HashMap<String, i64>>,
}

impl Default for MemoryRevocations {
    /// At most 1 000 000 entries.
    fn default() -> Self {
        Self::with_capacity(1_000_000)
    }
}

impl MemoryRevocations {
    /// A store holding at most `capacity` entries (at least 1).
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            count: AtomicUsize::new(0),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The number of entries held (expired ones included until they are swept).
    #[must_use]
    pub fn len(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    /// Whether no entry is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, i64>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The synchronous body of [`Revocations::revoke`].
    ///
    /// # Errors
    /// [`Unavailable`] when the store is full of unexpired entries.
    pub fn revoke_now(&self, jti: &str, until: UnixTime, now: UnixTime) -> Result<(), Unavailable> {
        if until.0 <= now.0 {
            // An expired token is refused anyway.
            return Ok(());
        }
        let mut map = self.lock();
        if let Some(old) = map.get_mut(jti) {
            *old = (*old).max(until.0);
            return Ok(());
        }
        if map.len() >= self.capacity {
            map.retain(|_, until| *until > now.0);
            if map.len() >= self.capacity {
                self.count.store(map.len(), Ordering::Release);
                return Err(Unavailable);
            }
        }
        map.insert(String::from(jti), until.0);
        self.count.store(map.len(), Ordering::Release);
        Ok(())
    }

    /// The synchronous body of [`Revocations::is_revoked`].
    #[must_use]
    pub fn is_revoked_now(&self, jti: &str, now: UnixTime) -> bool {
        if self.count.load(Ordering::Acquire) == 0 {
            return false;
        }
        self.lock().get(jti).is_some_and(|until| *until > now.0)
    }
}

impl Revocations for MemoryRevocations {
    fn revoke<'a>(&'a self, jti: &'a str, until: UnixTime, now: UnixTime) -> StoreFuture<'a, ()> {
        let done = self.revoke_now(jti, until, now);
        Box::pin(core::future::ready(done))
    }

    fn is_revoked<'a>(&'a self, jti: &'a str, now: UnixTime) -> StoreFuture<'a, bool> {
        let revoked = self.is_revoked_now(jti, now);
        Box::pin(core::future::ready(Ok(revoked)))
    }

    fn is_revoked_at_once(&self, jti: &str, now: UnixTime) -> Option<bool> {
        Some(self.is_revoked_now(jti, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revoked_id_is_refused_until_its_token_expires() {
        let store = MemoryRevocations::default();
        assert!(!store.is_revoked_now("a", UnixTime(100)));
        store.revoke_now("a", UnixTime(200), UnixTime(100)).unwrap();
        assert!(store.is_revoked_now("a", UnixTime(100)));
        assert!(store.is_revoked_now("a", UnixTime(199)));
        assert!(!store.is_revoked_now("a", UnixTime(200)));
        assert!(!store.is_revoked_now("b", UnixTime(100)));
    }

    #[test]
    fn revoking_again_keeps_the_later_expiry() {
        let store = MemoryRevocations::default();
        store.revoke_now("a", UnixTime(300), UnixTime(100)).unwrap();
        store.revoke_now("a", UnixTime(200), UnixTime(100)).unwrap();
        assert!(store.is_revoked_now("a", UnixTime(250)));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn an_expired_token_is_not_stored() {
        let store = MemoryRevocations::default();
        store.revoke_now("a", UnixTime(100), UnixTime(100)).unwrap();
        assert!(store.is_empty());
    }

    #[test]
    fn a_full_store_drops_expired_entries_and_never_a_live_one() {
        let store = MemoryRevocations::with_capacity(2);
        store.revoke_now("a", UnixTime(150), UnixTime(100)).unwrap();
        store.revoke_now("b", UnixTime(300), UnixTime(100)).unwrap();
        // "a" has expired by 160: it makes room.
        store.revoke_now("c", UnixTime(300), UnixTime(160)).unwrap();
        assert_eq!(store.len(), 2);
        // Both live: the next revocation is refused, and both stay refused.
        assert_eq!(
            store.revoke_now("d", UnixTime(300), UnixTime(170)),
            Err(Unavailable)
        );
        assert!(store.is_revoked_now("b", UnixTime(170)));
        assert!(store.is_revoked_now("c", UnixTime(170)));
        assert!(!store.is_revoked_now("d", UnixTime(170)));
    }
}
