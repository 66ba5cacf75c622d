//! The semantics every store of refresh-token families and of revoked tokens must have, as
//! async checks over a `dyn` store: `tests/stores.rs` runs them against the in-process stores,
//! `tests/redis.rs` and `tests/postgres.rs` against the shared ones. The rules are those of
//! `src/refresh.rs` and `src/revocation.rs` (module and trait docs).
//!
//! Every check makes its own family ids and token hashes (random), so several may share one
//! store. Times are real Unix seconds, a check moving `now` forward past an expiry by passing
//! a later `now` (stores compare the `now` they are given with the expiry they keep).
#![allow(dead_code, clippy::unwrap_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use tessera_core::UnixTime;
use tessera_service::{Family, RefreshTokens, Revocations, Rotation, TokenHash};

pub(crate) fn now() -> UnixTime {
    UnixTime(
        i64::try_from(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .unwrap(),
    )
}

fn later(t: UnixTime, secs: i64) -> UnixTime {
    UnixTime(t.0 + secs)
}

/// A random token hash.
pub(crate) fn token() -> TokenHash {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).unwrap();
    TokenHash(b)
}

/// A family with a random id.
pub(crate) fn family(username: &str, scope: &str) -> Family {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    Family {
        id: b.iter().map(|x| format!("{x:02x}")).collect(),
        username: username.into(),
        scope: scope.into(),
        started: now().0,
    }
}

/// Rotation: the current token rotates once; the new one is current; the family comes back
/// whole; `family` finds it through its current token only, changing nothing.
pub(crate) async fn rotation(store: &dyn RefreshTokens) {
    let t0 = now();
    let f = family("johndoe", "me items");
    let (a, b, c) = (token(), token(), token());
    store.start(&f, a, later(t0, 1000), t0).await.unwrap();
    assert_eq!(store.family(a, t0).await.unwrap(), Some(f.clone()));
    assert_eq!(
        store.family(a, t0).await.unwrap(),
        Some(f.clone()),
        "a read changes nothing"
    );
    assert_eq!(
        store.family(a, later(t0, 1000)).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(
        store.family(token(), t0).await.unwrap(),
        None,
        "never issued"
    );
    assert_eq!(
        store
            .rotate(a, b, later(t0, 2000), later(t0, 10))
            .await
            .unwrap(),
        Rotation::Rotated(f.clone())
    );
    assert_eq!(
        store
            .rotate(b, c, later(t0, 3000), later(t0, 20))
            .await
            .unwrap(),
        Rotation::Rotated(f.clone())
    );
    // The rotation moved the expiry: `c` is live past the first token's expiry.
    let d = token();
    assert_eq!(
        store
            .rotate(c, d, later(t0, 3000), later(t0, 1500))
            .await
            .unwrap(),
        Rotation::Rotated(f)
    );
}

/// Reuse: presenting a rotated token revokes the family; its current token dies with it.
pub(crate) async fn reuse(store: &dyn RefreshTokens) {
    let t0 = now();
    let f = family("johndoe", "");
    let (a, b) = (token(), token());
    store.start(&f, a, later(t0, 1000), t0).await.unwrap();
    let _ = store
        .rotate(a, b, later(t0, 1000), later(t0, 1))
        .await
        .unwrap();
    assert_eq!(
        store
            .rotate(a, token(), later(t0, 1000), later(t0, 2))
            .await
            .unwrap(),
        Rotation::Reused
    );
    assert_eq!(
        store
            .rotate(b, token(), later(t0, 1000), later(t0, 3))
            .await
            .unwrap(),
        Rotation::Unknown
    );
    assert_eq!(
        store
            .rotate(a, token(), later(t0, 1000), later(t0, 4))
            .await
            .unwrap(),
        Rotation::Reused,
        "a former token stays a reuse"
    );
}

/// Unknown: a token never issued, or one whose family has expired, does not rotate.
pub(crate) async fn unknown_and_expired(store: &dyn RefreshTokens) {
    let t0 = now();
    assert_eq!(
        store
            .rotate(token(), token(), later(t0, 1000), t0)
            .await
            .unwrap(),
        Rotation::Unknown
    );
    let f = family("johndoe", "");
    let a = token();
    store.start(&f, a, later(t0, 100), t0).await.unwrap();
    assert_eq!(
        store
            .rotate(a, token(), later(t0, 1000), later(t0, 100))
            .await
            .unwrap(),
        Rotation::Unknown
    );
}

/// Revocation of a family through any of its tokens.
pub(crate) async fn revoke_family(store: &dyn RefreshTokens) {
    let t0 = now();
    let f = family("johndoe", "");
    let (a, b) = (token(), token());
    store.start(&f, a, later(t0, 1000), t0).await.unwrap();
    let _ = store
        .rotate(a, b, later(t0, 1000), later(t0, 1))
        .await
        .unwrap();
    assert!(
        store.revoke(a, later(t0, 2)).await.unwrap(),
        "through a former token"
    );
    assert!(
        !store.revoke(b, later(t0, 3)).await.unwrap(),
        "already revoked"
    );
    assert!(
        !store.revoke(token(), later(t0, 3)).await.unwrap(),
        "never issued"
    );
    assert_eq!(
        store
            .rotate(b, token(), later(t0, 1000), later(t0, 4))
            .await
            .unwrap(),
        Rotation::Unknown
    );
    // Another family is untouched.
    let g = family("alice", "");
    let c = token();
    store.start(&g, c, later(t0, 1000), t0).await.unwrap();
    assert!(store.revoke(c, later(t0, 5)).await.unwrap());
}

/// Concurrency: `n` simultaneous exchanges of one token, spread over the given handles (one
/// store, or several handles to one shared store): exactly one rotates, every other is a
/// reuse, and the family ends revoked.
pub(crate) async fn concurrent_exchanges(handles: &[&dyn RefreshTokens], n: usize) {
    let t0 = now();
    let f = family("johndoe", "");
    let a = token();
    handles[0].start(&f, a, later(t0, 1000), t0).await.unwrap();
    let news: Vec<TokenHash> = (0..n).map(|_| token()).collect();
    let results = futures_util_join(handles, a, &news, later(t0, 1000), later(t0, 1)).await;
    let rotated: Vec<usize> = (0..n)
        .filter(|&i| matches!(results[i], Rotation::Rotated(_)))
        .collect();
    assert_eq!(rotated.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Rotation::Rotated(_) | Rotation::Reused)),
        "every loser presented a rotated token: {results:?}"
    );
    if n > 1 {
        // Someone presented a rotated token: the winner's new token is dead too.
        assert_eq!(
            handles[0]
                .rotate(news[rotated[0]], token(), later(t0, 1000), later(t0, 2))
                .await
                .unwrap(),
            Rotation::Unknown
        );
    }
}

