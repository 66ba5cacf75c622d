//! The component schemas of what tessera-core reads and writes: the token request form (the
//! password grant, and in the rfc style the refresh grant too), the token revocation form, the
//! token response and the error bodies of both styles.

use std::fmt::Write as _;

use tessera_core::form::Limits;
use tessera_core::http::Style;
use tessera_core::scope;
use utoipa::openapi::schema::{
    AllOfBuilder, AnyOfBuilder, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder,
    SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{RefOr, Schema};

/// `{"detail": "…"}`.
pub(crate) const HTTP_ERROR: &str = "HTTPError";
/// `{"error", "error_description", "detail"}` (RFC 6749 §5.2 plus FastAPI's `detail`).
pub(crate) const OAUTH_ERROR: &str = "OAuthError";
/// FastAPI's 422 body.
pub(crate) const VALIDATION_ERRORS: &str = "HTTPValidationError";
/// One entry of [`VALIDATION_ERRORS`].
pub(crate) const VALIDATION_ERROR: &str = "ValidationError";
/// The token response.
pub(crate) const TOKEN: &str = "Token";
/// The token request form.
pub(crate) const PASSWORD_FORM: &str = "OAuth2PasswordRequestForm";
/// The token revocation form (RFC 7009).
pub(crate) const REVOCATION_FORM: &str = "OAuth2RevocationRequestForm";

/// Every name this crate defines, so an application cannot register a schema of the same name.
pub(crate) const RESERVED: [&str; 7] = [
    HTTP_ERROR,
    OAUTH_ERROR,
    VALIDATION_ERRORS,
    VALIDATION_ERROR,
    TOKEN,
    PASSWORD_FORM,
    REVOCATION_FORM,
];

/// The `error` codes tessera-core answers with on the token endpoint.
pub(crate) const OAUTH_ERROR_CODES: [&str; 4] = [
    "invalid_request",
    "invalid_grant",
    "unsupported_grant_type",
    "invalid_scope",
];

fn typed(t: Type) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(t)
}

fn string(description: &str) -> ObjectBuilder {
    typed(Type::String).description(Some(description))
}

/// A reference to the component schema `name`.
pub(crate) fn reference(name: &str) -> RefOr<Schema> {
    RefOr::Ref(utoipa::openapi::Ref::from_schema_name(name))
}

/// `{"detail": "…"}`.
pub(crate) fn http_error() -> Schema {
    typed(Type::Object)
        .title(Some(HTTP_ERROR))
        .description(Some("An error with a human-readable `detail`."))
        .property("detail", string("What went wrong."))
        .required("detail")
        .build()
        .into()
}

/// An RFC 6749 §5.2 error response, with `detail` repeating `error_description`.
pub(crate) fn oauth_error() -> Schema {
    typed(Type::Object)
        .title(Some(OAUTH_ERROR))
        .description(Some(
            "An RFC 6749 §5.2 error response. `detail` repeats `error_description`, so \
             clients written for `{\"detail\": …}` bodies keep working.",
        ))
        .property(
            "error",
            string("The RFC 6749 §5.2 error code.").enum_values(Some(OAUTH_ERROR_CODES)),
        )
        .property(
            "error_description",
            string("What went wrong (never an echo of the request)."),
        )
        .property("detail", string("The same text as `error_description`."))
        .required("error")
        .required("error_description")
        .required("detail")
        .build()
        .into()
}

/// One FastAPI (pydantic) validation error.
pub(crate) fn validation_error() -> Schema {
    let loc_item = AnyOfBuilder::new()
        .item(typed(Type::String))
        .item(typed(Type::Integer));
    typed(Type::Object)
        .title(Some(VALIDATION_ERROR))
        .property("type", string("The error type, such as `missing`."))
        .property(
            "loc",
            ArrayBuilder::new()
                .items(loc_item)
                .description(Some("Where the error is: `body`, then the field name.")),
        )
        .property("msg", string("A human-readable message."))
        .property(
            "input",
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .description(Some("The offending value (`null` for a missing field).")),
        )
        .property(
            "ctx",
            typed(Type::Object).description(Some("Details, such as the expected pattern.")),
        )
        .required("type")
        .required("loc")
        .required("msg")
        .build()
        .into()
}

/// FastAPI's 422 body: `{"detail": [ValidationError, …]}`.
pub(crate) fn validation_errors() -> Schema {
    typed(Type::Object)
        .title(Some(VALIDATION_ERRORS))
        .property(
            "detail",
            ArrayBuilder::new().items(reference(VALIDATION_ERROR)),
        )
        .required("detail")
        .build()
        .into()
}

