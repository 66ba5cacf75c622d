//! The FastAPI security tutorial on Rocket: `POST /token`, `GET /items/`, `GET /users/me/`,
//! `GET /users/me/items/` and, in the scopes variant, `GET /status/`.
//!
//! Authentication is `tessera-rocket`'s guards; the data, the routes' scopes, the answer to
//! unmatched requests and the security headers come from `tessera-tutorial`, shared with the
//! Warp port. Rocket's own logger is off unless `ROCKET_LOG_LEVEL` is set: it logs request
//! lines with their query strings.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::figment::Figment;
use rocket::http::Status;
use rocket::request::{self, FromRequest, Request};
use rocket::response::content::RawJson;
use rocket::shield::Shield;
use rocket::{Build, Rocket, catch, catchers, get, post, routes};
use tessera_core::http::Style;
use tessera_rocket::{ActiveUser, BearerToken, CurrentUser, Login, Reply, Revocation, Tessera};
use tessera_service::Service;
use tessera_tutorial::{MeScope, MyItemsScopes, Options, Route, Unmatched, Users, Variant};

/// What the catchers need to know about the app.
#[derive(Copy, Clone, Debug)]
struct App {
    variant: Variant,
    style: Style,
}

/// Succeeds when the request path is exactly a route's canonical path.
///
/// Rocket ignores empty path segments when routing (and refuses a trailing slash in a route
/// URI), so the route declared as `/users/me` also takes `/users/me/`, `/users//me` and
/// `/users/me//`. This guard, first on every route, lets only the canonical path through
/// ([`Route::path`], `/users/me/`) and forwards the others to the 404 catcher, which answers as
/// the tutorial does (a 307 to the canonical path, or 404) before any authentication runs.
#[derive(Copy, Clone, Debug)]
pub struct Canonical;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Canonical {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        let path = req.uri().path().as_str();
        if Route::ALL.iter().any(|r| r.path() == path) {
            request::Outcome::Success(Self)
        } else {
            request::Outcome::Forward(Status::NotFound)
        }
    }
}

#[post("/token", data = "<login>")]
fn token(_path: Canonical, login: Login<Users>) -> Login<Users> {
    login
}

#[post("/revoke", data = "<revocation>")]
fn revoke(_path: Canonical, revocation: Revocation) -> Revocation {
    revocation
}

#[get("/items")]
fn items(_path: Canonical, token: BearerToken) -> RawJson<String> {
    RawJson(tessera_tutorial::items_json(token.as_str()))
}

#[get("/users/me")]
fn me(_path: Canonical, user: ActiveUser<Users>) -> RawJson<String> {
    RawJson(user.to_json())
}

#[get("/users/me/items")]
fn my_items(_path: Canonical, user: ActiveUser<Users>) -> RawJson<String> {
    RawJson(tessera_tutorial::my_items_json(&user.username))
}

#[get("/users/me")]
fn me_scoped(_path: Canonical, user: ActiveUser<Users, MeScope>) -> RawJson<String> {
    RawJson(user.to_json())
}

#[get("/users/me/items")]
fn my_items_scoped(_path: Canonical, user: ActiveUser<Users, MyItemsScopes>) -> RawJson<String> {
    RawJson(tessera_tutorial::my_items_json(&user.username))
}

#[get("/status")]
fn status(_path: Canonical, _user: CurrentUser<Users>) -> RawJson<&'static str> {
    RawJson(tessera_tutorial::STATUS_JSON)
}

/// `HEAD` on a tutorial route in the fastapi style: 405 with `Allow: GET`, as FastAPI answers.
/// Mounted only in that style; other paths are forwarded, and Rocket then answers `HEAD` as
/// `GET` (the documentation routes, the redirects and the 404s).
#[rocket::head("/<_..>")]
fn head_refused(refused: HeadOnRoute) -> Reply {
    Reply(refused.0)
}

/// A `HEAD` request for a tutorial route's canonical path, with the answer refusing it.
#[derive(Debug)]
pub struct HeadOnRoute(tessera_core::http::Response);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for HeadOnRoute {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        let path = req.uri().path().as_str();
        if Route::ALL.iter().any(|r| r.path() == path) {
            request::Outcome::Success(Self(answer_unmatched(req, "HEAD")))
        } else {
            request::Outcome::Forward(Status::NotFound)
        }
    }
}

/// The app of a request (its defaults when the app state is missing).
fn app(req: &Request<'_>) -> App {
    req.rocket().state::<App>().copied().unwrap_or(App {
        variant: Variant::default(),
        style: Style::default(),
    })
}

