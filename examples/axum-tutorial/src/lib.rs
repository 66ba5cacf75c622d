//! The FastAPI security tutorial on axum: `POST /token`, `GET /items/`, `GET /users/me/`,
//! `GET /users/me/items/` and, in the scopes variant, `GET /status/`.
//!
//! Authentication is `tessera-axum`'s extractors; the data, the routes' scopes, the answer to
//! unmatched requests and the security headers come from `tessera-tutorial`, shared with the
//! Rocket and Warp ports. Every request no route takes, and every method a route does not
//! take, is answered by [`tessera_tutorial::fallback`] (after the Swagger UI assets).

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use tessera_axum::{ActiveUser, BearerToken, Connection, CurrentUser, NoScopes, Tessera};
use tessera_core::http::Style;
use tessera_service::Scopes;
use tessera_tutorial::{MeScope, MyItemsScopes, Options, Route, Unmatched, Users, Variant};

/// The whole app for `options`, answering with `tessera`.
pub fn app(options: &Options, tessera: Tessera<Users>) -> Router {
    let (variant, style) = (options.variant, options.style);
    let get_route = |handler: MethodRouter| -> MethodRouter {
        if tessera_tutorial::route_takes_head(style) {
            handler
        } else {
            // FastAPI's APIRoute answers HEAD with 405; axum's `get` would answer it as GET.
            handler.head(move |req: Request| async move { unmatched(variant, style, &req) })
        }
    };
    let (me, my_items) = match variant {
        Variant::Jwt => (get(me::<NoScopes>), get(my_items::<NoScopes>)),
        Variant::Scopes => (get(me::<MeScope>), get(my_items::<MyItemsScopes>)),
    };
    let mut router = Router::new()
        .route(Route::Token.path(), post(tessera_axum::token::<Users>))
        .route(Route::Items.path(), get_route(get(items)))
        .route(Route::Me.path(), get_route(me))
        .route(Route::MyItems.path(), get_route(my_items));
    if Route::Status.exists_in(variant, style) {
        router = router.route(Route::Status.path(), get_route(get(status)));
    }
    if Route::Revoke.exists_in(variant, style) {
        router = router.route(Route::Revoke.path(), post(tessera_axum::revoke));
    }
    let spec = tessera_tutorial::openapi::to_json(variant, style);
    let fallback = move |req: Request| async move { unmatched(variant, style, &req) };
    let router = router
        .merge(tessera_axum::docs::routes(spec))
        .method_not_allowed_fallback(fallback)
        .fallback(fallback)
        .layer(axum::middleware::map_response(with_security_headers));
    tessera_axum::attach(router, tessera)
}

/// The answer to a request no route (or no method of its route) took: CONNECT gets 400, the
/// Swagger UI assets are served, and the rest is [`tessera_tutorial::fallback`].
fn unmatched(variant: Variant, style: Style, req: &Request) -> Response {
    let method = req.method();
    if method == Method::CONNECT {
        return tessera_axum::response(tessera_tutorial::connect(style));
    }
    let uri = req.uri();
    if (method == Method::GET || method == Method::HEAD)
        && let Some(asset) = tessera_axum::docs::asset(uri.path())
    {
        return asset;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    let local = req.extensions().get::<Connection>().and_then(|c| c.local);
    tessera_axum::response(tessera_tutorial::fallback(
        variant,
        style,
        &Unmatched {
            method: method.as_str(),
            path: uri.path(),
            query: uri.query(),
            host,
            local,
        },
    ))
}

async fn with_security_headers(mut response: Response) -> Response {
    for (name, value) in tessera_tutorial::SECURITY_HEADERS {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn items(token: BearerToken) -> Response {
    json(tessera_tutorial::items_json(&token.0))
}

async fn me<Sc: Scopes>(user: ActiveUser<Users, Sc>) -> Response {
    json(user.to_json())
}

async fn my_items<Sc: Scopes>(user: ActiveUser<Users, Sc>) -> Response {
    json(tessera_tutorial::my_items_json(&user.username))
}

async fn status(_: CurrentUser<Users, NoScopes>) -> Response {
    json(tessera_tutorial::STATUS_JSON.to_owned())
}
