//! The framework-free login and route flow of `service::Service`.

#![allow(clippy::unwrap_used, missing_docs)]

use tessera_core::http::Style;
use tessera_core::password::Policy;
use tessera_core::{Hs256Key, UnixTime, http::Failure};
use tessera_service::{Account, Config, HashGate, HashMemory, Service};

const FORM: Option<&str> = Some("application/x-www-form-urlencoded");
const NOW: UnixTime = UnixTime(1_764_000_000);
// A cheap policy so tests stay fast; the flow is the same with OWASP parameters.
const FAST: Policy = Policy {
    m_cost: 64,
    t_cost: 1,
    p_cost: 1,
    output_len: 32,
    max_password_len: 1024,
};

#[derive(Clone)]
struct User {
    hash: String,
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
    fn may_have_scope(&self, scope: &str) -> bool {
        scope != "admin"
    }
}

fn service(style: Style, scopes: bool) -> Service {
    let config = Config {
        style,
        scope_claim: scopes,
        fastapi_login_challenge: !scopes,
        policy: FAST,
        ..Config::default()
    };
    Service::new(Hs256Key::new(&[7; 32]).unwrap(), config)
}

fn john() -> User {
    User {
        hash: FAST.hash_with_salt(b"secret", &[1; 16]).unwrap(),
        active: true,
        valid_from: None,
    }
}

fn login(s: &Service, body: impl AsRef<[u8]>, user: Option<&User>) -> tessera_core::http::Response {
    match s.begin_login(FORM, body.as_ref()) {
        Err(r) => r,
        Ok(req) => {
            let _permit = s.try_permit().unwrap();
            s.finish_login(&req, user, NOW, &mut HashMemory::default())
                .response
        }
    }
}

#[test]
fn successful_login_issues_a_verifiable_token() {
    let s = service(Style::Rfc, true);
    let r = login(
        &s,
        "grant_type=password&username=johndoe&password=secret&scope=me+admin++items",
        Some(&john()),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["scope"], "me items", "admin is not allowed for this user");
    assert_eq!(v["expires_in"], 1800);
    let token = v["access_token"].as_str().unwrap();
    let p = s
        .authenticate([format!("Bearer {token}").as_bytes()], NOW)
        .unwrap();
    assert_eq!(p.sub, "johndoe");
    assert_eq!(p.scope.as_deref(), Some("me items"));
    assert_eq!(p.iat.map(|d| d.floor_secs()), Some(NOW.0));
    assert!(
        s.authorize(&p, Some(&john()), &["items", "me"], true)
            .is_ok()
    );
    assert_eq!(
        s.authorize(&p, Some(&john()), &["admin"], true),
        Err(Failure::InsufficientScope)
    );
    assert_eq!(
        s.authorize(&p, None::<&User>, &[], true),
        Err(Failure::InvalidToken)
    );
    let inactive = User {
        active: false,
        ..john()
    };
    assert_eq!(
        s.authorize(&p, Some(&inactive), &[], true),
        Err(Failure::InactiveUser)
    );
    assert!(s.authorize(&p, Some(&inactive), &[], false).is_ok());
}

