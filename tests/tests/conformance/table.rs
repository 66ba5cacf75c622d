//! The scenario table: one request and one expected answer per line, for every row of
//! docs/behaviour.md that a single request can show. Each scenario names the spec row it checks
//! (see [`ROWS`]) and the configurations it applies to.

use serde_json::Value;
use tessera_tests::client::Request;
use tessera_tests::server::{Cfg, Style, Variant};

use crate::expect::{self as e, Body, Expect, H, JOHN, JOHN_ITEMS, STATUS_OK};
use crate::tokens::{self, tok};

/// One request and what every configuration it applies to must answer.
pub(crate) struct Scenario {
    /// Unique name.
    pub(crate) name: String,
    /// The docs/behaviour.md row (an id from [`ROWS`]).
    pub(crate) row: &'static str,
    /// The configurations it applies to.
    pub(crate) only: fn(Cfg) -> bool,
    /// Builds the request (once per configuration; the same bytes go to both servers).
    pub(crate) request: Box<dyn Fn() -> Request>,
    /// The expected answer in a configuration.
    pub(crate) expect: Box<dyn Fn(Cfg) -> Expect>,
}

/// Every row of docs/behaviour.md, by id, with the words it stands for. Each must be checked by a
/// scenario or a sequence (`every_spec_row_is_covered`).
pub(crate) const ROWS: &[(&str, &str)] = &[
    ("data.users", "Fixed data: johndoe active, alice disabled"),
    (
        "data.public_json",
        "Fixed data: johndoe public JSON, never the hash",
    ),
    ("data.my_items", "Fixed data: GET /users/me/items/"),
    ("data.status", "Fixed data: GET /status/ (scopes)"),
    (
        "data.items",
        "Fixed data: GET /items/ echoes the bearer extraction",
    ),
    (
        "data.key",
        "Fixed data: SECRET_KEY as UTF-8 bytes; unset random; short refused",
    ),
    (
        "data.lifetime",
        "Fixed data: ACCESS_TOKEN_EXPIRE_MINUTES, default 30",
    ),
    (
        "general.content_type",
        "Every JSON response has content-type: application/json",
    ),
    ("general.detail", "Every error body has a detail member"),
    (
        "form.rules",
        "POST /token body rules: charset, escapes, +, empty fields, unknown and client fields",
    ),
    ("token.ok", "/token: correct credentials (alice too)"),
    (
        "token.invalid_grant",
        "/token: wrong password, unknown user",
    ),
    (
        "token.same_bytes",
        "/token: unknown user vs wrong password identical",
    ),
    (
        "token.missing",
        "/token: username or password missing or empty; no body; JSON, text, multipart",
    ),
    ("token.grant_type", "/token: grant_type other than password"),
    (
        "token.repeated",
        "/token: a defined parameter repeated with a value",
    ),
    ("token.password_len", "/token: password over 1024 bytes"),
    ("token.body_size", "/token: body over 16 KiB"),
    (
        "token.throttle",
        "/token: throttling after 5 failures of one client on one username",
    ),
    (
        "token.concurrency",
        "/token: one login per client at a time",
    ),
    ("token.get", "GET /token"),
    ("token.order", "/token: check order"),
    (
        "token.clears",
        "/token: a successful login clears the failures",
    ),
    (
        "token.authorization_ignored",
        "/token: the Authorization header is ignored",
    ),
    ("issue.header", "Issued tokens: header"),
    ("issue.claims", "Issued tokens: claims per style"),
    ("issue.scope", "Issued tokens: scope normalisation"),
    (
        "issue.interop",
        "Issued tokens interoperate (cross-server, FastAPI)",
    ),
    (
        "auth.header",
        "Authorization header tolerances and missing credentials",
    ),
    ("route.order", "Protected routes: check order"),
    (
        "route.challenge",
        "Protected routes: token challenge per route and variant",
    ),
    (
        "route.ok",
        "Protected routes: valid token, active user, enough scopes",
    ),
    ("route.missing", "Protected routes: missing credentials"),
    (
        "route.invalid",
        "Protected routes: invalid token or unknown sub",
    ),
    ("route.scope", "Protected routes: a required scope missing"),
    (
        "route.multiple",
        "Protected routes: two Authorization headers",
    ),
    ("route.inactive", "Protected routes: disabled user"),
    ("route.404", "Unknown path"),
    ("route.405", "Wrong method"),
    (
        "route.307",
        "Path without the trailing slash, or with one too many: 307, Location per style",
    ),
    (
        "route.head",
        "HEAD on a GET route: as GET (rfc), 405 Allow: GET (fastapi)",
    ),
    (
        "route.method",
        "The method is the request line's; _method is an ignored form field",
    ),
    ("tok.segments", "Invalid tokens: not three segments"),
    (
        "tok.b64",
        "Invalid tokens: padding, +, /, non-canonical bits",
    ),
    ("tok.json", "Invalid tokens: not a strict UTF-8 JSON object"),
    ("tok.signature", "Invalid tokens: wrong signature"),
    ("tok.alg", "Invalid tokens: alg other than HS256"),
    ("tok.crit", "Invalid tokens: crit or b64"),
    ("tok.jti", "Invalid tokens: non-string jti"),
    (
        "tok.exp",
        "Invalid tokens: exp missing or not in the future",
    ),
    ("tok.nbf", "Invalid tokens: nbf in the future"),
    ("tok.iat", "Invalid tokens: iat in the future"),
    ("tok.aud", "Invalid tokens: aud present"),
    (
        "tok.sub",
        "Invalid tokens: sub missing, not a string, empty",
    ),
    ("tok.scope", "Invalid tokens: malformed scope claim"),
    ("tok.len", "Invalid tokens: longer than 8192 characters"),
    (
        "tok.accepted",
        "Accepted: extra claims, any typ, the kid of the server's key",
    ),
    (
        "tok.kid",
        "A kid naming no key of the server: refused (rfc), ignored as by FastAPI (fastapi)",
    ),
    (
        "scope.match",
        "Scope matching: exact, case-sensitive, order-free",
    ),
    ("docs.openapi", "GET /openapi.json"),
    ("docs.page", "GET /docs served from the binary at /docs"),
    (
        "docs.swagger_login",
        "Swagger UI's token request (Basic Og==, scope absent)",
    ),
];

