//! Refresh-token families (RFC 6749 section 6, rotated as RFC 9700 section 4.14 asks).
//!
//! A password login starts a *family*: its subject, its granted scope, when it started, and its
//! one *current* refresh token. Exchanging the current token (`grant_type=refresh_token`)
//! rotates it: a new token becomes current and the old one stops working. Presenting a token
//! that was already rotated means two parties hold the family's tokens, one of them not the
//! user: the whole family is revoked, and its current token stops working too.
//!
//! Only the SHA-256 hash of a refresh token is ever stored ([`TokenHash`]); the tokens are
//! 256 random bits, so a plain hash is as strong as a slow one and keeps each lookup cheap.
//!
//! [`RefreshTokens`] is the store: [`MemoryRefreshTokens`] in the process (the embedded
//! default), `RedisRefreshTokens` (feature `redis`) or `PgRefreshTokens` (feature `postgres`)
//! for a fleet. Every call must be atomic with respect to every other on the same family, from
//! this process or any other sharing the store: of two concurrent exchanges of one token, one
//! rotates and the other is a reuse.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use sha2::{Digest, Sha256};
use tessera_core::UnixTime;

use crate::throttle::{StoreFuture, Unavailable};

/// The SHA-256 hash of a refresh token: what the stores keep instead of the token.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// The hash of `token`.
    #[must_use]
    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    /// The hash in lower-case hexadecimal (64 characters), for stores keyed by text.
    #[must_use]
    pub fn to_hex(&self) -> String {
        use core::fmt::Write;
        let mut out = String::with_capacity(64);
        for b in self.0 {
            let _ = write!(out, "{b:02x}");
        }
        out
    }
}

impl fmt::Debug for TokenHash {
    /// The first 8 hexadecimal digits only: enough to tell two apart in a test.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({}…)", &self.to_hex()[..8])
    }
}

/// What a family grants: its subject, its scope, when it started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Family {
    /// The family's id: random, chosen by the service when the family starts.
    pub id: String,
    /// The subject (`sub`) of the access tokens it gives.
    pub username: String,
    /// The scope granted at the password login (normalised, space-separated; empty for none).
    /// A refresh grants at most this.
    pub scope: String,
    /// When the password login happened (Unix seconds): a user's
    /// [`crate::Account::tokens_valid_from`] after it ends the family.
    pub started: i64,
}

/// The outcome of [`RefreshTokens::rotate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rotation {
    /// The token was its family's current one and the family is live: the new token is current
    /// now. The family, to issue the access token from.
    Rotated(Family),
    /// The token was rotated before: the family is revoked (now, or already).
    Reused,
    /// No live family has this token: never issued, expired, or its family revoked or
    /// forgotten.
    Unknown,
}

/// Where refresh-token families are kept.
pub trait RefreshTokens: Send + Sync + 'static {
    /// Starts `family` with `token` current, live until `expires`.
    ///
    /// # Errors
    /// [`Unavailable`] when the store cannot be reached.
    fn start<'a>(
        &'a self,
        family: &'a Family,
        token: TokenHash,
        expires: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, ()>;

    /// Exchanges `old` for `new`, live until `expires` (see [`Rotation`]), in one atomic step.
    /// A family's former tokens are remembered as long as the family, so that a reuse is seen.
    ///
    /// # Errors
    /// [`Unavailable`] when the store cannot be reached.
    fn rotate<'a>(
        &'a self,
        old: TokenHash,
        new: TokenHash,
        expires: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, Rotation>;

    /// Revokes the family of `token` (current or former). Whether a live family was found.
    ///
    /// # Errors
    /// [`Unavailable`] when the store cannot be reached.
    fn revoke<'a>(&'a self, token: TokenHash, now: UnixTime) -> StoreFuture<'a, bool>;

    /// The family whose current token is `token`, when it is live (not revoked, not expired
    /// at `now`); `None` otherwise. A read only, changing nothing: the refresh grant looks at
    /// the family's scope before it rotates, so that a request for more scope than the family
    /// holds is refused without spending the token.
    ///
    /// # Errors
    /// [`Unavailable`] when the store cannot be reached.
    fn family<'a>(&'a self, token: TokenHash, now: UnixTime) -> StoreFuture<'a, Option<Family>>;
}

