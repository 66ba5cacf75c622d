//! A plain axum app for the load benchmarks (scripts/load/run.sh, `http` phase): the FastAPI
//! tutorial's `GET /users/me/` written the way most Rust services check a bearer token today,
//! with the `jsonwebtoken` crate in a hand-written extractor, and `GET /items/`, the same
//! app's route without a token check (the bearer token echoed).
//!
//! `plain-axum [--address ADDR] [--port PORT]` (default 127.0.0.1:8000); `SECRET_KEY` (its
//! UTF-8 bytes are the HS256 key, as in the tutorial apps, so their tokens are accepted here).
//! It issues no tokens: take one from a tutorial app's `POST /token`.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize)]
struct User {
    username: String,
    email: Option<String>,
    full_name: Option<String>,
    disabled: Option<bool>,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[allow(dead_code)] // checked by `Validation`
    exp: u64,
}

struct Keys {
    decoding: DecodingKey,
    validation: Validation,
}

#[derive(Clone)]
struct AppState {
    keys: Arc<Keys>,
    users: Arc<HashMap<String, User>>,
}

/// The errors of the extractor, answered as FastAPI answers them.
enum AuthError {
    Missing,
    Invalid,
    Inactive,
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let (status, detail) = match self {
            AuthError::Missing => (StatusCode::UNAUTHORIZED, "Not authenticated"),
            AuthError::Invalid => (StatusCode::UNAUTHORIZED, "Could not validate credentials"),
            AuthError::Inactive => (StatusCode::BAD_REQUEST, "Inactive user"),
        };
        let mut response = (status, Json(Detail { detail })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

#[derive(Serialize)]
struct Detail {
    detail: &'static str,
}

/// The bearer token of the request, not verified.
struct Bearer(String);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(AuthError::Missing)?;
        match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
                Ok(Bearer(token.to_owned()))
            }
            _ => Err(AuthError::Missing),
        }
    }
}

/// The active user named by a valid HS256 token's `sub`.
struct CurrentUser(User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AuthError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Bearer(token) = Bearer::from_request_parts(parts, state).await?;
        let data = decode::<Claims>(&token, &state.keys.decoding, &state.keys.validation)
            .map_err(|_| AuthError::Invalid)?;
        let user = state
            .users
            .get(&data.claims.sub)
            .ok_or(AuthError::Invalid)?;
        if user.disabled == Some(true) {
            return Err(AuthError::Inactive);
        }
        Ok(CurrentUser(user.clone()))
    }
}

#[derive(Serialize)]
struct Items {
    token: String,
}

async fn items(Bearer(token): Bearer) -> Json<Items> {
    Json(Items { token })
}

async fn me(CurrentUser(user): CurrentUser) -> Json<User> {
    Json(user)
}

async fn not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        Json(Detail {
            detail: "Not Found",
        }),
    )
}

fn users() -> HashMap<String, User> {
    let user = |username: &str, email: &str, full_name: &str, disabled| User {
        username: username.to_owned(),
        email: Some(email.to_owned()),
        full_name: Some(full_name.to_owned()),
        disabled: Some(disabled),
    };
    [
        user("johndoe", "johndoe@example.com", "John Doe", false),
        user("alice", "alice@example.com", "Alice Wonderson", true),
    ]
    .into_iter()
    .map(|u| (u.username.clone(), u))
    .collect()
}

fn usage(message: &str) -> ExitCode {
    eprintln!("{message}\nusage: plain-axum [--address ADDR] [--port PORT]  (env SECRET_KEY)");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let (mut address, mut port) = ("127.0.0.1".to_owned(), 8000u16);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let Some(value) = args.next() else {
            return usage(&format!("{arg} needs a value"));
        };
        match arg.as_str() {
            "--address" => address = value,
            "--port" => match value.parse() {
                Ok(p) => port = p,
                Err(_) => return usage(&format!("bad port {value}")),
            },
            _ => return usage(&format!("unknown option {arg}")),
        }
    }
    let secret = match std::env::var("SECRET_KEY") {
        Ok(s) if s.len() >= 32 => s,
        _ => return usage("SECRET_KEY must be set, at least 32 bytes"),
    };
    let decoding = match DecodingKey::from_secret(secret.as_bytes()) {
        Ok(key) => key,
        Err(e) => return usage(&format!("SECRET_KEY: {e}")),
    };
    let state = AppState {
        keys: Arc::new(Keys {
            decoding,
            validation: Validation::new(Algorithm::HS256),
        }),
        users: Arc::new(users()),
    };
    let app = Router::new()
        .route("/items/", get(items))
        .route("/users/me/", get(me))
        .fallback(not_found)
        .with_state(state);
    let listener = match tokio::net::TcpListener::bind((address.as_str(), port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {address}:{port}: {e}");
            return ExitCode::from(1);
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("listening on http://{addr}"),
        Err(_) => println!("listening on http://{address}:{port}"),
    }
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("{e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
