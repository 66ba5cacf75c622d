//! The OpenAPI document of the tutorial app, the same for both ports: they serve
//! [`to_json`] at `GET /openapi.json`, so their documents are identical by construction.
//!
//! Every route of [`Route::ALL`] that exists in the variant and style is declared once, with
//! [`Route::scopes`] as its scope list (the list the Rocket guards and Warp filters use too),
//! and with what it checks: the token form (`/token`), the revocation form (`/revoke`, rfc
//! style only), the raw bearer token (`/items/`), a current user (`/status/`) or an active
//! user (`/users/me/`, `/users/me/items/`).

use tessera_core::http::Style;
use tessera_openapi::{ApiDoc, SecuredRoute};
use tessera_service::Config;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{OpenApi, RefOr, Schema};

use crate::{Route, SCOPES, Variant};

/// The document's title.
pub const TITLE: &str = "Tessera tutorial";

/// The service configuration of `variant` and `style` as far as the document depends on it:
/// the same values [`crate::service`] sets.
#[must_use]
pub fn config(variant: Variant, style: Style) -> Config {
    Config {
        style,
        scope_claim: variant == Variant::Scopes,
        fastapi_login_challenge: variant == Variant::Jwt,
        ..Config::default()
    }
}

/// How `route` is declared: the guard its handler really has, with the route's scopes.
fn declare(route: Route, variant: Variant) -> SecuredRoute {
    let path = route.path();
    let scopes = route.scopes(variant);
    match route {
        Route::Token => SecuredRoute::token(path)
            .summary("Login For Access Token")
            .operation_id("login_for_access_token"),
        Route::Revoke => SecuredRoute::revoke(path)
            .summary("Revoke Token")
            .description(
                "Revokes an access or refresh token (RFC 7009); a refresh token ends every \
                 token of its login.",
            )
            .operation_id("revoke_token"),
        Route::Items => SecuredRoute::get(path)
            .bearer()
            .returns("BearerToken")
            .summary("Read Items")
            .description("The bearer token of the request, not verified.")
            .operation_id("read_items"),
        Route::Me => SecuredRoute::get(path)
            .active_user(scopes)
            .returns("User")
            .summary("Read Users Me")
            .operation_id("read_users_me"),
        Route::MyItems => SecuredRoute::get(path)
            .active_user(scopes)
            .returns_array("Item")
            .summary("Read Own Items")
            .operation_id("read_own_items"),
        Route::Status => SecuredRoute::get(path)
            .user(scopes)
            .returns("Status")
            .summary("Read System Status")
            .description("Any valid token of a known user, disabled or not.")
            .operation_id("read_system_status"),
    }
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// An object whose members are all required, in this order.
fn object<const N: usize>(title: &str, members: [(&str, ObjectBuilder); N]) -> RefOr<Schema> {
    let mut b = ObjectBuilder::new()
        .schema_type(Type::Object)
        .title(Some(title));
    for (name, schema) in members {
        b = b.property(name, schema).required(name);
    }
    b.into()
}

/// The tutorial's own schemas: what [`crate::User::to_json`], [`crate::my_items_json`],
/// [`crate::items_json`] and [`crate::STATUS_JSON`] write.
fn schemas() -> [(&'static str, RefOr<Schema>); 4] {
    [
        (
            "User",
            object(
                "User",
                [
                    ("username", string()),
                    ("email", string()),
                    ("full_name", string()),
                    ("disabled", ObjectBuilder::new().schema_type(Type::Boolean)),
                ],
            ),
        ),
        (
            "Item",
            object("Item", [("item_id", string()), ("owner", string())]),
        ),
        (
            "BearerToken",
            object(
                "BearerToken",
                [(
                    "token",
                    string().description(Some("What the bearer extraction yields.")),
                )],
            ),
        ),
        (
            "Status",
            object("Status", [("status", string().enum_values(Some(["ok"])))]),
        ),
    ]
}

/// The OpenAPI document of the app in `variant` and `style`.
///
/// # Panics
/// Never: the tutorial's routes only use the declared scopes and schemas (the tests build
/// every combination).
#[must_use]
pub fn document(variant: Variant, style: Style) -> OpenApi {
    let scopes: &[(&str, &str)] = match variant {
        Variant::Jwt => &[],
        Variant::Scopes => &SCOPES,
    };
    let mut api = ApiDoc::new(TITLE, env!("CARGO_PKG_VERSION"), &config(variant, style))
        .description(format!(
            "The FastAPI security tutorial (\"{}\" chapter), in the {} error style. Log in \
             with **Authorize** as `johndoe` / `secret`.",
            match variant {
                Variant::Jwt => "OAuth2 with Password (and hashing), Bearer with JWT tokens",
                Variant::Scopes => "OAuth2 scopes",
            },
            style.as_str()
        ))
        .scopes(scopes)
        .routes(
            Route::ALL
                .into_iter()
                .filter(|r| r.exists_in(variant, style))
                .map(|r| declare(r, variant)),
        );
    for (name, schema) in schemas() {
        api = api.schema(name, schema);
    }
    api.build()
        .expect("the tutorial's declarations are consistent")
}

/// [`document`] as compact JSON, the body of `GET /openapi.json`.
///
/// # Panics
/// Never: the document is plain data.
#[must_use]
pub fn to_json(variant: Variant, style: Style) -> String {
    document(variant, style)
        .to_json()
        .expect("the document serialises")
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use serde_json::{Value, json};
    use tessera_core::Hs256Key;
    use tessera_service::UserStore;

    use super::*;
    use crate::{Options, Users};

    const ALL: [(Variant, Style); 4] = [
        (Variant::Jwt, Style::Rfc),
        (Variant::Jwt, Style::FastApi),
        (Variant::Scopes, Style::Rfc),
        (Variant::Scopes, Style::FastApi),
    ];

    fn doc(variant: Variant, style: Style) -> Value {
        serde_json::from_str(&to_json(variant, style)).expect("JSON")
    }

    fn ready<F: Future>(f: F) -> F::Output {
        let mut cx = Context::from_waker(Waker::noop());
        match pin!(f).as_mut().poll(&mut cx) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("the in-memory store answers at once"),
        }
    }

    fn operation(d: &Value, route: Route) -> &Value {
        &d["paths"][route.path()][route.method().to_ascii_lowercase()]
    }

    fn statuses(op: &Value) -> Vec<u16> {
        let mut s: Vec<u16> = op["responses"]
            .as_object()
            .expect("responses")
            .keys()
            .map(|k| k.parse().expect("a status"))
            .collect();
        s.sort_unstable();
        s
    }

    /// The member names and JSON types of `value`, and of the schema `name`.
    fn shape(d: &Value, name: &str, value: &Value) {
        let schema = &d["components"]["schemas"][name];
        let props = schema["properties"].as_object().expect("properties");
        let obj = value.as_object().expect("an object");
        let mut have: Vec<&String> = obj.keys().collect();
        let mut documented: Vec<&String> = props.keys().collect();
        have.sort();
        documented.sort();
        assert_eq!(have, documented, "{name}");
        let mut required: Vec<&str> = schema["required"]
            .as_array()
            .expect("required")
            .iter()
            .map(|r| r.as_str().expect("a name"))
            .collect();
        required.sort_unstable();
        assert_eq!(
            required,
            have.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "{name}"
        );
        for (k, v) in obj {
            let t = match v {
                Value::String(_) => "string",
                Value::Bool(_) => "boolean",
                other => panic!("{name}.{k} is {other}"),
            };
            assert_eq!(props[k]["type"], t, "{name}.{k}");
            if let Some(values) = props[k]["enum"].as_array() {
                assert!(values.contains(v), "{name}.{k} = {v}");
            }
        }
    }

    #[test]
    fn config_is_the_services() {
        let key = Hs256Key::new(&[7; 32]).expect("a key");
        for (variant, style) in ALL {
            let options = Options {
                variant,
                style,
                ..Options::default()
            };
            let service = crate::service(key.clone(), &options, 1800);
            let real = service.config();
            let ours = config(variant, style);
            assert_eq!(real.style, ours.style);
            assert_eq!(real.scope_claim, ours.scope_claim);
            assert_eq!(real.fastapi_login_challenge, ours.fastapi_login_challenge);
            assert_eq!(real.form, ours.form);
            assert_eq!(real.token_lifetime_secs, ours.token_lifetime_secs);
        }
    }

    #[test]
    fn every_route_of_the_variant_and_nothing_else() {
        for (variant, style) in ALL {
            let d = doc(variant, style);
            assert_eq!(d["openapi"], "3.1.0");
            assert!(d.get("servers").is_none());
            let paths = d["paths"].as_object().expect("paths");
            let want: Vec<&str> = Route::ALL
                .iter()
                .filter(|r| r.exists_in(variant, style))
                .map(|r| r.path())
                .collect();
            let mut have: Vec<&str> = paths.keys().map(String::as_str).collect();
            let mut sorted = want.clone();
            sorted.sort_unstable();
            have.sort_unstable();
            assert_eq!(have, sorted);
            for r in Route::ALL.iter().filter(|r| r.exists_in(variant, style)) {
                let item = paths[r.path()].as_object().expect("path item");
                assert_eq!(
                    item.keys().collect::<Vec<_>>(),
                    [&r.method().to_ascii_lowercase()],
                    "{}",
                    r.path()
                );
            }
        }
    }

    #[test]
    fn security_scheme_and_scopes_from_route_scopes() {
        for (variant, style) in ALL {
            let d = doc(variant, style);
            let flow =
                &d["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"];
            assert_eq!(flow["tokenUrl"], "token");
            // The rfc style refreshes at the token endpoint; FastAPI's scheme has no refresh.
            match style {
                Style::Rfc => assert_eq!(flow["refreshUrl"], "token"),
                Style::FastApi => assert!(flow.get("refreshUrl").is_none()),
            }
            let want: serde_json::Map<String, Value> = match variant {
                Variant::Jwt => serde_json::Map::new(),
                Variant::Scopes => SCOPES
                    .iter()
                    .map(|(n, d)| ((*n).to_owned(), json!(d)))
                    .collect(),
            };
            assert_eq!(flow["scopes"], Value::Object(want));
            for r in Route::ALL.iter().filter(|r| r.exists_in(variant, style)) {
                let security = &operation(&d, *r)["security"];
                if matches!(r, Route::Token | Route::Revoke) {
                    assert!(security.is_null(), "{}", r.path());
                } else {
                    assert_eq!(
                        security,
                        &json!([{ "OAuth2PasswordBearer": r.scopes(variant) }]),
                        "{}",
                        r.path()
                    );
                }
            }
        }
        // The scopes variant really asks for scopes.
        let d = doc(Variant::Scopes, Style::Rfc);
        assert_eq!(
            operation(&d, Route::MyItems)["security"],
            json!([{"OAuth2PasswordBearer": ["items", "me"]}])
        );
    }

    #[test]
    fn statuses_per_route_and_style() {
        let check = |variant, style, route, want: &[u16]| {
            let d = doc(variant, style);
            assert_eq!(
                statuses(operation(&d, route)),
                want,
                "{} {} {}",
                variant.as_str(),
                style.as_str(),
                route.path()
            );
        };
        use Route::*;
        use Style::{FastApi, Rfc};
        use Variant::{Jwt, Scopes};
        check(Jwt, Rfc, Token, &[200, 400, 413, 429, 503]);
        check(Scopes, Rfc, Token, &[200, 400, 413, 429, 503]);
        check(Jwt, FastApi, Token, &[200, 400, 401, 413, 422, 429, 503]);
        check(Scopes, FastApi, Token, &[200, 400, 413, 422, 429, 503]);
        check(Jwt, Rfc, Revoke, &[200, 400, 413, 503]);
        check(Scopes, Rfc, Revoke, &[200, 400, 413, 503]);
        check(Jwt, Rfc, Me, &[200, 400, 401]);
        check(Scopes, Rfc, Me, &[200, 400, 401, 403]);
        check(Scopes, Rfc, MyItems, &[200, 400, 401, 403]);
        check(Jwt, FastApi, Me, &[200, 400, 401]);
        check(Scopes, FastApi, MyItems, &[200, 400, 401]);
        check(Scopes, Rfc, Status, &[200, 400, 401]);
        check(Scopes, FastApi, Status, &[200, 401]);
        check(Jwt, Rfc, Items, &[200, 400, 401]);
        check(Jwt, FastApi, Items, &[200, 401]);
    }

    #[test]
    fn schemas_match_what_the_app_writes() {
        let johndoe = ready(Users::default().find("johndoe")).expect("johndoe");
        let alice = ready(Users::default().find("alice")).expect("alice");
        for (variant, style) in ALL {
            let d = doc(variant, style);
            for user in [&johndoe, &alice] {
                let json: Value = serde_json::from_str(&user.to_json()).expect("JSON");
                shape(&d, "User", &json);
            }
            let items: Value =
                serde_json::from_str(&crate::my_items_json("johndoe")).expect("JSON");
            shape(&d, "Item", &items[0]);
            let token: Value = serde_json::from_str(&crate::items_json("a b")).expect("JSON");
            shape(&d, "BearerToken", &token);
            let status: Value = serde_json::from_str(crate::STATUS_JSON).expect("JSON");
            shape(&d, "Status", &status);

            let ok = |r: Route| {
                operation(&d, r)["responses"]["200"]["content"]["application/json"]["schema"]
                    .clone()
            };
            assert_eq!(ok(Route::Me), json!({"$ref": "#/components/schemas/User"}));
            assert_eq!(
                ok(Route::MyItems),
                json!({"type": "array", "items": {"$ref": "#/components/schemas/Item"}})
            );
            assert_eq!(
                ok(Route::Items),
                json!({"$ref": "#/components/schemas/BearerToken"})
            );
            assert_eq!(
                ok(Route::Token),
                json!({"$ref": "#/components/schemas/Token"})
            );
            if variant == Variant::Scopes {
                assert_eq!(
                    ok(Route::Status),
                    json!({"$ref": "#/components/schemas/Status"})
                );
            }
        }
    }

    #[test]
    fn token_form_and_response() {
        for (variant, style) in ALL {
            let d = doc(variant, style);
            let op = operation(&d, Route::Token);
            assert_eq!(
                op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"],
                json!({"$ref": "#/components/schemas/OAuth2PasswordRequestForm"})
            );
            let whole = &d["components"]["schemas"]["OAuth2PasswordRequestForm"];
            // The rfc style's form takes the refresh grant too: every field, and the
            // requirements of exactly one grant.
            let (form, required) = match style {
                Style::Rfc => (
                    &whole["allOf"][0],
                    &whole["allOf"][1]["oneOf"][0]["required"],
                ),
                Style::FastApi => (whole, &whole["required"]),
            };
            assert_eq!(
                form["properties"]["grant_type"]["pattern"],
                match style {
                    Style::Rfc => "^(password|refresh_token)$",
                    Style::FastApi => "^password$",
                }
            );
            assert_eq!(required, &json!(["username", "password"]));
            assert_eq!(
                form["properties"].get("refresh_token").is_some(),
                style == Style::Rfc
            );
            if style == Style::Rfc {
                assert_eq!(
                    whole["allOf"][1]["oneOf"][1]["required"],
                    json!(["grant_type", "refresh_token"])
                );
            }
            // The limits of the service's form parser (`config_is_the_services` checks that
            // `config` has the service's form options).
            let limits = config(variant, style).form.limits;
            let props = &form["properties"];
            assert_eq!(props["username"]["minLength"], 1);
            assert_eq!(props["username"]["maxLength"], limits.username);
            assert_eq!(props["password"]["minLength"], 1);
            assert_eq!(props["password"]["maxLength"], limits.password);
            assert_eq!(form["maxProperties"], limits.pairs);
            assert_eq!(form["additionalProperties"]["type"], "string");
            let body = op["requestBody"]["description"].as_str().expect("text");
            assert!(
                body.contains(&format!("at most {} bytes", limits.body)),
                "{body}"
            );
            let token = &d["components"]["schemas"]["Token"]["properties"];
            assert_eq!(
                token.get("expires_in").is_some(),
                style == Style::Rfc,
                "{style:?}"
            );
            assert_eq!(
                token.get("refresh_token").is_some(),
                style == Style::Rfc,
                "{style:?}"
            );
            // Only the rfc style of the scopes variant ever sends `scope`.
            assert_eq!(
                token.get("scope").is_some(),
                style == Style::Rfc && variant == Variant::Scopes
            );
        }
    }

    #[test]
    fn revoke_in_the_rfc_style_only() {
        for (variant, style) in ALL {
            let d = doc(variant, style);
            let op = operation(&d, Route::Revoke);
            let form = &d["components"]["schemas"]["OAuth2RevocationRequestForm"];
            if style == Style::FastApi {
                assert!(d["paths"].get("/revoke").is_none());
                assert!(form.is_null());
                continue;
            }
            assert_eq!(op["operationId"], "revoke_token");
            assert_eq!(
                op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"],
                json!({"$ref": "#/components/schemas/OAuth2RevocationRequestForm"})
            );
            assert_eq!(form["required"], json!(["token"]));
            // Any hint is accepted (and ignored): a string, no closed list.
            assert_eq!(form["properties"]["token_type_hint"]["type"], "string");
            assert!(form["properties"]["token_type_hint"].get("enum").is_none());
            // 200 with an empty body.
            assert!(op["responses"]["200"].get("content").is_none());
            let missing = &op["responses"]["400"]["content"]["application/json"]["examples"]["missing_token"]
                ["value"];
            assert_eq!(
                missing,
                &json!({"error": "invalid_request",
                        "error_description": "Missing required parameter: token",
                        "detail": "Missing required parameter: token"})
            );
        }
    }

    #[test]
    fn to_json_is_the_document() {
        for (variant, style) in ALL {
            assert_eq!(
                doc(variant, style),
                serde_json::to_value(document(variant, style)).expect("value")
            );
        }
        assert_ne!(
            to_json(Variant::Jwt, Style::Rfc),
            to_json(Variant::Jwt, Style::FastApi)
        );
    }
}
