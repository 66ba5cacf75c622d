//! Building the app for a variant and style, sending requests through `warp::test`, and
//! checking answers.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use tessera_core::http::Style;
use tessera_core::{Hs256Key, UnixTime};
use tessera_service::Service;
use tessera_tutorial::{Options, Users, Variant};
use tokio::sync::OnceCell;
use warp::filters::BoxedFilter;
use warp::http::{HeaderMap, HeaderName, HeaderValue};
use warp::reply::Response;
use warp::test::RequestBuilder;

/// The signing key of every test app.
pub(crate) const KEY: &[u8] = b"a test signing key for the warp tutorial app";
/// Another key, for tokens with a wrong signature.
pub(crate) const OTHER_KEY: &[u8] = b"not the key of the warp tutorial app, at all";
/// Token lifetime of the test apps, in seconds.
pub(crate) const LIFETIME: u64 = 1800;

/// Every combination of variant and style.
pub(crate) const ALL: [(Variant, Style); 4] = [
    (Variant::Jwt, Style::Rfc),
    (Variant::Jwt, Style::FastApi),
    (Variant::Scopes, Style::Rfc),
    (Variant::Scopes, Style::FastApi),
];

/// Both styles.
pub(crate) const STYLES: [Style; 2] = [Style::Rfc, Style::FastApi];

/// The tutorial app on Warp, with handles on its parts.
pub(crate) struct App {
    pub(crate) filter: BoxedFilter<(Response,)>,
    pub(crate) service: Arc<Service>,
    pub(crate) variant: Variant,
    pub(crate) style: Style,
    server: OnceCell<SocketAddr>,
}

pub(crate) fn options(variant: Variant, style: Style) -> Options {
    Options {
        variant,
        style,
        ..Options::default()
    }
}

pub(crate) fn key(bytes: &[u8]) -> Hs256Key {
    Hs256Key::new(bytes).unwrap()
}

/// The service the app of `variant` and `style` uses, signing with `key`.
pub(crate) fn service_with_key(variant: Variant, style: Style, key_bytes: &[u8]) -> Service {
    tessera_tutorial::service(key(key_bytes), &options(variant, style), LIFETIME)
}

/// The app for `variant` and `style`.
pub(crate) fn app(variant: Variant, style: Style) -> App {
    app_with(variant, style, service_with_key(variant, style, KEY))
}

/// The app for `variant` and `style`, around `service`.
pub(crate) fn app_with(variant: Variant, style: Style, service: Service) -> App {
    let service = Arc::new(service);
    let filter = warp_tutorial::app(
        &options(variant, style),
        Arc::clone(&service),
        Arc::new(Users::default()),
    );
    App {
        filter,
        service,
        variant,
        style,
        server: OnceCell::new(),
    }
}

/// An answer, with its body as text.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl PartialEq for Reply {
    /// Status, body and headers, ignoring none of them.
    fn eq(&self, other: &Self) -> bool {
        self.status == other.status && self.body == other.body && self.headers == other.headers
    }
}

