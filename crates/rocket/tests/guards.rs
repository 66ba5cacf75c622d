//! The adapter on its own: setup, memoisation, optional guards, catchers for statuses no
//! guard explains, custom claims, rehash on login, and the launch checks (sentinels, a second
//! fairing, colliding catchers).

#![cfg(test)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rocket::error::ErrorKind;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::serde::{Deserialize, Serialize};
use rocket::{catch, catchers, get, post, routes};
use tessera_core::http::Style;
use tessera_core::jwt::{self, Header as JwtHeader};
use tessera_core::password::Policy;
use tessera_core::{Hs256Key, UnixTime};
use tessera_rocket::{
    ActiveUser, BearerToken, CurrentUser, Login, Reply, Scopes, Tessera, VerifiedClaims,
};
use tessera_service::{Account, Config, Service, UserStore};

tessera_rocket::scopes!(
    /// Listed out of alphabetical order on purpose.
    BThenA = ["b", "a"]
);

#[derive(Clone, Debug)]
struct Member {
    name: String,
    phc: String,
    active: bool,
}

impl Account for Member {
    fn password_hash(&self) -> &str {
        &self.phc
    }

    fn is_active(&self) -> bool {
        self.active
    }
}

/// A store that counts lookups and records rehashes.
#[derive(Default)]
struct Members {
    users: Mutex<HashMap<String, Member>>,
    finds: AtomicUsize,
    rehashed: Mutex<Vec<(String, String)>>,
}

impl Members {
    fn with(members: &[(&str, &str, bool)]) -> Arc<Self> {
        let store = Self::default();
        for &(name, phc, active) in members {
            store.users.lock().unwrap().insert(
                name.to_owned(),
                Member {
                    name: name.to_owned(),
                    phc: phc.to_owned(),
                    active,
                },
            );
        }
        Arc::new(store)
    }
}

impl UserStore for Members {
    type User = Member;

    async fn find(&self, username: &str) -> Option<Member> {
        self.finds.fetch_add(1, Ordering::SeqCst);
        self.users.lock().unwrap().get(username).cloned()
    }

    async fn update_hash(&self, username: &str, phc: String) {
        if let Some(m) = self.users.lock().unwrap().get_mut(username) {
            m.phc.clone_from(&phc);
        }
        self.rehashed
            .lock()
            .unwrap()
            .push((username.to_owned(), phc));
    }
}

/// Another store type, for the launch checks.
struct Nobody;

impl UserStore for Nobody {
    type User = Member;

    async fn find(&self, _: &str) -> Option<Member> {
        None
    }
}

#[get("/all")]
fn all(
    current: CurrentUser<Members>,
    active: ActiveUser<Members, BThenA>,
    claims: VerifiedClaims,
) -> String {
    format!("{} {} {}", current.name, active.user.name, claims.sub)
}

#[get("/scoped")]
fn scoped(user: CurrentUser<Members, BThenA>) -> String {
    user.0.user.name
}

#[get("/optional")]
fn optional(user: Option<ActiveUser<Members>>) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |u| u.name.clone())
}

#[get("/status/<code>")]
fn status(code: u16) -> Status {
    Status::new(code)
}

/// An optional guard that fails (and leaves its failure behind), then another status.
#[get("/stale/<code>")]
fn stale(token: Option<BearerToken>, code: u16) -> Result<String, Status> {
    token
        .map(|t| t.as_str().to_owned())
        .ok_or(Status::new(code))
}

#[derive(Deserialize, Serialize)]
#[serde(crate = "rocket::serde")]
struct RoleClaims<'a> {
    sub: &'a str,
    exp: i64,
    role: &'a str,
}

#[get("/role")]
fn role(claims: VerifiedClaims) -> String {
    let mut scratch = [0u8; 256];
    match claims.deserialize::<RoleClaims<'_>>(&mut scratch) {
        Ok(c) => format!("{} is {}", c.sub, c.role),
        Err(_) => "no role".to_owned(),
    }
}

#[post("/token", data = "<login>")]
fn token(login: Login<Members>) -> Login<Members> {
    login
}

const SECRET: &[u8] = b"an adapter test key, 32 bytes or more";

fn service(style: Style) -> Arc<Service> {
    let config = Config {
        style,
        scope_claim: true,
        ..Config::default()
    };
    Arc::new(Service::new(Hs256Key::new(SECRET).unwrap(), config))
}

fn app(service: &Arc<Service>, store: &Arc<Members>) -> rocket::Rocket<rocket::Build> {
    rocket::build()
        .attach(Tessera::<Members>::new(
            Arc::clone(service),
            Arc::clone(store),
        ))
        .mount(
            "/",
            routes![all, scoped, optional, status, stale, role, token],
        )
}

async fn client(service: &Arc<Service>, store: &Arc<Members>) -> Client {
    Client::tracked(app(service, store)).await.unwrap()
}

fn johndoe() -> Arc<Members> {
    // Not a real hash: only the login tests verify passwords.
    Members::with(&[("johndoe", "x", true), ("alice", "x", false)])
}

