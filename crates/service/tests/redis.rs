//! The Redis stores against a real Redis.
//!
//! `RedisThrottle`: the limits of `MemoryThrottle` with counts shared by instances, keys that
//! expire, exact limits under concurrency from two instances, and failing closed while Redis is
//! down or hung, then recovering (docs/security.md, O5).
//!
//! `RedisRefreshTokens` and `RedisRevocations`: the semantics every store must have
//! (`tests/common/stores.rs`), with two handles sharing one prefix where it matters, their keys'
//! expiry, and failing closed while Redis is unreachable.
//!
//! The tests read `REDIS_URL` (e.g. `redis://127.0.0.1:6379`) and are skipped without it; each
//! uses its own key prefix. The fault tests start private `redis-server`s on free ports.

#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::log::Log;
use common::{stores, throttle};
use tessera_core::UnixTime;
use tessera_service::redis::{RedisRefreshTokens, RedisRevocations};
use tessera_service::throttle::RedisUrlError;
use tessera_service::throttle::{
    Admission, Attempt, Limit, LoginLimits, RedisThrottle, Release, Throttle, Unavailable,
};
use tessera_service::{Client, RefreshTokens, Revocations, Rotation};

const NOW: UnixTime = UnixTime(0);

fn redis_url() -> Option<String> {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            println!("skipped: REDIS_URL not set");
            None
        }
    }
}

/// A key prefix of this test alone: its name, the process id and the time.
fn prefix(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("tessera-test:{test}:{}:{nanos}:", std::process::id())
}

fn client(ip: &str) -> Client {
    Client::from_peer(ip.parse().unwrap())
}

fn at<'a>(client: &'a Client, username: &'a str) -> Attempt<'a> {
    Attempt { client, username }
}

fn limits(pair: u32, client: u32, username: u32) -> LoginLimits {
    LoginLimits {
        pair: Limit::new(pair, 60),
        client: Limit::new(client, 600),
        username: Limit::new(username, 3600),
    }
}

