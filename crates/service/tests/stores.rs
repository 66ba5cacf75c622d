//! The in-process stores against the semantics every store must have (`tests/common/stores.rs`,
//! after `src/refresh.rs` and `src/revocation.rs`; `tests/common/throttle.rs`, after
//! `src/throttle.rs`).
#![allow(missing_docs)]

mod common;

use common::{stores, throttle};
use tessera_service::{MemoryRefreshTokens, MemoryRevocations, MemoryThrottle};

#[tokio::test]
async fn memory_refresh_tokens() {
    let store = MemoryRefreshTokens::default();
    stores::rotation(&store).await;
    stores::reuse(&store).await;
    stores::unknown_and_expired(&store).await;
    stores::revoke_family(&store).await;
    stores::concurrent_exchanges(&[&store], 16).await;
    stores::per_user_cap(&store).await;
}

#[tokio::test]
async fn memory_revocations() {
    let store = MemoryRevocations::default();
    stores::revocations(&[&store]).await;
}

#[tokio::test]
async fn memory_throttle() {
    throttle::all(&MemoryThrottle::default()).await;
}