#[test]
fn claim_shapes_per_style() {
    let payload = |s: &Service| {
        let r = login(
            s,
            "username=johndoe&password=secret&scope=me",
            Some(&john()),
        );
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let t = v["access_token"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap()
            .to_string();
        let bytes = <base64ct::Base64UrlUnpadded as base64ct::Encoding>::decode_vec(&t).unwrap();
        (String::from_utf8(bytes).unwrap(), v)
    };
    let exp = NOW.0 + 1800;
    // rfc tokens carry a random 128-bit `jti` (22 base64url characters), different each time.
    let jti_of = |p: &str| {
        let v: serde_json::Value = serde_json::from_str(p).unwrap();
        v["jti"].as_str().unwrap().to_string()
    };
    let (p, _) = payload(&service(Style::Rfc, false));
    let jti = jti_of(&p);
    assert_eq!(jti.len(), 22);
    assert!(
        jti.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_eq!(
        p,
        format!(
            r#"{{"sub":"johndoe","iat":{},"exp":{exp},"jti":"{jti}"}}"#,
            NOW.0
        )
    );
    let (p, _) = payload(&service(Style::Rfc, true));
    let other = jti_of(&p);
    assert_ne!(other, jti);
    assert_eq!(
        p,
        format!(
            r#"{{"sub":"johndoe","iat":{},"exp":{exp},"jti":"{other}","scope":"me"}}"#,
            NOW.0
        )
    );
    let (p, body) = payload(&service(Style::FastApi, false));
    assert_eq!(p, format!(r#"{{"sub":"johndoe","exp":{exp}}}"#));
    assert_eq!(body.as_object().unwrap().len(), 2);
    let (p, _) = payload(&service(Style::FastApi, true));
    assert_eq!(
        p,
        format!(r#"{{"sub":"johndoe","scope":"me","exp":{exp}}}"#)
    );
}

#[test]
fn unknown_user_and_wrong_password_are_indistinguishable() {
    for style in [Style::Rfc, Style::FastApi] {
        let s = service(style, false);
        let wrong = login(&s, "username=johndoe&password=nope", Some(&john()));
        let unknown = login(&s, "username=ghost&password=nope", None);
        assert_eq!(wrong, unknown);
        assert_eq!(wrong.status, if style == Style::Rfc { 400 } else { 401 });
    }
}

#[test]
fn fastapi_style_logs_in_with_what_fastapi_decodes_from_a_malformed_body() {
    // FastAPI refuses no body for its percent-encoding: `%zz` and a lone `%` stay as they are,
    // an escape that is not UTF-8 is U+FFFD, a raw byte is its latin-1 character. The login
    // then succeeds with exactly that password, and fails as any wrong password does.
    for (body, password) in [
        (&b"username=johndoe&password=%zz"[..], "%zz"),
        (b"username=johndoe&password=abc%", "abc%"),
        (b"username=johndoe&password=%E9", "\u{fffd}"),
        (b"username=johndoe&password=%C0%AF%", "\u{fffd}\u{fffd}%"),
        (b"username=johndoe&password=s\xc3\xa9", "s\u{c3}\u{a9}"),
        (b"username=johndoe&password=s\xe9", "s\u{e9}"),
    ] {
        let user = User {
            hash: FAST.hash_with_salt(password.as_bytes(), &[1; 16]).unwrap(),
            active: true,
            valid_from: None,
        };
        let s = service(Style::FastApi, false);
        assert_eq!(login(&s, body, Some(&user)).status, 200, "{body:?}");
        let wrong = login(&s, body, Some(&john()));
        assert_eq!(
            (wrong.status, wrong.body.as_str()),
            (401, r#"{"detail":"Incorrect username or password"}"#),
            "{body:?}"
        );
        // The rfc style still refuses a malformed body before any credential check.
        let rfc = login(&service(Style::Rfc, false), body, Some(&user));
        if password.contains(['%', '\u{fffd}']) {
            assert_eq!(rfc.status, 400, "{body:?}");
            assert!(rfc.body.contains("Malformed form body"), "{body:?}");
        }
    }
    // A 422 echoes the decoded value.
    let r = login(
        &service(Style::FastApi, false),
        b"grant_type=%zz%E9&username=johndoe&password=secret",
        Some(&john()),
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"input\":\"%zz\u{fffd}\""), "{}", r.body);
}

#[test]
fn fastapi_style_takes_the_last_occurrence_even_when_empty() {
    let body = "username=johndoe&password=secret&password=";
    let r = login(&service(Style::FastApi, false), body, Some(&john()));
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            422,
            r#"{"detail":[{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}]}"#
        )
    );
    // The rfc style counts an empty occurrence as omitted.
    assert_eq!(
        login(&service(Style::Rfc, false), body, Some(&john())).status,
        200
    );
    // A later non-empty value still wins in the fastapi style.
    let r = login(
        &service(Style::FastApi, false),
        "username=johndoe&password=&password=secret",
        Some(&john()),
    );
    assert_eq!(r.status, 200);
}

#[test]
fn hashing_bound() {
    let gate = HashGate::new(2);
    let a = gate.try_acquire().unwrap();
    let _b = gate.try_acquire().unwrap();
    assert!(gate.try_acquire().is_none());
    drop(a);
    assert!(gate.try_acquire().is_some());
    let s = service(Style::Rfc, false).with_gate(HashGate::new(1));
    let _held = s.try_permit().unwrap();
    assert!(s.try_permit().is_none());
}

#[test]
fn checks_run_in_the_documented_order() {
    let s = service(Style::Rfc, false);
    let body = |b: &str| s.begin_login(FORM, b.as_bytes()).unwrap_err();
    assert_eq!(body(&"a".repeat(16 * 1024 + 1)).status, 413);
    assert!(
        body("username=%zz&grant_type=nope")
            .body
            .contains("Malformed")
    );
    assert!(
        body("grant_type=nope")
            .body
            .contains("unsupported_grant_type")
    );
    assert!(body("password=x").body.contains("username"));
    assert!(
        body(&format!("username=j&password={}", "p".repeat(1025)))
            .body
            .contains("too long")
    );
    // Authorization headers and client credentials are not the endpoint's business.
    assert!(
        s.begin_login(FORM, b"username=j&password=p&client_id=&client_secret=x")
            .is_ok()
    );
}

#[test]
fn rehash_offered_for_weak_hashes() {
    let s = service(Style::Rfc, false);
    let weak = Policy { m_cost: 32, ..FAST }
        .hash_with_salt(b"secret", &[3; 16])
        .unwrap();
    let user = User {
        hash: weak,
        active: true,
        valid_from: None,
    };
    let req = s
        .begin_login(FORM, b"username=johndoe&password=secret")
        .unwrap();
    let mut memory = HashMemory::default();
    let out = s.finish_login(&req, Some(&user), NOW, &mut memory);
    assert_eq!(out.response.status, 200);
    assert_eq!(out.username, "johndoe");
    let new = out.rehash.unwrap();
    assert!(new.contains("m=64,t=1,p=1"));
    assert_eq!(tessera_core::password::verify(&new, b"secret"), Ok(true));
    let out = s.finish_login(&req, Some(&john()), NOW, &mut memory);
    assert!(out.rehash.is_none());
}

#[test]
fn debug_never_shows_the_password() {
    let s = service(Style::Rfc, false);
    let req = s
        .begin_login(FORM, b"username=johndoe&password=MARKER-pw-7f3a")
        .unwrap();
    assert!(!format!("{req:?}").contains("MARKER"));
    assert!(!format!("{s:?}").contains("7, 7, 7"));
}

#[tokio::test]
async fn login_runs_on_the_hashing_threads_and_frees_its_slot() {
    let s = std::sync::Arc::new(service(Style::Rfc, false).with_gate(HashGate::new(1)));
    let req = s
        .begin_login(FORM, b"username=johndoe&password=secret")
        .unwrap();
    let outcome = s.verify_login(req, Some(john())).await.unwrap();
    assert!(outcome.succeeded);
    assert_eq!(outcome.response.status, 200);
    assert_eq!(outcome.username, "johndoe");
    // The slot was released before the result was delivered.
    assert!(s.try_permit().is_some());
    let again = s
        .begin_login(FORM, b"username=johndoe&password=wrong")
        .unwrap();
    let outcome = s.verify_login(again, None::<User>).await.unwrap();
    assert!(!outcome.succeeded);
    assert_eq!(outcome.response.status, 400);
    assert!(outcome.response.body.contains("invalid_grant"));
}

#[tokio::test]
async fn a_login_waits_for_a_slot_until_the_deadline() {
    let config = Config {
        policy: FAST,
        queue_deadline: std::time::Duration::from_millis(200),
        ..Config::default()
    };
    let s = std::sync::Arc::new(
        Service::new(Hs256Key::new(&[7; 32]).unwrap(), config).with_gate(HashGate::new(1)),
    );
    let (release, hold) = std::sync::mpsc::channel::<()>();
    let held = s.try_permit().unwrap().run(move |_| hold.recv().is_ok());
    let req = s
        .begin_login(FORM, b"username=johndoe&password=secret")
        .unwrap();
    // Nothing frees the slot: the deadline passes.
    assert_eq!(
        s.verify_login(req, Some(john())).await.unwrap_err(),
        Failure::Busy(1)
    );
    // A slot freed while the login waits is taken.
    let req = s
        .begin_login(FORM, b"username=johndoe&password=secret")
        .unwrap();
    let waiting = tokio::spawn({
        let s = std::sync::Arc::clone(&s);
        async move { s.verify_login(req, Some(john())).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    release.send(()).unwrap();
    assert_eq!(held.await, Some(true));
    let outcome = waiting.await.unwrap().unwrap();
    assert_eq!(outcome.response.status, 200);
}

#[tokio::test]
async fn the_queue_is_first_come_first_served_and_bounded() {
    let gate = HashGate::new(1);
    let held = gate.try_acquire().unwrap();
    let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut waiters = Vec::new();
    for i in 0..3 {
        let (g, order) = (std::sync::Arc::clone(&gate), std::sync::Arc::clone(&order));
        waiters.push(tokio::spawn(async move {
            let permit = g.acquire(3, std::time::Duration::from_secs(10)).await;
            order.lock().unwrap().push(i);
            drop(permit);
        }));
        // Each is queued before the next arrives.
        while gate.waiting() < i + 1 {
            tokio::task::yield_now().await;
        }
    }
    // The queue holds three: a fourth is refused at once, whatever the deadline.
    assert!(
        gate.acquire(3, std::time::Duration::from_secs(10))
            .await
            .is_none()
    );
    drop(held);
    for w in waiters {
        w.await.unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [0, 1, 2]);
    assert_eq!(gate.waiting(), 0);
}

#[test]
fn hashing_threads_reuse_and_wipe_their_memory() {
    let gate = HashGate::new(1);
    let first = gate
        .try_acquire()
        .unwrap()
        .run(|memory| {
            let blocks = memory.blocks(8).unwrap();
            blocks[7].as_mut()[0] = 0xA5A5;
            (std::thread::current().id(), memory.len())
        })
        .wait()
        .unwrap();
    let second = gate
        .try_acquire()
        .unwrap()
        .run(|memory| {
            let len = memory.len();
            let blocks = memory.blocks(8).unwrap();
            let wiped = blocks.iter().all(|b| b.as_ref().iter().all(|w| *w == 0));
            (std::thread::current().id(), len, wiped)
        })
        .wait()
        .unwrap();
    assert_eq!(first, (second.0, 8));
    assert_eq!(second.1, 8, "the block array was kept");
    assert!(second.2, "and wiped between hashes");
    assert_eq!(gate.threads(), 1);
}

#[test]
fn a_panicking_job_frees_its_slot_and_its_thread_goes_on() {
    let gate = HashGate::new(1);
    let panicked = gate
        .try_acquire()
        .unwrap()
        .run(|_| -> u8 { panic!("a job that fails") })
        .wait();
    assert_eq!(panicked, None);
    let ok = gate.try_acquire().unwrap().run(|_| 7u8).wait();
    assert_eq!(ok, Some(7));
}

#[cfg(target_os = "linux")]
#[test]
fn hashing_threads_run_at_the_gate_niceness() {
    // Field 19 of /proc/thread-self/stat is the thread's nice value.
    fn nice() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        after_name.split(' ').nth(16).unwrap().parse().unwrap()
    }
    let base = nice();
    let gate = HashGate::with_niceness(1, 15);
    let seen = gate.try_acquire().unwrap().run(|_| nice()).wait();
    assert_eq!(seen, Some(15.max(base)));
    assert_eq!(nice(), base, "the caller's priority is unchanged");
}

#[test]
fn tokens_from_before_a_users_valid_from_time_are_refused() {
    let s = service(Style::Rfc, false);
    let token = s.issue("johndoe", "", NOW).unwrap();
    let p = s
        .authenticate([format!("Bearer {token}").as_bytes()], NOW)
        .unwrap();
    let at = |from| User {
        valid_from: Some(from),
        ..john()
    };
    assert!(
        s.authorize(&p, Some(&at(NOW.0)), &[], true).is_ok(),
        "issued that second"
    );
    assert_eq!(
        s.authorize(&p, Some(&at(NOW.0 + 1)), &[], true),
        Err(Failure::InvalidToken)
    );
    // A token without iat (the fastapi style's) cannot show when it was issued.
    let fastapi = service(Style::FastApi, false);
    let bare = fastapi.issue("johndoe", "", NOW).unwrap();
    let p = fastapi
        .authenticate([format!("Bearer {bare}").as_bytes()], NOW)
        .unwrap();
    assert!(p.iat.is_none());
    assert!(fastapi.authorize(&p, Some(&john()), &[], true).is_ok());
    assert_eq!(
        fastapi.authorize(&p, Some(&at(0)), &[], true),
        Err(Failure::InvalidToken)
    );
}
