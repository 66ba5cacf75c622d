//! The error answers of each kind of operation, taken from tessera-core itself: this module
//! lists which [`Failure`]s an operation can meet in a style (the knowledge of
//! `tessera_service`), asks [`Failure::answer`] for each one's status, headers and body,
//! and groups them into OpenAPI responses with the real bodies as examples.

use std::collections::BTreeMap;

use serde_json::Value;
use tessera_core::form::{Field, FormError, Missing};
use tessera_core::http::{Answer, Failure, Style};
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, RefOr, Response, Schema};

use crate::schemas;

/// One way an operation can fail, with a short explanation for the document.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Case {
    /// The example's name (unique within an operation).
    pub(crate) name: &'static str,
    /// When it happens.
    pub(crate) summary: &'static str,
    /// What tessera-core is told.
    pub(crate) failure: Failure<'static>,
}

const fn case(name: &'static str, summary: &'static str, failure: Failure<'static>) -> Case {
    Case {
        name,
        summary,
        failure,
    }
}

/// What a protected operation checks before its handler.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Checks {
    /// Whether the token is verified (otherwise only the raw bearer token is read).
    pub(crate) verify: bool,
    /// Whether the route requires scopes.
    pub(crate) scopes: bool,
    /// Whether a disabled user is refused.
    pub(crate) active: bool,
}

/// The failures of a protected operation, in the order the checks run.
pub(crate) fn guard_cases(style: Style, checks: Checks) -> Vec<Case> {
    let mut out = vec![case(
        "missing_credentials",
        "No bearer credentials: no `Authorization` header, another scheme, or a token only \
         in the query string or a cookie.",
        Failure::MissingCredentials,
    )];
    if style == Style::Rfc {
        // The fastapi style uses the first header, as Starlette does.
        out.push(case(
            "multiple_authorization",
            "More than one `Authorization` header.",
            Failure::MultipleAuthorization,
        ));
    }
    out.push(if checks.verify {
        case(
            "invalid_token",
            "The token is malformed, wrongly signed, expired or not yet valid, or its subject \
             is not a known user.",
            Failure::InvalidToken,
        )
    } else {
        case(
            "undecodable_credentials",
            "The credentials are not valid UTF-8.",
            Failure::InvalidToken,
        )
    });
    if checks.verify && checks.scopes {
        out.push(case(
            "insufficient_scope",
            "The token does not grant every scope the operation requires.",
            Failure::InsufficientScope,
        ));
    }
    if checks.verify && checks.active {
        out.push(case(
            "inactive_user",
            "The user is disabled.",
            Failure::InactiveUser,
        ));
    }
    out
}

/// How the token endpoint is configured.
#[derive(Copy, Clone, Debug)]
pub(crate) struct TokenChecks {
    /// Answer wrong credentials with 401 and a challenge in the fastapi style.
    pub(crate) login_challenge: bool,
    /// `grant_type` is required (the Strict form).
    pub(crate) grant_type_required: bool,
}

