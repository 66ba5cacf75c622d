//! The filters one by one, through `warp::test`, with a small user store of their own.

#![cfg(test)]

use std::sync::{Arc, Mutex};

use tessera_core::http::{Failure, Response, Style};
use tessera_core::password::Policy;
use tessera_core::{Hs256Key, UnixTime};
use tessera_service::{Account, Config, Service, UserStore};
use tessera_warp::{Rejected, Tessera};
use warp::Filter;
use warp::test::RequestBuilder;

const KEY: &[u8] = b"a key for the tessera-warp filter tests";

tessera_warp::scopes!(
    /// Both scopes, the route's own first.
    ItemsMe = ["items", "me"];
    /// `me` alone.
    Me = ["me"];
);

#[derive(Clone, Debug)]
struct User {
    name: String,
    hash: String,
    active: bool,
}

impl Account for User {
    fn password_hash(&self) -> &str {
        &self.hash
    }

    fn is_active(&self) -> bool {
        self.active
    }
}

/// Two users with the password `pw`: `ann` (active) and `bob` (disabled), both stored with a
/// hash weaker than the policy, so a login asks for a rehash.
#[derive(Debug)]
struct Store(Mutex<Vec<User>>);

impl Store {
    fn new() -> Self {
        let weak = Policy {
            m_cost: 64,
            t_cost: 1,
            ..Policy::OWASP
        };
        let user = |name: &str, active, salt| User {
            name: name.into(),
            hash: weak.hash_with_salt(b"pw", &[salt; 16]).unwrap(),
            active,
        };
        Self(Mutex::new(vec![
            user("ann", true, 1),
            user("bob", false, 2),
        ]))
    }

    fn hash_of(&self, name: &str) -> String {
        let users = self.0.lock().unwrap();
        users.iter().find(|u| u.name == name).unwrap().hash.clone()
    }
}

impl UserStore for Store {
    type User = User;

    async fn find(&self, username: &str) -> Option<User> {
        let users = self.0.lock().unwrap();
        users.iter().find(|u| u.name == username).cloned()
    }

    async fn update_hash(&self, username: &str, phc: String) {
        let mut users = self.0.lock().unwrap();
        if let Some(u) = users.iter_mut().find(|u| u.name == username) {
            u.hash = phc;
        }
    }
}

fn tessera(style: Style) -> Tessera<Store> {
    let config = Config {
        style,
        scope_claim: true,
        ..Config::default()
    };
    let service = Service::new(Hs256Key::new(KEY).unwrap(), config);
    Tessera::new(Arc::new(service), Arc::new(Store::new()))
}

fn token(t: &Tessera<Store>, sub: &str, scope: &str) -> String {
    t.service().issue(sub, scope, UnixTime::now()).unwrap()
}

fn with_bearer(token: &str) -> RequestBuilder {
    warp::test::request().header("authorization", format!("Bearer {token}"))
}

/// The [`Rejected`] inside a rejection.
fn rejected(r: &warp::Rejection) -> &Rejected {
    r.find::<Rejected>()
        .unwrap_or_else(|| panic!("not a tessera rejection: {r:?}"))
}

#[tokio::test]
async fn bearer_yields_the_raw_token_or_rejects() {
    let t = tessera(Style::Rfc);
    let f = tessera_warp::bearer(&t);
    let got = warp::test::request()
        .header("authorization", "bearer   a.b.c ")
        .filter(&f)
        .await
        .unwrap();
    assert_eq!(got, "a.b.c");
    for request in [
        warp::test::request(),
        warp::test::request().header("authorization", "Basic Og=="),
    ] {
        let err = request.filter(&f).await.unwrap_err();
        let r = rejected(&err);
        assert_eq!(r.0.failure(), Failure::MissingCredentials);
        assert_eq!(r.0.scopes(), &[] as &[&str]);
    }
}

#[tokio::test]
async fn optional_bearer_never_rejects() {
    let t = tessera(Style::Rfc);
    let f = tessera_warp::optional_bearer(&t);
    let cases: [(Option<&[u8]>, Option<&str>); 5] = [
        (None, None),
        (Some(b"Basic Og=="), None),
        (Some(b"Bearer \xff"), None),
        (Some(b"Bearer"), Some("")),
        (Some(b"Bearer tok"), Some("tok")),
    ];
    for (header, expected) in cases {
        let mut request = warp::test::request();
        if let Some(h) = header {
            request = request.header(
                "authorization",
                warp::http::HeaderValue::from_bytes(h).unwrap(),
            );
        }
        let got = request.filter(&f).await.unwrap();
        assert_eq!(got.as_deref(), expected, "{header:?}");
    }
}

