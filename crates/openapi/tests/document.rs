//! The OpenAPI document: scheme, per-operation scopes, the token operation (with the refresh
//! grant in the rfc style), the revocation operation (rfc style only), and the error answers
//! of each style, checked against what tessera-core really answers.

use serde_json::{Value, json};
use tessera_core::form::{self, Field, FormError, FormOptions, GrantType, Limits, Missing};
use tessera_core::http::{Failure, Style};
use tessera_openapi::utoipa::openapi::schema::{ObjectBuilder, Type};
use tessera_openapi::{ApiDoc, DocError, Guard, SecuredRoute};
use tessera_service::Config;

const SCOPES: [(&str, &str); 2] = [
    ("me", "Read information about the current user."),
    ("items", "Read items."),
];
const ME: &[&str] = &["me"];
const MY_ITEMS: &[&str] = &["items", "me"];

fn config(style: Style, scope_claim: bool, login_challenge: bool) -> Config {
    Config {
        style,
        scope_claim,
        fastapi_login_challenge: login_challenge,
        ..Config::default()
    }
}

fn user_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("username", ObjectBuilder::new().schema_type(Type::String))
        .required("username")
}

/// Every kind of operation, with the scopes of the FastAPI scopes tutorial.
fn api(config: &Config) -> ApiDoc {
    ApiDoc::new("Test", "1.0.0", config)
        .scopes(&SCOPES)
        .schema("User", user_schema())
        .route(SecuredRoute::token("/token"))
        .route(SecuredRoute::get("/items/").bearer())
        .route(
            SecuredRoute::get("/users/me/")
                .active_user(ME)
                .returns("User"),
        )
        .route(
            SecuredRoute::get("/users/me/items/")
                .active_user(MY_ITEMS)
                .returns_array("User"),
        )
        .route(SecuredRoute::get("/status/").user(&[]))
        .route(SecuredRoute::get("/health"))
}

/// [`api`] with the revocation operation.
fn api_with_revoke(config: &Config) -> ApiDoc {
    api(config).route(SecuredRoute::revoke("/revoke"))
}

fn json_of(api: ApiDoc) -> Value {
    serde_json::to_value(api.build().expect("valid declarations")).expect("serialisable")
}

fn doc(style: Style) -> Value {
    json_of(api(&config(style, true, false)))
}

fn statuses(op: &Value) -> Vec<u16> {
    let mut s: Vec<u16> = op["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .map(|k| k.parse().expect("numeric status"))
        .collect();
    s.sort_unstable();
    s
}

/// Resolves a `#/components/schemas/…` reference.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r
                .strip_prefix("#/components/schemas/")
                .expect("a schema reference");
            let target = &doc["components"]["schemas"][name];
            assert!(!target.is_null(), "dangling reference {r}");
            target
        }
        None => schema,
    }
}

/// A small JSON Schema check for the keywords these documents use. Objects with
/// `properties` must not carry other members, so a body member the schema forgets fails,
/// unless they have `additionalProperties` (which the other members must then fit) or are a
/// member of an `allOf` (whose other members judge them).
fn validate(doc: &Value, schema: &Value, value: &Value) -> Result<(), String> {
    validate_in(doc, schema, value, true)
}

