//! The `/token` flow under attack, in process: atomic check-and-reserve, limits per (client,
//! username), per client and per username, one login per client at a time, the fair hashing
//! queue, and failing closed when the throttle's store is down (docs/behaviour.md,
//! token.throttle and token.concurrency; docs/security.md, O5).

#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use tessera_core::password::Policy;
use tessera_core::{Hs256Key, UnixTime};
use tessera_service::throttle::{
    Admission, Attempt, Limit, LoginLimits, Release, StoreFuture, Unavailable,
};
use tessera_service::{Account, Client, Config, HashGate, Service, Tessera, Throttle, UserStore};
use tokio::sync::Semaphore;

const FORM: Option<&str> = Some("application/x-www-form-urlencoded");
// Cheap enough for many logins, dear enough (a few ms) that logins overlap.
const POLICY: Policy = Policy {
    m_cost: 2048,
    t_cost: 1,
    p_cost: 1,
    output_len: 32,
    max_password_len: 1024,
};

#[derive(Clone)]
struct User(Arc<str>);

impl Account for User {
    fn password_hash(&self) -> &str {
        &self.0
    }
}

/// johndoe with password `secret`; every lookup first takes a permit of `gate` (closed, it holds
/// logins between the throttle and the hash).
struct Store {
    john: User,
    gate: Arc<Semaphore>,
}

impl UserStore for Store {
    type User = User;

    async fn find(&self, username: &str) -> Option<User> {
        let _pass = self.gate.acquire().await.unwrap();
        (username == "johndoe").then(|| self.john.clone())
    }
}

fn app(limits: LoginLimits, config: Config, store_gate: Arc<Semaphore>) -> Tessera<Store> {
    app_with(limits, config, store_gate, None)
}

fn app_with(
    limits: LoginLimits,
    config: Config,
    store_gate: Arc<Semaphore>,
    throttle: Option<Box<dyn FnOnce(Service) -> Service>>,
) -> Tessera<Store> {
    let config = Config {
        limits,
        policy: POLICY,
        ..config
    };
    let mut service =
        Service::new(Hs256Key::new(&[5; 32]).unwrap(), config).with_gate(HashGate::new(1));
    if let Some(with) = throttle {
        service = with(service);
    }
    let john = User(POLICY.hash_with_salt(b"secret", &[2; 16]).unwrap().into());
    Tessera::new(
        service,
        Store {
            john,
            gate: store_gate,
        },
    )
}

fn open() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(Semaphore::MAX_PERMITS))
}

fn client(ip: &str) -> Client {
    Client::from_peer(ip.parse().unwrap())
}

async fn login(
    t: &Tessera<Store>,
    c: &Client,
    user: &str,
    password: &str,
) -> (u16, Option<String>) {
    let body = format!("username={user}&password={password}").into_bytes();
    let r = t.token(c, FORM, body).await;
    (r.status, r.header("retry-after").map(str::to_owned))
}

fn limits(pair: u32, client: u32, username: u32) -> LoginLimits {
    LoginLimits {
        pair: Limit::new(pair, 60),
        client: Limit::new(client, 600),
        username: Limit::new(username, 3600),
    }
}

#[tokio::test]
async fn a_locked_pair_does_not_lock_other_clients_out() {
    let t = app(LoginLimits::default(), Config::default(), open());
    let (a, b) = (client("127.0.0.1"), client("127.0.0.2"));
    for _ in 0..5 {
        assert_eq!(login(&t, &a, "johndoe", "wrong").await.0, 400);
    }
    let (status, retry) = login(&t, &a, "johndoe", "secret").await;
    assert_eq!(status, 429, "the right password waits too");
    let retry: u32 = retry.unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(login(&t, &b, "johndoe", "secret").await.0, 200);
    // The locked client may still log in as someone else.
    assert_eq!(login(&t, &a, "ghost", "x").await.0, 400);
}

#[tokio::test]
async fn a_success_clears_the_pair() {
    let t = app(LoginLimits::default(), Config::default(), open());
    let a = client("192.0.2.1");
    for _ in 0..4 {
        assert_eq!(login(&t, &a, "johndoe", "wrong").await.0, 400);
    }
    assert_eq!(login(&t, &a, "johndoe", "secret").await.0, 200);
    for _ in 0..5 {
        assert_eq!(login(&t, &a, "johndoe", "wrong").await.0, 400);
    }
    assert_eq!(login(&t, &a, "johndoe", "wrong").await.0, 429);
}

#[tokio::test]
async fn the_client_ceiling_stops_spraying_and_a_success_does_not_reset_it() {
    let t = app(limits(5, 6, 0), Config::default(), open());
    let a = client("192.0.2.1");
    for i in 0..3 {
        assert_eq!(login(&t, &a, &format!("name{i}"), "x").await.0, 400);
    }
    assert_eq!(login(&t, &a, "johndoe", "secret").await.0, 200);
    for i in 3..6 {
        assert_eq!(login(&t, &a, &format!("name{i}"), "x").await.0, 400);
    }
    let (status, retry) = login(&t, &a, "name9", "x").await;
    assert_eq!(status, 429);
    // The window of 600 s opened at the first failure, a few seconds ago at most.
    let retry: u32 = retry.as_deref().and_then(|r| r.parse().ok()).unwrap_or(0);
    assert!((590..=600).contains(&retry), "Retry-After {retry}");
    assert_eq!(login(&t, &client("192.0.2.2"), "name9", "x").await.0, 400);
}