fn all(_: Cfg) -> bool {
    true
}
fn jwt(c: Cfg) -> bool {
    c.variant == Variant::Jwt
}
fn scopes(c: Cfg) -> bool {
    c.variant == Variant::Scopes
}
fn rfc(c: Cfg) -> bool {
    c.style == Style::Rfc
}
fn fastapi(c: Cfg) -> bool {
    c.style == Style::FastApi
}

fn sc(
    row: &'static str,
    name: impl Into<String>,
    only: fn(Cfg) -> bool,
    request: impl Fn() -> Request + 'static,
    expect: impl Fn(Cfg) -> Expect + 'static,
) -> Scenario {
    Scenario {
        name: name.into(),
        row,
        only,
        request: Box::new(request),
        expect: Box::new(expect),
    }
}

fn auth(path: &str, value: impl AsRef<[u8]>) -> Request {
    Request::get(path).header("Authorization", value)
}

fn me(t: &str) -> Request {
    Request::get("/users/me/").bearer(t)
}

fn my_items(t: &str) -> Request {
    Request::get("/users/me/items/").bearer(t)
}

fn login(body: &str) -> Request {
    Request::post("/token").form(body)
}

fn items_echo(token: &str) -> Expect {
    e::ok(&serde_json::json!({ "token": token }).to_string())
}

/// Scope-dependent answer: `ok` in the jwt variant (no scopes required), the scope error with
/// `scopes(c)` in the scopes variant.
fn jwt_ok_else_scope(c: Cfg, body: &str, route_scopes: fn(Cfg) -> &'static str) -> Expect {
    match c.variant {
        Variant::Jwt => e::ok(body),
        Variant::Scopes => e::insufficient_scope(c, route_scopes(c)),
    }
}

/// The two tokens of `tests/data/fastapi_tokens.json`: (plain, scoped).
pub(crate) fn fastapi_tokens() -> (String, String) {
    let doc: Value = serde_json::from_str(include_str!("../../data/fastapi_tokens.json"))
        .expect("fastapi_tokens.json is JSON");
    let get = |i: usize| {
        doc["tokens"][i]["token"]
            .as_str()
            .expect("a token string")
            .to_string()
    };
    (get(0), get(1))
}

fn multipart() -> Request {
    let body = "--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\njohndoe\r\n\
                --XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nsecret\r\n--XyZ--\r\n";
    Request::post("/token").body(Some("multipart/form-data; boundary=XyZ"), body)
}

/// A login form of exactly `len` bytes for johndoe, padded with an unknown field.
fn padded_login(len: usize) -> String {
    let base = "username=johndoe&password=secret&pad=";
    format!("{base}{}", "a".repeat(len - base.len()))
}