fn validate_in(doc: &Value, schema: &Value, value: &Value, strict: bool) -> Result<(), String> {
    let schema = resolve(doc, schema);
    if let Some(any) = schema["anyOf"].as_array() {
        let errors: Vec<String> = any
            .iter()
            .filter_map(|s| validate_in(doc, s, value, strict).err())
            .collect();
        return if errors.len() < any.len() {
            Ok(())
        } else {
            Err(format!("{value} matches no anyOf branch: {errors:?}"))
        };
    }
    if let Some(one) = schema["oneOf"].as_array() {
        let errors: Vec<String> = one
            .iter()
            .filter_map(|s| validate_in(doc, s, value, strict).err())
            .collect();
        if errors.len() + 1 != one.len() {
            return Err(format!(
                "{value} matches not exactly one oneOf branch: {errors:?}"
            ));
        }
    }
    for s in schema["allOf"].as_array().into_iter().flatten() {
        validate_in(doc, s, value, false)?;
    }
    if let Some(t) = schema["type"].as_str() {
        let ok = match t {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            "null" => value.is_null(),
            other => return Err(format!("unexpected type {other}")),
        };
        if !ok {
            return Err(format!("{value} is not of type {t}"));
        }
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.contains(value)
    {
        return Err(format!("{value} is not one of {values:?}"));
    }
    if let (Some(min), Some(n)) = (schema["minimum"].as_i64(), value.as_i64())
        && n < min
    {
        return Err(format!("{n} < {min}"));
    }
    if let Some(text) = value.as_str() {
        let chars = u64::try_from(text.chars().count()).expect("a length");
        if schema["minLength"].as_u64().is_some_and(|min| chars < min) {
            return Err(format!("{value} is too short"));
        }
        if schema["maxLength"].as_u64().is_some_and(|max| chars > max) {
            return Err(format!("{value} is too long"));
        }
        if let Some(pattern) = schema["pattern"].as_str()
            && !matches_pattern(pattern, text)
        {
            return Err(format!("{value} does not match {pattern}"));
        }
    }
    if let Some(obj) = value.as_object() {
        for r in schema["required"].as_array().into_iter().flatten() {
            let r = r.as_str().expect("a name");
            if !obj.contains_key(r) {
                return Err(format!("{value} lacks the required {r}"));
            }
        }
        if let Some(max) = schema["maxProperties"].as_u64()
            && u64::try_from(obj.len()).expect("a count") > max
        {
            return Err(format!("{value} has more than {max} members"));
        }
        if let Some(props) = schema["properties"].as_object() {
            let other = schema.get("additionalProperties");
            for (k, v) in obj {
                match (props.get(k), other) {
                    (Some(p), _) | (None, Some(p)) => validate_in(doc, p, v, true)?,
                    (None, None) if strict => {
                        return Err(format!("{k} of {value} is not in the schema"));
                    }
                    (None, None) => {}
                }
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for v in arr {
            validate_in(doc, items, v, true)?;
        }
    }
    Ok(())
}

/// Whether `text` matches `pattern`, one of the shapes these documents use: `^literal$`,
/// `^(one|other)$` or `^[class]*$`.
fn matches_pattern(pattern: &str, text: &str) -> bool {
    if pattern.starts_with("^[") {
        let class = class_of(pattern);
        return text.chars().all(|c| class.contains(&c));
    }
    let inner = pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix('$'))
        .unwrap_or_else(|| panic!("{pattern} is not anchored"));
    let inner = inner
        .strip_prefix('(')
        .and_then(|p| p.strip_suffix(')'))
        .unwrap_or(inner);
    assert!(
        inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '|'),
        "{pattern} is not a list of literals"
    );
    inner.split('|').any(|alt| alt == text)
}

/// Every `$ref` in the document resolves.
fn check_refs(doc: &Value, v: &Value) {
    match v {
        Value::Object(map) => {
            if map.contains_key("$ref") {
                resolve(doc, v);
            }
            map.values().for_each(|x| check_refs(doc, x));
        }
        Value::Array(a) => a.iter().for_each(|x| check_refs(doc, x)),
        _ => {}
    }
}

#[test]
fn openapi_3_1_with_no_servers() {
    for style in [Style::Rfc, Style::FastApi] {
        let d = doc(style);
        assert_eq!(d["openapi"], "3.1.0");
        assert_eq!(d["info"]["title"], "Test");
        // A servers entry would change what the relative tokenUrl resolves to.
        assert!(d.get("servers").is_none());
        check_refs(&d, &d);
    }
}

#[test]
fn password_flow_scheme_with_the_declared_scopes() {
    let d = doc(Style::Rfc);
    assert_eq!(
        d["components"]["securitySchemes"],
        json!({"OAuth2PasswordBearer": {"type": "oauth2", "flows": {"password": {
            "tokenUrl": "token",
            "refreshUrl": "token",
            "scopes": {"me": "Read information about the current user.", "items": "Read items."}
        }}}})
    );
    // FastAPI's scheme has no refresh URL: the fastapi style has no refresh grant.
    assert_eq!(
        doc(Style::FastApi)["components"]["securitySchemes"],
        json!({"OAuth2PasswordBearer": {"type": "oauth2", "flows": {"password": {
            "tokenUrl": "token",
            "scopes": {"me": "Read information about the current user.", "items": "Read items."}
        }}}})
    );
    // No scopes declared (the jwt tutorial): an empty map, as FastAPI writes.
    let jwt = json_of(
        ApiDoc::new("T", "1", &Config::default())
            .route(SecuredRoute::token("/token"))
            .route(SecuredRoute::get("/users/me/").active_user(&[])),
    );
    assert_eq!(
        jwt["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"],
        json!({"tokenUrl": "token", "refreshUrl": "token", "scopes": {}})
    );
    let moved = json_of(
        ApiDoc::new("T", "1", &Config::default())
            .token_url("/auth/token")
            .route(SecuredRoute::token("/auth/token")),
    );
    let flow = &moved["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"];
    assert_eq!(flow["tokenUrl"], "/auth/token");
    // The refresh grant is posted to the token endpoint.
    assert_eq!(flow["refreshUrl"], "/auth/token");
    assert!(!moved["paths"]["/auth/token"]["post"].is_null());
}

#[test]
fn each_protected_operation_requires_exactly_its_scopes() {
    for style in [Style::Rfc, Style::FastApi] {
        let d = doc(style);
        let security = |path: &str| d["paths"][path]["get"]["security"].clone();
        assert_eq!(
            security("/users/me/"),
            json!([{"OAuth2PasswordBearer": ["me"]}])
        );
        // In declaration order, the order of the challenge.
        assert_eq!(
            security("/users/me/items/"),
            json!([{"OAuth2PasswordBearer": ["items", "me"]}])
        );
        assert_eq!(security("/status/"), json!([{"OAuth2PasswordBearer": []}]));
        assert_eq!(security("/items/"), json!([{"OAuth2PasswordBearer": []}]));
        assert!(
            security("/health").is_null(),
            "a public operation has no lock"
        );
        assert!(d["paths"]["/token"]["post"]["security"].is_null());
        assert!(d.get("security").is_none(), "no document-wide requirement");
    }
}

/// The object of the token form's fields, and the password grant's `required`: the form
/// itself in the fastapi style; in the rfc style the first member of its `allOf`, and the
/// password branch of its `oneOf`.
fn form_parts(form: &Value) -> (&Value, &Value) {
    match form["allOf"].as_array() {
        None => (form, &form["required"]),
        Some(all) => (&all[0], &all[1]["oneOf"][0]["required"]),
    }
}

#[test]
fn token_operation_takes_the_password_form() {
    for style in [Style::Rfc, Style::FastApi] {
        for (grant_type, required) in [
            (GrantType::Optional, json!(["username", "password"])),
            (
                GrantType::Required,
                json!(["grant_type", "username", "password"]),
            ),
        ] {
            let mut c = config(style, true, false);
            c.form.grant_type = grant_type;
            let d = json_of(api(&c));
            let body = &d["paths"]["/token"]["post"]["requestBody"];
            assert_eq!(body["required"], true);
            let content = body["content"].as_object().expect("content");
            assert_eq!(
                content.keys().collect::<Vec<_>>(),
                ["application/x-www-form-urlencoded"]
            );
            let whole = resolve(&d, &content["application/x-www-form-urlencoded"]["schema"]);
            assert_eq!(whole["title"], "OAuth2PasswordRequestForm");
            assert_eq!(whole["type"], "object");
            let (form, password_grant) = form_parts(whole);
            let props = form["properties"].as_object().expect("properties");
            let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
            names.sort_unstable();
            let mut want = vec![
                "client_id",
                "client_secret",
                "grant_type",
                "password",
                "scope",
                "username",
            ];
            if style == Style::Rfc {
                want.insert(4, "refresh_token");
            }
            assert_eq!(names, want);
            // An empty grant_type counts as not sent, so a sent one is always `password` (or
            // in the rfc style `refresh_token`).
            let grant_types = match style {
                Style::Rfc => "^(password|refresh_token)$",
                Style::FastApi => "^password$",
            };
            assert_eq!(props["grant_type"]["pattern"], grant_types);
            // The limits the form parser enforces, from the service's configuration.
            let limits = Limits::DEFAULT;
            assert_eq!(c.form.limits, limits);
            assert_eq!(props["username"]["minLength"], 1);
            assert_eq!(props["username"]["maxLength"], limits.username);
            assert_eq!(props["password"]["minLength"], 1);
            assert_eq!(props["password"]["maxLength"], limits.password);
            assert_eq!(props["scope"]["pattern"], r"^[\t\n\f\r !#-\[\]-~]*$");
            assert_eq!(form["maxProperties"], limits.pairs);
            assert_eq!(form["additionalProperties"]["type"], "string");
            let description = body["description"].as_str().expect("a description");
            assert!(
                description.contains(&format!("at most {} bytes", limits.body)),
                "{description}"
            );
            assert_eq!(props["password"]["format"], "password");
            assert_eq!(props["client_secret"]["format"], "password");
            assert_eq!(props["scope"]["default"], "");
            assert!(props.values().all(|p| p["type"] == "string"));
            assert_eq!(password_grant, &required);
            if style == Style::Rfc {
                assert!(description.contains("refresh grant"), "{description}");
                assert_eq!(props["refresh_token"]["minLength"], 1);
                // Exactly one grant's requirements apply, told apart by `grant_type`.
                let grants = whole["allOf"][1]["oneOf"].as_array().expect("oneOf");
                assert_eq!(grants.len(), 2);
                assert_eq!(
                    grants[0]["properties"]["grant_type"]["pattern"],
                    "^password$"
                );
                assert_eq!(
                    grants[1]["properties"]["grant_type"]["pattern"],
                    "^refresh_token$"
                );
                assert_eq!(
                    grants[1]["required"],
                    json!(["grant_type", "refresh_token"])
                );
            } else {
                assert!(whole.get("allOf").is_none());
                assert!(!description.contains("refresh"), "{description}");
            }
        }
    }
}

/// The object of the token form's fields (see [`form_parts`]) in a document of `style` built
/// with `limits`.
fn password_form_with(style: Style, limits: Limits) -> Value {
    let mut c = config(style, true, false);
    c.form.limits = limits;
    let d = json_of(api(&c));
    form_parts(&d["components"]["schemas"]["OAuth2PasswordRequestForm"])
        .0
        .clone()
}

#[test]
fn form_limits_are_the_services() {
    let limits = Limits {
        body: 4000,
        pairs: 7,
        username: 20,
        password: 30,
    };
    let mut c = Config::default();
    c.form.limits = limits;
    let d = json_of(api(&c));
    let (form, _) = form_parts(&d["components"]["schemas"]["OAuth2PasswordRequestForm"]);
    assert_eq!(form["properties"]["username"]["maxLength"], 20);
    assert_eq!(form["properties"]["password"]["maxLength"], 30);
    assert_eq!(form["maxProperties"], 7);
    let description = d["paths"]["/token"]["post"]["requestBody"]["description"]
        .as_str()
        .expect("a description");
    assert!(description.contains("at most 4000 bytes"), "{description}");
    for (field, n) in [("username", "20"), ("password", "30")] {
        let text = form["properties"][field]["description"]
            .as_str()
            .expect("a description");
        assert!(text.contains(&format!("at most {n} bytes")), "{text}");
    }
}

/// The characters of a pattern of the form `^[class]*$`, as ECMA-262 reads the class: the
/// escapes `scope_pattern` writes, and ranges.
fn class_of(pattern: &str) -> Vec<char> {
    let class = pattern
        .strip_prefix("^[")
        .and_then(|p| p.strip_suffix("]*$"))
        .unwrap_or_else(|| panic!("{pattern} is not ^[…]*$"));
    let mut singles = Vec::new();
    let mut chars = class.chars();
    while let Some(c) = chars.next() {
        singles.push(if c == '\\' {
            match chars.next().expect("an escaped character") {
                't' => '\t',
                'n' => '\n',
                'v' => '\u{b}',
                'f' => '\u{c}',
                'r' => '\r',
                'x' => {
                    let hex: String = chars.by_ref().take(2).collect();
                    char::from(u8::from_str_radix(&hex, 16).expect("two hex digits"))
                }
                other => other,
            }
        } else {
            c
        });
        // A range is held as its two ends with a marker between them.
        if singles.len() >= 3 && singles[singles.len() - 2] == '\u{0}' {
            let hi = singles.pop().expect("the range's end");
            singles.pop();
            let lo = singles.pop().expect("the range's start");
            singles.extend(lo..=hi);
        } else if c == '-' && singles.len() >= 2 {
            singles.pop();
            singles.push('\u{0}');
        }
    }
    singles
}

/// What the core's form parser says about `body` under the rules of `style`: its refusal, in
/// the `Debug` form of [`FormError`].
fn parse(body: &str, style: Style, limits: Limits) -> Result<(), String> {
    let opts = style.form_options(FormOptions {
        limits,
        ..FormOptions::DEFAULT
    });
    let mut buf = vec![0u8; form::buffer_len(body.as_bytes(), &opts)];
    form::parse(
        body.as_bytes(),
        Some("application/x-www-form-urlencoded"),
        &opts,
        &mut buf,
    )
    .map(|_| ())
    .map_err(|e| format!("{e:?}"))
}

fn refused(e: FormError<'_>) -> Result<(), String> {
    Err(format!("{e:?}"))
}

/// Each declared limit is where tessera-core's form parser draws the line, in both styles: one
/// more byte, parameter or character is refused, and the limit itself is not.
#[test]
fn form_schema_is_what_the_parser_accepts() {
    for limits in [
        Limits::DEFAULT,
        Limits {
            body: 600,
            pairs: 5,
            username: 9,
            password: 11,
        },
    ] {
        for style in [Style::Rfc, Style::FastApi] {
            let p = |body: &str| parse(body, style, limits);
            let schema = password_form_with(style, limits);
            let props = &schema["properties"];
            let max = |name: &str| {
                usize::try_from(props[name]["maxLength"].as_u64().expect("maxLength"))
                    .expect("usize")
            };
            let (user_max, pass_max) = (max("username"), max("password"));
            let pairs = usize::try_from(schema["maxProperties"].as_u64().expect("maxProperties"))
                .expect("usize");
            let class = class_of(props["scope"]["pattern"].as_str().expect("a pattern"));
            let missing = |username, password| {
                refused(FormError::Fields {
                    grant_type: None,
                    missing: Missing {
                        grant_type: false,
                        username,
                        password,
                    },
                })
            };
            let u = "u".repeat(user_max);
            let w = "w".repeat(pass_max);
            assert_eq!(p(&format!("username={u}&password={w}")), Ok(()));
            assert_eq!(
                p(&format!("username={u}u&password=p")),
                refused(FormError::UsernameTooLong)
            );
            assert_eq!(
                p(&format!("username=u&password={w}w")),
                refused(FormError::PasswordTooLong)
            );
            // minLength 1: an empty value is a missing field.
            assert_eq!(props["username"]["minLength"], 1);
            assert_eq!(props["password"]["minLength"], 1);
            assert_eq!(p("username=&password=p"), missing(true, false));
            assert_eq!(p("username=u&password="), missing(false, true));
            // The pattern `^password$`: nothing else is a grant type (in the rfc style but
            // `refresh_token`, which the refresh grant's parser reads: see
            // `rfc_token_form_schema_is_what_the_parsers_accept`).
            let grant_types = match style {
                Style::Rfc => "^(password|refresh_token)$",
                Style::FastApi => "^password$",
            };
            assert_eq!(props["grant_type"]["pattern"], grant_types);
            assert_eq!(p("grant_type=password&username=u&password=p"), Ok(()));
            assert!(p("grant_type=Password&username=u&password=p").is_err());
            // maxProperties: one `name=value` pair per property, unknown ones included.
            let extra = |n: usize| -> String { (0..n).map(|i| format!("&x{i}=")).collect() };
            assert_eq!(
                p(&format!("username=u&password=p{}", extra(pairs - 2))),
                Ok(())
            );
            assert_eq!(
                p(&format!("username=u&password=p{}", extra(pairs - 1))),
                refused(FormError::TooManyPairs)
            );
            // The scope pattern: every ASCII character, and a few others.
            for c in (0..0x80u8)
                .map(char::from)
                .chain(['\u{e9}', '\u{a0}', '\u{2028}'])
            {
                let mut escaped = String::new();
                for b in c.to_string().bytes() {
                    escaped.push_str(&format!("%{b:02X}"));
                }
                let accepted = p(&format!("username=u&password=p&scope=me{escaped}me")).is_ok();
                assert_eq!(accepted, class.contains(&c), "{c:?} in {style:?}");
            }
        }
    }
    // The body limit is the request body's, not the form's: the largest form the schema allows
    // is far over it, so it is stated in the request body's description.
    assert_eq!(
        parse(
            &"x".repeat(Limits::DEFAULT.body + 1),
            Style::Rfc,
            Limits::DEFAULT
        ),
        refused(FormError::TooLarge)
    );
}

/// Swagger UI lists operations, form fields and properties in document order: FastAPI's.
#[test]
fn fields_in_fastapis_order() {
    let text = api(&Config::default())
        .build()
        .expect("valid")
        .to_json()
        .expect("serialisable");
    let in_order = |after: &str, names: &[&str]| {
        let mut at = text.find(after).unwrap_or_else(|| panic!("{after}"));
        for n in names {
            let i = text[at..]
                .find(&format!("\"{n}\":"))
                .unwrap_or_else(|| panic!("{n} after {after}"));
            at += i;
        }
    };
    in_order(
        "\"OAuth2PasswordRequestForm\":{",
        &[
            "grant_type",
            "username",
            "password",
            "refresh_token",
            "scope",
            "client_id",
            "client_secret",
        ],
    );
    in_order(
        "\"Token\":{",
        &["access_token", "token_type", "expires_in", "refresh_token"],
    );
    // Operations in declaration order (Swagger UI lists them so), not sorted.
    in_order(
        "\"paths\":{",
        &[
            "/token",
            "/items/",
            "/users/me/",
            "/users/me/items/",
            "/status/",
            "/health",
        ],
    );
}

#[test]
fn token_response_by_style() {
    let token = |c: Config| {
        let d = json_of(api(&c));
        let ok = &d["paths"]["/token"]["post"]["responses"]["200"];
        // A refresh token is answered in the rfc style only.
        let example = &ok["content"]["application/json"]["examples"]["token"]["value"];
        assert_eq!(
            example.get("refresh_token").is_some(),
            c.style == Style::Rfc,
            "{example}"
        );
        assert_eq!(
            ok["headers"]["Cache-Control"]["schema"]["enum"],
            json!(["no-store"])
        );
        assert_eq!(
            ok["headers"]["Pragma"]["schema"]["enum"],
            json!(["no-cache"])
        );
        let content = &ok["content"]["application/json"];
        let schema = resolve(&d, &content["schema"]).clone();
        for example in content["examples"].as_object().expect("examples").values() {
            validate(&d, &content["schema"], &example["value"]).expect("example fits");
        }
        schema
    };
    let rfc = token(config(Style::Rfc, true, true));
    assert_eq!(
        rfc["properties"]
            .as_object()
            .expect("props")
            .keys()
            .collect::<Vec<_>>(),
        [
            "access_token",
            "expires_in",
            "refresh_token",
            "scope",
            "token_type"
        ]
    );
    // `refresh_token` is absent when the refresh token store could not be reached.
    assert_eq!(
        rfc["required"],
        json!(["access_token", "token_type", "expires_in"])
    );
    // Without a scope claim tessera-core never sends `scope`.
    let rfc_jwt = token(config(Style::Rfc, false, true));
    assert!(rfc_jwt["properties"]["scope"].is_null());
    let fastapi = token(config(Style::FastApi, true, true));
    assert_eq!(
        fastapi["properties"]
            .as_object()
            .expect("props")
            .keys()
            .collect::<Vec<_>>(),
        ["access_token", "token_type"]
    );
    // (serde_json sorts members; `fields_in_fastapis_order` checks the document's order.)
}

#[test]
fn statuses_each_operation_can_answer() {
    let rfc = doc(Style::Rfc);
    let fastapi_400 = doc(Style::FastApi);
    let fastapi_401 = json_of(api(&config(Style::FastApi, false, true)));
    let op = |d: &Value, path: &str| {
        let item = &d["paths"][path];
        statuses(if path == "/token" {
            &item["post"]
        } else {
            &item["get"]
        })
    };
    assert_eq!(op(&rfc, "/token"), [200, 400, 413, 429, 503]);
    assert_eq!(
        op(&fastapi_401, "/token"),
        [200, 400, 401, 413, 422, 429, 503]
    );
    assert_eq!(op(&fastapi_400, "/token"), [200, 400, 413, 422, 429, 503]);

    assert_eq!(op(&rfc, "/users/me/"), [200, 400, 401, 403]);
    assert_eq!(op(&rfc, "/users/me/items/"), [200, 400, 401, 403]);
    assert_eq!(op(&rfc, "/status/"), [200, 400, 401]);
    assert_eq!(op(&rfc, "/items/"), [200, 400, 401]);
    assert_eq!(op(&rfc, "/health"), [200]);

    for d in [&fastapi_400, &fastapi_401] {
        // Missing scopes are 401 and multiple headers are not refused in the fastapi style.
        assert_eq!(op(d, "/users/me/"), [200, 400, 401]);
        assert_eq!(op(d, "/status/"), [200, 401]);
        assert_eq!(op(d, "/items/"), [200, 401]);
    }
    // An active user without scopes: no 403 even in the rfc style.
    let unscoped = json_of(
        ApiDoc::new("T", "1", &Config::default())
            .route(SecuredRoute::get("/users/me/").active_user(&[])),
    );
    assert_eq!(op(&unscoped, "/users/me/"), [200, 400, 401]);
}

#[test]
fn every_error_example_is_tessera_cores_answer_and_fits_its_schema() {
    for c in [
        config(Style::Rfc, true, false),
        config(Style::FastApi, true, false),
        config(Style::FastApi, false, true),
    ] {
        let d = json_of(api(&c));
        let mut seen = 0;
        for (path, item) in d["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("item") {
                for (status, r) in op["responses"].as_object().expect("responses") {
                    let Some(content) = r["content"].get("application/json") else {
                        continue;
                    };
                    for (name, ex) in content["examples"].as_object().into_iter().flatten() {
                        validate(&d, &content["schema"], &ex["value"])
                            .unwrap_or_else(|e| panic!("{method} {path} {status} {name}: {e}"));
                        seen += 1;
                    }
                }
            }
        }
        assert!(seen > 20, "{seen} examples");
    }

    // Spot checks against tessera-core's own answers.
    let d = doc(Style::Rfc);
    let me = &d["paths"]["/users/me/"]["get"]["responses"];
    let scope = Failure::InsufficientScope.answer(Style::Rfc, ME);
    assert_eq!(
        me["403"]["content"]["application/json"]["examples"]["insufficient_scope"]["value"],
        serde_json::from_str::<Value>(&scope.body().to_string()).expect("json")
    );
    assert_eq!(
        me["403"]["headers"]["WWW-Authenticate"]["example"],
        scope.challenge().expect("challenge").to_string()
    );
    let www = me["401"]["headers"]["WWW-Authenticate"]["description"]
        .as_str()
        .expect("description");
    assert!(www.contains("`Bearer` (missing_credentials)"), "{www}");
    assert!(
        www.contains(r#"`Bearer error="invalid_token", scope="me"` (invalid_token)"#),
        "{www}"
    );
    let bad_request = &me["400"]["headers"]["WWW-Authenticate"]["description"];
    assert!(
        bad_request
            .as_str()
            .expect("description")
            .contains("none (inactive_user)")
    );
    let token = &d["paths"]["/token"]["post"]["responses"];
    assert_eq!(
        token["400"]["content"]["application/json"]["examples"]["invalid_grant"]["value"],
        json!({"error": "invalid_grant", "error_description": "Incorrect username or password",
               "detail": "Incorrect username or password"})
    );
    assert_eq!(
        token["429"]["headers"]["Retry-After"]["schema"]["type"],
        "integer"
    );
    assert!(token["400"]["headers"].get("WWW-Authenticate").is_none());

    let f = json_of(api(&config(Style::FastApi, false, true)));
    let token = &f["paths"]["/token"]["post"]["responses"];
    assert_eq!(
        token["401"]["headers"]["WWW-Authenticate"]["example"],
        "Bearer"
    );
    assert_eq!(
        token["422"]["content"]["application/json"]["examples"]["missing_fields"]["value"]["detail"]
            [0]["loc"],
        json!(["body", "username"])
    );
    let me = &f["paths"]["/users/me/"]["get"]["responses"]["401"];
    assert_eq!(
        me["content"]["application/json"]["examples"]["insufficient_scope"]["value"],
        json!({"detail": "Not enough permissions"})
    );
}

#[test]
fn only_the_schemas_in_use() {
    let names = |d: &Value| {
        let mut n: Vec<String> = d["components"]["schemas"]
            .as_object()
            .expect("schemas")
            .keys()
            .cloned()
            .collect();
        n.sort();
        n
    };
    assert_eq!(
        names(&doc(Style::Rfc)),
        [
            "HTTPError",
            "OAuth2PasswordRequestForm",
            "OAuthError",
            "Token",
            "User"
        ]
    );
    assert_eq!(
        names(&json_of(api_with_revoke(&config(Style::Rfc, true, false)))),
        [
            "HTTPError",
            "OAuth2PasswordRequestForm",
            "OAuth2RevocationRequestForm",
            "OAuthError",
            "Token",
            "User"
        ]
    );
    assert_eq!(
        names(&doc(Style::FastApi)),
        [
            "HTTPError",
            "HTTPValidationError",
            "OAuth2PasswordRequestForm",
            "OAuthError",
            "Token",
            "User",
            "ValidationError"
        ]
    );
}

#[test]
fn success_bodies() {
    let d = doc(Style::Rfc);
    let ok = |path: &str| d["paths"][path]["get"]["responses"]["200"].clone();
    assert_eq!(
        ok("/users/me/")["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/User"})
    );
    assert_eq!(
        ok("/users/me/items/")["content"]["application/json"]["schema"],
        json!({"type": "array", "items": {"$ref": "#/components/schemas/User"}})
    );
    assert!(ok("/status/").get("content").is_none());
}

