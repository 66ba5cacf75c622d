//! The refresh grant and revocation in process, where the user store and the token stores can be
//! made to misbehave (docs/behaviour.md, token.refresh, revoke.request and tok.revoked;
//! docs/security.md, O8 and B6): the user's state is read at every refresh, a user the store
//! cannot find leaves the refresh token usable, simultaneous refreshes of one token give one new
//! pair, stores out of reach answer 503 (or a login without a refresh token), and `/revoke`
//! stores nothing for a token that is not valid.

#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tessera_core::http::Style;
use tessera_core::password::Policy;
use tessera_core::{Hs256Key, UnixTime};
use tessera_service::throttle::{StoreFuture, Unavailable};
use tessera_service::{
    Account, Client, Config, Family, MemoryRevocations, RefreshTokens, Revocations, Rotation,
    Service, Tessera, TokenHash, UserStore,
};

const FORM: Option<&str> = Some("application/x-www-form-urlencoded");
const POLICY: Policy = Policy {
    m_cost: 256,
    t_cost: 1,
    p_cost: 1,
    output_len: 32,
    max_password_len: 1024,
};

#[derive(Clone)]
struct User {
    hash: Arc<str>,
    active: bool,
    valid_from: Option<i64>,
}

impl Account for User {
    fn password_hash(&self) -> &str {
        &self.hash
    }
    fn is_active(&self) -> bool {
        self.active
    }
    fn tokens_valid_from(&self) -> Option<i64> {
        self.valid_from
    }
}

/// Users that a test may change, hide or disable while tokens are out.
#[derive(Default)]
struct Users(Mutex<HashMap<String, User>>);

impl Users {
    fn set(&self, name: &str, change: impl FnOnce(&mut User)) {
        change(self.0.lock().unwrap().get_mut(name).unwrap());
    }
}

impl UserStore for Users {
    type User = User;

    async fn find(&self, username: &str) -> Option<User> {
        self.0.lock().unwrap().get(username).cloned()
    }
}

fn app(with: impl FnOnce(Service) -> Service) -> Tessera<Users> {
    let config = Config {
        style: Style::Rfc,
        scope_claim: true,
        policy: POLICY,
        ..Config::default()
    };
    let service = with(Service::new(Hs256Key::new(&[7; 32]).unwrap(), config));
    let users = Users::default();
    users.0.lock().unwrap().insert(
        "ann".into(),
        User {
            hash: POLICY.hash_with_salt(b"pw", &[3; 16]).unwrap().into(),
            active: true,
            valid_from: None,
        },
    );
    Tessera::new(service, users)
}

fn client() -> Client {
    Client::from_peer("192.0.2.9".parse().unwrap())
}