/// A plain connection, to look at the keys.
async fn inspect(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

async fn get(conn: &mut redis::aio::MultiplexedConnection, key: &str) -> Option<i64> {
    redis::cmd("GET").arg(key).query_async(conn).await.unwrap()
}

async fn pttl(conn: &mut redis::aio::MultiplexedConnection, key: &str) -> i64 {
    redis::cmd("PTTL").arg(key).query_async(conn).await.unwrap()
}

/// Deletes a test's keys.
async fn clean(url: &str, prefix: &str) {
    let mut conn = inspect(url).await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    if !keys.is_empty() {
        let _: i64 = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .unwrap();
    }
}

fn seconds(admission: Admission) -> u32 {
    match admission {
        Admission::Wait(s) => s,
        Admission::Granted => panic!("granted, a wait was expected"),
    }
}

#[tokio::test]
async fn the_throttle_has_the_semantics_of_every_throttle() {
    let Some(url) = redis_url() else { return };
    let p = prefix("semantics");
    throttle::all(&RedisThrottle::new(&url).unwrap().with_prefix(&p)).await;
    clean(&url, &p).await;
}

/// How the counts sit in Redis: one key per counter, holding the attempts counted; a refused
/// attempt adds nothing, a limit that is off has no key, a success deletes its pair's key and
/// takes one off the client's, an undone attempt takes one off each.
#[tokio::test]
async fn each_count_is_a_key_holding_its_attempts() {
    let Some(url) = redis_url() else { return };
    let p = prefix("keys");
    let t = RedisThrottle::new(&url).unwrap().with_prefix(&p);
    let mut conn = inspect(&url).await;
    let a = client("192.0.2.1");
    let l = limits(2, 5, 0);
    for _ in 0..2 {
        assert_eq!(
            t.reserve(at(&a, "x"), &l, NOW).await,
            Ok(Admission::Granted)
        );
    }
    let wait = seconds(t.reserve(at(&a, "x"), &l, NOW).await.unwrap());
    assert!((55..=60).contains(&wait), "wait {wait}");
    assert_eq!(
        t.reserve(at(&a, "y"), &l, NOW).await,
        Ok(Admission::Granted)
    );
    assert_eq!(
        get(&mut conn, &format!("{p}p:9:192.0.2.1:x")).await,
        Some(2)
    );
    assert_eq!(get(&mut conn, &format!("{p}c:192.0.2.1")).await, Some(3));
    assert_eq!(
        get(&mut conn, &format!("{p}u:x")).await,
        None,
        "the limit is off"
    );
    assert_eq!(t.release(at(&a, "y"), &l, Release::Succeeded).await, Ok(()));
    assert_eq!(get(&mut conn, &format!("{p}p:9:192.0.2.1:y")).await, None);
    assert_eq!(get(&mut conn, &format!("{p}c:192.0.2.1")).await, Some(2));
    let all = limits(1, 1, 1);
    let b = client("2001:db8::1");
    assert_eq!(
        t.reserve(at(&b, "u"), &all, NOW).await,
        Ok(Admission::Granted)
    );
    let keys = ["p:13:2001:db8::/64:u", "c:2001:db8::/64", "u:u"];
    for key in keys {
        assert_eq!(get(&mut conn, &format!("{p}{key}")).await, Some(1), "{key}");
    }
    assert_eq!(t.release(at(&b, "u"), &all, Release::Undone).await, Ok(()));
    for key in keys {
        assert_eq!(get(&mut conn, &format!("{p}{key}")).await, None, "{key}");
    }
    clean(&url, &p).await;
}

#[tokio::test]
async fn keys_expire_with_their_window() {
    let Some(url) = redis_url() else { return };
    let p = prefix("expiry");
    let t = RedisThrottle::new(&url).unwrap().with_prefix(&p);
    let l = LoginLimits {
        pair: Limit::new(1, 1),
        client: Limit::new(100, 600),
        username: Limit::new(100, 3600),
    };
    let a = client("192.0.2.1");
    assert_eq!(
        t.reserve(at(&a, "u"), &l, NOW).await,
        Ok(Admission::Granted)
    );
    assert_eq!(
        t.reserve(at(&a, "u"), &l, NOW).await,
        Ok(Admission::Wait(1))
    );
    let mut conn = inspect(&url).await;
    let pair = pttl(&mut conn, &format!("{p}p:9:192.0.2.1:u")).await;
    assert!((1..=1000).contains(&pair), "pair pttl {pair}");
    let client_ttl = pttl(&mut conn, &format!("{p}c:192.0.2.1")).await;
    assert!(
        (590_000..=600_000).contains(&client_ttl),
        "client pttl {client_ttl}"
    );
    let user_ttl = pttl(&mut conn, &format!("{p}u:u")).await;
    assert!(
        (3_590_000..=3_600_000).contains(&user_ttl),
        "username pttl {user_ttl}"
    );
    // A count in its window keeps its expiry.
    let b = client("192.0.2.2");
    assert_eq!(
        t.reserve(at(&b, "u"), &l, NOW).await,
        Ok(Admission::Granted)
    );
    assert!(pttl(&mut conn, &format!("{p}u:u")).await <= user_ttl);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get(&mut conn, &format!("{p}p:9:192.0.2.1:u")).await, None);
    assert_eq!(
        t.reserve(at(&a, "u"), &l, NOW).await,
        Ok(Admission::Granted)
    );

    // A key found without an expiry (written by hand) gets the window's.
    let stray = format!("{p}c:192.0.2.3");
    let _: () = redis::cmd("SET")
        .arg(&stray)
        .arg(5)
        .query_async(&mut conn)
        .await
        .unwrap();
    let c = client("192.0.2.3");
    assert_eq!(
        t.reserve(at(&c, "v"), &l, NOW).await,
        Ok(Admission::Granted)
    );
    let stray_ttl = pttl(&mut conn, &stray).await;
    assert!(
        (590_000..=600_000).contains(&stray_ttl),
        "stray pttl {stray_ttl}"
    );
    clean(&url, &p).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_grant_exactly_the_limit_under_concurrency() {
    let Some(url) = redis_url() else { return };
    let p = prefix("concurrent");
    // Two "processes": two throttles, two connections, one prefix.
    let instances = [
        Arc::new(RedisThrottle::new(&url).unwrap().with_prefix(&p)),
        Arc::new(RedisThrottle::new(&url).unwrap().with_prefix(&p)),
    ];
    let l = Arc::new(limits(5, 1000, 100));
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let t = Arc::clone(&instances[i % 2]);
            let l = Arc::clone(&l);
            tokio::spawn(async move {
                let c = client("192.0.2.9");
                t.reserve(at(&c, "johndoe"), &l, NOW).await
            })
        })
        .collect();
    let mut granted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(Admission::Granted) => granted += 1,
            Ok(Admission::Wait(s)) => assert!((55..=60).contains(&s), "wait {s}"),
            Err(Unavailable) => panic!("unavailable"),
        }
    }
    assert_eq!(granted, 5);
    // Refused attempts counted nowhere.
    let mut conn = inspect(&url).await;
    for key in ["p:9:192.0.2.9:johndoe", "c:192.0.2.9", "u:johndoe"] {
        assert_eq!(get(&mut conn, &format!("{p}{key}")).await, Some(5), "{key}");
    }
    clean(&url, &p).await;
}