#[test]
fn operation_ids() {
    let d = doc(Style::Rfc);
    assert_eq!(
        d["paths"]["/users/me/items/"]["get"]["operationId"],
        "get_users_me_items"
    );
    assert_eq!(d["paths"]["/token"]["post"]["operationId"], "post_token");
    let named = json_of(
        ApiDoc::new("T", "1", &Config::default()).route(
            SecuredRoute::token("/token")
                .operation_id("login")
                .summary("Log in")
                .description("Details."),
        ),
    );
    let op = &named["paths"]["/token"]["post"];
    assert_eq!(
        (&op["operationId"], &op["summary"], &op["description"]),
        (&json!("login"), &json!("Log in"), &json!("Details."))
    );
}

#[test]
fn contradictory_declarations_are_refused() {
    let base = || ApiDoc::new("T", "1", &Config::default()).scopes(&SCOPES);
    assert_eq!(
        base()
            .route(SecuredRoute::get("/admin/").user(&["admin"]))
            .build()
            .err(),
        Some(DocError::UndeclaredScope {
            operation: "GET /admin/".into(),
            scope: "admin"
        })
    );
    assert_eq!(
        base()
            .route(SecuredRoute::get("/a"))
            .route(SecuredRoute::get("/a").bearer())
            .build()
            .err(),
        Some(DocError::DuplicateOperation("GET /a".into()))
    );
    // The same path with another method is fine.
    assert!(
        base()
            .route(SecuredRoute::get("/a"))
            .route(SecuredRoute::post("/a"))
            .build()
            .is_ok()
    );
    assert_eq!(
        base()
            .route(SecuredRoute::get("/a").returns("Nope"))
            .build()
            .err(),
        Some(DocError::UnknownSchema {
            operation: "GET /a".into(),
            schema: "Nope"
        })
    );
    assert_eq!(
        base().schema("Token", user_schema()).build().err(),
        Some(DocError::DuplicateSchema("Token".into()))
    );
    assert_eq!(
        base()
            .schema("OAuth2RevocationRequestForm", user_schema())
            .build()
            .err(),
        Some(DocError::DuplicateSchema(
            "OAuth2RevocationRequestForm".into()
        ))
    );
    assert_eq!(
        base()
            .schema("User", user_schema())
            .schema("User", user_schema())
            .build()
            .err(),
        Some(DocError::DuplicateSchema("User".into()))
    );
    assert_eq!(
        base().scopes(&[("me", "again")]).build().err(),
        Some(DocError::DuplicateScope("me"))
    );
    let e = DocError::UndeclaredScope {
        operation: "GET /admin/".into(),
        scope: "admin",
    };
    assert_eq!(
        e.to_string(),
        "GET /admin/ requires the undeclared scope \"admin\""
    );
}