/// The failures of the token endpoint, in the order its checks run.
pub(crate) fn token_cases(style: Style, checks: TokenChecks) -> Vec<Case> {
    let rfc = style == Style::Rfc;
    let mut out = vec![
        case(
            "too_large",
            "The body is over the size limit.",
            Failure::Form(FormError::TooLarge),
        ),
        case(
            "malformed",
            "The body is not valid form encoding, or a field is not UTF-8.",
            Failure::Form(FormError::Malformed),
        ),
        case(
            "too_many_parameters",
            "Too many form parameters.",
            Failure::Form(FormError::TooManyPairs),
        ),
    ];
    if rfc {
        out.push(case(
            "repeated_parameter",
            "A defined parameter is sent twice with a value (RFC 6749 §3.2).",
            Failure::Form(FormError::Repeated(Field::Username)),
        ));
    }
    out.push(case(
        "unsupported_grant_type",
        if rfc {
            "`grant_type` is sent and is neither `password` nor `refresh_token`."
        } else {
            "`grant_type` is sent and is not `password`."
        },
        Failure::Form(FormError::Fields {
            grant_type: Some("client_credentials"),
            missing: Missing {
                grant_type: false,
                username: false,
                password: false,
            },
        }),
    ));
    out.push(case(
        "missing_fields",
        if checks.grant_type_required {
            "`grant_type`, `username` or `password` is missing or empty, or the body is not a \
             form."
        } else {
            "`username` or `password` is missing or empty, or the body is not a form."
        },
        Failure::Form(FormError::Fields {
            grant_type: None,
            missing: Missing {
                grant_type: checks.grant_type_required,
                username: true,
                password: true,
            },
        }),
    ));
    out.extend([
        case(
            "username_too_long",
            "The username is over the length limit.",
            Failure::Form(FormError::UsernameTooLong),
        ),
        case(
            "password_too_long",
            "The password is over the length limit (checked before any hashing).",
            Failure::Form(FormError::PasswordTooLong),
        ),
        case(
            "invalid_scope",
            "`scope` holds a character RFC 6749 does not allow in scope tokens.",
            Failure::Form(FormError::InvalidScope),
        ),
        case(
            "throttled",
            "Too many failed logins from this client for this username, from this client in all, \
             or for this username in all; retry after `Retry-After` seconds.",
            Failure::Throttled(60),
        ),
        case(
            "busy",
            "Too many logins at once; retry after `Retry-After` seconds.",
            Failure::Busy(1),
        ),
        case(
            "unavailable",
            "The shared login throttle cannot be reached; no login is checked without it. \
             Retry after `Retry-After` seconds.",
            Failure::Unavailable(5),
        ),
        case(
            "invalid_grant",
            "Wrong username or password (unknown users and wrong passwords get the same \
             answer).",
            Failure::InvalidGrant {
                challenge: checks.login_challenge,
            },
        ),
    ]);
    if rfc {
        out.extend(refresh_cases());
    }
    out
}

/// The failures of the refresh grant (rfc style only) that the password grant does not share,
/// in the order its checks run.
fn refresh_cases() -> [Case; 4] {
    [
        case(
            "missing_refresh_token",
            "The refresh grant without a `refresh_token` (or with an empty one).",
            Failure::MissingParameter(Field::RefreshToken),
        ),
        case(
            "scope_beyond_grant",
            "A refresh asks for a scope its refresh token was not granted.",
            Failure::ScopeBeyondGrant,
        ),
        case(
            "refresh_token_store_unavailable",
            "A refresh while the shared refresh token store cannot be reached. Retry after \
             `Retry-After` seconds.",
            Failure::Unavailable(5),
        ),
        case(
            "invalid_refresh_token",
            "The refresh token is unknown, expired, revoked or already used (a reused one \
             also ends every token of its login), or its user is gone, disabled or no longer \
             allowed the tokens.",
            Failure::InvalidRefreshToken,
        ),
    ]
}

/// The failures of the token revocation endpoint (RFC 7009; rfc style only), in the order
/// its checks run.
pub(crate) fn revocation_cases() -> Vec<Case> {
    vec![
        case(
            "too_large",
            "The body is over the size limit.",
            Failure::Form(FormError::TooLarge),
        ),
        case(
            "malformed",
            "The body is not valid form encoding, or a field is not UTF-8.",
            Failure::Form(FormError::Malformed),
        ),
        case(
            "too_many_parameters",
            "Too many form parameters.",
            Failure::Form(FormError::TooManyPairs),
        ),
        case(
            "repeated_parameter",
            "A defined parameter is sent twice with a value (RFC 6749 §3.2).",
            Failure::Form(FormError::Repeated(Field::Token)),
        ),
        case(
            "missing_token",
            "`token` is missing or empty, or the body is not a form.",
            Failure::MissingParameter(Field::Token),
        ),
        case(
            "unavailable",
            "The shared store of revoked access tokens or of refresh tokens (whichever the \
             token belongs to) cannot be reached; nothing was revoked. Retry after \
             `Retry-After` seconds.",
            Failure::Unavailable(5),
        ),
    ]
}

/// The reason phrase of the statuses tessera-core answers with.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        _ => "Error",
    }
}