/// The token response of `style`. `refresh_token` is documented only in the rfc style (it is
/// absent when the refresh token store could not be reached), and `scope` only in the rfc
/// style and only when the service issues scopes (`scope_claim`), the only case where
/// tessera-core sends it.
pub(crate) fn token(style: Style, scope_claim: bool) -> Schema {
    let mut b = typed(Type::Object)
        .title(Some(TOKEN))
        .description(Some("An access token (RFC 6749 §5.1)."))
        .property(
            "access_token",
            string("An HS256 JWT, to send as `Authorization: Bearer <access_token>`."),
        )
        .property(
            "token_type",
            string("Always `bearer`.").enum_values(Some(["bearer"])),
        )
        .required("access_token")
        .required("token_type");
    if style == Style::Rfc {
        b = b
            .property(
                "expires_in",
                typed(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(1))
                    .description(Some("Seconds until the token expires.")),
            )
            .required("expires_in")
            .property(
                "refresh_token",
                string(
                    "A refresh token, for `grant_type=refresh_token` (RFC 6749 §6) and for \
                     `/revoke` (RFC 7009). Each refresh answers a new one and ends the one \
                     sent; absent when the refresh token store could not be reached (log in \
                     again when the access token expires).",
                ),
            );
        if scope_claim {
            b = b.property(
                "scope",
                string("The granted scopes, separated by single spaces; absent when none."),
            );
        }
    }
    b.build().into()
}

/// The token request form of `style`: FastAPI's `OAuth2PasswordRequestForm` (or its Strict
/// variant when `grant_type_required`) in the fastapi style; in the rfc style the same form
/// with the refresh grant (RFC 6749 §6) too, as one object of every field and exactly one of
/// two sets of requirements (the password grant's or the refresh grant's). Every limit the
/// form parser enforces is stated (`limits` are the service's), so that a body the schema
/// allows is never refused for its form: only for its credentials. What JSON Schema cannot
/// say is in the descriptions: the username and password limits count bytes of UTF-8
/// (`maxLength` counts characters, the same for ASCII), and the body size limit is the request
/// body's (see `ApiDoc::operation`).
pub(crate) fn password_form(style: Style, grant_type_required: bool, limits: &Limits) -> Schema {
    let refresh = style == Style::Rfc;
    let password =
        || typed(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)));
    let grant_type = match (refresh, grant_type_required) {
        (false, true) => string("Must be `password`.").pattern(Some("^password$")),
        (false, false) => {
            string("Optional; when sent it must be `password` (an empty value counts as not sent).")
                .pattern(Some("^password$"))
        }
        (true, true) => {
            string("`password` or `refresh_token`.").pattern(Some("^(password|refresh_token)$"))
        }
        (true, false) => string(
            "`password` or `refresh_token`; the password grant when not sent (an empty value \
             counts as not sent).",
        )
        .pattern(Some("^(password|refresh_token)$")),
    };
    let mut b = typed(Type::Object)
        .property("grant_type", grant_type)
        .property(
            "username",
            string(&format!(
                "The username: not empty, at most {} bytes of UTF-8.",
                limits.username
            ))
            .min_length(Some(1))
            .max_length(Some(limits.username)),
        )
        .property(
            "password",
            password()
                .description(Some(format!(
                    "The password: not empty, at most {} bytes of UTF-8 (checked before any \
                     hashing).",
                    limits.password
                )))
                .min_length(Some(1))
                .max_length(Some(limits.password)),
        );
    if refresh {
        b = b.property(
            "refresh_token",
            string("The refresh token of the refresh grant: not empty.").min_length(Some(1)),
        );
    }
    b = b
        .property(
            "scope",
            string(if refresh {
                "The requested scopes: RFC 6749 scope tokens (printable ASCII but `\"` and \
                 `\\`) separated by ASCII whitespace, read as single spaces. A refresh may ask \
                 for no more than its refresh token was granted (all of it when empty)."
            } else {
                "The requested scopes: RFC 6749 scope tokens (printable ASCII but `\"` and `\\`) \
                 separated by ASCII whitespace, read as single spaces."
            })
            .pattern(Some(scope_pattern()))
            .default(Some("".into())),
        )
        .property("client_id", string("Accepted and ignored."))
        .property(
            "client_secret",
            password().description(Some("Accepted and ignored.")),
        )
        // Unknown parameters are ignored, but each is one of the form's `name=value` pairs.
        .additional_properties(Some(string("Other parameters are accepted and ignored.")))
        .max_properties(Some(limits.pairs));
    let pairs = format!(
        "At most {} `name=value` pairs in all, unknown parameters and empty values \
         included (an empty value counts as not sent).",
        limits.pairs
    );
    if !refresh {
        if grant_type_required {
            b = b.required("grant_type");
        }
        return b
            .title(Some(PASSWORD_FORM))
            .description(Some(pairs))
            .required("username")
            .required("password")
            .build()
            .into();
    }
    // Each grant's requirements: `grant_type` tells them apart, so exactly one applies.
    let mut password_grant = ObjectBuilder::new()
        .title(Some("Password grant"))
        .description(Some("RFC 6749 §4.3.2: `username` and `password`."))
        .property(
            "grant_type",
            typed(Type::String).pattern(Some("^password$")),
        );
    if grant_type_required {
        password_grant = password_grant.required("grant_type");
    }
    let refresh_grant = ObjectBuilder::new()
        .title(Some("Refresh grant"))
        .description(Some(
            "RFC 6749 §6: `grant_type=refresh_token` and `refresh_token`; `username` and \
             `password` are not read.",
        ))
        .property(
            "grant_type",
            typed(Type::String).pattern(Some("^refresh_token$")),
        )
        .required("grant_type")
        .required("refresh_token");
    AllOfBuilder::new()
        .schema_type(Type::Object)
        .title(Some(PASSWORD_FORM))
        .description(Some(format!(
            "The password grant (RFC 6749 §4.3.2) or the refresh grant (RFC 6749 §6). {pairs}"
        )))
        .item(b)
        .item(
            OneOfBuilder::new()
                .item(password_grant.required("username").required("password"))
                .item(refresh_grant),
        )
        .build()
        .into()
}