/// [`tessera_tutorial::fallback`] for `req`, with `method` as the request line's method.
fn answer_unmatched(req: &Request<'_>, method: &str) -> tessera_core::http::Response {
    let app = app(req);
    let uri = req.uri();
    let config = req.rocket().config();
    tessera_tutorial::fallback(
        app.variant,
        app.style,
        &Unmatched {
            method,
            path: uri.path().as_str(),
            query: uri.query().map(|q| q.as_str()),
            host: req.headers().get_one("host"),
            local: Some(std::net::SocketAddr::new(config.address, config.port)),
        },
    )
}

#[catch(404)]
fn not_found(req: &Request<'_>) -> Reply {
    Reply(answer_unmatched(req, req.method().as_str()))
}

/// A 400 that no Tessera guard explains: Rocket refused a method it does not know before
/// routing (its request keeps the path), which the tutorial answers as any method the path
/// does not take.
///
/// Rocket sends that answer without running response fairings, so it carries the security
/// headers itself.
fn unexplained(status: Status, req: &Request<'_>) -> tessera_core::http::Response {
    let mut response =
        if status == Status::BadRequest && req.method() == rocket::http::Method::Connect {
            // Its target is an authority, which Rocket refuses before routing.
            tessera_tutorial::connect(app(req).style)
        } else if status == Status::BadRequest {
            answer_unmatched(req, "")
        } else {
            tessera_rocket::status_response(status, app(req).style)
        };
    for (name, value) in tessera_tutorial::SECURITY_HEADERS {
        response.headers.push((name, value.to_owned()));
    }
    response
}

#[catch(default)]
fn other(status: Status, req: &Request<'_>) -> Reply {
    Reply(unexplained(status, req))
}

/// Adds the tutorial's security headers to every answer, and prints where the app listens.
struct Headers;

#[rocket::async_trait]
impl Fairing for Headers {
    fn info(&self) -> Info {
        Info {
            name: "tutorial headers",
            kind: Kind::Response | Kind::Liftoff,
        }
    }

    async fn on_liftoff(&self, rocket: &Rocket<rocket::Orbit>) {
        let config = rocket.config();
        let addr = std::net::SocketAddr::new(config.address, config.port);
        println!("listening on http://{addr}");
    }

    async fn on_response<'r>(&self, _: &'r Request<'_>, response: &mut rocket::Response<'r>) {
        for (name, value) in tessera_tutorial::SECURITY_HEADERS {
            response.set_raw_header(name, value);
        }
    }
}

/// Rocket's configuration: its defaults (and `ROCKET_*` variables), with the address and port
/// of `options`. No `Rocket.toml` is needed.
#[must_use]
pub fn figment(options: &Options) -> Figment {
    let mut figment = rocket::Config::figment()
        .merge(("address", options.address.as_str()))
        .merge(("port", options.port))
        // No `Server` header: both apps send the same headers.
        .merge(("ident", false));
    // Rocket's logger writes request lines with their query strings, where a client may have
    // put a token or a password; it is off unless asked for.
    if std::env::var_os("ROCKET_LOG_LEVEL").is_none() {
        figment = figment.merge(("log_level", "off"));
    }
    figment
}

/// The tutorial app for `options`, answering with `service` (see
/// [`tessera_tutorial::service`]).
#[must_use]
pub fn build(options: &Options, service: Service) -> Rocket<Build> {
    let mut routes = match options.variant {
        Variant::Jwt => routes![token, items, me, my_items],
        Variant::Scopes => routes![token, items, me_scoped, my_items_scoped, status],
    };
    if !tessera_tutorial::route_takes_head(options.style) {
        routes.extend(routes![head_refused]);
    }
    if Route::Revoke.exists_in(options.variant, options.style) {
        routes.extend(routes![revoke]);
    }
    rocket::custom(figment(options))
        // Rocket's default Shield is replaced by the tutorial's own header set.
        .attach(Shield::new())
        .attach(Headers)
        .attach(
            Tessera::new(service, Users::for_options(options))
                .with_body_timeout(options.body_timeout),
        )
        .manage(tessera_rocket::Unexplained(unexplained))
        .manage(App {
            variant: options.variant,
            style: options.style,
        })
        .manage(tessera_rocket::docs::OpenApiJson(
            tessera_tutorial::openapi::to_json(options.variant, options.style),
        ))
        .mount("/", routes)
        .mount("/", tessera_rocket::docs::routes())
        .register("/", catchers![not_found, other])
}