#[test]
fn guards() {
    assert_eq!(Guard::ActiveUser(ME).scopes(), ME);
    assert!(Guard::Bearer.needs_token());
    assert!(!Guard::TokenEndpoint.needs_token());
    assert!(!Guard::None.needs_token());
    assert!(!Guard::RevocationEndpoint.needs_token());
    assert_eq!(SecuredRoute::token("/token").guard, Guard::TokenEndpoint);
    assert_eq!(
        SecuredRoute::revoke("/revoke").guard,
        Guard::RevocationEndpoint
    );
    assert_eq!(SecuredRoute::revoke("/revoke").id(), "post_revoke");
}

/// The answer tessera-core gives to `failure` in the rfc style, as JSON.
fn rfc_body(failure: Failure<'_>) -> Value {
    serde_json::from_str(&failure.answer(Style::Rfc, &[]).body().to_string()).expect("JSON")
}

/// The examples of `status` of an operation, by name.
fn examples<'a>(op: &'a Value, status: &str) -> &'a serde_json::Map<String, Value> {
    op["responses"][status]["content"]["application/json"]["examples"]
        .as_object()
        .unwrap_or_else(|| panic!("examples of {status}"))
}

#[test]
fn refresh_grant_answers_in_the_rfc_token_operation() {
    let d = doc(Style::Rfc);
    let op = &d["paths"]["/token"]["post"];
    assert_eq!(statuses(op), [200, 400, 413, 429, 503]);
    let bad = examples(op, "400");
    let value = |name: &str| bad[name]["value"].clone();
    assert_eq!(
        value("invalid_refresh_token"),
        json!({"error": "invalid_grant",
               "error_description": "The refresh token is invalid, expired or revoked",
               "detail": "The refresh token is invalid, expired or revoked"})
    );
    assert_eq!(
        value("scope_beyond_grant"),
        json!({"error": "invalid_scope",
               "error_description": "The requested scope exceeds the scope granted",
               "detail": "The requested scope exceeds the scope granted"})
    );
    assert_eq!(
        value("missing_refresh_token"),
        json!({"error": "invalid_request",
               "error_description": "Missing required parameter: refresh_token",
               "detail": "Missing required parameter: refresh_token"})
    );
    assert_eq!(
        value("unsupported_grant_type")["error_description"],
        "Only the password and refresh_token grants are supported"
    );
    for (name, failure) in [
        ("invalid_refresh_token", Failure::InvalidRefreshToken),
        ("scope_beyond_grant", Failure::ScopeBeyondGrant),
        (
            "missing_refresh_token",
            Failure::MissingParameter(Field::RefreshToken),
        ),
    ] {
        assert_eq!(value(name), rfc_body(failure), "{name}");
    }
    let unavailable = examples(op, "503");
    assert_eq!(
        unavailable["refresh_token_store_unavailable"]["value"],
        json!({"detail": "Service Unavailable"})
    );
    assert!(unavailable.contains_key("unavailable"));
    assert_eq!(
        op["responses"]["503"]["headers"]["Retry-After"]["schema"]["type"],
        "integer"
    );
    let description = op["responses"]["400"]["description"]
        .as_str()
        .expect("a description");
    assert!(description.contains("neither `password` nor `refresh_token`"));
}