#[tokio::test]
async fn claims_are_verified() {
    let t = tessera(Style::Rfc);
    let f = tessera_warp::claims(&t);
    let claims = with_bearer(&token(&t, "ann", "me items"))
        .filter(&f)
        .await
        .unwrap();
    assert_eq!(claims.sub, "ann");
    assert_eq!(claims.scope.as_deref(), Some("me items"));
    assert!(claims.scope().grants_all(&["items", "me"]));
    // Claims do not need a user: an unknown subject passes this filter.
    let claims = with_bearer(&token(&t, "nobody", ""))
        .filter(&f)
        .await
        .unwrap();
    assert_eq!(claims.sub, "nobody");

    let expired = t
        .service()
        .issue("ann", "", UnixTime(UnixTime::now().0 - 3600))
        .unwrap();
    for bad in [expired, format!("{}x", token(&t, "ann", ""))] {
        let err = with_bearer(&bad).filter(&f).await.unwrap_err();
        assert_eq!(rejected(&err).0.failure(), Failure::InvalidToken);
    }
}

#[tokio::test]
async fn current_user_and_current_active_user() {
    let t = tessera(Style::Rfc);
    let user = tessera_warp::current_user::<Store, tessera_warp::NoScopes>(&t);
    let active = tessera_warp::current_active_user::<Store, tessera_warp::NoScopes>(&t);

    let ann = token(&t, "ann", "");
    assert_eq!(with_bearer(&ann).filter(&user).await.unwrap().name, "ann");
    assert_eq!(with_bearer(&ann).filter(&active).await.unwrap().name, "ann");

    let bob = token(&t, "bob", "");
    assert_eq!(with_bearer(&bob).filter(&user).await.unwrap().name, "bob");
    let err = with_bearer(&bob).filter(&active).await.unwrap_err();
    assert_eq!(rejected(&err).0.failure(), Failure::InactiveUser);

    let nobody = token(&t, "nobody", "");
    for f in [user.clone().boxed(), active.clone().boxed()] {
        let err = with_bearer(&nobody).filter(&f).await.unwrap_err();
        assert_eq!(rejected(&err).0.failure(), Failure::InvalidToken);
    }
}

#[tokio::test]
async fn required_scopes_come_before_the_disabled_flag() {
    for style in [Style::Rfc, Style::FastApi] {
        let t = tessera(style);
        let f = tessera_warp::current_active_user::<Store, ItemsMe>(&t);
        let ann = token(&t, "ann", "me items");
        assert_eq!(with_bearer(&ann).filter(&f).await.unwrap().name, "ann");

        for (sub, scope) in [("ann", "me"), ("bob", "")] {
            let err = with_bearer(&token(&t, sub, scope))
                .filter(&f)
                .await
                .unwrap_err();
            let r = rejected(&err);
            assert_eq!(r.0.failure(), Failure::InsufficientScope);
            assert_eq!(r.0.scopes(), &["items", "me"]);
            let expected = Failure::InsufficientScope
                .answer(style, &["items", "me"])
                .to_response();
            assert_eq!(r.0.response(), expected);
        }
        // With the scopes, the disabled flag answers.
        let err = with_bearer(&token(&t, "bob", "me items"))
            .filter(&f)
            .await
            .unwrap_err();
        assert_eq!(rejected(&err).0.failure(), Failure::InactiveUser);

        // Without `active`, bob passes once the scopes are there.
        let f = tessera_warp::current_user::<Store, Me>(&t);
        let bob = token(&t, "bob", "me");
        assert_eq!(with_bearer(&bob).filter(&f).await.unwrap().name, "bob");
        // An invalid token carries the route's scopes into the challenge.
        let err = with_bearer("x.y.z").filter(&f).await.unwrap_err();
        let response = rejected(&err).0.response();
        let challenge = match style {
            Style::Rfc => r#"Bearer error="invalid_token", scope="me""#,
            Style::FastApi => r#"Bearer scope="me""#,
        };
        assert_eq!(response.header("www-authenticate"), Some(challenge));
    }
}