async fn post(t: &Tessera<Users>, body: &str) -> (u16, Value) {
    let r = t.token(&client(), FORM, body.as_bytes().to_vec()).await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

async fn login(t: &Tessera<Users>) -> (String, String) {
    let (status, v) = post(t, "username=ann&password=pw&scope=me+items").await;
    assert_eq!(status, 200, "{v}");
    (
        v["access_token"].as_str().unwrap().to_owned(),
        v["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn refresh(t: &Tessera<Users>, token: &str) -> (u16, Value) {
    post(
        t,
        &format!("grant_type=refresh_token&refresh_token={token}"),
    )
    .await
}

fn bearer(token: &str) -> Vec<u8> {
    format!("Bearer {token}").into_bytes()
}

#[tokio::test]
async fn the_users_state_is_read_at_every_refresh() {
    let t = app(|s| s);
    // Not found (gone, or the store cannot answer): refused, and the token stays usable.
    let (_, r0) = login(&t).await;
    let hidden = t.store().0.lock().unwrap().remove("ann").unwrap();
    assert_eq!(refresh(&t, &r0).await.1["error"], "invalid_grant");
    t.store().0.lock().unwrap().insert("ann".into(), hidden);
    let (status, v) = refresh(&t, &r0).await;
    assert_eq!(status, 200, "{v}");
    let r1 = v["refresh_token"].as_str().unwrap().to_owned();

    // Disabled: refused, and the family ends (enabling the user again does not revive it).
    t.store().set("ann", |u| u.active = false);
    assert_eq!(refresh(&t, &r1).await.1["error"], "invalid_grant");
    t.store().set("ann", |u| u.active = true);
    assert_eq!(refresh(&t, &r1).await.1["error"], "invalid_grant");

    // "Log out everywhere" after the family's login: the family ends; a later login refreshes.
    let (_, r2) = login(&t).await;
    let later = UnixTime::now().0 + 1;
    t.store().set("ann", |u| u.valid_from = Some(later));
    assert_eq!(refresh(&t, &r2).await.1["error"], "invalid_grant");
    t.store().set("ann", |u| u.valid_from = Some(later - 3600));
    assert_eq!(
        refresh(&t, &r2).await.1["error"],
        "invalid_grant",
        "revoked"
    );
}

#[tokio::test]
async fn simultaneous_refreshes_of_one_token_give_one_new_pair() {
    let t = app(|s| s);
    let (_, r0) = login(&t).await;
    let answers = spawn_refreshes(&t, &r0, 16).await;
    let ok = answers.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(ok, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|(s, v)| *s == 200 || v["error"] == "invalid_grant")
    );
    // The winner's new token died with the family when the others presented the old one.
    let winner = answers.iter().find(|(s, _)| *s == 200).unwrap();
    let r1 = winner.1["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(&t, r1).await.1["error"], "invalid_grant");
}

async fn spawn_refreshes(t: &Tessera<Users>, token: &str, n: usize) -> Vec<(u16, Value)> {
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (t, token) = (t.clone(), token.to_owned());
            tokio::spawn(async move { refresh(&t, &token).await })
        })
        .collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_refresh_keeps_or_narrows_the_scope_and_issues_a_fresh_token() {
    let t = app(|s| s);
    let (access, r0) = login(&t).await;
    let (status, v) = post(
        &t,
        &format!("grant_type=refresh_token&refresh_token={r0}&scope=items"),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["scope"], "items");
    let fresh = v["access_token"].as_str().unwrap();
    assert_ne!(fresh, access);
    let claims = t.claims([&bearer(fresh)[..]]).await.unwrap();
    assert_eq!(claims.scope.as_deref(), Some("items"));
    assert_ne!(
        claims.jti,
        t.claims([&bearer(&access)[..]]).await.unwrap().jti
    );
}

#[tokio::test]
async fn revoke_stores_only_valid_access_tokens_until_they_expire() {
    let revoked = Arc::new(MemoryRevocations::default());
    let store = Arc::clone(&revoked);
    let t = app(move |s| s.with_revocations(Shared(store)));
    let (access, _) = login(&t).await;
    let form = |token: &str| format!("token={token}").into_bytes();

    // Forged, expired and foreign tokens: 200, and nothing is stored.
    let expired = t
        .service()
        .issue("ann", "", UnixTime(UnixTime::now().0 - 3600))
        .unwrap();
    let forged = format!("{}x", &access[..access.len() - 1]);
    for token in [expired.as_str(), forged.as_str(), "a.b.c", "no-token"] {
        let r = t.revoke(FORM, form(token)).await;
        assert_eq!((r.status, r.body.as_str()), (200, ""));
    }
    assert!(revoked.is_empty());

    let r = t.revoke(FORM, form(&access)).await;
    assert_eq!((r.status, r.body.as_str()), (200, ""));
    assert_eq!(revoked.len(), 1);
    let refused = t.claims([&bearer(&access)[..]]).await.unwrap_err();
    assert_eq!(refused.status(), 401);
    // Until its expiry, and no longer.
    let jti = t
        .service()
        .verifier()
        .verify_owned(&access, UnixTime::now());
    let claims = jti.unwrap();
    let exp = claims.exp.unwrap().floor_secs();
    let jti = claims.jti.unwrap();
    assert!(revoked.is_revoked_now(&jti, UnixTime(exp - 1)));
    assert!(!revoked.is_revoked_now(&jti, UnixTime(exp + 1)));
}

/// Revocations shared with the test.
struct Shared(Arc<MemoryRevocations>);

impl Revocations for Shared {
    fn revoke<'a>(&'a self, jti: &'a str, until: UnixTime, now: UnixTime) -> StoreFuture<'a, ()> {
        self.0.revoke(jti, until, now)
    }
    fn is_revoked<'a>(&'a self, jti: &'a str, now: UnixTime) -> StoreFuture<'a, bool> {
        self.0.is_revoked(jti, now)
    }
}

/// Stores that cannot be reached.
struct Down;

impl Revocations for Down {
    fn revoke<'a>(&'a self, _: &'a str, _: UnixTime, _: UnixTime) -> StoreFuture<'a, ()> {
        Box::pin(async { Err(Unavailable) })
    }
    fn is_revoked<'a>(&'a self, _: &'a str, _: UnixTime) -> StoreFuture<'a, bool> {
        Box::pin(async { Err(Unavailable) })
    }
}

impl RefreshTokens for Down {
    fn start<'a>(
        &'a self,
        _: &'a Family,
        _: TokenHash,
        _: UnixTime,
        _: UnixTime,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async { Err(Unavailable) })
    }
    fn rotate<'a>(
        &'a self,
        _: TokenHash,
        _: TokenHash,
        _: UnixTime,
        _: UnixTime,
    ) -> StoreFuture<'a, Rotation> {
        Box::pin(async { Err(Unavailable) })
    }
    fn revoke<'a>(&'a self, _: TokenHash, _: UnixTime) -> StoreFuture<'a, bool> {
        Box::pin(async { Err(Unavailable) })
    }
    fn family<'a>(&'a self, _: TokenHash, _: UnixTime) -> StoreFuture<'a, Option<Family>> {
        Box::pin(async { Err(Unavailable) })
    }
}

