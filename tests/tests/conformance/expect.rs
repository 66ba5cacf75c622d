//! What docs/behaviour.md says an answer must be, as checks on a parsed response, and the parity
//! comparison between two servers' answers to the same request.

use serde_json::Value;
use tessera_tests::client::Response;
use tessera_tests::server::{Cfg, Style, Variant};
use tessera_tests::token::{self, JWT_HEADER};

/// `GET /users/me/` for johndoe.
pub(crate) const JOHN: &str = r#"{"username":"johndoe","email":"johndoe@example.com","full_name":"John Doe","disabled":false}"#;
/// `GET /users/me/items/` for johndoe.
pub(crate) const JOHN_ITEMS: &str = r#"[{"item_id":"Foo","owner":"johndoe"}]"#;
/// `GET /status/`.
pub(crate) const STATUS_OK: &str = r#"{"status":"ok"}"#;
/// The default token lifetime, seconds.
pub(crate) const LIFETIME: i64 = 1800;

/// A check on one header.
#[derive(Clone, Debug)]
pub(crate) enum H {
    /// Must not be there.
    Absent,
    /// Must be there once, with exactly this value.
    Exact(String),
    /// Must be there once, and pass the check.
    Check(fn(&str) -> Result<(), String>),
    /// Not specified: only compared between servers.
    Any,
}

/// A check on the body.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    /// Exactly these bytes.
    Exact(String),
    /// `{"detail":"<any text>"}`.
    Detail,
    /// `{"error":"<error>","error_description":D,"detail":D}`, D in the RFC 6749 §5.2
    /// character set and naming each of `mentions`.
    OAuth {
        error: &'static str,
        mentions: Vec<&'static str>,
    },
    /// A token response for `sub` with granted `scope`, and a token living `lifetime` seconds.
    Token {
        sub: &'static str,
        scope: &'static str,
        lifetime: i64,
    },
    /// A custom check.
    Check(fn(Cfg, &Response) -> Result<(), String>),
    /// Not specified: only compared between servers.
    Any,
}

/// Everything checked about one answer.
#[derive(Clone, Debug)]
pub(crate) struct Expect {
    /// The status; with `any_4xx`, any client error.
    pub(crate) status: u16,
    /// Accept any 4xx status (the spec names the failure but not its status in this style).
    pub any_4xx: bool,
    /// The reason phrase, where the spec relies on it (Swagger UI shows it on failed logins).
    pub(crate) reason: Option<&'static str>,
    pub(crate) www_authenticate: H,
    pub(crate) allow: H,
    pub(crate) location: H,
    pub(crate) retry_after: H,
    pub(crate) cache_control: H,
    pub(crate) pragma: H,
    pub(crate) content_type: H,
    pub(crate) body: Body,
}

const JSON: &str = "application/json";

fn json_string(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

impl Expect {
    /// `status` with a JSON `body` and no challenge; other headers unspecified.
    pub(crate) fn json(status: u16, body: Body) -> Self {
        Self {
            status,
            any_4xx: false,
            reason: None,
            www_authenticate: H::Absent,
            allow: H::Any,
            location: H::Any,
            retry_after: H::Any,
            cache_control: H::Any,
            pragma: H::Any,
            content_type: H::Exact(JSON.into()),
            body,
        }
    }

    fn www(mut self, value: impl Into<String>) -> Self {
        self.www_authenticate = H::Exact(value.into());
        self
    }

    fn reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }
}

/// `{"detail":"<text>"}`.
pub(crate) fn detail_body(text: &str) -> Body {
    Body::Exact(format!(r#"{{"detail":{}}}"#, json_string(text)))
}

/// 200 with exactly `body`.
pub(crate) fn ok(body: &str) -> Expect {
    Expect::json(200, Body::Exact(body.into()))
}

/// The answer to a `HEAD` request: `of`, without its body.
pub(crate) fn head_of(mut of: Expect) -> Expect {
    of.body = Body::Exact(String::new());
    of
}

/// `HEAD` answered as `GET`: 200, no body, any media type.
pub(crate) fn head_ok() -> Expect {
    let mut e = head_of(Expect::json(200, Body::Any));
    e.content_type = H::Any;
    e
}

/// The scopes `GET /users/me/` requires, in challenge order.
pub(crate) fn me_scopes(c: Cfg) -> &'static str {
    match c.variant {
        Variant::Jwt => "",
        Variant::Scopes => "me",
    }
}

/// The scopes `GET /users/me/items/` requires, in challenge order.
pub(crate) fn my_items_scopes(c: Cfg) -> &'static str {
    match c.variant {
        Variant::Jwt => "",
        Variant::Scopes => "items me",
    }
}

