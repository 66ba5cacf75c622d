//! The semantics every login throttle must have (docs/behaviour.md, token.throttle and
//! token.clears), as async checks over a `dyn Throttle`: `tests/stores.rs` runs them against
//! the in-process throttle and `tests/redis.rs` against Redis. The rules are those of
//! `src/throttle.rs` (`Throttle`, `Release`).
//!
//! Every check uses clients and usernames of its own (random), so several may share one store,
//! and real time: the Redis throttle keeps its windows on Redis's clock, so waits are checked
//! within the second or few a check may take.
#![allow(dead_code, clippy::unwrap_used)]

use tessera_core::UnixTime;
use tessera_service::Client;
use tessera_service::throttle::{Admission, Attempt, Limit, LoginLimits, Release, Throttle};

fn limits(pair: u32, client: u32, username: u32) -> LoginLimits {
    LoginLimits {
        pair: Limit::new(pair, 60),
        client: Limit::new(client, 600),
        username: Limit::new(username, 3600),
    }
}

/// A random IPv4 client in 10.0.0.0/8.
fn client() -> Client {
    let mut b = [0u8; 3];
    getrandom::fill(&mut b).unwrap();
    Client::from_peer(format!("10.{}.{}.{}", b[0], b[1], b[2]).parse().unwrap())
}

/// A random username.
fn name() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn at<'a>(client: &'a Client, username: &'a str) -> Attempt<'a> {
    Attempt { client, username }
}

async fn reserve(t: &dyn Throttle, a: Attempt<'_>, l: &LoginLimits) -> Admission {
    t.reserve(a, l, UnixTime::now()).await.unwrap()
}

/// The wait of a refused attempt, within `window - slack ..= window` seconds.
#[track_caller]
fn waits(admission: Admission, window: u32) {
    match admission {
        Admission::Wait(s) => assert!(
            (window - 5..=window).contains(&s),
            "wait {s}, not ~{window}"
        ),
        Admission::Granted => panic!("granted, a wait of ~{window} s was expected"),
    }
}

/// A (client, username) pair waits after its limit; another client on that username and that
/// client on another username do not.
pub(crate) async fn pair_limit(t: &dyn Throttle) {
    let l = limits(3, 0, 0);
    let (a, b, user) = (client(), client(), name());
    for _ in 0..3 {
        assert_eq!(reserve(t, at(&a, &user), &l).await, Admission::Granted);
    }
    waits(reserve(t, at(&a, &user), &l).await, 60);
    assert_eq!(reserve(t, at(&b, &user), &l).await, Admission::Granted);
    assert_eq!(reserve(t, at(&a, &name()), &l).await, Admission::Granted);
}

/// One client's failures over every username are capped; another client is not.
pub(crate) async fn client_ceiling(t: &dyn Throttle) {
    let l = limits(100, 3, 0);
    let (a, b) = (client(), client());
    for _ in 0..3 {
        assert_eq!(reserve(t, at(&a, &name()), &l).await, Admission::Granted);
    }
    waits(reserve(t, at(&a, &name()), &l).await, 600);
    assert_eq!(reserve(t, at(&b, &name()), &l).await, Admission::Granted);
}

/// One username's failures from every client are capped; other usernames are not; a limit of
/// zero is off, and every limit off counts nothing.
pub(crate) async fn username_ceiling(t: &dyn Throttle) {
    let on = limits(5, 0, 2);
    let cs = [client(), client(), client()];
    let alice = name();
    assert_eq!(
        reserve(t, at(&cs[0], &alice), &on).await,
        Admission::Granted
    );
    assert_eq!(
        reserve(t, at(&cs[1], &alice), &on).await,
        Admission::Granted
    );
    waits(reserve(t, at(&cs[2], &alice), &on).await, 3600);
    assert_eq!(
        reserve(t, at(&cs[2], &name()), &on).await,
        Admission::Granted
    );

    let off = limits(5, 0, 0);
    let bob = name();
    for c in &cs {
        for _ in 0..5 {
            assert_eq!(reserve(t, at(c, &bob), &off).await, Admission::Granted);
        }
    }
    let none = limits(0, 0, 0);
    for _ in 0..10 {
        assert_eq!(
            reserve(t, at(&cs[0], &bob), &none).await,
            Admission::Granted
        );
    }
    t.release(at(&cs[0], &bob), &none, Release::Undone)
        .await
        .unwrap();
}

/// A success clears its own pair and gives back only its own place in the client's count: it
/// does not reset a client's spraying budget.
pub(crate) async fn success(t: &dyn Throttle) {
    let l = limits(2, 3, 0);
    let a = client();
    let (x, y) = (name(), name());
    assert_eq!(reserve(t, at(&a, &x), &l).await, Admission::Granted);
    assert_eq!(reserve(t, at(&a, &x), &l).await, Admission::Granted);
    waits(reserve(t, at(&a, &x), &l).await, 60);
    // A success on another name gives only its own attempt back.
    assert_eq!(reserve(t, at(&a, &y), &l).await, Admission::Granted);
    t.release(at(&a, &y), &l, Release::Succeeded).await.unwrap();
    assert_eq!(reserve(t, at(&a, &name()), &l).await, Admission::Granted);
    waits(reserve(t, at(&a, &name()), &l).await, 600);
    // A success on the locked pair frees the pair and gives back its one place: the pair may
    // try again, once, and then the client's count is full again.
    t.release(at(&a, &x), &l, Release::Succeeded).await.unwrap();
    assert_eq!(reserve(t, at(&a, &x), &l).await, Admission::Granted);
    waits(reserve(t, at(&a, &name()), &l).await, 600);
}

/// An attempt whose password was never checked gives back its place in every count; releasing
/// what is not counted takes nothing below zero.
pub(crate) async fn undone(t: &dyn Throttle) {
    let l = limits(1, 1, 1);
    let (a, u) = (client(), name());
    assert_eq!(reserve(t, at(&a, &u), &l).await, Admission::Granted);
    assert!(matches!(
        reserve(t, at(&a, &u), &l).await,
        Admission::Wait(_)
    ));
    t.release(at(&a, &u), &l, Release::Undone).await.unwrap();
    assert_eq!(reserve(t, at(&a, &u), &l).await, Admission::Granted);
    t.release(at(&a, &u), &l, Release::Undone).await.unwrap();
    t.release(at(&a, &u), &l, Release::Undone).await.unwrap();
    assert_eq!(reserve(t, at(&a, &u), &l).await, Admission::Granted);
    assert!(matches!(
        reserve(t, at(&a, &u), &l).await,
        Admission::Wait(_)
    ));
}

/// Every check, in turn.
pub(crate) async fn all(t: &dyn Throttle) {
    pair_limit(t).await;
    client_ceiling(t).await;
    username_ceiling(t).await;
    success(t).await;
    undone(t).await;
}