async fn futures_util_join(
    handles: &[&dyn RefreshTokens],
    old: TokenHash,
    news: &[TokenHash],
    expires: UnixTime,
    now: UnixTime,
) -> Vec<Rotation> {
    let futures: Vec<_> = news
        .iter()
        .enumerate()
        .map(|(i, new)| handles[i % handles.len()].rotate(old, *new, expires, now))
        .collect();
    let mut out = Vec::with_capacity(futures.len());
    // Start every exchange before awaiting any: polled together, they race in the store.
    let mut pinned: Vec<_> = futures.into_iter().map(Some).collect();
    let mut done: Vec<Option<Rotation>> = vec![None; pinned.len()];
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, result) in pinned.iter_mut().zip(done.iter_mut()) {
            if let Some(fut) = slot {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(r) => {
                        *result = Some(r.unwrap());
                        *slot = None;
                    }
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.extend(done.into_iter().map(Option::unwrap));
    out
}

/// One user's logins past `MAX_FAMILIES_PER_USER` push out that user's oldest families, never
/// the newest nor another user's.
pub(crate) async fn per_user_cap(store: &dyn RefreshTokens) {
    use tessera_service::refresh::MAX_FAMILIES_PER_USER;
    let t0 = now();
    let user = family("x", "").id;
    let other = family("other", "");
    let other_token = token();
    store
        .start(&other, other_token, later(t0, 1000), t0)
        .await
        .unwrap();
    let mut tokens = Vec::new();
    for i in 0..MAX_FAMILIES_PER_USER + 2 {
        let mut f = family(&user, "");
        f.started = t0.0 + i64::try_from(i).unwrap();
        let t = token();
        store.start(&f, t, later(t0, 1000), t0).await.unwrap();
        tokens.push(t);
    }
    for (i, t) in tokens.iter().enumerate() {
        let live = store.family(*t, t0).await.unwrap().is_some();
        assert_eq!(live, i >= 2, "family {i} of {}", tokens.len());
    }
    assert_eq!(store.family(other_token, t0).await.unwrap(), Some(other));
}

/// Revoked access tokens: refused until their expiry, by every handle given (one store or
/// several handles to one shared store); another id is not.
pub(crate) async fn revocations(handles: &[&dyn Revocations]) {
    let t0 = now();
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).unwrap();
    let jti: String = b.iter().map(|x| format!("{x:02x}")).collect();
    for h in handles {
        assert!(!h.is_revoked(&jti, t0).await.unwrap());
    }
    handles[0].revoke(&jti, later(t0, 100), t0).await.unwrap();
    for h in handles {
        assert!(h.is_revoked(&jti, t0).await.unwrap());
        assert!(h.is_revoked(&jti, later(t0, 99)).await.unwrap());
        assert!(
            !h.is_revoked(&jti, later(t0, 100)).await.unwrap(),
            "expired with its token"
        );
        assert!(!h.is_revoked(&format!("{jti}x"), t0).await.unwrap());
    }
    // Revoking again never shortens the entry.
    handles[handles.len() - 1]
        .revoke(&jti, later(t0, 50), t0)
        .await
        .unwrap();
    assert!(handles[0].is_revoked(&jti, later(t0, 99)).await.unwrap());
}