/// The schema a rendered error body follows.
fn body_schema(body: &Value) -> &'static str {
    if body.get("error").is_some() {
        schemas::OAUTH_ERROR
    } else if body.get("detail").is_some_and(Value::is_array) {
        schemas::VALIDATION_ERRORS
    } else {
        schemas::HTTP_ERROR
    }
}

/// What one status of an operation gathers.
#[derive(Default)]
struct Group {
    summaries: Vec<&'static str>,
    schemas: Vec<&'static str>,
    examples: Vec<(&'static str, &'static str, Value)>,
    /// Each challenge sent, with the names of the examples that carry it.
    challenges: Vec<(String, Vec<&'static str>)>,
    /// Examples answered without a challenge.
    unchallenged: Vec<&'static str>,
    retry_after: bool,
}

/// The error responses of an operation, by status: each status documents the schemas of its
/// bodies, every case as a named example with tessera-core's exact body, and the headers
/// those answers carry. Also returns every schema name referenced.
pub(crate) fn responses(
    style: Style,
    scopes: &'static [&'static str],
    cases: &[Case],
) -> (BTreeMap<u16, Response>, Vec<&'static str>) {
    let mut groups: BTreeMap<u16, Group> = BTreeMap::new();
    for c in cases {
        let answer: Answer<'static> = c.failure.answer(style, scopes);
        let body: Value = serde_json::from_str(&answer.body().to_string()).unwrap_or(Value::Null);
        let g = groups.entry(answer.status()).or_default();
        g.summaries.push(c.summary);
        let schema = body_schema(&body);
        if !g.schemas.contains(&schema) {
            g.schemas.push(schema);
        }
        g.examples.push((c.name, c.summary, body));
        match answer.challenge() {
            Some(ch) => {
                let ch = ch.to_string();
                match g.challenges.iter_mut().find(|(c, _)| *c == ch) {
                    Some((_, names)) => names.push(c.name),
                    None => g.challenges.push((ch, vec![c.name])),
                }
            }
            None => g.unchallenged.push(c.name),
        }
        let _ = answer.headers(|name, _| {
            if name == "retry-after" {
                g.retry_after = true;
            }
            Ok::<(), ()>(())
        });
    }
    let mut used = Vec::new();
    let mut out = BTreeMap::new();
    for (status, g) in groups {
        for s in &g.schemas {
            if !used.contains(s) {
                used.push(*s);
            }
        }
        let schema: RefOr<Schema> = match g.schemas.as_slice() {
            [one] => schemas::reference(one),
            many => many
                .iter()
                .fold(AnyOfBuilder::new(), |b, s| b.item(schemas::reference(s)))
                .into(),
        };
        let content = ContentBuilder::new()
            .schema(Some(schema))
            .examples_from_iter(g.examples.into_iter().map(|(name, summary, value)| {
                (
                    name,
                    ExampleBuilder::new().summary(summary).value(Some(value)),
                )
            }))
            .build();
        let mut description = format!("{}.\n", reason(status));
        for s in &g.summaries {
            description.push_str("\n- ");
            description.push_str(s);
        }
        let mut response = ResponseBuilder::new()
            .description(description)
            .content("application/json", content);
        if !g.challenges.is_empty() {
            let mut listed: Vec<String> = g
                .challenges
                .iter()
                .map(|(c, names)| format!("`{c}` ({})", names.join(", ")))
                .collect();
            if !g.unchallenged.is_empty() {
                listed.push(format!("none ({})", g.unchallenged.join(", ")));
            }
            response = response.header(
                "WWW-Authenticate",
                HeaderBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .description(Some(format!(
                        "The RFC 6750 challenge, by example: {}.",
                        listed.join("; ")
                    )))
                    .example(Some(Value::String(g.challenges[0].0.clone())))
                    .build(),
            );
        }
        if g.retry_after {
            response = response.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(1)),
                    ))
                    .description(Some("Seconds to wait before trying again."))
                    .build(),
            );
        }
        out.insert(status, response.build());
    }
    (out, used)
}