async fn read(r: LocalResponse<'_>) -> (u16, Option<String>, Option<String>, String) {
    let status = r.status().code;
    let challenge = r.headers().get_one("www-authenticate").map(str::to_owned);
    let content_type = r.headers().get_one("content-type").map(str::to_owned);
    (
        status,
        challenge,
        content_type,
        r.into_string().await.unwrap(),
    )
}

async fn get(
    client: &Client,
    path: &str,
    authorization: Option<&str>,
) -> (u16, Option<String>, Option<String>, String) {
    let mut req = client.get(path.to_owned());
    if let Some(a) = authorization {
        req = req.header(Header::new("Authorization", a.to_owned()));
    }
    read(req.dispatch().await).await
}

fn bearer(service: &Service, sub: &str, scope: &str) -> String {
    format!(
        "Bearer {}",
        service.issue(sub, scope, UnixTime::now()).unwrap()
    )
}

#[rocket::async_test]
async fn several_guards_look_the_user_up_once() {
    let (service, store) = (service(Style::Rfc), johndoe());
    let client = client(&service, &store).await;
    let auth = bearer(&service, "johndoe", "a b");
    let (code, _, _, body) = get(&client, "/all", Some(&auth)).await;
    assert_eq!((code, body.as_str()), (200, "johndoe johndoe johndoe"));
    assert_eq!(store.finds.load(Ordering::SeqCst), 1);
    // Once per request, not once per app.
    get(&client, "/all", Some(&auth)).await;
    assert_eq!(store.finds.load(Ordering::SeqCst), 2);
}