#[tokio::test]
async fn stores_out_of_reach_fail_closed() {
    let t = app(|s| s.with_revocations(Down).with_refresh_tokens(Down));
    // A login still answers its access token, without a refresh token.
    let (status, v) = post(&t, "username=ann&password=pw").await;
    assert_eq!(status, 200, "{v}");
    assert!(v.get("refresh_token").is_none(), "{v}");
    let access = v["access_token"].as_str().unwrap().to_owned();
    // A token with a jti cannot be told unrevoked: 503 with Retry-After.
    let refused = t.claims([&bearer(&access)[..]]).await.unwrap_err();
    let answer = refused.response();
    assert_eq!(answer.status, 503);
    assert_eq!(answer.header("retry-after"), Some("5"));
    // Refresh and revoke: 503.
    let r = t
        .token(
            &client(),
            FORM,
            b"grant_type=refresh_token&refresh_token=x".to_vec(),
        )
        .await;
    assert_eq!((r.status, r.header("retry-after")), (503, Some("5")));
    let r = t.revoke(FORM, format!("token={access}").into_bytes()).await;
    assert_eq!(r.status, 503);
    let r = t.revoke(FORM, b"token=opaque".to_vec()).await;
    assert_eq!(r.status, 503);
}

#[tokio::test]
async fn with_the_check_off_the_store_is_not_asked() {
    let t = app(|s| s);
    let config = Config {
        style: Style::Rfc,
        revocation_check: false,
        ..Config::default()
    };
    let unchecked = Tessera::new(
        Service::new(Hs256Key::new(&[7; 32]).unwrap(), config).with_revocations(Down),
        Users::default(),
    );
    let (access, _) = login(&t).await;
    assert!(unchecked.claims([&bearer(&access)[..]]).await.is_ok());
}