#[tokio::test]
async fn the_username_ceiling_spans_clients() {
    let t = app(limits(5, 0, 3), Config::default(), open());
    for i in 1..=3 {
        let c = client(&format!("192.0.2.{i}"));
        assert_eq!(login(&t, &c, "johndoe", "wrong").await.0, 400);
    }
    let c = client("192.0.2.4");
    assert_eq!(login(&t, &c, "johndoe", "secret").await.0, 429);
    assert_eq!(login(&t, &c, "other", "x").await.0, 400);
}

/// Item 1 of the race: attempts that all pass the check before any is counted. Forty clients
/// guess johndoe's password at once against a username limit of 5; every one of them is held
/// at the user lookup until all have been through the throttle.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_guesses_never_pass_the_limit() {
    let held = Arc::new(Semaphore::new(0));
    let config = Config {
        queue_length: 100,
        queue_deadline: Duration::from_secs(60),
        ..Config::default()
    };
    let t = Arc::new(app(limits(5, 0, 5), config, Arc::clone(&held)));
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let t = Arc::clone(&t);
            tokio::spawn(async move {
                let c = client(&format!("10.0.{}.{}", i / 200, i % 200 + 1));
                login(&t, &c, "johndoe", "wrong").await.0
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    held.add_permits(Semaphore::MAX_PERMITS / 2);
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 400).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 429).count(),
        35,
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_has_one_login_under_way_at_a_time() {
    let held = Arc::new(Semaphore::new(0));
    let t = Arc::new(app(
        LoginLimits::default(),
        Config::default(),
        Arc::clone(&held),
    ));
    let first = tokio::spawn({
        let t = Arc::clone(&t);
        async move { login(&t, &client("192.0.2.1"), "johndoe", "secret").await.0 }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Same client, while the first waits: refused at once.
    let (status, retry) = login(&t, &client("192.0.2.1"), "johndoe", "secret").await;
    assert_eq!((status, retry.as_deref()), (429, Some("1")));
    held.add_permits(10);
    assert_eq!(first.await.unwrap(), 200);
    // The refused one was not counted: four more failures are allowed before the fifth locks.
    let a = client("192.0.2.1");
    for _ in 0..5 {
        assert_eq!(login(&t, &a, "johndoe", "wrong").await.0, 400);
    }
    assert_eq!(login(&t, &a, "johndoe", "secret").await.0, 429);
}

/// Item 4: one client logs in as fast as it can with random names while another logs in with
/// the right password; with one hashing slot, the second waits behind at most one hash.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_attacker_at_full_speed_does_not_starve_another_client() {
    let t = Arc::new(app(limits(5, 0, 0), Config::default(), open()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let attackers: Vec<_> = (0..4)
        .map(|k| {
            let (t, stop) = (Arc::clone(&t), Arc::clone(&stop));
            tokio::spawn(async move {
                let c = client("203.0.113.66");
                let (mut n, mut busy) = (0u32, 0u32);
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let (status, _) = login(&t, &c, &format!("x{k}-{n}"), "guess").await;
                    n += 1;
                    busy += u32::from(status == 429);
                    if status == 429 {
                        tokio::task::yield_now().await;
                    }
                }
                (n, busy)
            })
        })
        .collect();
    let victim = client("198.51.100.7");
    let mut ok = 0;
    for _ in 0..20 {
        ok += u32::from(login(&t, &victim, "johndoe", "secret").await.0 == 200);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for a in attackers {
        let (n, _) = a.await.unwrap();
        assert!(n > 0);
    }
    assert_eq!(ok, 20, "every one of the victim's logins succeeds");
}

/// A store that is down.
struct Down;

impl Throttle for Down {
    fn reserve<'a>(
        &'a self,
        _: Attempt<'a>,
        _: &'a LoginLimits,
        _: UnixTime,
    ) -> StoreFuture<'a, Admission> {
        Box::pin(async { Err(Unavailable) })
    }

    fn release<'a>(
        &'a self,
        _: Attempt<'a>,
        _: &'a LoginLimits,
        _: Release,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async { Err(Unavailable) })
    }
}

#[tokio::test]
async fn an_unreachable_store_fails_closed_with_503() {
    // The lookup gate is closed: a login that got past the throttle would hang the test.
    let t = app_with(
        LoginLimits::default(),
        Config::default(),
        Arc::new(Semaphore::new(0)),
        Some(Box::new(|s: Service| s.with_throttle(Down))),
    );
    let r = t
        .token(
            &client("192.0.2.1"),
            FORM,
            b"username=johndoe&password=secret".to_vec(),
        )
        .await;
    assert_eq!((r.status, r.header("retry-after")), (503, Some("5")));
    assert_eq!(r.body, r#"{"detail":"Service Unavailable"}"#);
    // Form errors are still told first.
    let r = t
        .token(&client("192.0.2.1"), FORM, b"username=johndoe".to_vec())
        .await;
    assert_eq!(r.status, 400);
}