/// How many families one user may have in a [`MemoryRefreshTokens`]: one per device or client
/// the user logs in from; a login beyond drops the user's oldest family.
pub const MAX_FAMILIES_PER_USER: usize = 20;

/// One family in a [`MemoryRefreshTokens`].
#[derive(Debug)]
struct Entry {
    family: Family,
    current: TokenHash,
    /// When the current token expires, and with it the family.
    expires: i64,
    revoked: bool,
    /// Every token of the family, current and former.
    tokens: Vec<TokenHash>,
}

impl Entry {
    fn live(&self, now: UnixTime) -> bool {
        !self.revoked && now.0 < self.expires
    }
}

#[derive(Debug, Default)]
struct Families {
    by_id: HashMap<String, Entry>,
    /// Every token of every family held, to its family's id.
    by_token: HashMap<TokenHash, String>,
    /// The ids of each user's families, oldest first.
    by_user: HashMap<String, VecDeque<String>>,
}

impl Families {
    fn remove(&mut self, id: &str) {
        if let Some(entry) = self.by_id.remove(id) {
            for t in entry.tokens {
                self.by_token.remove(&t);
            }
            let user = &entry.family.username;
            if let Some(ids) = self.by_user.get_mut(user) {
                ids.retain(|other| other != id);
                if ids.is_empty() {
                    self.by_user.remove(user);
                }
            }
        }
    }
}

/// The in-process [`RefreshTokens`]: each process keeps its own, and a restart forgets them
/// (their users log in again); use a shared store for a fleet.
///
/// Bounded: at most [`MAX_FAMILIES_PER_USER`] families per user, a new login dropping that
/// user's oldest (so that one account logging in again and again pushes out only its own), and
/// at most `capacity` families in all. When a login would pass that, expired and revoked
/// families are dropped, then the live ones expiring first, down to three quarters of the
/// capacity: their refresh tokens stop working and their users log in with a password again.
/// Logins never fail for want of room.
#[derive(Debug)]
pub struct MemoryRefreshTokens {
    capacity: usize,
    families: Mutex<Families>,
}

impl Default for MemoryRefreshTokens {
    /// At most 100 000 families.
    fn default() -> Self {
        Self::with_capacity(100_000)
    }
}

