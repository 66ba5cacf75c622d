//! The FastAPI security tutorial on Warp: `POST /token`, `GET /items/`, `GET /users/me/`,
//! `GET /users/me/items/` and, in the scopes variant, `GET /status/`.
//!
//! Each route is its exact path, then its method, then the Tessera filters, then the handler,
//! with its own `recover`, so authentication failures are answered by the route that raised
//! them while path and method mismatches fall through. A last branch answers every request no
//! route took with [`tessera_tutorial::fallback`] (404, 405 with `Allow`, or 307 to the path
//! with its trailing slash), so Warp's own error pages never show. Every answer carries
//! [`tessera_tutorial::SECURITY_HEADERS`]. The binary serves it with [`tessera_warp::serve`],
//! which closes connections that do not finish their headers in time.

use std::sync::Arc;

use tessera_core::http::Style;
use tessera_service::Scopes;
use tessera_service::Service;
use tessera_tutorial::{
    MeScope, MyItemsScopes, Options, Route, STATUS_JSON, Unmatched, User, Users, Variant,
};
use tessera_warp::{NoScopes, Tessera};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::filters::path::FullPath;
use warp::http::header::CONTENT_TYPE;
use warp::http::{HeaderValue, Method};
use warp::reply::Response;

/// The whole app for `options`, answering with `service` and the users in `users`.
#[must_use]
pub fn app(
    options: &Options,
    service: Arc<Service>,
    users: Arc<Users>,
) -> BoxedFilter<(Response,)> {
    app_with(options, Tessera::new(service, users))
}

/// [`app`] with a prepared [`Tessera`] (for example one with a shorter body timeout).
#[must_use]
pub fn app_with(options: &Options, tessera: Tessera<Users>) -> BoxedFilter<(Response,)> {
    let variant = options.variant;
    let style = options.style;

    let token = route(Route::Token, variant, style)
        .and(tessera_warp::token(&tessera))
        .recover(tessera_warp::recover)
        .unify()
        .boxed();
    let revoke = route(Route::Revoke, variant, style)
        .and(tessera_warp::revoke(&tessera))
        .recover(tessera_warp::recover)
        .unify()
        .boxed();
    let items = route(Route::Items, variant, style)
        .and(tessera_warp::bearer(&tessera))
        .map(|token: String| json(tessera_tutorial::items_json(&token)))
        .recover(tessera_warp::recover)
        .unify()
        .boxed();
    let (me, my_items) = match variant {
        Variant::Jwt => (
            me::<NoScopes>(&tessera, style),
            my_items::<NoScopes>(&tessera, style),
        ),
        Variant::Scopes => (
            me::<MeScope>(&tessera, style),
            my_items::<MyItemsScopes>(&tessera, style),
        ),
    };
    let status = route(Route::Status, variant, style)
        .and(tessera_warp::current_user::<Users, NoScopes>(&tessera))
        .map(|_: User| json(STATUS_JSON.to_owned()))
        .recover(tessera_warp::recover)
        .unify()
        .boxed();

    let query = warp::query::raw()
        .map(Some)
        .or(warp::any().map(|| None))
        .unify();
    let fallback = warp::method()
        .and(warp::path::full())
        .and(query)
        .and(warp::header::optional::<String>("host"))
        .and(warp::ext::optional::<tessera_warp::Connection>())
        .map(
            move |method: Method,
                  path: FullPath,
                  query: Option<String>,
                  host: Option<String>,
                  conn: Option<tessera_warp::Connection>| {
                tessera_warp::reply(tessera_tutorial::fallback(
                    variant,
                    style,
                    &Unmatched {
                        method: method.as_str(),
                        path: path.as_str(),
                        query: query.as_deref(),
                        host: host.as_deref(),
                        local: conn.and_then(|c| c.local),
                    },
                ))
            },
        );

    let spec = tessera_tutorial::openapi::to_json(variant, style);
    let docs = tessera_warp::docs::openapi_json(spec)
        .or(tessera_warp::docs::swagger_ui())
        .unify();

    // CONNECT has an authority as its target, no path: answered before any path filter.
    let connect = warp::method().and_then(move |method: Method| {
        std::future::ready(if method == Method::CONNECT {
            Ok(tessera_warp::reply(tessera_tutorial::connect(style)))
        } else {
            Err(warp::reject::not_found())
        })
    });

    connect
        .or(docs)
        .unify()
        .or(token)
        .unify()
        .or(revoke)
        .unify()
        .or(items)
        .unify()
        .or(me)
        .unify()
        .or(my_items)
        .unify()
        .or(status)
        .unify()
        .or(fallback)
        .unify()
        .map(with_security_headers)
        .boxed()
}

/// Adds the tutorial's [`SECURITY_HEADERS`](tessera_tutorial::SECURITY_HEADERS) to an answer.
fn with_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in tessera_tutorial::SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// `GET /users/me/` with the scopes `Sc`.
fn me<Sc: Scopes>(tessera: &Tessera<Users>, style: Style) -> BoxedFilter<(Response,)> {
    route(Route::Me, Variant::Scopes, style)
        .and(tessera_warp::current_active_user::<Users, Sc>(tessera))
        .map(|user: User| json(user.to_json()))
        .recover(tessera_warp::recover)
        .unify()
        .boxed()
}

/// `GET /users/me/items/` with the scopes `Sc`.
fn my_items<Sc: Scopes>(tessera: &Tessera<Users>, style: Style) -> BoxedFilter<(Response,)> {
    route(Route::MyItems, Variant::Scopes, style)
        .and(tessera_warp::current_active_user::<Users, Sc>(tessera))
        .map(|user: User| json(tessera_tutorial::my_items_json(&user.username)))
        .recover(tessera_warp::recover)
        .unify()
        .boxed()
}

/// Matches `route`'s exact path (no trailing-slash leniency) and its method (`HEAD` too for
/// `GET` routes in the rfc style); rejects as not found when the route does not exist in
/// `variant`.
fn route(route: Route, variant: Variant, style: Style) -> BoxedFilter<()> {
    let path = warp::path::full()
        .and_then(move |path: FullPath| {
            let found = route.exists_in(variant, style) && path.as_str() == route.path();
            std::future::ready(if found {
                Ok(())
            } else {
                Err(warp::reject::not_found())
            })
        })
        .untuple_one();
    let method = if route.method() == "POST" {
        warp::post().boxed()
    } else if tessera_tutorial::route_takes_head(style) {
        warp::get().or(warp::head()).unify().boxed()
    } else {
        warp::get().boxed()
    };
    path.and(method).boxed()
}

/// A 200 answer with a JSON body.
fn json(body: String) -> Response {
    let mut response = Response::new(body.into());
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