/// Missing credentials: 401 "Not authenticated", `Bearer`.
pub(crate) fn missing_credentials() -> Expect {
    Expect::json(401, detail_body("Not authenticated")).www("Bearer")
}

/// Invalid token or unknown subject on a route requiring `scopes`.
pub(crate) fn invalid_token(c: Cfg, scopes: &str) -> Expect {
    let www = match (c.style, scopes.is_empty()) {
        (Style::Rfc, true) => r#"Bearer error="invalid_token""#.to_string(),
        (Style::Rfc, false) => format!(r#"Bearer error="invalid_token", scope="{scopes}""#),
        (Style::FastApi, true) => "Bearer".to_string(),
        (Style::FastApi, false) => format!(r#"Bearer scope="{scopes}""#),
    };
    Expect::json(401, detail_body("Could not validate credentials")).www(www)
}

/// A required scope missing on a route requiring `scopes`.
pub(crate) fn insufficient_scope(c: Cfg, scopes: &str) -> Expect {
    match c.style {
        Style::Rfc => Expect::json(403, detail_body("Not enough permissions")).www(format!(
            r#"Bearer error="insufficient_scope", scope="{scopes}""#
        )),
        Style::FastApi => Expect::json(401, detail_body("Not enough permissions"))
            .www(format!(r#"Bearer scope="{scopes}""#)),
    }
}

/// Two `Authorization` headers (rfc style).
pub(crate) fn multiple_authorization() -> Expect {
    Expect::json(400, Body::Detail).www(r#"Bearer error="invalid_request""#)
}

/// A disabled user.
pub(crate) fn inactive_user() -> Expect {
    Expect::json(400, detail_body("Inactive user"))
}

/// No such route.
pub(crate) fn not_found() -> Expect {
    Expect::json(404, detail_body("Not Found"))
}

/// Wrong method; `allow` checks the `Allow` header.
pub(crate) fn method_not_allowed(allow: H) -> Expect {
    let mut e = Expect::json(405, detail_body("Method Not Allowed"));
    e.allow = allow;
    e
}

/// `Allow` of a GET-only route: lists GET.
pub(crate) fn allow_get() -> H {
    H::Check(|v| {
        if v.split(',').any(|m| m.trim() == "GET") {
            Ok(())
        } else {
            Err(format!("Allow {v:?} does not list GET"))
        }
    })
}

fn location_path(v: &str) -> &str {
    // Starlette sends an absolute URL; a path is as good.
    let v = v
        .strip_prefix("http://")
        .map_or(v, |rest| rest.find('/').map_or("", |i| &rest[i..]));
    v.split('?').next().unwrap_or(v)
}

/// The `Host` the redirect scenarios send, so that both servers build the same absolute URL.
pub(crate) const REDIRECT_HOST: &str = "tessera.test:8000";

/// 307 to exactly `target` (a path with its query): the path itself in the rfc style, an
/// absolute URL built from [`REDIRECT_HOST`] in the fastapi style, as Starlette builds it.
pub(crate) fn redirect_exact(c: Cfg, target: &str) -> Expect {
    let mut e = redirect(|_| Ok(()));
    e.location = H::Exact(match c.style {
        Style::Rfc => target.to_owned(),
        Style::FastApi => format!("http://{REDIRECT_HOST}{target}"),
    });
    e
}

/// 307 to `path`, before any auth check.
pub(crate) fn redirect(check: fn(&str) -> Result<(), String>) -> Expect {
    Expect {
        status: 307,
        any_4xx: false,
        reason: None,
        www_authenticate: H::Absent,
        allow: H::Any,
        location: H::Check(check),
        retry_after: H::Any,
        cache_control: H::Any,
        pragma: H::Any,
        content_type: H::Any,
        body: Body::Any,
    }
}

/// A `Location` check: its path (query dropped, scheme and host allowed) is `want`.
pub(crate) fn location_is(v: &str, want: &str) -> Result<(), String> {
    if location_path(v) == want {
        Ok(())
    } else {
        Err(format!("Location {v:?} does not lead to {want}"))
    }
}

/// Bad username or password.
pub(crate) fn invalid_grant(c: Cfg) -> Expect {
    const TEXT: &str = "Incorrect username or password";
    match (c.style, c.variant) {
        (Style::Rfc, _) => Expect::json(
            400,
            Body::Exact(format!(
                r#"{{"error":"invalid_grant","error_description":"{TEXT}","detail":"{TEXT}"}}"#
            )),
        )
        .reason("Bad Request"),
        (Style::FastApi, Variant::Jwt) => Expect::json(401, detail_body(TEXT))
            .www("Bearer")
            .reason("Unauthorized"),
        (Style::FastApi, Variant::Scopes) => {
            Expect::json(400, detail_body(TEXT)).reason("Bad Request")
        }
    }
}

/// 400 `invalid_request`, the description naming `mentions`.
pub(crate) fn invalid_request(mentions: &[&'static str]) -> Expect {
    Expect::json(
        400,
        Body::OAuth {
            error: "invalid_request",
            mentions: mentions.to_vec(),
        },
    )
    .reason("Bad Request")
}

fn missing_item(name: &str) -> String {
    format!(r#"{{"type":"missing","loc":["body","{name}"],"msg":"Field required","input":null}}"#)
}

fn pattern_item(value: &str) -> String {
    format!(
        r#"{{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern '^password$'","input":{},"ctx":{{"pattern":"^password$"}}}}"#,
        json_string(value)
    )
}

/// Missing (or empty) required fields, in the order grant_type, username, password.
pub(crate) fn missing_fields(c: Cfg, fields: &[&'static str]) -> Expect {
    match c.style {
        Style::Rfc => invalid_request(fields),
        Style::FastApi => {
            let items: Vec<String> = fields.iter().map(|f| missing_item(f)).collect();
            Expect::json(
                422,
                Body::Exact(format!(r#"{{"detail":[{}]}}"#, items.join(","))),
            )
        }
    }
}

/// A `grant_type` other than `password` (its decoded `value`), with `missing` fields too.
pub(crate) fn bad_grant_type(c: Cfg, value: &str, missing: &[&'static str]) -> Expect {
    match c.style {
        Style::Rfc => Expect::json(
            400,
            Body::OAuth {
                error: "unsupported_grant_type",
                mentions: vec![],
            },
        ),
        Style::FastApi => {
            let mut items = vec![pattern_item(value)];
            items.extend(missing.iter().map(|f| missing_item(f)));
            Expect::json(
                422,
                Body::Exact(format!(r#"{{"detail":[{}]}}"#, items.join(","))),
            )
        }
    }
}

/// A successful login for `sub` with the requested scopes normalised to `scope`.
pub(crate) fn token_issued(c: Cfg, sub: &'static str, scope: &'static str) -> Expect {
    token_issued_for(c, sub, scope, LIFETIME)
}

/// [`token_issued`] with another lifetime.
pub(crate) fn token_issued_for(
    c: Cfg,
    sub: &'static str,
    scope: &'static str,
    lifetime: i64,
) -> Expect {
    let mut e = Expect::json(
        200,
        Body::Token {
            sub,
            scope,
            lifetime,
        },
    );
    if c.style == Style::Rfc {
        e.cache_control = H::Exact("no-store".into());
        e.pragma = H::Exact("no-cache".into());
    }
    e
}

/// Body over 16 KiB.
pub(crate) fn too_large() -> Expect {
    Expect::json(413, Body::Detail)
}

/// Throttled (or over the hashing bound).
pub(crate) fn throttled() -> Expect {
    let mut e = Expect::json(429, Body::Detail);
    e.retry_after = H::Check(|v| match v.trim().parse::<u64>() {
        Ok(1..=60) => Ok(()),
        _ => Err(format!(
            "Retry-After {v:?} is not a number of seconds from 1 to 60"
        )),
    });
    e
}

/// A failure whose status the spec leaves to the style: any 4xx with an error body.
pub(crate) fn some_client_error() -> Expect {
    let mut e = Expect::json(400, Body::Any);
    e.any_4xx = true;
    e.www_authenticate = H::Any;
    e
}

fn oauth_char(c: char) -> bool {
    matches!(c, '\x20'..='\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e')
}

fn check_oauth(body: &str, error: &str, mentions: &[&str]) -> Result<(), String> {
    let prefix = format!(r#"{{"error":"{error}","error_description":""#);
    let rest = body
        .strip_prefix(&prefix)
        .ok_or_else(|| format!("body does not start with {prefix}"))?;
    let (d1, rest) = rest
        .split_once(r#"","detail":""#)
        .ok_or("no detail after error_description")?;
    let d2 = rest
        .strip_suffix(r#""}"#)
        .ok_or("body does not end after detail")?;
    if d1 != d2 {
        return Err(format!(
            "detail {d2:?} differs from error_description {d1:?}"
        ));
    }
    if d1.is_empty() || !d1.chars().all(oauth_char) {
        return Err(format!(
            "error_description {d1:?} is empty or has characters outside RFC 6749 §5.2"
        ));
    }
    for m in mentions {
        if !d1.contains(m) {
            return Err(format!("error_description {d1:?} does not name {m}"));
        }
    }
    Ok(())
}

/// Whether `s` is `len` base64url characters (random bytes, unpadded).
fn is_base64url_of(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn int(v: &Value, name: &str) -> Result<i64, String> {
    v.get(name)
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("claim {name} is not an integer in {v}"))
}

/// Checks a token response: exact body around the token, then the token itself.
pub(crate) fn check_token(
    c: Cfg,
    r: &Response,
    sub: &str,
    scope: &str,
    lifetime: i64,
) -> Result<String, String> {
    let body = r.text();
    let v: Value = serde_json::from_str(&body).map_err(|e| format!("body is not JSON: {e}"))?;
    let t = v
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or("no access_token string")?
        .to_string();
    let scoped = c.variant == Variant::Scopes;
    let want = match c.style {
        Style::Rfc => {
            let scope_member = if scoped && !scope.is_empty() {
                format!(r#","scope":{}"#, json_string(scope))
            } else {
                String::new()
            };
            // token.refresh: the rfc style answers a refresh token, 256 bits in base64url.
            let refresh = v
                .get("refresh_token")
                .and_then(Value::as_str)
                .ok_or("no refresh_token string")?;
            if !is_base64url_of(refresh, 43) {
                return Err(format!(
                    "refresh_token {refresh:?} is not 43 base64url characters"
                ));
            }
            format!(
                r#"{{"access_token":"{t}","token_type":"bearer","expires_in":{lifetime},"refresh_token":"{refresh}"{scope_member}}}"#
            )
        }
        Style::FastApi => format!(r#"{{"access_token":"{t}","token_type":"bearer"}}"#),
    };
    if body != want {
        return Err(format!("token body {body} is not {want}"));
    }
    let (header, payload) = token::parts(&t).ok_or_else(|| format!("{t} is not a compact JWS"))?;
    // The rfc style names the signing key (issue.header); the fastapi style has FastAPI's.
    let want_header = match c.style {
        Style::Rfc => format!(
            r#"{{"alg":"HS256","typ":"JWT","kid":"{}"}}"#,
            token::key().kid()
        ),
        Style::FastApi => JWT_HEADER.to_string(),
    };
    if header != want_header.as_bytes() {
        return Err(format!(
            "token header {} is not {want_header}",
            String::from_utf8_lossy(&header)
        ));
    }
    if !token::verifies(&t) {
        return Err(format!("{t} does not verify under the tutorial key"));
    }
    let payload_text = String::from_utf8_lossy(&payload).into_owned();
    let claims: Value =
        serde_json::from_slice(&payload).map_err(|e| format!("claims are not JSON: {e}"))?;
    let obj = claims.as_object().ok_or("claims are not an object")?;
    let exp = int(&claims, "exp")?;
    let now = token::now();
    if (exp - (now + lifetime)).abs() > 15 {
        return Err(format!(
            "exp {exp} is not about now + {lifetime} ({})",
            now + lifetime
        ));
    }
    match c.style {
        Style::Rfc => {
            let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
            keys.sort_unstable();
            let want: &[&str] = if scoped {
                &["exp", "iat", "jti", "scope", "sub"]
            } else {
                &["exp", "iat", "jti", "sub"]
            };
            if keys != want {
                return Err(format!(
                    "claims {payload_text} do not have exactly {want:?}"
                ));
            }
            // tok.revoked: a random 128-bit id, by which the token can be revoked.
            if !is_base64url_of(claims["jti"].as_str().unwrap_or_default(), 22) {
                return Err(format!(
                    "jti of {payload_text} is not 22 base64url characters"
                ));
            }
            let iat = int(&claims, "iat")?;
            if exp - iat != lifetime {
                return Err(format!(
                    "exp - iat is {} in {payload_text}, not {lifetime}",
                    exp - iat
                ));
            }
            if claims["sub"] != sub || (scoped && claims["scope"] != scope) {
                return Err(format!(
                    "claims {payload_text}: want sub {sub:?}, scope {scope:?}"
                ));
            }
        }
        Style::FastApi => {
            let want = if scoped {
                format!(
                    r#"{{"sub":{},"scope":{},"exp":{exp}}}"#,
                    json_string(sub),
                    json_string(scope)
                )
            } else {
                format!(r#"{{"sub":{},"exp":{exp}}}"#, json_string(sub))
            };
            if payload_text != want {
                return Err(format!("claims {payload_text} are not exactly {want}"));
            }
        }
    }
    Ok(t)
}

fn check_header(name: &str, h: &H, r: &Response, errors: &mut Vec<String>) {
    let values = r.headers_named(name);
    match h {
        H::Any => {}
        H::Absent => {
            if !values.is_empty() {
                errors.push(format!("{name} should be absent, is {values:?}"));
            }
        }
        H::Exact(want) => {
            if values.len() != 1 || &values[0] != want {
                errors.push(format!("{name} is {values:?}, want [{want:?}]"));
            }
        }
        H::Check(f) => {
            if values.len() == 1 {
                if let Err(e) = f(&values[0]) {
                    errors.push(format!("{name}: {e}"));
                }
            } else {
                errors.push(format!("{name} is {values:?}, want one value"));
            }
        }
    }
}

/// Every way `r` departs from `e` (empty when it conforms).
pub(crate) fn check(c: Cfg, e: &Expect, r: &Response) -> Vec<String> {
    let mut errors = Vec::new();
    let status_ok = if e.any_4xx {
        (400..500).contains(&r.status)
    } else {
        r.status == e.status
    };
    if !status_ok {
        let want = if e.any_4xx {
            "a 4xx".to_string()
        } else {
            e.status.to_string()
        };
        errors.push(format!("status {} {}, want {want}", r.status, r.reason));
    }
    if let Some(reason) = e.reason
        && r.reason != reason
    {
        errors.push(format!("reason phrase {:?}, want {reason:?}", r.reason));
    }
    check_header("www-authenticate", &e.www_authenticate, r, &mut errors);
    check_header("allow", &e.allow, r, &mut errors);
    check_header("location", &e.location, r, &mut errors);
    check_header("retry-after", &e.retry_after, r, &mut errors);
    check_header("cache-control", &e.cache_control, r, &mut errors);
    check_header("pragma", &e.pragma, r, &mut errors);
    check_header("content-type", &e.content_type, r, &mut errors);
    let text = r.text();
    match &e.body {
        Body::Any => {}
        Body::Exact(want) => {
            if &text != want {
                errors.push(format!("body {text}, want {want}"));
            }
        }
        Body::Detail => {
            let good = r.json().is_some_and(|v| {
                v.as_object()
                    .is_some_and(|o| o.len() == 1 && o.get("detail").is_some_and(Value::is_string))
            });
            if !good {
                errors.push(format!("body {text} is not {{\"detail\":\"…\"}}"));
            }
        }
        Body::OAuth { error, mentions } => {
            if let Err(err) = check_oauth(&text, error, mentions) {
                errors.push(format!("{err} (body {text})"));
            }
        }
        Body::Token {
            sub,
            scope,
            lifetime,
        } => {
            if let Err(err) = check_token(c, r, sub, scope, *lifetime) {
                errors.push(err);
            }
        }
        // A custom check on the wrong status would only restate the status error.
        Body::Check(f) if status_ok => {
            if let Err(err) = f(c, r) {
                errors.push(err);
            }
        }
        Body::Check(_) => {}
    }
    // Spec-wide rules: every error body has a `detail` member (answers to HEAD have none);
    // every 401 has a challenge.
    let head = matches!(&e.body, Body::Exact(b) if b.is_empty());
    if !head && r.status >= 400 && r.json().is_none_or(|v| v.get("detail").is_none()) {
        errors.push(format!("error body {text} has no detail member"));
    }
    if r.status == 401 && r.headers_named("www-authenticate").is_empty() {
        errors.push("401 without WWW-Authenticate".into());
    }
    errors
}

/// Headers whose values differ between two runs of the same server: never compared.
pub(crate) const UNCOMPARED_HEADERS: [&str; 1] = ["date"];

/// The body with a fresh access token replaced by what must be equal across servers: its
/// header and its claims without `iat`, `exp` and `jti` (random), and a refresh token (random)
/// by its length.
pub(crate) fn normalized_body(r: &Response) -> String {
    let mut text = r.text();
    if let Some(refresh) = r.json().and_then(|v| {
        v.get("refresh_token")
            .and_then(Value::as_str)
            .map(String::from)
    }) {
        text = text.replace(&refresh, &format!("<refresh token of {}>", refresh.len()));
    }
    let Some(t) = r.json().and_then(|v| {
        v.get("access_token")
            .and_then(Value::as_str)
            .map(String::from)
    }) else {
        return text;
    };
    let summary = match token::parts(&t) {
        Some((h, p)) => {
            let mut claims: Value = serde_json::from_slice(&p).unwrap_or(Value::Null);
            if let Some(o) = claims.as_object_mut() {
                o.remove("iat");
                o.remove("exp");
                o.remove("jti");
            }
            let keys: Vec<String> = serde_json::from_slice::<Value>(&p)
                .ok()
                .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
                .unwrap_or_default();
            format!(
                "<token header={} claims={claims} keys={keys:?}>",
                String::from_utf8_lossy(&h)
            )
        }
        None => "<not a token>".into(),
    };
    text.replace(&t, &summary)
}

/// `v` with the port of a `http://127.0.0.1:<port>` prefix replaced by `PORT`.
fn without_loopback_port(v: &str) -> String {
    match v.strip_prefix("http://127.0.0.1:") {
        Some(rest) => {
            let port_len = rest.bytes().take_while(u8::is_ascii_digit).count();
            format!("http://127.0.0.1:PORT{}", &rest[port_len..])
        }
        None => v.to_owned(),
    }
}

/// Differences between two servers' answers to one request.
pub(crate) fn parity(a: &Response, b: &Response, ignore_retry_after_value: bool) -> Vec<String> {
    let mut d = Vec::new();
    if (a.status, &a.reason) != (b.status, &b.reason) {
        d.push(format!(
            "status {} {} vs {} {}",
            a.status, a.reason, b.status, b.reason
        ));
    }
    // Every header but `Date`, by name, with its values in order. `Content-Length` is left to
    // the body comparison when the bodies hold fresh access tokens (their lengths may differ).
    let tokens = a.json().is_some_and(|v| v.get("access_token").is_some());
    let mut names: Vec<String> = a
        .headers
        .iter()
        .chain(&b.headers)
        .map(|(n, _)| n.to_ascii_lowercase())
        .filter(|n| !UNCOMPARED_HEADERS.contains(&n.as_str()))
        .filter(|n| !(tokens && n == "content-length"))
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let (mut va, mut vb) = (a.headers_named(&name), b.headers_named(&name));
        if name == "location" {
            // Built from the server's own address when the request has no `Host`.
            va = va.iter().map(|v| without_loopback_port(v)).collect();
            vb = vb.iter().map(|v| without_loopback_port(v)).collect();
        }
        let same = if name == "retry-after" && ignore_retry_after_value {
            va.len() == vb.len()
        } else {
            va == vb
        };
        if !same {
            d.push(format!("{name} {va:?} vs {vb:?}"));
        }
    }
    let (ba, bb) = (normalized_body(a), normalized_body(b));
    if ba != bb {
        d.push(format!("body {ba} vs {bb}"));
    }
    d
}