/// Whether the service accepts the `/token` form `pairs` (decoded names and values) in the rfc
/// style, as it dispatches: to the refresh grant's parser when `grant_type` is
/// `refresh_token`, else to the password grant's.
fn rfc_token_form_accepted(pairs: &[(&str, &str)], grant_type: GrantType) -> bool {
    let mut body = String::new();
    for (name, value) in pairs {
        if !body.is_empty() {
            body.push('&');
        }
        body.push_str(name);
        body.push('=');
        for b in value.bytes() {
            body.push_str(&format!("%{b:02X}"));
        }
    }
    let opts = Style::Rfc.form_options(FormOptions {
        grant_type,
        ..FormOptions::DEFAULT
    });
    let body = body.as_bytes();
    let content_type = Some("application/x-www-form-urlencoded");
    let mut buf = vec![0u8; form::buffer_len(body, &opts)];
    let refresh = form::parse_params(body, content_type, &opts, [Field::GrantType], &mut buf)
        .is_ok_and(|p| p.values[0] == Some("refresh_token"));
    let mut buf = vec![0u8; form::buffer_len(body, &opts)];
    if refresh {
        let fields = [Field::GrantType, Field::RefreshToken, Field::Scope];
        form::parse_params(body, content_type, &opts, fields, &mut buf)
            .is_ok_and(|p| !p.scope_malformed && p.values[1].is_some())
    } else {
        form::parse(body, content_type, &opts, &mut buf).is_ok()
    }
}

