//! A tutorial app per (variant, style) on Rocket's local client, tokens minted with the same
//! fixed key, and small helpers to read answers.

use rocket::http::{ContentType, Header};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::serde::json::serde_json::{self, Value};
use tessera_core::{Hs256Key, UnixTime};
use tessera_service::Service;
use tessera_tutorial::{Options, Variant};

pub(crate) use tessera_core::http::Style;
pub(crate) use tessera_tutorial::Variant::{Jwt, Scopes};

/// The key every test app signs with.
pub(crate) const SECRET: &str = "a-test-secret-that-is-long-enough-for-hs256";
/// The token lifetime of the test apps.
pub(crate) const LIFETIME: u64 = 30 * 60;

pub(crate) const RFC: Style = Style::Rfc;
pub(crate) const FASTAPI: Style = Style::FastApi;

/// Every (variant, style) pair.
pub(crate) const ALL: [(Variant, Style); 4] =
    [(Jwt, RFC), (Jwt, FASTAPI), (Scopes, RFC), (Scopes, FASTAPI)];

pub(crate) fn key() -> Hs256Key {
    Hs256Key::new(SECRET.as_bytes()).unwrap()
}

pub(crate) fn options(variant: Variant, style: Style) -> Options {
    Options {
        variant,
        style,
        ..Options::default()
    }
}

/// The core service the app for (variant, style) runs with.
pub(crate) fn service(variant: Variant, style: Style) -> Service {
    tessera_tutorial::service(key(), &options(variant, style), LIFETIME)
}

/// The tutorial app for (variant, style), and a twin service (same key and configuration) for
/// minting tokens.
pub(crate) struct App {
    pub(crate) client: Client,
    pub(crate) minter: Service,
    pub(crate) variant: Variant,
}

pub(crate) async fn app(variant: Variant, style: Style) -> App {
    app_with(variant, style, service(variant, style)).await
}

pub(crate) async fn app_with(variant: Variant, style: Style, service: Service) -> App {
    let rocket = rocket_tutorial::build(&options(variant, style), service);
    App {
        client: Client::tracked(rocket).await.unwrap(),
        minter: self::service(variant, style),
        variant,
    }
}

/// A complete answer, read eagerly.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) async fn read(r: LocalResponse<'_>) -> Self {
        let status = r.status().code;
        let headers = r
            .headers()
            .iter()
            .map(|h| (h.name().as_str().to_ascii_lowercase(), h.value().to_owned()))
            .collect();
        let body = r.into_string().await.unwrap_or_default();
        Self {
            status,
            headers,
            body,
        }
    }

    /// The only value of header `name` (panics when it appears more than once).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let mut values = self.headers.iter().filter(|(n, _)| n == name);
        let first = values.next().map(|(_, v)| v.as_str());
        assert!(values.next().is_none(), "several {name} headers: {self:?}");
        first
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// Status, `WWW-Authenticate` and body, for one-line assertions.
    pub(crate) fn triple(&self) -> (u16, Option<&str>, &str) {
        (self.status, self.header("www-authenticate"), &self.body)
    }

    /// Asserts `content-type: application/json`.
    pub(crate) fn assert_json(&self) -> &Self {
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
        self
    }
}

impl App {
    /// `POST /token` with a urlencoded form.
    pub(crate) async fn login_form(&self, form: &str) -> Answer {
        let r = self
            .client
            .post("/token")
            .header(ContentType::Form)
            .body(form)
            .dispatch()
            .await;
        Answer::read(r).await
    }

    /// `POST /token` with a body and an optional content type.
    pub(crate) async fn post_token(&self, content_type: Option<&str>, body: &[u8]) -> Answer {
        let mut req = self.client.post("/token").body(body);
        if let Some(ct) = content_type {
            req = req.header(Header::new("Content-Type", ct.to_owned()));
        }
        Answer::read(req.dispatch().await).await
    }

    /// Logs in through `/token` and returns the access token.
    pub(crate) async fn login(&self, username: &str, password: &str, scope: &str) -> String {
        let a = self
            .login_form(&format!(
                "username={username}&password={password}&scope={scope}"
            ))
            .await;
        assert_eq!(a.status, 200, "{a:?}");
        a.json()["access_token"].as_str().unwrap().to_owned()
    }

    /// A token for `sub` with `scope`, as the app would issue it now.
    pub(crate) fn mint(&self, sub: &str, scope: &str) -> String {
        self.minter.issue(sub, scope, UnixTime::now()).unwrap()
    }

    /// `GET path` with these `Authorization` values.
    pub(crate) async fn get(&self, path: &str, authorization: &[&str]) -> Answer {
        let mut req = self.client.get(path.to_owned());
        for value in authorization {
            req = req.header(Header::new("Authorization", (*value).to_owned()));
        }
        Answer::read(req.dispatch().await).await
    }

    /// `GET path` with `Authorization: Bearer <token>`.
    pub(crate) async fn get_bearer(&self, path: &str, token: &str) -> Answer {
        self.get(path, &[&format!("Bearer {token}")]).await
    }

    /// The scopes the `/users/me/` challenge lists in this variant.
    pub(crate) fn me_scopes(&self) -> &'static str {
        match self.variant {
            Jwt => "",
            Scopes => "me",
        }
    }

    /// A scope granting every route of this variant.
    pub(crate) fn full_scope(&self) -> &'static str {
        match self.variant {
            Jwt => "",
            Scopes => "me items",
        }
    }
}

/// base64url without padding.
pub(crate) fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// Decodes base64url without padding.
pub(crate) fn unb64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => panic!("not base64url: {text}"),
    };
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | u32::from(value(c)) << (18 - 6 * i));
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

/// A compact JWS over `header` and `claims` (JSON text), signed with `key`.
pub(crate) fn sign(key: &Hs256Key, header: &str, claims: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
    let mac = key.mac(input.as_bytes());
    format!("{input}.{}", b64(&mac))
}

/// A token with the standard header, signed with the test key.
pub(crate) fn signed(claims: &str) -> String {
    sign(&key(), r#"{"alg":"HS256","typ":"JWT"}"#, claims)
}

/// The decoded header and claims of a token, as text.
pub(crate) fn parts(token: &str) -> (String, String) {
    let mut it = token.split('.');
    let header = String::from_utf8(unb64(it.next().unwrap())).unwrap();
    let claims = String::from_utf8(unb64(it.next().unwrap())).unwrap();
    assert_eq!(it.count(), 1, "{token}");
    (header, claims)
}

pub(crate) fn now() -> i64 {
    UnixTime::now().0
}