/// The headers of a Warp reply as (name, value) pairs, in order.
fn header_list(reply: &warp::http::Response<bytes::Bytes>) -> Vec<(String, String)> {
    reply
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn recover_answers_tessera_rejections_and_passes_the_rest() {
    let t = tessera(Style::Rfc);
    let route = warp::path!("me")
        .and(tessera_warp::current_active_user::<Store, Me>(&t))
        .map(|u: User| u.name)
        .recover(tessera_warp::recover);

    let reply = warp::test::request()
        .path("/me")
        .header("authorization", "Bearer x")
        .reply(&route)
        .await;
    assert_eq!(reply.status(), 401);
    assert_eq!(
        header_list(&reply),
        [
            (
                "www-authenticate".to_owned(),
                r#"Bearer error="invalid_token", scope="me""#.to_owned()
            ),
            ("content-type".to_owned(), "application/json".to_owned()),
        ]
    );
    assert_eq!(
        reply.body().as_ref(),
        br#"{"detail":"Could not validate credentials"}"#
    );

    // A path mismatch stays a rejection for the next branch.
    let err = warp::test::request()
        .path("/other")
        .filter(&route)
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert!(err.find::<Rejected>().is_none());
}

#[test]
fn reply_copies_the_core_response_exactly() {
    let response = Response {
        status: 429,
        headers: vec![
            ("retry-after", "7".to_owned()),
            ("content-type", "application/json".to_owned()),
        ],
        body: r#"{"detail":"wait"}"#.to_owned(),
    };
    let reply = tessera_warp::reply(response);
    assert_eq!(reply.status(), 429);
    let headers: Vec<_> = reply
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.to_str().unwrap()))
        .collect();
    assert_eq!(
        headers,
        [("retry-after", "7"), ("content-type", "application/json")]
    );
    // A value no header may carry is left out instead of panicking.
    let reply = tessera_warp::reply(Response {
        status: 307,
        headers: vec![("location", "/a\nb".to_owned())],
        body: String::new(),
    });
    assert_eq!(reply.status(), 307);
    assert!(reply.headers().is_empty());
}

fn form(body: &str) -> RequestBuilder {
    warp::test::request()
        .method("POST")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
}

#[tokio::test]
async fn token_answers_a_bad_form_with_the_core_answer() {
    let t = tessera(Style::Rfc);
    let f = tessera_warp::token(&t);
    let reply = form("username=ann").reply(&f).await;
    assert_eq!(reply.status(), 400);
    let body = std::str::from_utf8(reply.body()).unwrap();
    assert!(body.contains("invalid_request"), "{body}");
}

#[tokio::test]
async fn token_issues_and_stores_the_rehash() {
    let t = tessera(Style::Rfc);
    let f = tessera_warp::token(&t).recover(tessera_warp::recover);
    let before = t.store().hash_of("ann");
    assert!(
        before.starts_with("$argon2id$v=19$m=64,t=1,p=1$"),
        "{before}"
    );

    let reply = form("username=ann&password=pw&scope=me")
        .header("authorization", "Basic Og==")
        .reply(&f)
        .await;
    assert_eq!(reply.status(), 200);
    let body = std::str::from_utf8(reply.body()).unwrap();
    assert!(body.starts_with(r#"{"access_token":""#), "{body}");
    assert!(body.contains(r#","token_type":"bearer","expires_in":1800,"refresh_token":""#));
    assert!(body.ends_with(r#"","scope":"me"}"#), "{body}");
    assert_eq!(
        header_list(&reply),
        [
            ("cache-control".to_owned(), "no-store".to_owned()),
            ("pragma".to_owned(), "no-cache".to_owned()),
            ("content-type".to_owned(), "application/json".to_owned()),
        ]
    );
    let after = t.store().hash_of("ann");
    assert!(
        after.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{after}"
    );
    assert!(tessera_core::password::verify(&after, b"pw").unwrap());

    // A wrong password leaves the hash alone.
    let reply = form("username=bob&password=nope").reply(&f).await;
    assert_eq!(reply.status(), 400);
    assert!(t.store().hash_of("bob").starts_with("$argon2id$v=19$m=64,"));
}