/// The rfc style's token form (both grants) allows a form exactly when the service's parsers
/// accept it.
#[test]
fn rfc_token_form_schema_is_what_the_parsers_accept() {
    let bodies: [&[(&str, &str)]; 14] = [
        &[("username", "u"), ("password", "p")],
        &[
            ("grant_type", "password"),
            ("username", "u"),
            ("password", "p"),
        ],
        &[("grant_type", "refresh_token"), ("refresh_token", "r")],
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "r"),
            ("scope", "me items"),
        ],
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "r"),
            ("scope", ""),
        ],
        &[("grant_type", "refresh_token")],
        &[("grant_type", "refresh_token"), ("refresh_token", "")],
        &[
            ("grant_type", "refresh_token"),
            ("username", "u"),
            ("password", "p"),
        ],
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "r"),
            ("scope", "me\""),
        ],
        &[("grant_type", "password"), ("refresh_token", "r")],
        &[("refresh_token", "r")],
        &[
            ("grant_type", "client_credentials"),
            ("username", "u"),
            ("password", "p"),
        ],
        &[("grant_type", "Refresh_token"), ("refresh_token", "r")],
        &[("username", "u")],
    ];
    for grant_type in [GrantType::Optional, GrantType::Required] {
        let mut c = config(Style::Rfc, true, false);
        c.form.grant_type = grant_type;
        let d = json_of(api(&c));
        let form = &d["paths"]["/token"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
            ["schema"];
        for pairs in bodies {
            let value = Value::Object(
                pairs
                    .iter()
                    .map(|(n, v)| ((*n).to_owned(), json!(v)))
                    .collect(),
            );
            let allowed = validate(&d, form, &value);
            assert_eq!(
                allowed.is_ok(),
                rfc_token_form_accepted(pairs, grant_type),
                "{value} with {grant_type:?}: {allowed:?}"
            );
        }
    }
}