impl MemoryRefreshTokens {
    /// A store holding at most `capacity` families (at least 4).
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(4),
            families: Mutex::new(Families::default()),
        }
    }

    /// The number of families held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    /// Whether no family is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Families> {
        self.families.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The synchronous body of [`RefreshTokens::start`].
    pub fn start_now(&self, family: &Family, token: TokenHash, expires: UnixTime, now: UnixTime) {
        let mut f = self.lock();
        if f.by_id.len() >= self.capacity {
            self.evict(&mut f, now);
        }
        f.remove(&family.id);
        let oldest = f
            .by_user
            .get(&family.username)
            .and_then(|ids| (ids.len() >= MAX_FAMILIES_PER_USER).then(|| ids.front().cloned())?);
        if let Some(oldest) = oldest {
            f.remove(&oldest);
        }
        f.by_user
            .entry(family.username.clone())
            .or_default()
            .push_back(family.id.clone());
        f.by_token.insert(token, family.id.clone());
        f.by_id.insert(
            family.id.clone(),
            Entry {
                family: family.clone(),
                current: token,
                expires: expires.0,
                revoked: false,
                tokens: alloc::vec![token],
            },
        );
    }

    /// The synchronous body of [`RefreshTokens::rotate`].
    #[must_use]
    pub fn rotate_now(
        &self,
        old: TokenHash,
        new: TokenHash,
        expires: UnixTime,
        now: UnixTime,
    ) -> Rotation {
        let mut f = self.lock();
        let Some(id) = f.by_token.get(&old).cloned() else {
            return Rotation::Unknown;
        };
        let Some(entry) = f.by_id.get_mut(&id) else {
            return Rotation::Unknown;
        };
        if now.0 >= entry.expires {
            f.remove(&id);
            return Rotation::Unknown;
        }
        if entry.current != old {
            entry.revoked = true;
            return Rotation::Reused;
        }
        if entry.revoked {
            return Rotation::Unknown;
        }
        entry.current = new;
        entry.expires = expires.0;
        entry.tokens.push(new);
        let family = entry.family.clone();
        f.by_token.insert(new, id);
        Rotation::Rotated(family)
    }

    /// The synchronous body of [`RefreshTokens::revoke`].
    pub fn revoke_now(&self, token: TokenHash, now: UnixTime) -> bool {
        let mut f = self.lock();
        let Some(id) = f.by_token.get(&token).cloned() else {
            return false;
        };
        let Some(entry) = f.by_id.get_mut(&id) else {
            return false;
        };
        let was_live = entry.live(now);
        entry.revoked = true;
        was_live
    }

    /// The synchronous body of [`RefreshTokens::family`].
    #[must_use]
    pub fn family_now(&self, token: TokenHash, now: UnixTime) -> Option<Family> {
        let f = self.lock();
        let entry = f.by_id.get(f.by_token.get(&token)?)?;
        (entry.current == token && entry.live(now)).then(|| entry.family.clone())
    }

    fn evict(&self, f: &mut Families, now: UnixTime) {
        let dead: Vec<String> = f
            .by_id
            .iter()
            .filter(|(_, e)| !e.live(now))
            .map(|(id, _)| id.clone())
            .collect();
        for id in dead {
            f.remove(&id);
        }
        let target = self.capacity - self.capacity / 4;
        if f.by_id.len() <= target {
            return;
        }
        let mut live: Vec<(i64, String)> = f
            .by_id
            .iter()
            .map(|(id, e)| (e.expires, id.clone()))
            .collect();
        live.sort_unstable();
        let excess = f.by_id.len() - target;
        for (_, id) in live.into_iter().take(excess) {
            f.remove(&id);
        }
    }
}

impl RefreshTokens for MemoryRefreshTokens {
    fn start<'a>(
        &'a self,
        family: &'a Family,
        token: TokenHash,
        expires: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, ()> {
        self.start_now(family, token, expires, now);
        Box::pin(core::future::ready(Ok(())))
    }

    fn rotate<'a>(
        &'a self,
        old: TokenHash,
        new: TokenHash,
        expires: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, Rotation> {
        let rotation = self.rotate_now(old, new, expires, now);
        Box::pin(core::future::ready(Ok(rotation)))
    }