#[rocket::async_test]
async fn the_challenge_lists_the_declared_scopes_in_order() {
    assert_eq!(BThenA::SCOPES, ["b", "a"]);
    for (style, expected) in [
        (
            Style::Rfc,
            (403, r#"Bearer error="insufficient_scope", scope="b a""#),
        ),
        (Style::FastApi, (401, r#"Bearer scope="b a""#)),
    ] {
        let (service, store) = (service(style), johndoe());
        let client = client(&service, &store).await;
        let (code, challenge, content_type, body) =
            get(&client, "/scoped", Some(&bearer(&service, "johndoe", "a"))).await;
        assert_eq!((code, challenge.as_deref()), (expected.0, Some(expected.1)));
        assert_eq!(body, r#"{"detail":"Not enough permissions"}"#);
        assert_eq!(content_type.as_deref(), Some("application/json"));
    }
}

#[rocket::async_test]
async fn user_exists_is_checked_before_scopes_and_active_after() {
    let (service, store) = (service(Style::Rfc), johndoe());
    let client = client(&service, &store).await;
    // Unknown subject without the scopes: invalid token, not a scope error.
    let (code, challenge, _, _) =
        get(&client, "/scoped", Some(&bearer(&service, "nobody", ""))).await;
    assert_eq!(
        (code, challenge.as_deref()),
        (401, Some(r#"Bearer error="invalid_token", scope="b a""#))
    );
    // Disabled without the scopes: the scope error.
    let (code, _, _, _) = get(&client, "/all", Some(&bearer(&service, "alice", ""))).await;
    assert_eq!(code, 403);
    // Disabled with the scopes: inactive.
    let (code, challenge, _, body) =
        get(&client, "/all", Some(&bearer(&service, "alice", "a b"))).await;
    assert_eq!(
        (code, challenge, body.as_str()),
        (400, None, r#"{"detail":"Inactive user"}"#)
    );
}

#[rocket::async_test]
async fn optional_guard() {
    let (service, store) = (service(Style::Rfc), johndoe());
    let client = client(&service, &store).await;
    assert_eq!(get(&client, "/optional", None).await.3, "anonymous");
    assert_eq!(
        get(&client, "/optional", Some("Bearer bad")).await.3,
        "anonymous"
    );
    assert_eq!(
        get(&client, "/optional", Some(&bearer(&service, "alice", "")))
            .await
            .3,
        "anonymous"
    );
    let (code, _, _, body) =
        get(&client, "/optional", Some(&bearer(&service, "johndoe", ""))).await;
    assert_eq!((code, body.as_str()), (200, "johndoe"));
}

#[rocket::async_test]
async fn statuses_no_guard_explains_are_json() {
    let (service, store) = (service(Style::Rfc), johndoe());
    let client = client(&service, &store).await;
    let cases = [
        (400, None, r#"{"detail":"Bad Request"}"#),
        (401, Some("Bearer"), r#"{"detail":"Unauthorized"}"#),
        (403, None, r#"{"detail":"Forbidden"}"#),
        (413, None, r#"{"detail":"Request body too large"}"#),
        (429, None, r#"{"detail":"Too Many Requests"}"#),
    ];
    for (code, challenge, body) in cases {
        let got = get(&client, &format!("/status/{code}"), None).await;
        assert_eq!(
            got,
            (
                code,
                challenge.map(str::to_owned),
                Some("application/json".to_owned()),
                body.to_owned()
            )
        );
    }
}

#[rocket::async_test]
async fn a_failure_left_by_an_optional_guard_does_not_answer_another_status() {
    let (service, store) = (service(Style::Rfc), johndoe());
    let client = client(&service, &store).await;
    let (code, challenge, _, body) = get(&client, "/stale/403", None).await;
    assert_eq!(
        (code, challenge, body.as_str()),
        (403, None, r#"{"detail":"Forbidden"}"#)
    );
    let (code, _, _, body) = get(&client, "/stale/200", Some("Bearer t")).await;
    assert_eq!((code, body.as_str()), (200, "t"));
}

#[rocket::async_test]
async fn application_claims() {
    let (service, store) = (service(Style::Rfc), johndoe());
    let client = client(&service, &store).await;
    let key = Hs256Key::new(SECRET).unwrap();
    let claims = RoleClaims {
        sub: "johndoe",
        exp: UnixTime::now().0 + 60,
        role: "admin",
    };
    let token = jwt::encode_to_string(&key, &JwtHeader::JWT, &claims).unwrap();
    let got = get(&client, "/role", Some(&format!("Bearer {token}"))).await;
    assert_eq!((got.0, got.3.as_str()), (200, "johndoe is admin"));
    let got = get(&client, "/role", Some(&bearer(&service, "johndoe", ""))).await;
    assert_eq!(got.3, "no role");
    let got = get(&client, "/role", Some("Bearer x.y.z")).await;
    assert_eq!(
        (got.0, got.1.as_deref()),
        (401, Some(r#"Bearer error="invalid_token""#))
    );
}

#[rocket::async_test]
async fn login_rehashes_a_weak_hash_and_copies_the_answer() {
    let weak = Policy {
        m_cost: 64,
        t_cost: 1,
        ..Policy::OWASP
    };
    let phc = weak.hash_with_salt(b"pw", &[7; 16]).unwrap();
    let (service, store) = (service(Style::Rfc), Members::with(&[("ann", &phc, true)]));
    let client = client(&service, &store).await;
    let login = || {
        client
            .post("/token")
            .header(ContentType::Form)
            .header(Header::new("Authorization", "Basic Og=="))
            .body("username=ann&password=pw&scope=a")
            .dispatch()
    };
    let r = login().await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(r.headers().get_one("cache-control"), Some("no-store"));
    assert_eq!(r.headers().get_one("pragma"), Some("no-cache"));
    assert_eq!(
        r.headers().get_one("content-type"),
        Some("application/json")
    );
    assert!(r.into_string().await.unwrap().ends_with(r#","scope":"a"}"#));
    let rehashed = store.rehashed.lock().unwrap().clone();
    assert_eq!(rehashed.len(), 1);
    assert_eq!(rehashed[0].0, "ann");
    assert!(
        rehashed[0].1.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        rehashed[0].1
    );
    // The new hash verifies, and is not replaced again.
    assert_eq!(login().await.status(), Status::Ok);
    assert_eq!(store.rehashed.lock().unwrap().len(), 1);
}

/// Why `rocket` fails to launch (the error is marked handled, so dropping it does not panic).
async fn launch_error(rocket: rocket::Rocket<rocket::Build>) -> &'static str {
    match Client::tracked(rocket).await {
        Ok(_) => "launched",
        Err(e) => match e.kind() {
            ErrorKind::SentinelAborts(_) => "sentinel",
            ErrorKind::FailedFairings(_) => "fairing",
            ErrorKind::Collisions(_) => "collision",
            _ => "other",
        },
    }
}

#[rocket::async_test]
async fn launch_needs_the_fairing() {
    let bare = rocket::build().mount("/", routes![all]);
    assert_eq!(launch_error(bare).await, "sentinel");
    let bare = rocket::build().mount("/", routes![token]);
    assert_eq!(launch_error(bare).await, "sentinel");
    // Attached for another store: the guards for `Members` cannot work.
    let other = rocket::build()
        .attach(Tessera::new(service(Style::Rfc), Nobody))
        .mount("/", routes![optional]);
    assert_eq!(launch_error(other).await, "sentinel");
}

#[rocket::async_test]
async fn attaching_twice_with_different_stores_fails_to_launch() {
    let twice =
        app(&service(Style::Rfc), &johndoe()).attach(Tessera::new(service(Style::Rfc), Nobody));
    assert_eq!(launch_error(twice).await, "fairing");
}

#[catch(401)]
fn own_401() -> &'static str {
    "mine"
}

#[rocket::async_test]
async fn an_application_catcher_for_a_tessera_code_fails_to_launch() {
    let clash = app(&service(Style::Rfc), &johndoe()).register("/", catchers![own_401]);
    assert_eq!(launch_error(clash).await, "collision");
}

#[test]
fn debug_output_has_no_secrets() {
    let service = service(Style::Rfc);
    let token = service.issue("johndoe", "", UnixTime::now()).unwrap();
    let answer = tessera_core::http::Answer::token(Style::Rfc, &token, 60, "").to_response();
    let reply = format!("{:?}", Reply(answer));
    assert!(!reply.contains(&token) && reply.contains("200"), "{reply}");
    assert!(!format!("{service:?}").contains("an adapter test key"));
}
