//! The FastAPI security tutorial on Warp: `POST /token`, `GET /items/`, `GET /users/me/`,
//! `GET /users/me/items/` and, in the scopes variant, `GET /status/`.
//!
//! Each route is its exact path, then its method, then the Tessera filters, then the handler,
//! with its own `recover`, so authentication failures are answered by the route that raised
//! them while path and method mismatches fall through. A last branch answers every request no
//! route took with [`tessera_tutorial::fallback`] (404, 405 with `Allow`, or 307 to the path
//! with its trailing slash), so Warp's own error pages never show.

use std::sync::Arc;

use tessera_core::service::Service;
use tessera_tutorial::{Options, Route, STATUS_JSON, User, Users, Variant};
use tessera_warp::Tessera;
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
    let scopes = |r: Route| r.scopes(variant);

    let token = route(Route::Token, variant)
        .and(tessera_warp::token(&tessera))
        .recover(tessera_warp::recover)
        .unify()
        .boxed();
    let items = route(Route::Items, variant)
        .and(tessera_warp::bearer(&tessera))
        .map(|token: String| json(tessera_tutorial::items_json(&token)))
        .recover(tessera_warp::recover)
        .unify()
        .boxed();
    let me = route(Route::Me, variant)
        .and(tessera_warp::current_active_user_with(
            &tessera,
            scopes(Route::Me),
        ))
        .map(|user: User| json(user.to_json()))
        .recover(tessera_warp::recover)
        .unify()
        .boxed();
    let my_items = route(Route::MyItems, variant)
        .and(tessera_warp::current_active_user_with(
            &tessera,
            scopes(Route::MyItems),
        ))
        .map(|user: User| json(tessera_tutorial::my_items_json(&user.username)))
        .recover(tessera_warp::recover)
        .unify()
        .boxed();
    let status = route(Route::Status, variant)
        .and(tessera_warp::current_user_with(
            &tessera,
            scopes(Route::Status),
        ))
        .map(|_: User| json(STATUS_JSON.to_owned()))
        .recover(tessera_warp::recover)
        .unify()
        .boxed();

    let query = warp::query::raw()
        .map(Some)
        .or(warp::any().map(|| None))
        .unify();
    let fallback = warp::method().and(warp::path::full()).and(query).map(
        move |method: Method, path: FullPath, query: Option<String>| {
            tessera_warp::reply(tessera_tutorial::fallback(
                variant,
                style,
                method.as_str(),
                path.as_str(),
                query.as_deref(),
            ))
        },
    );

    // CONNECT (authority-form target, no path) and methods outside RFC 9110 are refused before
    // any path filter looks at the request, as Rocket does.
    let unroutable = warp::method().and_then(move |method: Method| {
        std::future::ready(if tessera_tutorial::is_routable_method(method.as_str()) {
            Err(warp::reject::not_found())
        } else {
            Ok(tessera_warp::reply(tessera_tutorial::unroutable(style)))
        })
    });

    let spec = tessera_tutorial::openapi::to_json(variant, style);
    let docs = tessera_warp::docs::openapi_json(spec)
        .or(tessera_warp::docs::swagger_ui())
        .unify();

    unroutable
        .or(docs)
        .unify()
        .or(token)
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
        .boxed()
}

/// Matches `route`'s exact path (no trailing-slash leniency) and its method (`HEAD` too for
/// `GET` routes); rejects as not found when the route does not exist in `variant`.
fn route(route: Route, variant: Variant) -> BoxedFilter<()> {
    let path = warp::path::full()
        .and_then(move |path: FullPath| {
            let found = route.exists_in(variant) && path.as_str() == route.path();
            std::future::ready(if found {
                Ok(())
            } else {
                Err(warp::reject::not_found())
            })
        })
        .untuple_one();
    let method = if route.method() == "POST" {
        warp::post().boxed()
    } else {
        warp::get().or(warp::head()).unify().boxed()
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