    fn revoke<'a>(&'a self, token: TokenHash, now: UnixTime) -> StoreFuture<'a, bool> {
        let found = self.revoke_now(token, now);
        Box::pin(core::future::ready(Ok::<_, Unavailable>(found)))
    }

    fn family<'a>(&'a self, token: TokenHash, now: UnixTime) -> StoreFuture<'a, Option<Family>> {
        let family = self.family_now(token, now);
        Box::pin(core::future::ready(Ok(family)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family(id: &str) -> Family {
        Family {
            id: id.into(),
            username: "johndoe".into(),
            scope: "me items".into(),
            started: 100,
        }
    }

    fn h(n: u8) -> TokenHash {
        TokenHash([n; 32])
    }

    #[test]
    fn the_current_token_rotates_once() {
        let store = MemoryRefreshTokens::default();
        store.start_now(&family("f"), h(1), UnixTime(1000), UnixTime(100));
        assert_eq!(
            store.rotate_now(h(1), h(2), UnixTime(2000), UnixTime(200)),
            Rotation::Rotated(family("f"))
        );
        assert_eq!(
            store.rotate_now(h(2), h(3), UnixTime(3000), UnixTime(300)),
            Rotation::Rotated(family("f"))
        );
    }

    #[test]
    fn a_reused_token_revokes_the_family() {
        let store = MemoryRefreshTokens::default();
        store.start_now(&family("f"), h(1), UnixTime(1000), UnixTime(100));
        let _ = store.rotate_now(h(1), h(2), UnixTime(2000), UnixTime(200));
        assert_eq!(
            store.rotate_now(h(1), h(9), UnixTime(2000), UnixTime(210)),
            Rotation::Reused
        );
        // The current token died with the family.
        assert_eq!(
            store.rotate_now(h(2), h(3), UnixTime(2000), UnixTime(220)),
            Rotation::Unknown
        );
        assert_eq!(
            store.rotate_now(h(9), h(4), UnixTime(2000), UnixTime(220)),
            Rotation::Unknown
        );
    }

    #[test]
    fn an_expired_or_unknown_token_does_not_rotate() {
        let store = MemoryRefreshTokens::default();
        store.start_now(&family("f"), h(1), UnixTime(1000), UnixTime(100));
        assert_eq!(
            store.rotate_now(h(7), h(8), UnixTime(2000), UnixTime(200)),
            Rotation::Unknown
        );
        assert_eq!(
            store.rotate_now(h(1), h(2), UnixTime(2000), UnixTime(1000)),
            Rotation::Unknown
        );
        assert!(store.is_empty());
    }

    #[test]
    fn revoking_any_token_of_a_family_ends_it() {
        let store = MemoryRefreshTokens::default();
        store.start_now(&family("f"), h(1), UnixTime(1000), UnixTime(100));
        let _ = store.rotate_now(h(1), h(2), UnixTime(2000), UnixTime(200));
        assert!(store.revoke_now(h(1), UnixTime(300)));
        assert!(!store.revoke_now(h(2), UnixTime(300)), "already revoked");
        assert!(!store.revoke_now(h(5), UnixTime(300)), "never issued");
        assert_eq!(
            store.rotate_now(h(2), h(3), UnixTime(2000), UnixTime(300)),
            Rotation::Unknown
        );
    }

    #[test]
    fn a_full_store_drops_dead_families_then_those_expiring_first() {
        let store = MemoryRefreshTokens::with_capacity(4);
        for (i, exp) in [(1u8, 500), (2, 900), (3, 700), (4, 800)] {
            store.start_now(&family(&i.to_string()), h(i), UnixTime(exp), UnixTime(100));
        }
        assert!(store.revoke_now(h(4), UnixTime(100)));
        // Full: the revoked family makes room, and no live one goes.
        store.start_now(&family("5"), h(5), UnixTime(1000), UnixTime(100));
        assert_eq!(store.len(), 4);
        // Full of live families: the one expiring first (1, at 500) goes.
        store.start_now(&family("6"), h(6), UnixTime(1000), UnixTime(100));
        assert_eq!(store.len(), 4);
        assert_eq!(
            store.rotate_now(h(1), h(11), UnixTime(1000), UnixTime(110)),
            Rotation::Unknown
        );
        for i in [2u8, 3, 5, 6] {
            assert!(matches!(
                store.rotate_now(h(i), h(i + 20), UnixTime(1000), UnixTime(110)),
                Rotation::Rotated(_)
            ));
        }
    }

    #[test]
    fn a_user_logging_in_again_and_again_pushes_out_only_their_own_families() {
        let store = MemoryRefreshTokens::with_capacity(1000);
        let mut alice = family("alice");
        alice.username = "alice".into();
        store.start_now(&alice, h(200), UnixTime(1000), UnixTime(100));
        for i in 0..=MAX_FAMILIES_PER_USER {
            let n = u8::try_from(i).unwrap();
            store.start_now(
                &family(&format!("j{i}")),
                h(n),
                UnixTime(1000),
                UnixTime(100),
            );
        }
        assert_eq!(store.len(), MAX_FAMILIES_PER_USER + 1);
        // johndoe's first family went; his others and alice's stay.
        assert_eq!(store.family_now(h(0), UnixTime(110)), None);
        assert!(store.family_now(h(1), UnixTime(110)).is_some());
        assert_eq!(store.family_now(h(200), UnixTime(110)), Some(alice));
    }

    #[test]
    fn only_a_short_prefix_of_a_hash_is_shown() {
        let text = format!("{:?}", TokenHash::of("secret-refresh-token"));
        assert_eq!(text.len(), "TokenHash(…)".len() + 8);
        assert_eq!(TokenHash::of("x").to_hex().len(), 64);
    }
}