impl Reply {
    /// The one value of header `name`, `None` when absent; fails on repeated headers.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let all: Vec<_> = self.headers.get_all(name).iter().collect();
        assert!(all.len() <= 1, "{name} repeated: {all:?}");
        all.first().map(|v| v.to_str().unwrap())
    }

    /// Checks status and body, exactly one `content-type: application/json`, and
    /// `WWW-Authenticate` (`None`: absent).
    #[track_caller]
    pub(crate) fn assert(&self, status: u16, body: &str, challenge: Option<&str>) {
        assert_eq!(
            (self.status, self.body.as_str()),
            (status, body),
            "{self:?}"
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
        assert_eq!(self.header("www-authenticate"), challenge, "{self:?}");
    }

    /// The `access_token` of a successful token answer.
    pub(crate) fn access_token(&self) -> String {
        assert_eq!(self.status, 200, "{self:?}");
        let rest = self
            .body
            .strip_prefix(r#"{"access_token":""#)
            .unwrap_or_else(|| panic!("no access_token in {}", self.body));
        rest[..rest.find('"').unwrap()].to_owned()
    }
}

pub(crate) fn header_value(bytes: &[u8]) -> HeaderValue {
    HeaderValue::from_bytes(bytes).unwrap()
}

impl App {
    /// Sends `request` through the app.
    pub(crate) async fn send(&self, request: RequestBuilder) -> Reply {
        let response = request.reply(&self.filter).await;
        Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: String::from_utf8(response.body().to_vec()).unwrap(),
        }
    }

    /// Sends a request over a real connection to the app (started on first use): unlike
    /// `warp::test`, it can carry several fields with the same name.
    pub(crate) async fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &[u8])],
        body: &[u8],
    ) -> Reply {
        let addr = *self
            .server
            .get_or_init(|| async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                tokio::spawn(warp::serve(self.filter.clone()).incoming(listener).run());
                addr
            })
            .await;
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n").into_bytes();
        for (name, value) in headers {
            request.extend_from_slice(name.as_bytes());
            request.extend_from_slice(b": ");
            request.extend_from_slice(value);
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        request.extend_from_slice(body);
        let response = exchange(addr, vec![Step::Send(request)]).await.0;
        parse_response(&response)
    }

    /// `GET path` with one `Authorization` header per item of `authorization`.
    pub(crate) async fn get(&self, path: &str, authorization: &[&[u8]]) -> Reply {
        self.method("GET", path, authorization).await
    }

    /// `method path` with one `Authorization` header per item of `authorization`.
    pub(crate) async fn method(&self, method: &str, path: &str, authorization: &[&[u8]]) -> Reply {
        if authorization.len() > 1 {
            let headers: Vec<_> = authorization
                .iter()
                .map(|v| ("Authorization", *v))
                .collect();
            return self.raw(method, path, &headers, b"").await;
        }
        // HTTP/1.1 requires `Host`; the raw requests send the same one.
        let mut request = warp::test::request()
            .method(method)
            .path(path)
            .header("host", "test");
        for value in authorization {
            request = request.header("authorization", header_value(value));
        }
        self.send(request).await
    }

    /// `GET path` with `Authorization: Bearer <token>`.
    pub(crate) async fn get_with(&self, path: &str, token: &str) -> Reply {
        self.get(path, &[format!("Bearer {token}").as_bytes()])
            .await
    }

    /// `POST /token` with a form body.
    pub(crate) async fn login(&self, body: &str) -> Reply {
        self.send(
            warp::test::request()
                .method("POST")
                .path("/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await
    }

    /// A token from `/token` for `username`, `password`, `scope`.
    pub(crate) async fn token(&self, username: &str, password: &str, scope: &str) -> String {
        let scope = scope.replace(' ', "+");
        self.login(&format!(
            "username={username}&password={password}&scope={scope}"
        ))
        .await
        .access_token()
    }

    /// A token minted by the app's service for `sub` and `scope`, issued `age` seconds ago.
    pub(crate) fn mint(&self, sub: &str, scope: &str, age: i64) -> String {
        let now = UnixTime::now().0;
        self.service.issue(sub, scope, UnixTime(now - age)).unwrap()
    }

    /// Whether this app's routes require scopes.
    pub(crate) fn scoped(&self) -> bool {
        self.variant == Variant::Scopes
    }

    /// The challenge for an invalid token on a route requiring `scopes` (space-separated).
    pub(crate) fn invalid_token_challenge(&self, scopes: &str) -> String {
        match (self.style, scopes.is_empty()) {
            (Style::Rfc, true) => r#"Bearer error="invalid_token""#.to_owned(),
            (Style::Rfc, false) => format!(r#"Bearer error="invalid_token", scope="{scopes}""#),
            (Style::FastApi, true) => "Bearer".to_owned(),
            (Style::FastApi, false) => format!(r#"Bearer scope="{scopes}""#),
        }
    }
}

/// The error body of a refused token request in the rfc style.
pub(crate) fn oauth_error(error: &str, description: &str) -> String {
    format!(r#"{{"error":"{error}","error_description":"{description}","detail":"{description}"}}"#)
}

/// FastAPI's 422 entry for a missing form field.
pub(crate) fn missing(field: &str) -> String {
    format!(r#"{{"type":"missing","loc":["body","{field}"],"msg":"Field required","input":null}}"#)
}

/// FastAPI's 422 body listing `entries`.
pub(crate) fn validation(entries: &[String]) -> String {
    format!(r#"{{"detail":[{}]}}"#, entries.join(","))
}

pub(crate) const NOT_AUTHENTICATED: &str = r#"{"detail":"Not authenticated"}"#;
pub(crate) const INVALID_CREDENTIALS: &str = r#"{"detail":"Could not validate credentials"}"#;
pub(crate) const NOT_ENOUGH_PERMISSIONS: &str = r#"{"detail":"Not enough permissions"}"#;
pub(crate) const INACTIVE_USER: &str = r#"{"detail":"Inactive user"}"#;
pub(crate) const INCORRECT_LOGIN: &str = r#"{"detail":"Incorrect username or password"}"#;
pub(crate) const JOHNDOE_JSON: &str = r#"{"username":"johndoe","email":"johndoe@example.com","full_name":"John Doe","disabled":false}"#;
pub(crate) const JOHNDOE_ITEMS: &str = r#"[{"item_id":"Foo","owner":"johndoe"}]"#;

/// What a client does on its connection.
pub(crate) enum Step {
    Send(Vec<u8>),
    Pause(Duration),
    CloseWrite,
}

/// Runs `steps` on a new connection to `addr`, then reads until the server closes it (at
/// most 20 s). Write errors are ignored: the server may answer before reading everything.
/// Returns the raw answer and the time it all took.
pub(crate) async fn exchange(addr: SocketAddr, steps: Vec<Step>) -> (Vec<u8>, Duration) {
    tokio::task::spawn_blocking(move || {
        let start = std::time::Instant::now();
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        for step in steps {
            match step {
                Step::Send(bytes) => {
                    let _ = stream.write_all(&bytes);
                }
                Step::Pause(d) => std::thread::sleep(d),
                Step::CloseWrite => {
                    let _ = stream.shutdown(std::net::Shutdown::Write);
                }
            }
        }
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out);
        (out, start.elapsed())
    })
    .await
    .unwrap()
}

/// An HTTP/1.1 answer read off the wire (`status` 0 when nothing came back).
pub(crate) fn parse_response(raw: &[u8]) -> Reply {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n");
    let (head, body) = match split {
        Some(i) => (&raw[..i], &raw[i + 4..]),
        None => (raw, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.strip_prefix("HTTP/1.1 "))
        .and_then(|l| l.get(..3))
        .map_or(0, |s| s.parse().unwrap());
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(": ").unwrap();
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            header_value(value.as_bytes()),
        );
    }
    Reply {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}