#[test]
fn bad_urls_and_debug_never_show_the_password() {
    for bad in [
        "http://user:s3cret-pw@127.0.0.1:6379",
        "redis://:s3cret-pw@[::1:6379",
        "s3cret-pw",
    ] {
        let e = RedisThrottle::new(bad).unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains("s3cret-pw") && !shown.contains("127.0.0.1"),
            "{shown}"
        );
    }
    let e = RedisThrottle::new("rediss://:s3cret-pw@127.0.0.1:6380").unwrap_err();
    assert!(!format!("{e} {e:?}").contains("s3cret-pw"));
    // Made outside any runtime: only the URL is parsed.
    let t = RedisThrottle::new("redis://admin:s3cret-pw@127.0.0.1:6379/2")
        .unwrap()
        .with_prefix("app:");
    let shown = format!("{t:?}");
    assert!(
        !shown.contains("s3cret-pw") && !shown.contains("admin"),
        "{shown}"
    );
    assert!(
        shown.contains("127.0.0.1:6379") && shown.contains("app:"),
        "{shown}"
    );
    assert_eq!(t.prefix(), "app:");
}

/// A private `redis-server`, killed when dropped (a test that panics too).
struct Server {
    port: u16,
    args: Vec<String>,
    child: Option<Child>,
}

impl Server {
    /// A free port: bound, read, released.
    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// A server that has not started yet (`None`: `redis-server` is not installed).
    fn new(port: u16, extra: &[&str]) -> Option<Self> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            println!("skipped: redis-server not found");
            return None;
        }
        let mut args: Vec<String> = [
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            &std::env::temp_dir().display().to_string(),
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        args.extend(extra.iter().map(ToString::to_string));
        Some(Self {
            port,
            args,
            child: None,
        })
    }

    /// Starts it and waits until it accepts connections.
    fn start(&mut self) {
        assert!(self.child.is_none());
        let child = Command::new("redis-server")
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends `signal` (`STOP`, `CONT`) to the server.
    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            // A stopped server must be able to die.
            let _ = Command::new("kill")
                .args(["-CONT", &child.id().to_string()])
                .status();
        }
        self.kill();
    }
}