#[test]
fn revocation_operation_in_the_rfc_style() {
    let limits = Limits {
        body: 700,
        pairs: 4,
        username: 9,
        password: 11,
    };
    let mut c = config(Style::Rfc, true, false);
    c.form.limits = limits;
    let d = json_of(api_with_revoke(&c));
    check_refs(&d, &d);
    let op = &d["paths"]["/revoke"]["post"];
    assert_eq!(statuses(op), [200, 400, 413, 503]);
    assert_eq!(op["operationId"], "post_revoke");
    // The token in the form is the only credential: no lock, no Authorization header.
    assert!(op.get("security").is_none());
    assert!(op.get("parameters").is_none());

    // The form.
    let body = &op["requestBody"];
    assert_eq!(body["required"], true);
    let content = body["content"].as_object().expect("content");
    assert_eq!(
        content.keys().collect::<Vec<_>>(),
        ["application/x-www-form-urlencoded"]
    );
    let schema = &content["application/x-www-form-urlencoded"]["schema"];
    assert_eq!(
        schema,
        &json!({"$ref": "#/components/schemas/OAuth2RevocationRequestForm"})
    );
    let description = body["description"].as_str().expect("a description");
    assert!(description.contains("RFC 7009"), "{description}");
    assert!(description.contains("at most 700 bytes"), "{description}");
    let form = resolve(&d, schema);
    assert_eq!(form["type"], "object");
    assert_eq!(form["required"], json!(["token"]));
    assert_eq!(form["maxProperties"], limits.pairs);
    assert_eq!(form["additionalProperties"]["type"], "string");
    let props = form["properties"].as_object().expect("properties");
    assert_eq!(
        props.keys().collect::<Vec<_>>(),
        ["token", "token_type_hint"]
    );
    assert_eq!(props["token"]["type"], "string");
    assert_eq!(props["token"]["minLength"], 1);
    // Any hint is accepted (and ignored), so the schema lists no closed set of values.
    assert_eq!(props["token_type_hint"]["type"], "string");
    assert!(props["token_type_hint"].get("enum").is_none());
    // The schema allows what the parser accepts, and refuses what it refuses.
    let opts = Style::Rfc.form_options(FormOptions {
        limits,
        ..FormOptions::DEFAULT
    });
    let accepted = |body: &str| {
        let mut buf = vec![0u8; form::buffer_len(body.as_bytes(), &opts)];
        form::parse_params(
            body.as_bytes(),
            Some("application/x-www-form-urlencoded"),
            &opts,
            [Field::Token, Field::TokenTypeHint],
            &mut buf,
        )
        .is_ok_and(|p| p.values[0].is_some())
    };
    for (text, value) in [
        ("token=t", json!({"token": "t"})),
        (
            "token=t&token_type_hint=refresh_token",
            json!({"token": "t", "token_type_hint": "refresh_token"}),
        ),
        (
            "token=t&token_type_hint=access_token&a=1&b=2",
            json!({"token": "t", "token_type_hint": "access_token", "a": "1", "b": "2"}),
        ),
        (
            "token=t&a=1&b=2&c=3&d=4",
            json!({"token": "t", "a": "1", "b": "2", "c": "3", "d": "4"}),
        ),
        (
            "token=t&token_type_hint=AAA",
            json!({"token": "t", "token_type_hint": "AAA"}),
        ),
        ("token=", json!({"token": ""})),
        (
            "token_type_hint=access_token",
            json!({"token_type_hint": "access_token"}),
        ),
    ] {
        assert_eq!(
            validate(&d, schema, &value).is_ok(),
            accepted(text),
            "{text}"
        );
    }

    // 200: an empty body that must not be cached.
    let ok = &op["responses"]["200"];
    assert!(ok.get("content").is_none());
    assert_eq!(
        ok["headers"]["Cache-Control"]["schema"]["enum"],
        json!(["no-store"])
    );
    assert_eq!(
        ok["headers"]["Pragma"]["schema"]["enum"],
        json!(["no-cache"])
    );

    // The errors, each tessera-core's answer.
    let bad = examples(op, "400");
    // (serde_json sorts members.)
    assert_eq!(
        bad.keys().collect::<Vec<_>>(),
        [
            "malformed",
            "missing_token",
            "repeated_parameter",
            "too_many_parameters"
        ]
    );
    assert_eq!(
        bad["missing_token"]["value"],
        json!({"error": "invalid_request",
               "error_description": "Missing required parameter: token",
               "detail": "Missing required parameter: token"})
    );
    assert_eq!(
        bad["repeated_parameter"]["value"],
        rfc_body(Failure::Form(FormError::Repeated(Field::Token)))
    );
    assert!(
        bad.values()
            .all(|e| e["value"]["error"] == "invalid_request")
    );
    // 413 as the token operation documents it.
    let token = &d["paths"]["/token"]["post"];
    assert_eq!(examples(op, "413"), examples(token, "413"));
    assert_eq!(
        op["responses"]["413"]["content"]["application/json"]["schema"],
        token["responses"]["413"]["content"]["application/json"]["schema"]
    );
    let unavailable = &op["responses"]["503"];
    assert_eq!(
        examples(op, "503")["unavailable"]["value"],
        json!({"detail": "Service Unavailable"})
    );
    assert_eq!(
        unavailable["headers"]["Retry-After"]["schema"]["type"],
        "integer"
    );
    for status in ["400", "413", "503"] {
        let r = &op["responses"][status];
        assert!(r["headers"].get("WWW-Authenticate").is_none(), "{status}");
        let content = &r["content"]["application/json"];
        for (name, ex) in content["examples"].as_object().expect("examples") {
            validate(&d, &content["schema"], &ex["value"])
                .unwrap_or_else(|e| panic!("{status} {name}: {e}"));
        }
    }
    // Listed where it is declared: after the others here.
    let text = api_with_revoke(&c)
        .build()
        .expect("valid")
        .to_json()
        .expect("JSON");
    let at = |path: &str| text.find(&format!("\"{path}\":{{")).expect(path);
    assert!(at("/health") < at("/revoke"));
}