/// The token revocation form (RFC 7009 §2.1), with the form parser's limits of the service
/// (`limits`): the body size limit is the request body's (see `ApiDoc::operation`).
pub(crate) fn revocation_form(limits: &Limits) -> Schema {
    typed(Type::Object)
        .title(Some(REVOCATION_FORM))
        .property(
            "token",
            string(
                "The token to revoke, access or refresh token: not empty. It is the request's \
                 only credential.",
            )
            .min_length(Some(1)),
        )
        .property(
            "token_type_hint",
            // RFC 7009 lets a server ignore the hint; any value is accepted, so none is listed
            // as the only ones allowed.
            string(
                "Optional: the kind of `token`, `access_token` or `refresh_token` (RFC 7009 \
                 section 2.1). Not needed, since the kind of a token shows in its shape; any \
                 value is accepted and ignored.",
            ),
        )
        // Unknown parameters are ignored, but each is one of the form's `name=value` pairs.
        .additional_properties(Some(string("Other parameters are accepted and ignored.")))
        .max_properties(Some(limits.pairs))
        .description(Some(format!(
            "At most {} `name=value` pairs in all, unknown parameters and empty values \
             included (an empty value counts as not sent).",
            limits.pairs
        )))
        .required("token")
        .build()
        .into()
}

/// The ECMA-262 pattern of the `scope` values the form parser accepts: any number of scope
/// characters (the core's [`scope::is_scope_char`]) and ASCII whitespace, which the parser
/// reads as token separators.
fn scope_pattern() -> String {
    let allowed = |b: u8| scope::is_scope_char(char::from(b)) || b.is_ascii_whitespace();
    let mut class = String::new();
    let mut b = 0u8;
    while b < 0x80 {
        if !allowed(b) {
            b += 1;
            continue;
        }
        let first = b;
        while b + 1 < 0x80 && allowed(b + 1) {
            b += 1;
        }
        // A range only where it is shorter than listing its characters.
        if b - first >= 2 {
            push_class_char(&mut class, first);
            class.push('-');
            push_class_char(&mut class, b);
        } else {
            (first..=b).for_each(|c| push_class_char(&mut class, c));
        }
        b += 1;
    }
    format!("^[{class}]*$")
}

/// Appends the ASCII byte `b` to a character class, escaped where the class needs it.
fn push_class_char(class: &mut String, b: u8) {
    match b {
        b'\t' => class.push_str("\\t"),
        b'\n' => class.push_str("\\n"),
        0x0B => class.push_str("\\v"),
        0x0C => class.push_str("\\f"),
        b'\r' => class.push_str("\\r"),
        b'\\' | b']' | b'[' | b'^' | b'-' => {
            class.push('\\');
            class.push(char::from(b));
        }
        0x20..=0x7E => class.push(char::from(b)),
        _ => {
            let _ = write!(class, "\\x{b:02x}");
        }
    }
}