/// Reserves until granted, for at most `within`.
async fn granted_within(t: &RedisThrottle, within: Duration) -> Duration {
    let start = Instant::now();
    let l = limits(1000, 0, 0);
    let c = client("192.0.2.1");
    loop {
        match t.reserve(at(&c, "u"), &l, NOW).await {
            Ok(Admission::Granted) => return start.elapsed(),
            Ok(Admission::Wait(_)) => panic!("unexpected wait"),
            Err(Unavailable) => {
                assert!(
                    start.elapsed() < within,
                    "still unavailable after {within:?}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Reserves once, expecting `Unavailable` within `within`.
async fn unavailable_within(t: &RedisThrottle, within: Duration) {
    let start = Instant::now();
    let l = limits(1000, 0, 0);
    let c = client("192.0.2.1");
    assert_eq!(t.reserve(at(&c, "u"), &l, NOW).await, Err(Unavailable));
    assert!(start.elapsed() < within, "took {:?}", start.elapsed());
}

#[tokio::test]
async fn a_killed_redis_is_unavailable_and_a_restarted_one_serves_again() {
    if redis_url().is_none() {
        return;
    }
    let Some(mut server) = Server::new(Server::free_port(), &[]) else {
        return;
    };
    server.start();
    let t = RedisThrottle::new(&server.url())
        .unwrap()
        .with_prefix(prefix("fault"));
    granted_within(&t, Duration::from_secs(3)).await;

    server.kill();
    // Unavailable within the bound, again and again (a failing reconnect, then at once).
    for _ in 0..5 {
        unavailable_within(&t, Duration::from_secs(3)).await;
    }

    server.start();
    let took = granted_within(&t, Duration::from_secs(5)).await;
    println!("served again {took:?} after the restart");
    // And a second restart, the connection having worked in between.
    server.kill();
    unavailable_within(&t, Duration::from_secs(3)).await;
    server.start();
    granted_within(&t, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_hung_redis_is_unavailable_within_the_timeouts() {
    if redis_url().is_none() {
        return;
    }
    let Some(mut server) = Server::new(Server::free_port(), &[]) else {
        return;
    };
    server.start();
    let t = RedisThrottle::new(&server.url())
        .unwrap()
        .with_prefix(prefix("hung"))
        .with_timeouts(Duration::from_millis(500), Duration::from_millis(500));
    granted_within(&t, Duration::from_secs(3)).await;

    server.signal("STOP");
    // The call on the connection times out; the reconnect's handshake times out; then the
    // calls meanwhile answer at once.
    for _ in 0..4 {
        unavailable_within(&t, Duration::from_millis(1500)).await;
    }
    server.signal("CONT");
    granted_within(&t, Duration::from_secs(5)).await;
}

#[test]
fn a_throttle_made_while_redis_is_down_serves_once_it_is_up() {
    if redis_url().is_none() {
        return;
    }
    let port = Server::free_port();
    let Some(mut server) = Server::new(port, &["--requirepass", "s3cret-pw"]) else {
        return;
    };
    let url = format!("redis://:s3cret-pw@127.0.0.1:{port}/");
    // Made outside any runtime, with nothing listening on its port.
    let t = RedisThrottle::new(&url)
        .unwrap()
        .with_prefix(prefix("lazy"));

    let log = Log::capture();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        unavailable_within(&t, Duration::from_secs(2)).await;
        // While attempts fail, at most one a second: the next calls answer at once.
        let start = Instant::now();
        unavailable_within(&t, Duration::from_millis(100)).await;
        unavailable_within(&t, Duration::from_millis(100)).await;
        assert!(start.elapsed() < Duration::from_millis(200));

        server.start();
        let took = granted_within(&t, Duration::from_secs(5)).await;
        println!("served {took:?} after Redis started");
        // A wrong password: unavailable, and the event does not show it either.
        let wrong = RedisThrottle::new(&format!("redis://:wrong-pw-9@127.0.0.1:{port}/")).unwrap();
        unavailable_within(&wrong, Duration::from_secs(2)).await;
    });
    let log = log.text();
    print!("{log}");
    assert!(log.contains("WARN") && log.contains("tessera"), "{log}");
    assert!(log.contains("could not connect"), "{log}");
    assert!(
        !log.contains("s3cret-pw") && !log.contains("redis://"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_have_the_semantics_of_every_store() {
    let Some(url) = redis_url() else { return };
    let p = prefix("refresh");
    let store = RedisRefreshTokens::new(&url).unwrap().with_prefix(&p);
    stores::rotation(&store).await;
    stores::reuse(&store).await;
    stores::unknown_and_expired(&store).await;
    stores::revoke_family(&store).await;
    stores::per_user_cap(&store).await;
    clean(&url, &p).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_refresh_token_handles_rotate_a_token_once_under_concurrency() {
    let Some(url) = redis_url() else { return };
    let p = prefix("refresh-concurrent");
    // Two "processes": two stores, two connections, one prefix.
    let a = RedisRefreshTokens::new(&url).unwrap().with_prefix(&p);
    let b = RedisRefreshTokens::new(&url).unwrap().with_prefix(&p);
    stores::concurrent_exchanges(&[&a, &b], 32).await;
    // And once more on one handle, the family started by the other.
    stores::concurrent_exchanges(&[&b, &a], 32).await;
    clean(&url, &p).await;
}

#[tokio::test]
async fn revocations_have_the_semantics_of_every_store_across_handles() {
    let Some(url) = redis_url() else { return };
    let p = prefix("revoked");
    let a = RedisRevocations::new(&url).unwrap().with_prefix(&p);
    let b = RedisRevocations::new(&url).unwrap().with_prefix(&p);
    stores::revocations(&[&a, &b]).await;
    stores::revocations(&[&a]).await;
    clean(&url, &p).await;
}

#[tokio::test]
async fn a_revocation_key_holds_its_expiry_and_never_shortens() {
    let Some(url) = redis_url() else { return };
    let p = prefix("revoked-keys");
    let store = RedisRevocations::new(&url).unwrap().with_prefix(&p);
    let now = stores::now();
    let key = format!("{p}jti-1");
    store
        .revoke("jti-1", UnixTime(now.0 + 300), now)
        .await
        .unwrap();
    let mut conn = inspect(&url).await;
    assert_eq!(get(&mut conn, &key).await, Some(now.0 + 300));
    let ttl = pttl(&mut conn, &key).await;
    assert!((299_000..=300_000).contains(&ttl), "pttl {ttl}");
    // An earlier `until` changes nothing; a later one extends value and expiry.
    store
        .revoke("jti-1", UnixTime(now.0 + 100), now)
        .await
        .unwrap();
    assert_eq!(get(&mut conn, &key).await, Some(now.0 + 300));
    assert!(pttl(&mut conn, &key).await >= 299_000);
    store
        .revoke("jti-1", UnixTime(now.0 + 900), now)
        .await
        .unwrap();
    assert_eq!(get(&mut conn, &key).await, Some(now.0 + 900));
    assert!(pttl(&mut conn, &key).await >= 899_000);
    // A token already expired is not stored.
    store.revoke("jti-2", now, now).await.unwrap();
    assert_eq!(get(&mut conn, &format!("{p}jti-2")).await, None);
    assert!(!store.is_revoked("jti-2", now).await.unwrap());
    // The default prefix.
    assert_eq!(
        RedisRevocations::new(&url).unwrap().prefix(),
        "tessera:revoked:"
    );
    clean(&url, &p).await;
}

#[tokio::test]
async fn a_family_and_every_token_it_had_expire_with_it() {
    let Some(url) = redis_url() else { return };
    let p = prefix("refresh-keys");
    let store = RedisRefreshTokens::new(&url).unwrap().with_prefix(&p);
    let now = stores::now();
    let f = stores::family("johndoe", "me");
    let (a, b) = (stores::token(), stores::token());
    store
        .start(&f, a, UnixTime(now.0 + 100), now)
        .await
        .unwrap();
    let mut conn = inspect(&url).await;
    let family = format!("{p}f:{}", f.id);
    let tokens = format!("{p}s:{}", f.id);
    let (ka, kb) = (
        format!("{p}t:{}", a.to_hex()),
        format!("{p}t:{}", b.to_hex()),
    );
    for key in [&family, &tokens, &ka] {
        let ttl = pttl(&mut conn, key).await;
        assert!((99_000..=100_000).contains(&ttl), "{key}: pttl {ttl}");
    }
    let fields: std::collections::HashMap<String, String> = redis::cmd("HGETALL")
        .arg(&family)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(fields["username"], "johndoe");
    assert_eq!(fields["scope"], "me");
    assert_eq!(fields["current"], a.to_hex());
    assert_eq!(fields["expires"], (now.0 + 100).to_string());
    assert_eq!(fields["revoked"], "0");
    // The rotation moves the expiry of every key, the former token's too.
    assert_eq!(
        store
            .rotate(a, b, UnixTime(now.0 + 5000), now)
            .await
            .unwrap(),
        Rotation::Rotated(f.clone())
    );
    for key in [&family, &tokens, &ka, &kb] {
        let ttl = pttl(&mut conn, key).await;
        assert!((4_999_000..=5_000_000).contains(&ttl), "{key}: pttl {ttl}");
    }
    // The family is found through its current token only.
    assert_eq!(store.family(b, now).await.unwrap(), Some(f.clone()));
    assert_eq!(store.family(a, now).await.unwrap(), None);
    // A reuse marks the family revoked and keeps its keys to the family's expiry.
    assert_eq!(
        store
            .rotate(a, stores::token(), UnixTime(now.0 + 5000), now)
            .await
            .unwrap(),
        Rotation::Reused
    );
    let revoked: String = redis::cmd("HGET")
        .arg(&family)
        .arg("revoked")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(revoked, "1");
    assert_eq!(store.family(b, now).await.unwrap(), None);
    assert!(pttl(&mut conn, &ka).await >= 4_998_000);
    // A family restarted under its id forgets its former tokens.
    let c = stores::token();
    store
        .start(&f, c, UnixTime(now.0 + 100), now)
        .await
        .unwrap();
    assert_eq!(get(&mut conn, &ka).await, None);
    assert_eq!(
        store
            .rotate(c, stores::token(), UnixTime(now.0 + 100), now)
            .await
            .unwrap(),
        Rotation::Rotated(f)
    );
    // An expired family met by a rotation is forgotten.
    let g = stores::family("alice", "");
    let d = stores::token();
    store.start(&g, d, UnixTime(now.0 + 10), now).await.unwrap();
    assert_eq!(
        store
            .rotate(
                d,
                stores::token(),
                UnixTime(now.0 + 100),
                UnixTime(now.0 + 10)
            )
            .await
            .unwrap(),
        Rotation::Unknown
    );
    assert_eq!(get(&mut conn, &format!("{p}t:{}", d.to_hex())).await, None);
    assert!(!store.revoke(d, now).await.unwrap());
    // The default prefix.
    assert_eq!(
        RedisRefreshTokens::new(&url).unwrap().prefix(),
        "tessera:refresh:"
    );
    clean(&url, &p).await;
}

#[test]
fn the_stores_refuse_bad_urls_and_never_show_the_password() {
    let refused = |e: RedisUrlError| {
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("s3cret-pw"), "{shown}");
    };
    for bad in [
        "http://:s3cret-pw@127.0.0.1:6379",
        "rediss://:s3cret-pw@127.0.0.1:6380",
    ] {
        refused(RedisRevocations::new(bad).unwrap_err());
        refused(RedisRefreshTokens::new(bad).unwrap_err());
    }
    let url = "redis://admin:s3cret-pw@127.0.0.1:6379/2";
    let shown = format!(
        "{:?} {:?}",
        RedisRevocations::new(url).unwrap().with_prefix("r:"),
        RedisRefreshTokens::new(url).unwrap().with_prefix("f:")
    );
    assert!(
        !shown.contains("s3cret-pw") && !shown.contains("admin"),
        "{shown}"
    );
    assert!(
        shown.contains("RedisRevocations") && shown.contains("RedisRefreshTokens"),
        "{shown}"
    );
}

/// Every call of both stores answers `Unavailable` within `within`.
async fn stores_unavailable_within(
    tokens: &RedisRefreshTokens,
    revoked: &RedisRevocations,
    within: Duration,
) {
    let now = stores::now();
    let until = UnixTime(now.0 + 100);
    let f = stores::family("johndoe", "");
    let start = Instant::now();
    assert_eq!(
        tokens.start(&f, stores::token(), until, now).await,
        Err(Unavailable)
    );
    assert!(start.elapsed() < within, "start took {:?}", start.elapsed());
    let start = Instant::now();
    assert_eq!(
        tokens
            .rotate(stores::token(), stores::token(), until, now)
            .await,
        Err(Unavailable)
    );
    assert!(
        start.elapsed() < within,
        "rotate took {:?}",
        start.elapsed()
    );
    let start = Instant::now();
    assert_eq!(tokens.family(stores::token(), now).await, Err(Unavailable));
    assert!(
        start.elapsed() < within,
        "family took {:?}",
        start.elapsed()
    );
    let start = Instant::now();
    assert_eq!(tokens.revoke(stores::token(), now).await, Err(Unavailable));
    assert!(
        start.elapsed() < within,
        "revoke took {:?}",
        start.elapsed()
    );
    let start = Instant::now();
    assert_eq!(revoked.revoke("jti", until, now).await, Err(Unavailable));
    assert!(
        start.elapsed() < within,
        "revoke took {:?}",
        start.elapsed()
    );
    let start = Instant::now();
    assert_eq!(revoked.is_revoked("jti", now).await, Err(Unavailable));
    assert!(
        start.elapsed() < within,
        "is_revoked took {:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn stores_on_a_closed_port_are_unavailable() {
    if redis_url().is_none() {
        return;
    }
    let url = format!("redis://127.0.0.1:{}/", Server::free_port());
    let tokens = RedisRefreshTokens::new(&url).unwrap();
    let revoked = RedisRevocations::new(&url).unwrap();
    for _ in 0..3 {
        stores_unavailable_within(&tokens, &revoked, Duration::from_secs(2)).await;
    }
}

#[tokio::test]
async fn stores_on_a_killed_redis_are_unavailable_and_serve_again_after_a_restart() {
    if redis_url().is_none() {
        return;
    }
    let Some(mut server) = Server::new(Server::free_port(), &[]) else {
        return;
    };
    server.start();
    let p = prefix("stores-fault");
    let tokens = RedisRefreshTokens::new(&server.url())
        .unwrap()
        .with_prefix(&p);
    let revoked = RedisRevocations::new(&server.url())
        .unwrap()
        .with_prefix(&p);
    stores::rotation(&tokens).await;
    stores::revocations(&[&revoked]).await;

    server.kill();
    for _ in 0..3 {
        stores_unavailable_within(&tokens, &revoked, Duration::from_secs(2)).await;
    }

    server.start();
    // At most one reconnection a second: served again within a few.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = stores::now();
        match revoked.is_revoked("jti", now).await {
            Ok(revoked) => {
                assert!(!revoked);
                break;
            }
            Err(Unavailable) => {
                assert!(Instant::now() < deadline, "still unavailable");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let f = stores::family("johndoe", "");
    let now = stores::now();
    while tokens
        .start(&f, stores::token(), UnixTime(now.0 + 100), now)
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "still unavailable");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stores::reuse(&tokens).await;
}

#[tokio::test]
async fn stores_on_a_hung_redis_are_unavailable_within_the_timeouts() {
    if redis_url().is_none() {
        return;
    }
    let Some(mut server) = Server::new(Server::free_port(), &[]) else {
        return;
    };
    server.start();
    let p = prefix("stores-hung");
    let short = Duration::from_millis(500);
    let tokens = RedisRefreshTokens::new(&server.url())
        .unwrap()
        .with_prefix(&p)
        .with_timeouts(short, short);
    let revoked = RedisRevocations::new(&server.url())
        .unwrap()
        .with_prefix(&p)
        .with_timeouts(short, short);
    stores::revoke_family(&tokens).await;
    stores::revocations(&[&revoked]).await;

    server.signal("STOP");
    for _ in 0..2 {
        stores_unavailable_within(&tokens, &revoked, Duration::from_millis(1500)).await;
    }
    server.signal("CONT");
}