/// The whole table.
#[allow(clippy::too_many_lines)]
pub(crate) fn scenarios() -> Vec<Scenario> {
    let mut t = vec![
        // ----- fixed data and successful routes
        sc(
            "data.public_json",
            "me: johndoe",
            all,
            || me(&tok("johndoe", Some("me"))),
            |_| e::ok(JOHN),
        ),
        sc(
            "data.my_items",
            "my items: johndoe",
            all,
            || my_items(&tok("johndoe", Some("me items"))),
            |_| e::ok(JOHN_ITEMS),
        ),
        sc(
            "data.status",
            "status: johndoe, no scopes",
            scopes,
            || Request::get("/status/").bearer(&tok("johndoe", None)),
            |_| e::ok(STATUS_OK),
        ),
        sc(
            "data.status",
            "status: disabled flag not checked",
            scopes,
            || Request::get("/status/").bearer(&tok("alice", None)),
            |_| e::ok(STATUS_OK),
        ),
        sc(
            "data.status",
            "status: route absent in the jwt variant",
            jwt,
            || Request::get("/status/").bearer(&tok("johndoe", None)),
            |_| e::not_found(),
        ),
        sc(
            "data.users",
            "me: alice is disabled",
            all,
            || me(&tok("alice", Some("me"))),
            |_| e::inactive_user(),
        ),
        sc(
            "route.inactive",
            "my items: alice is disabled",
            all,
            || my_items(&tok("alice", Some("me items"))),
            |_| e::inactive_user(),
        ),
        sc(
            "route.ok",
            "me: token without a scope claim",
            all,
            || me(&tok("johndoe", None)),
            |c| jwt_ok_else_scope(c, JOHN, e::me_scopes),
        ),
        sc(
            "route.ok",
            "me: extra scopes granted",
            all,
            || me(&tok("johndoe", Some("items me admin"))),
            |_| e::ok(JOHN),
        ),
        // ----- scope matching and challenges
        sc(
            "scope.match",
            "my items: items me",
            all,
            || my_items(&tok("johndoe", Some("items me"))),
            |_| e::ok(JOHN_ITEMS),
        ),
        sc(
            "scope.match",
            "my items: me only",
            all,
            || my_items(&tok("johndoe", Some("me"))),
            |c| jwt_ok_else_scope(c, JOHN_ITEMS, e::my_items_scopes),
        ),
        sc(
            "scope.match",
            "my items: items only",
            all,
            || my_items(&tok("johndoe", Some("items"))),
            |c| jwt_ok_else_scope(c, JOHN_ITEMS, e::my_items_scopes),
        ),
        sc(
            "route.scope",
            "me: items only",
            all,
            || me(&tok("johndoe", Some("items"))),
            |c| jwt_ok_else_scope(c, JOHN, e::me_scopes),
        ),
        sc(
            "scope.match",
            "me: ME",
            all,
            || me(&tok("johndoe", Some("ME"))),
            |c| jwt_ok_else_scope(c, JOHN, e::me_scopes),
        ),
        sc(
            "scope.match",
            "me: me:read",
            all,
            || me(&tok("johndoe", Some("me:read"))),
            |c| jwt_ok_else_scope(c, JOHN, e::me_scopes),
        ),
        sc(
            "scope.match",
            "me: meitems",
            all,
            || me(&tok("johndoe", Some("meitems"))),
            |c| jwt_ok_else_scope(c, JOHN, e::me_scopes),
        ),
        sc(
            "scope.match",
            "me: empty scope",
            all,
            || me(&tok("johndoe", Some(""))),
            |c| jwt_ok_else_scope(c, JOHN, e::me_scopes),
        ),
        sc(
            "route.challenge",
            "my items: empty scope",
            all,
            || my_items(&tok("johndoe", Some(""))),
            |c| jwt_ok_else_scope(c, JOHN_ITEMS, e::my_items_scopes),
        ),
        // ----- check order on protected routes
        sc(
            "route.order",
            "me: alice without scopes gets the scope error first",
            all,
            || me(&tok("alice", None)),
            |c| match c.variant {
                Variant::Jwt => e::inactive_user(),
                Variant::Scopes => e::insufficient_scope(c, "me"),
            },
        ),
        sc(
            "route.order",
            "my items: alice with me only gets the scope error first",
            all,
            || my_items(&tok("alice", Some("me"))),
            |c| match c.variant {
                Variant::Jwt => e::inactive_user(),
                Variant::Scopes => e::insufficient_scope(c, "items me"),
            },
        ),
        sc(
            "route.order",
            "me: unknown sub without scopes is an invalid token",
            all,
            || me(&tok("nobody", None)),
            |c| e::invalid_token(c, e::me_scopes(c)),
        ),
        sc(
            "route.order",
            "me: expired token of a disabled user",
            all,
            || {
                me(&tokens::tok_edit(
                    "alice",
                    Some("me"),
                    "exp",
                    serde_json::json!(tessera_tests::token::now() - 5),
                ))
            },
            |c| e::invalid_token(c, e::me_scopes(c)),
        ),
        sc(
            "route.order",
            "me: two Authorization headers before the token",
            rfc,
            || me(&tok("johndoe", Some("me"))).header("Authorization", "Basic Og=="),
            |_| e::multiple_authorization(),
        ),
        sc(
            "route.invalid",
            "status: invalid token, no scope in the challenge",
            scopes,
            || Request::get("/status/").bearer("abc.def.ghi"),
            |c| e::invalid_token(c, ""),
        ),
        sc(
            "route.invalid",
            "status: unknown sub",
            scopes,
            || Request::get("/status/").bearer(&tok("nobody", None)),
            |c| e::invalid_token(c, ""),
        ),
        sc(
            "route.invalid",
            "my items: invalid token",
            all,
            || my_items("abc.def.ghi"),
            |c| e::invalid_token(c, e::my_items_scopes(c)),
        ),
        sc(
            "route.missing",
            "status: no credentials",
            scopes,
            || Request::get("/status/"),
            |_| e::missing_credentials(),
        ),
        sc(
            "route.missing",
            "my items: no credentials",
            all,
            || Request::get("/users/me/items/"),
            |_| e::missing_credentials(),
        ),
        // ----- Authorization header on /items/ (no token check)
        sc(
            "data.items",
            "items: Bearer abc",
            all,
            || auth("/items/", "Bearer abc"),
            |_| items_echo("abc"),
        ),
        sc(
            "data.items",
            "items: expired token echoed unchecked",
            all,
            || {
                auth(
                    "/items/",
                    format!(
                        "Bearer {}",
                        tokens::tok_edit("johndoe", None, "exp", serde_json::json!(1))
                    ),
                )
            },
            |_| {
                e::Expect::json(
                    200,
                    Body::Check(|_, r| {
                        let v = r.json().ok_or("not JSON")?;
                        let t = v["token"].as_str().ok_or("no token member")?;
                        if v.as_object().map(serde_json::Map::len) == Some(1)
                            && t.split('.').count() == 3
                        {
                            Ok(())
                        } else {
                            Err(format!("body {} does not echo the token", r.text()))
                        }
                    }),
                )
            },
        ),
        sc(
            "data.items",
            "items: JSON escaping of the echo",
            all,
            || auth("/items/", r#"Bearer a"b\c"#),
            |_| items_echo(r#"a"b\c"#),
        ),
        sc(
            "auth.header",
            "items: lower-case scheme",
            all,
            || auth("/items/", "bearer abc"),
            |_| items_echo("abc"),
        ),
        sc(
            "auth.header",
            "items: upper-case scheme",
            all,
            || auth("/items/", "BEARER abc"),
            |_| items_echo("abc"),
        ),
        sc(
            "auth.header",
            "items: mixed-case scheme",
            all,
            || auth("/items/", "bEaReR abc"),
            |_| items_echo("abc"),
        ),
        sc(
            "auth.header",
            "items: several spaces after the scheme",
            all,
            || auth("/items/", "Bearer     abc"),
            |_| items_echo("abc"),
        ),
        sc(
            "auth.header",
            "items: spaces around the value",
            all,
            || auth("/items/", "   Bearer abc   "),
            |_| items_echo("abc"),
        ),
        sc(
            "auth.header",
            "items: Bearer alone yields the empty token",
            all,
            || auth("/items/", "Bearer"),
            |_| items_echo(""),
        ),
        sc(
            "auth.header",
            "items: Bearer and spaces yields the empty token",
            all,
            || auth("/items/", "Bearer    "),
            |_| items_echo(""),
        ),
        sc(
            "auth.header",
            "items: Bearer a b yields a b",
            all,
            || auth("/items/", "Bearer a b"),
            |_| items_echo("a b"),
        ),
        sc(
            "auth.header",
            "items: no Authorization",
            all,
            || Request::get("/items/"),
            |_| e::missing_credentials(),
        ),
        sc(
            "auth.header",
            "items: empty Authorization",
            all,
            || auth("/items/", ""),
            |_| e::missing_credentials(),
        ),
        sc(
            "auth.header",
            "items: Basic scheme",
            all,
            || auth("/items/", "Basic Og=="),
            |_| e::missing_credentials(),
        ),
        sc(
            "auth.header",
            "items: no space after the scheme",
            all,
            || auth("/items/", "Bearerabc"),
            |_| e::missing_credentials(),
        ),
        sc(
            "auth.header",
            "items: tab after the scheme",
            all,
            || auth("/items/", "Bearer\tabc"),
            |_| e::missing_credentials(),
        ),
        sc(
            "auth.header",
            "items: token in the query only",
            all,
            || Request::get("/items/?access_token=abc"),
            |_| e::missing_credentials(),
        ),
        sc(
            "auth.header",
            "items: token in a cookie only",
            all,
            || {
                Request::get("/items/")
                    .header("Cookie", "access_token=abc; Authorization=Bearer abc")
            },
            |_| e::missing_credentials(),
        ),
        sc(
            "route.multiple",
            "items: two Authorization headers",
            all,
            || auth("/items/", "Bearer first").header("Authorization", "Bearer second"),
            |c| match c.style {
                Style::Rfc => e::multiple_authorization(),
                Style::FastApi => items_echo("first"),
            },
        ),
        // ----- Authorization header on protected routes
        sc(
            "auth.header",
            "me: lower-case scheme",
            all,
            || {
                auth(
                    "/users/me/",
                    format!("bearer {}", tok("johndoe", Some("me"))),
                )
            },
            |_| e::ok(JOHN),
        ),
        sc(
            "auth.header",
            "me: several spaces after the scheme",
            all,
            || {
                auth(
                    "/users/me/",
                    format!("Bearer    {}", tok("johndoe", Some("me"))),
                )
            },
            |_| e::ok(JOHN),
        ),
        sc(
            "auth.header",
            "me: Bearer alone is an invalid token",
            all,
            || auth("/users/me/", "Bearer"),
            |c| e::invalid_token(c, e::me_scopes(c)),
        ),
        sc(
            "auth.header",
            "me: Bearer and spaces is an invalid token",
            all,
            || auth("/users/me/", "Bearer   "),
            |c| e::invalid_token(c, e::me_scopes(c)),
        ),
        sc(
            "auth.header",
            "me: token then extra word",
            all,
            || {
                auth(
                    "/users/me/",
                    format!("Bearer {} extra", tok("johndoe", Some("me"))),
                )
            },
            |c| e::invalid_token(c, e::me_scopes(c)),
        ),
        sc(
            "route.missing",
            "me: no Authorization",
            all,
            || Request::get("/users/me/"),
            |_| e::missing_credentials(),
        ),
        sc(
            "auth.header",
            "me: empty Authorization",
            all,
            || auth("/users/me/", ""),
            |_| e::missing_credentials(),
        ),
        sc(
            "auth.header",
            "me: Basic scheme",
            all,
            || auth("/users/me/", "Basic am9obmRvZTpzZWNyZXQ="),
            |_| e::missing_credentials(),
        ),
        sc(
            "auth.header",
            "me: no space after the scheme",
            all,
            || {
                auth(
                    "/users/me/",
                    format!("Bearer{}", tok("johndoe", Some("me"))),
                )
            },
            |_| e::missing_credentials(),
        ),
        sc(
            "auth.header",
            "me: tab after the scheme",
            all,
            || {
                auth(
                    "/users/me/",
                    format!("Bearer\t{}", tok("johndoe", Some("me"))),
                )
            },
            |_| e::missing_credentials(),
        ),
        sc(
            "auth.header",
            "me: token in the query only",
            all,
            || {
                Request::get(&format!(
                    "/users/me/?access_token={}",
                    tok("johndoe", Some("me"))
                ))
            },
            |_| e::missing_credentials(),
        ),
        sc(
            "auth.header",
            "me: token in a cookie only",
            all,
            || {
                Request::get("/users/me/").header(
                    "Cookie",
                    format!("access_token={}", tok("johndoe", Some("me"))),
                )
            },
            |_| e::missing_credentials(),
        ),
        sc(
            "route.multiple",
            "me: valid then invalid",
            all,
            || me(&tok("johndoe", Some("me items"))).header("Authorization", "Bearer abc.def.ghi"),
            |c| match c.style {
                Style::Rfc => e::multiple_authorization(),
                Style::FastApi => e::ok(JOHN),
            },
        ),
        sc(
            "route.multiple",
            "me: invalid then valid",
            all,
            || {
                me("abc.def.ghi").header(
                    "Authorization",
                    format!("Bearer {}", tok("johndoe", Some("me items"))),
                )
            },
            |c| match c.style {
                Style::Rfc => e::multiple_authorization(),
                Style::FastApi => e::invalid_token(c, e::me_scopes(c)),
            },
        ),
        sc(
            "route.multiple",
            "me: two Basic headers",
            all,
            || auth("/users/me/", "Basic Og==").header("Authorization", "Basic Og=="),
            |c| match c.style {
                Style::Rfc => e::multiple_authorization(),
                Style::FastApi => e::missing_credentials(),
            },
        ),
        // ----- 404, 405, 307
        sc(
            "route.404",
            "unknown path",
            all,
            || Request::get("/nope"),
            |_| e::not_found(),
        ),
        sc(
            "route.404",
            "root path",
            all,
            || Request::get("/"),
            |_| e::not_found(),
        ),
        sc(
            "route.404",
            "path in another case",
            all,
            || me(&tok("johndoe", Some("me"))).with_target("/Users/Me/"),
            |_| e::not_found(),
        ),
        sc(
            "route.404",
            "path below a route",
            all,
            || Request::get("/users/me/items/extra"),
            |_| e::not_found(),
        ),
        sc(
            "route.405",
            "POST /users/me/",
            all,
            || Request::post("/users/me/").bearer(&tok("johndoe", Some("me"))),
            |_| e::method_not_allowed(e::allow_get()),
        ),
        sc(
            "route.405",
            "DELETE /items/",
            all,
            || Request::new("DELETE", "/items/"),
            |_| e::method_not_allowed(e::allow_get()),
        ),
        sc(
            "route.405",
            "PUT /users/me/items/",
            all,
            || Request::new("PUT", "/users/me/items/"),
            |_| e::method_not_allowed(e::allow_get()),
        ),
        sc(
            "route.405",
            "POST /status/",
            all,
            || Request::post("/status/"),
            |c| match c.variant {
                Variant::Jwt => e::not_found(),
                Variant::Scopes => e::method_not_allowed(e::allow_get()),
            },
        ),
        sc(
            "token.get",
            "GET /token",
            all,
            || Request::get("/token"),
            |_| e::method_not_allowed(H::Exact("POST".into())),
        ),
        sc(
            "token.get",
            "PUT /token with a login form",
            all,
            || login("username=johndoe&password=secret").with_method("PUT"),
            |_| e::method_not_allowed(H::Exact("POST".into())),
        ),
        sc(
            "token.get",
            "DELETE /token",
            all,
            || Request::new("DELETE", "/token"),
            |_| e::method_not_allowed(H::Exact("POST".into())),
        ),
        sc(
            "route.307",
            "GET /users/me",
            all,
            || Request::get("/users/me").header("Host", e::REDIRECT_HOST),
            |c| e::redirect_exact(c, "/users/me/"),
        ),
        sc(
            "route.307",
            "GET /users/me with a bad token: redirect before auth",
            all,
            || auth("/users/me", "Bearer abc.def.ghi").header("Host", e::REDIRECT_HOST),
            |c| e::redirect_exact(c, "/users/me/"),
        ),
        sc(
            "route.307",
            "GET /users/me/items",
            all,
            || Request::get("/users/me/items").header("Host", e::REDIRECT_HOST),
            |c| e::redirect_exact(c, "/users/me/items/"),
        ),
        sc(
            "route.307",
            "GET /items",
            all,
            || Request::get("/items").header("Host", e::REDIRECT_HOST),
            |c| e::redirect_exact(c, "/items/"),
        ),
        sc(
            "route.307",
            "GET /users/me?x=1 keeps the query",
            all,
            || Request::get("/users/me?x=1").header("Host", e::REDIRECT_HOST),
            |c| e::redirect_exact(c, "/users/me/?x=1"),
        ),
        sc(
            "route.307",
            "GET /status",
            all,
            || Request::get("/status").header("Host", e::REDIRECT_HOST),
            |c| match c.variant {
                Variant::Jwt => e::not_found(),
                Variant::Scopes => e::redirect_exact(c, "/status/"),
            },
        ),
        sc(
            "route.307",
            "POST /token/ (one slash too many, any method)",
            all,
            || {
                login("username=johndoe&password=secret")
                    .with_target("/token/")
                    .header("Host", e::REDIRECT_HOST)
            },
            |c| e::redirect_exact(c, "/token"),
        ),
        sc(
            "route.307",
            "GET /openapi.json/",
            all,
            || Request::get("/openapi.json/").header("Host", e::REDIRECT_HOST),
            |c| e::redirect_exact(c, "/openapi.json"),
        ),
        sc(
            "route.307",
            "GET /docs// (every trailing slash removed)",
            all,
            || Request::get("/docs//").header("Host", e::REDIRECT_HOST),
            |c| e::redirect_exact(c, "/docs"),
        ),
        sc(
            "route.307",
            "GET /docs/",
            all,
            || Request::get("/docs/").header("Host", e::REDIRECT_HOST),
            |c| e::redirect_exact(c, "/docs"),
        ),
        sc(
            "route.404",
            "GET /users/me// (removing the slashes gives no route)",
            all,
            || Request::get("/users/me//"),
            |_| e::not_found(),
        ),
        sc(
            "route.404",
            "GET /docs/index.html",
            all,
            || Request::get("/docs/index.html"),
            |_| e::not_found(),
        ),
        sc(
            "route.307",
            "fastapi: no Host header, the server's own address",
            fastapi,
            || Request::get("/users/me").without_host(),
            |_| {
                e::redirect(|v| {
                    if v.starts_with("http://127.0.0.1:") && v.ends_with("/users/me/") {
                        Ok(())
                    } else {
                        Err(format!(
                            "Location {v:?} is not the server's address and /users/me/"
                        ))
                    }
                })
            },
        ),
        sc(
            "route.head",
            "HEAD /users/me/",
            all,
            || me(&tok("johndoe", Some("me"))).with_method("HEAD"),
            |c| match c.style {
                Style::Rfc => e::head_ok(),
                Style::FastApi => e::head_of(e::method_not_allowed(H::Exact("GET".into()))),
            },
        ),
        sc(
            "route.head",
            "HEAD /items/",
            all,
            || auth("/items/", "Bearer abc").with_method("HEAD"),
            |c| match c.style {
                Style::Rfc => e::head_ok(),
                Style::FastApi => e::head_of(e::method_not_allowed(H::Exact("GET".into()))),
            },
        ),
        sc(
            "route.head",
            "HEAD /docs is answered as GET (as FastAPI's own docs routes)",
            all,
            || Request::get("/docs").with_method("HEAD"),
            |_| e::head_ok(),
        ),
        sc(
            "route.405",
            "QUERY /users/me/ (a method outside RFC 9110)",
            all,
            || Request::new("QUERY", "/users/me/"),
            |_| e::method_not_allowed(H::Exact("GET".into())),
        ),
        sc(
            "route.405",
            "FOO /token",
            all,
            || Request::new("FOO", "/token"),
            |_| e::method_not_allowed(H::Exact("POST".into())),
        ),
        sc(
            "route.404",
            "FOO /nope",
            all,
            || Request::new("FOO", "/nope"),
            |_| e::not_found(),
        ),
        sc(
            "route.method",
            "POST /users/me/ with _method=GET stays a POST",
            all,
            || {
                Request::post("/users/me/")
                    .bearer(&tok("johndoe", Some("me")))
                    .form("_method=GET")
            },
            |_| e::method_not_allowed(e::allow_get()),
        ),
        sc(
            "route.method",
            "POST /token with _method=DELETE first is a login",
            all,
            || login("_method=DELETE&username=johndoe&password=secret"),
            |c| e::token_issued(c, "johndoe", ""),
        ),
        sc(
            "route.method",
            "POST /token with _method=GET first is a login",
            all,
            || login("_method=GET&username=johndoe&password=wrong"),
            e::invalid_grant,
        ),
        // ----- /token: success
        sc(
            "token.ok",
            "login johndoe",
            all,
            || login("username=johndoe&password=secret"),
            |c| e::token_issued(c, "johndoe", ""),
        ),
        sc(
            "token.ok",
            "login alice (refused later, on use)",
            all,
            || login("username=alice&password=secret2"),
            |c| e::token_issued(c, "alice", ""),
        ),
        sc(
            "token.ok",
            "login with grant_type=password",
            all,
            || login("grant_type=password&username=johndoe&password=secret"),
            |c| e::token_issued(c, "johndoe", ""),
        ),
        sc(
            "issue.scope",
            "login with scope me items",
            all,
            || login("username=johndoe&password=secret&scope=me+items"),
            |c| e::token_issued(c, "johndoe", "me items"),
        ),
        sc(
            "issue.scope",
            "login: scope order kept, whitespace runs collapsed",
            all,
            || login("username=johndoe&password=secret&scope=++items+%20+me%09"),
            |c| e::token_issued(c, "johndoe", "items me"),
        ),
        sc(
            "issue.scope",
            "login: any scope granted verbatim",
            all,
            || login("username=johndoe&password=secret&scope=admin+me"),
            |c| e::token_issued(c, "johndoe", "admin me"),
        ),
        sc(
            "form.rules",
            "login: charset parameter",
            all,
            || {
                login("username=johndoe&password=secret").with_header_value(
                    "Content-Type",
                    "application/x-www-form-urlencoded; charset=UTF-8",
                )
            },
            |c| e::token_issued(c, "johndoe", ""),
        ),
        sc(
            "form.rules",
            "login: percent-escapes decoded",
            all,
            || login("username=john%64oe&password=%73%65cret"),
            |c| e::token_issued(c, "johndoe", ""),
        ),
        sc(
            "form.rules",
            "login: empty grant_type counts as missing",
            all,
            || login("grant_type=&username=johndoe&password=secret"),
            |c| e::token_issued(c, "johndoe", ""),
        ),
        sc(
            "form.rules",
            "login: client_id and client_secret ignored",
            all,
            || login("client_id=abc&client_secret=xyz&username=johndoe&password=secret"),
            |c| e::token_issued(c, "johndoe", ""),
        ),
        sc(
            "form.rules",
            "login: unknown fields ignored, even repeated",
            all,
            || login("foo=1&username=johndoe&foo=2&password=secret&bar"),
            |c| e::token_issued(c, "johndoe", ""),
        ),
        sc(
            "form.rules",
            "login: an empty occurrence counts as omitted (rfc); the last one wins (fastapi)",
            all,
            || login("username=&username=johndoe&password=secret&password="),
            |c| match c.style {
                Style::Rfc => e::token_issued(c, "johndoe", ""),
                // FastAPI takes the last value, empty, so the password is missing.
                Style::FastApi => e::missing_fields(c, &["password"]),
            },
        ),
        sc(
            "token.authorization_ignored",
            "login with Authorization: Bearer garbage",
            all,
            || {
                login("username=johndoe&password=secret")
                    .header("Authorization", "Bearer abc.def.ghi")
            },
            |c| e::token_issued(c, "johndoe", ""),
        ),
        sc(
            "token.authorization_ignored",
            "login with two Authorization headers",
            all,
            || {
                login("username=johndoe&password=secret")
                    .header("Authorization", "Basic Og==")
                    .header("Authorization", "Bearer x")
            },
            |c| e::token_issued(c, "johndoe", ""),
        ),
        sc(
            "docs.swagger_login",
            "Swagger UI login (Basic Og==, no scope field)",
            all,
            || {
                login("grant_type=password&username=johndoe&password=secret")
                    .header("Authorization", "Basic Og==")
            },
            |c| e::token_issued(c, "johndoe", ""),
        ),
        sc(
            "docs.swagger_login",
            "Swagger UI login with scopes ticked",
            all,
            || {
                login("grant_type=password&username=johndoe&password=secret&scope=me%20items")
                    .header("Authorization", "Basic Og==")
            },
            |c| e::token_issued(c, "johndoe", "me items"),
        ),
        sc(
            "token.body_size",
            "login body of exactly 16 KiB",
            all,
            || login(&padded_login(16 * 1024)),
            |c| e::token_issued(c, "johndoe", ""),
        ),
        // ----- /token: failures
        sc(
            "token.invalid_grant",
            "wrong password",
            all,
            || login("username=johndoe&password=wrong"),
            e::invalid_grant,
        ),
        sc(
            "token.same_bytes",
            "unknown user (same answer as a wrong password)",
            all,
            || login("username=ghost-unknown&password=secret"),
            e::invalid_grant,
        ),
        sc(
            "token.invalid_grant",
            "password in another case",
            all,
            || login("username=johndoe&password=SECRET"),
            e::invalid_grant,
        ),
        sc(
            "token.invalid_grant",
            "username in another case",
            all,
            || login("username=JohnDoe&password=secret"),
            e::invalid_grant,
        ),
        sc(
            "token.invalid_grant",
            "alice with johndoe's password",
            all,
            || login("username=alice&password=secret"),
            e::invalid_grant,
        ),
        sc(
            "token.invalid_grant",
            "password of exactly 1024 bytes (not too long)",
            all,
            || {
                login(&format!(
                    "username=ghost-1024&password={}",
                    "a".repeat(1024)
                ))
            },
            e::invalid_grant,
        ),
        sc(
            "token.authorization_ignored",
            "wrong password with Basic credentials",
            all,
            || {
                login("username=ghost-basic&password=x")
                    .header("Authorization", "Basic am9obmRvZTpzZWNyZXQ=")
            },
            e::invalid_grant,
        ),
        sc(
            "token.missing",
            "username missing",
            all,
            || login("password=secret"),
            |c| e::missing_fields(c, &["username"]),
        ),
        sc(
            "token.missing",
            "password missing",
            all,
            || login("username=johndoe"),
            |c| e::missing_fields(c, &["password"]),
        ),
        sc(
            "token.missing",
            "username empty",
            all,
            || login("username=&password=secret"),
            |c| e::missing_fields(c, &["username"]),
        ),
        sc(
            "token.missing",
            "both empty",
            all,
            || login("username=&password="),
            |c| e::missing_fields(c, &["username", "password"]),
        ),
        sc(
            "token.missing",
            "empty form",
            all,
            || login(""),
            |c| e::missing_fields(c, &["username", "password"]),
        ),
        sc(
            "token.missing",
            "no body at all",
            all,
            || Request::post("/token"),
            |c| e::missing_fields(c, &["username", "password"]),
        ),
        sc(
            "token.missing",
            "JSON body",
            all,
            || {
                Request::post("/token").body(
                    Some("application/json"),
                    r#"{"username":"johndoe","password":"secret"}"#,
                )
            },
            |c| e::missing_fields(c, &["username", "password"]),
        ),
        sc(
            "token.missing",
            "text body",
            all,
            || Request::post("/token").body(Some("text/plain"), "username=johndoe&password=secret"),
            |c| e::missing_fields(c, &["username", "password"]),
        ),
        sc("token.missing", "multipart body", all, multipart, |c| {
            e::missing_fields(c, &["username", "password"])
        }),
        sc(
            "token.missing",
            "form body without a content type",
            all,
            || Request::post("/token").body(None, "username=johndoe&password=secret"),
            |c| e::missing_fields(c, &["username", "password"]),
        ),
        sc(
            "token.grant_type",
            "grant_type client_credentials",
            all,
            || login("grant_type=client_credentials&username=johndoe&password=secret"),
            |c| e::bad_grant_type(c, "client_credentials", &[]),
        ),
        sc(
            "token.grant_type",
            "grant_type Password",
            all,
            || login("grant_type=Password&username=johndoe&password=secret"),
            |c| e::bad_grant_type(c, "Password", &[]),
        ),
        sc(
            "token.grant_type",
            "grant_type decoded before the echo",
            all,
            || login("grant_type=pass+word%22%5C&username=johndoe&password=secret"),
            |c| e::bad_grant_type(c, "pass word\"\\", &[]),
        ),
        sc(
            "token.order",
            "grant_type before missing fields",
            all,
            || login("grant_type=implicit"),
            |c| e::bad_grant_type(c, "implicit", &["username", "password"]),
        ),
        sc(
            "token.order",
            "grant_type before a missing password",
            all,
            || login("grant_type=implicit&username=johndoe"),
            |c| e::bad_grant_type(c, "implicit", &["password"]),
        ),
        sc(
            "token.repeated",
            "username repeated",
            all,
            || login("username=ghost-rep&username=johndoe&password=secret"),
            |c| match c.style {
                Style::Rfc => e::invalid_request(&[]),
                Style::FastApi => e::token_issued(c, "johndoe", ""),
            },
        ),
        sc(
            "token.repeated",
            "password repeated",
            all,
            || login("username=johndoe&password=wrong&password=secret"),
            |c| match c.style {
                Style::Rfc => e::invalid_request(&[]),
                Style::FastApi => e::token_issued(c, "johndoe", ""),
            },
        ),
        sc(
            "token.repeated",
            "grant_type repeated",
            all,
            || login("grant_type=password&username=johndoe&password=secret&grant_type=password"),
            |c| match c.style {
                Style::Rfc => e::invalid_request(&[]),
                Style::FastApi => e::token_issued(c, "johndoe", ""),
            },
        ),
        sc(
            "token.repeated",
            "scope repeated",
            all,
            || login("scope=me&username=johndoe&password=secret&scope=items"),
            |c| match c.style {
                Style::Rfc => e::invalid_request(&[]),
                Style::FastApi => e::token_issued(c, "johndoe", "items"),
            },
        ),
        sc(
            "token.repeated",
            "client_id repeated",
            all,
            || login("client_id=a&username=johndoe&password=secret&client_id=b"),
            |c| match c.style {
                Style::Rfc => e::invalid_request(&[]),
                Style::FastApi => e::token_issued(c, "johndoe", ""),
            },
        ),
        sc(
            "token.repeated",
            "client_secret repeated",
            all,
            || login("client_secret=a&client_secret=b&username=johndoe&password=secret"),
            |c| match c.style {
                Style::Rfc => e::invalid_request(&[]),
                Style::FastApi => e::token_issued(c, "johndoe", ""),
            },
        ),
        sc(
            "token.password_len",
            "password of 1025 bytes",
            all,
            || login(&format!("username=johndoe&password={}", "a".repeat(1025))),
            |_| e::invalid_request(&[]),
        ),
        sc(
            "token.password_len",
            "password of 1026 bytes in 513 characters",
            all,
            || {
                login(&format!(
                    "username=johndoe&password={}",
                    "%C3%A9".repeat(513)
                ))
            },
            |_| e::invalid_request(&[]),
        ),
        sc(
            "token.body_size",
            "login body of 16 KiB + 1",
            all,
            || login(&padded_login(16 * 1024 + 1)),
            |_| e::too_large(),
        ),
        sc(
            "token.order",
            "body size before form syntax",
            all,
            || login(&format!("{}&bad=%zz", padded_login(17 * 1024))),
            |_| e::too_large(),
        ),
        sc(
            "token.order",
            "form syntax before grant_type",
            rfc,
            || login("grant_type=implicit&username=johndoe&password=%zz"),
            |_| e::invalid_request(&[]),
        ),
        sc(
            "token.order",
            "form syntax before grant_type (status left to the style)",
            fastapi,
            || login("grant_type=implicit&username=johndoe&password=%zz"),
            |_| e::some_client_error(),
        ),
        sc(
            "token.order",
            "username before password",
            all,
            || login(&format!("password={}", "a".repeat(1025))),
            |c| e::missing_fields(c, &["username"]),
        ),
        sc(
            "token.order",
            "password missing before too long",
            all,
            || login("username=johndoe&password="),
            |c| e::missing_fields(c, &["password"]),
        ),
        // ----- docs
        sc(
            "docs.openapi",
            "GET /openapi.json",
            all,
            || Request::get("/openapi.json"),
            |_| e::Expect::json(200, Body::Check(check_openapi)),
        ),
        // ----- FastAPI interop
        sc(
            "issue.interop",
            "PyJWT token (jwt tutorial) on /users/me/",
            all,
            || me(&fastapi_tokens().0),
            |c| jwt_ok_else_scope(c, JOHN, e::me_scopes),
        ),
        sc(
            "issue.interop",
            "PyJWT token (scopes tutorial) on /users/me/",
            all,
            || me(&fastapi_tokens().1),
            |_| e::ok(JOHN),
        ),
        sc(
            "issue.interop",
            "PyJWT token (scopes tutorial) on /users/me/items/",
            all,
            || my_items(&fastapi_tokens().1),
            |_| e::ok(JOHN_ITEMS),
        ),
        sc(
            "issue.interop",
            "PyJWT token (jwt tutorial) on /users/me/items/",
            all,
            || my_items(&fastapi_tokens().0),
            |c| jwt_ok_else_scope(c, JOHN_ITEMS, e::my_items_scopes),
        ),
    ];
    for (row, name, make) in tokens::invalid_tokens() {
        t.push(sc(
            row,
            format!("me: invalid token: {name}"),
            all,
            move || me(&make()),
            |c| e::invalid_token(c, e::me_scopes(c)),
        ));
    }
    for (row, name, make) in tokens::invalid_tokens().into_iter().take(3) {
        t.push(sc(
            row,
            format!("my items: invalid token: {name}"),
            all,
            move || my_items(&make()),
            |c| e::invalid_token(c, e::my_items_scopes(c)),
        ));
    }
    for (row, name, make) in tokens::unknown_kid_tokens() {
        t.push(sc(
            row,
            format!("me: unknown kid (rfc): {name}"),
            rfc,
            move || me(&make()),
            |c| e::invalid_token(c, e::me_scopes(c)),
        ));
        t.push(sc(
            row,
            format!("me: unknown kid (fastapi, as FastAPI): {name}"),
            fastapi,
            move || me(&make()),
            |_| e::ok(JOHN),
        ));
    }
    for (row, name, make) in tokens::accepted_tokens() {
        t.push(sc(
            row,
            format!("me: accepted token: {name}"),
            all,
            move || me(&make()),
            |_| e::ok(JOHN),
        ));
    }
    t
}

fn check_openapi(c: Cfg, r: &tessera_tests::client::Response) -> Result<(), String> {
    let doc = r.json().ok_or("not JSON")?;
    let version = doc["openapi"].as_str().unwrap_or_default();
    if !version.starts_with("3.") {
        return Err(format!("openapi member is {:?}", doc["openapi"]));
    }
    let mut routes = vec![
        ("/token", "post"),
        ("/items/", "get"),
        ("/users/me/", "get"),
        ("/users/me/items/", "get"),
    ];
    if c.variant == Variant::Scopes {
        routes.push(("/status/", "get"));
    }
    for (path, method) in routes {
        if doc["paths"][path][method].is_null() {
            return Err(format!("paths has no {method} {path}"));
        }
    }
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .ok_or("no components.securitySchemes")?;
    let flow = schemes
        .values()
        .find_map(|s| s["flows"]["password"].as_object())
        .ok_or("no OAuth2 password flow")?;
    let token_url = flow
        .get("tokenUrl")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let servers_root = doc["servers"]
        .as_array()
        .is_none_or(|s| s.iter().all(|s| s["url"] == "/" || s["url"] == ""));
    if !(token_url == "/token" || (token_url == "token" && servers_root)) {
        return Err(format!(
            "tokenUrl {token_url:?} does not resolve to /token from /docs"
        ));
    }
    let scopes = flow.get("scopes").cloned().unwrap_or(Value::Null);
    let want = match c.variant {
        Variant::Jwt => serde_json::json!({}),
        Variant::Scopes => serde_json::json!({
            "me": "Read information about the current user.",
            "items": "Read items.",
        }),
    };
    if scopes != want && !(c.variant == Variant::Jwt && scopes.is_null()) {
        return Err(format!("password flow scopes {scopes}, want {want}"));
    }
    Ok(())
}
