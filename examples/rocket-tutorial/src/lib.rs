//! The FastAPI security tutorial on Rocket: `POST /token`, `GET /items/`, `GET /users/me/`,
//! `GET /users/me/items/` and, in the scopes variant, `GET /status/`.
//!
//! Authentication is `tessera-rocket`'s guards; the data, the routes' scopes and the answer to
//! unmatched requests come from `tessera-tutorial`, shared with the Warp port.

use rocket::figment::Figment;
use rocket::http::Status;
use rocket::request::{self, FromRequest, Request};
use rocket::response::content::RawJson;
use rocket::{Build, Rocket, catch, catchers, get, post, routes};
use tessera_core::http::Style;
use tessera_core::service::Service;
use tessera_rocket::{ActiveUser, BearerToken, CurrentUser, Login, Reply, Tessera};
use tessera_tutorial::{Options, Route, Users, Variant};

/// `GET /users/me/` in the scopes variant. The scopes come from [`Route::scopes`], the one
/// declaration the OpenAPI document and the Warp app use too.
#[derive(Debug)]
pub struct MeScope;

impl tessera_rocket::Scopes for MeScope {
    const SCOPES: &'static [&'static str] = Route::Me.scopes(Variant::Scopes);
}

/// `GET /users/me/items/` in the scopes variant: its own scope, then that of the user it builds
/// on (from [`Route::scopes`]).
#[derive(Debug)]
pub struct MyItemsScopes;

impl tessera_rocket::Scopes for MyItemsScopes {
    const SCOPES: &'static [&'static str] = Route::MyItems.scopes(Variant::Scopes);
}

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

#[catch(404)]
fn not_found(req: &Request<'_>) -> Reply {
    let app = req.rocket().state::<App>().copied().unwrap_or(App {
        variant: Variant::default(),
        style: Style::default(),
    });
    let uri = req.uri();
    Reply(tessera_tutorial::fallback(
        app.variant,
        app.style,
        req.method().as_str(),
        uri.path().as_str(),
        uri.query().map(|q| q.as_str()),
    ))
}

#[catch(default)]
fn other(status: Status, req: &Request<'_>) -> Reply {
    let style = req
        .rocket()
        .state::<App>()
        .map_or(Style::default(), |a| a.style);
    Reply(tessera_rocket::status_response(status, style))
}

/// Rocket's configuration: its defaults (and `ROCKET_*` variables), with the address and port
/// of `options`. No `Rocket.toml` is needed.
#[must_use]
pub fn figment(options: &Options) -> Figment {
    rocket::Config::figment()
        .merge(("address", options.address.as_str()))
        .merge(("port", options.port))
}

/// The tutorial app for `options`, answering with `service` (see
/// [`tessera_tutorial::service`]).
#[must_use]
pub fn build(options: &Options, service: Service) -> Rocket<Build> {
    let routes = match options.variant {
        Variant::Jwt => routes![token, items, me, my_items],
        Variant::Scopes => routes![token, items, me_scoped, my_items_scoped, status],
    };
    rocket::custom(figment(options))
        .attach(Tessera::new(service, Users::default()))
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