/// Every configuration of the fastapi style that the document depends on.
fn fastapi_configs() -> Vec<Config> {
    let mut out = Vec::new();
    for scope_claim in [false, true] {
        for challenge in [false, true] {
            for grant_type in [GrantType::Optional, GrantType::Required] {
                let mut c = config(Style::FastApi, scope_claim, challenge);
                c.form.grant_type = grant_type;
                out.push(c);
            }
        }
    }
    out
}

/// The fastapi style stays FastAPI's: no revocation operation (a declared one is left out), no
/// refresh URL, nothing of the refresh grant in the form, the answers or the token.
#[test]
fn fastapi_documents_have_nothing_of_refresh_or_revocation() {
    for c in fastapi_configs() {
        let without = api(&c).build().expect("valid").to_json().expect("JSON");
        let with = api_with_revoke(&c)
            .build()
            .expect("valid")
            .to_json()
            .expect("JSON");
        assert_eq!(with, without, "a revoke route changes nothing");
        let lower = with.to_ascii_lowercase();
        for word in [
            "refresh",
            "revo",
            "7009",
            "allof",
            "oneof",
            "oauth2revocationrequestform",
        ] {
            assert!(!lower.contains(word), "{word} in {with}");
        }
        let d: Value = serde_json::from_str(&with).expect("JSON");
        assert!(d["paths"].get("/revoke").is_none());
        let flow = &d["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"];
        assert!(flow.get("refreshUrl").is_none());
        assert_eq!(
            flow.as_object().expect("flow").keys().collect::<Vec<_>>(),
            ["scopes", "tokenUrl"]
        );
        let form = &d["components"]["schemas"]["OAuth2PasswordRequestForm"];
        assert_eq!(form["properties"]["grant_type"]["pattern"], "^password$");
        assert!(form["properties"].get("refresh_token").is_none());
        assert!(
            d["components"]["schemas"]["Token"]["properties"]
                .get("refresh_token")
                .is_none()
        );
        let token = &d["paths"]["/token"]["post"];
        assert_eq!(
            token["responses"]["200"]["description"],
            "OK: the access token."
        );
        assert_eq!(
            token["requestBody"]["description"],
            format!(
                "The OAuth2 password grant form (RFC 6749 §4.3.2), at most {} bytes as sent; a \
                 larger body gets 413.",
                c.form.limits.body
            )
        );
        let unsupported = examples(token, "422")["unsupported_grant_type"].clone();
        assert_eq!(
            unsupported["summary"],
            "`grant_type` is sent and is not `password`."
        );
        for name in [
            "missing_refresh_token",
            "scope_beyond_grant",
            "invalid_refresh_token",
            "refresh_token_store_unavailable",
        ] {
            for status in ["400", "401", "503"] {
                assert!(
                    token["responses"][status]["content"]["application/json"]["examples"]
                        .get(name)
                        .is_none(),
                    "{name} in {status}"
                );
            }
        }
    }
}
