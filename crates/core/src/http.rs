//! The HTTP meaning of every outcome, in one place: status, `WWW-Authenticate`, other headers
//! and the JSON body, in both error styles. Adapters call [`Failure::answer`] (or build a
//! token [`Answer`]) and copy the result into their framework's response, so every adapter
//! answers byte-identically.
//!
//! Rendering writes through `core::fmt`, so it needs no allocator; with `alloc`,
//! [`Answer::to_response`] gives an owned [`Response`].

use core::fmt::{self, Write};

use crate::bearer::BearerError;
use crate::form::{Decoding, Field, FormError, FormOptions, Missing, Repeated};
use crate::scope::Joined;

/// How errors are told to clients.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default, Hash)]
pub enum Style {
    /// RFC 6749 §5 and RFC 6750 §3 statuses and challenges, with FastAPI's `detail` texts.
    #[default]
    Rfc,
    /// Exactly what the FastAPI tutorial apps answer, for drop-in replacement.
    FastApi,
}

impl Style {
    /// `rfc` or `fastapi`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rfc => "rfc",
            Self::FastApi => "fastapi",
        }
    }

    /// Parses `rfc` or `fastapi`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "rfc" => Some(Self::Rfc),
            "fastapi" => Some(Self::FastApi),
            _ => None,
        }
    }

    /// `opts` with this style's form-parsing rules: the rfc style refuses repeated parameters
    /// and malformed percent-encoding ([`Repeated::Reject`], [`Decoding::Strict`]); the
    /// fastapi style reads a body as FastAPI does ([`Repeated::LastWins`],
    /// [`Decoding::Lenient`]). Limits and the `grant_type` rule are kept.
    #[must_use]
    pub const fn form_options(self, opts: FormOptions) -> FormOptions {
        let (repeated, decoding) = match self {
            Self::Rfc => (Repeated::Reject, Decoding::Strict),
            Self::FastApi => (Repeated::LastWins, Decoding::Lenient),
        };
        FormOptions {
            repeated,
            decoding,
            ..opts
        }
    }
}

impl From<Style> for Repeated {
    fn from(style: Style) -> Self {
        style.form_options(FormOptions::DEFAULT).repeated
    }
}

impl From<Style> for Decoding {
    fn from(style: Style) -> Self {
        style.form_options(FormOptions::DEFAULT).decoding
    }
}

/// Everything that can go wrong on a protected route or the token endpoint.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure<'a> {
    /// No bearer credentials.
    MissingCredentials,
    /// More than one `Authorization` header (rfc style only; fastapi uses the first).
    MultipleAuthorization,
    /// The token was refused (any [`TokenError`](crate::TokenError)), or its subject is unknown.
    InvalidToken,
    /// The token lacks a scope the route requires.
    InsufficientScope,
    /// The user exists but is disabled.
    InactiveUser,
    /// The token request was refused before credentials were checked.
    Form(FormError<'a>),
    /// Wrong username or password (also unknown users). `challenge` selects the FastAPI
    /// tutorial's 401 + `WWW-Authenticate: Bearer` answer in the fastapi style (the jwt
    /// tutorial does that; the scopes tutorial answers 400).
    InvalidGrant {
        /// Answer 401 with a challenge in the fastapi style.
        challenge: bool,
    },
    /// A refresh token that is unknown, expired, revoked or already used, or whose user may no
    /// longer have tokens (rfc style only: `invalid_grant`).
    InvalidRefreshToken,
    /// A refresh asked for a scope its refresh token was not granted (`invalid_scope`).
    ScopeBeyondGrant,
    /// A required parameter of the refresh grant or of a revocation request is missing
    /// (`invalid_request`, naming it).
    MissingParameter(Field),
    /// Too many failed logins for this username: retry after the given seconds.
    Throttled(u32),
    /// More concurrent logins than the hashing bound: retry after the given seconds.
    Busy(u32),
    /// A store the answer depends on (the shared login throttle) cannot be reached: 503,
    /// retry after the given seconds. Logins fail closed on it.
    Unavailable(u32),
    /// No such route.
    NotFound,
    /// Any other refusal a server makes on its own (a request it cannot route, a status a
    /// framework produced): `{"detail":"<reason phrase>"}`, with a bare `Bearer` challenge on
    /// 401 and the form's answer on 413.
    Status(u16),
    /// The route exists, with other methods (the `Allow` value).
    MethodNotAllowed(&'static str),
}

impl From<BearerError> for Failure<'_> {
    fn from(e: BearerError) -> Self {
        match e {
            BearerError::Missing => Self::MissingCredentials,
            BearerError::Multiple => Self::MultipleAuthorization,
            BearerError::Undecodable => Self::InvalidToken,
        }
    }
}

impl<'a> From<FormError<'a>> for Failure<'a> {
    fn from(e: FormError<'a>) -> Self {
        Self::Form(e)
    }
}

/// Detail texts.
pub mod detail {
    /// Missing credentials.
    pub const NOT_AUTHENTICATED: &str = "Not authenticated";
    /// Invalid token or unknown subject.
    pub const INVALID_CREDENTIALS: &str = "Could not validate credentials";
    /// Missing scope.
    pub const NOT_ENOUGH_PERMISSIONS: &str = "Not enough permissions";
    /// Disabled user.
    pub const INACTIVE_USER: &str = "Inactive user";
    /// Bad username or password.
    pub const INCORRECT_LOGIN: &str = "Incorrect username or password";
    /// Several `Authorization` headers.
    pub const MULTIPLE_AUTHORIZATION: &str = "Multiple Authorization headers";
    /// Login throttling.
    pub const THROTTLED: &str = "Too many failed login attempts; try again later";
    /// Hashing bound reached.
    pub const BUSY: &str = "Too many concurrent logins; try again later";
    /// Body over the limit.
    pub const TOO_LARGE: &str = "Request body too large";
    /// No route.
    pub const NOT_FOUND: &str = "Not Found";
    /// Wrong method.
    pub const METHOD_NOT_ALLOWED: &str = "Method Not Allowed";
}

/// The reason phrase of a status code (RFC 9110 §15), or `"Error"` for codes it does not name.
#[must_use]
pub const fn reason_phrase(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// A `WWW-Authenticate` value.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Challenge<'a> {
    error: Option<&'static str>,
    scopes: &'a [&'a str],
}

impl<'a> Challenge<'a> {
    /// `Bearer`, optionally with `error="…"` and `scope="…"` (omitted when `scopes` is empty).
    #[must_use]
    pub const fn bearer(error: Option<&'static str>, scopes: &'a [&'a str]) -> Self {
        Self { error, scopes }
    }
}

impl fmt::Display for Challenge<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bearer")?;
        let mut sep = " ";
        if let Some(e) = self.error {
            write!(f, "{sep}error=\"{e}\"")?;
            sep = ", ";
        }
        if !self.scopes.is_empty() {
            write!(f, "{sep}scope=\"{}\"", Joined(self.scopes))?;
        }
        Ok(())
    }
}

/// The JSON body of an [`Answer`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Body<'a> {
    Empty,
    Detail(&'static str),
    OAuth {
        error: &'static str,
        description: Description,
    },
    Validation {
        grant_type: Option<&'a str>,
        missing: Missing,
    },
    Token {
        access_token: &'a str,
        expires_in: Option<u64>,
        refresh_token: Option<&'a str>,
        scope: &'a str,
    },
}

/// An `error_description` (RFC 6749 §5.2 characters only; never an echo of the input).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Description {
    Static(&'static str),
    Missing(Missing),
    MissingField(Field),
    PasswordTooLong,
}

impl fmt::Display for Description {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Static(s) => f.write_str(s),
            Self::PasswordTooLong => f.write_str("The password is too long"),
            Self::MissingField(field) => {
                write!(f, "Missing required parameter: {}", field.name())
            }
            Self::Missing(m) => {
                let names = [
                    (m.grant_type, "grant_type"),
                    (m.username, "username"),
                    (m.password, "password"),
                ];
                let count = names.iter().filter(|(on, _)| *on).count();
                f.write_str(if count > 1 {
                    "Missing required parameters: "
                } else {
                    "Missing required parameter: "
                })?;
                let mut first = true;
                for (_, name) in names.iter().filter(|(on, _)| *on) {
                    if !first {
                        f.write_str(", ")?;
                    }
                    f.write_str(name)?;
                    first = false;
                }
                Ok(())
            }
        }
    }
}

/// Writes `s` as a JSON string literal, escaped as Python's `json.dumps(ensure_ascii=False)`
/// escapes (which FastAPI's answers use): `"` and `\`, the short escapes `\b \f \n \r \t`,
/// other characters below U+0020 as `\u00xx` in lower-case hex, everything else (U+007F
/// included) as it is.
pub(crate) struct JsonString<'a>(pub &'a str);

impl fmt::Display for JsonString<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\u{8}' => f.write_str("\\b")?,
                '\u{c}' => f.write_str("\\f")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if u32::from(c) < 0x20 => write!(f, "\\u{:04x}", u32::from(c))?,
                c => f.write_char(c)?,
            }
        }
        f.write_char('"')
    }
}

impl fmt::Display for Body<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Empty => Ok(()),
            Self::Detail(d) => write!(f, "{{\"detail\":{}}}", JsonString(d)),
            Self::OAuth { error, description } => {
                write!(
                    f,
                    "{{\"error\":\"{error}\",\"error_description\":\"{description}\",\"detail\":\"{description}\"}}"
                )
            }
            Self::Validation {
                grant_type,
                missing,
            } => {
                f.write_str("{\"detail\":[")?;
                let mut first = true;
                let mut sep = |f: &mut fmt::Formatter<'_>| {
                    let r = if first { Ok(()) } else { f.write_char(',') };
                    first = false;
                    r
                };
                if let Some(g) = grant_type {
                    sep(f)?;
                    write!(
                        f,
                        "{{\"type\":\"string_pattern_mismatch\",\"loc\":[\"body\",\"grant_type\"],\"msg\":\"String should match pattern '^password$'\",\"input\":{},\"ctx\":{{\"pattern\":\"^password$\"}}}}",
                        JsonString(g)
                    )?;
                }
                for (on, name) in [
                    (missing.grant_type, "grant_type"),
                    (missing.username, "username"),
                    (missing.password, "password"),
                ] {
                    if on {
                        sep(f)?;
                        write!(
                            f,
                            "{{\"type\":\"missing\",\"loc\":[\"body\",\"{name}\"],\"msg\":\"Field required\",\"input\":null}}"
                        )?;
                    }
                }
                f.write_str("]}")
            }
            Self::Token {
                access_token,
                expires_in,
                refresh_token,
                scope,
            } => {
                write!(
                    f,
                    "{{\"access_token\":{},\"token_type\":\"bearer\"",
                    JsonString(access_token)
                )?;
                if let Some(e) = expires_in {
                    write!(f, ",\"expires_in\":{e}")?;
                    if let Some(r) = refresh_token {
                        write!(f, ",\"refresh_token\":{}", JsonString(r))?;
                    }
                    if !scope.is_empty() {
                        write!(f, ",\"scope\":{}", JsonString(scope))?;
                    }
                }
                f.write_char('}')
            }
        }
    }
}

/// A complete HTTP answer: status, headers, JSON body.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Answer<'a> {
    status: u16,
    challenge: Option<Challenge<'a>>,
    retry_after: Option<u32>,
    allow: Option<&'static str>,
    no_store: bool,
    location: Option<&'a str>,
    body: Body<'a>,
}

/// The display form of an answer's body.
#[derive(Copy, Clone, Debug)]
pub struct BodyText<'a>(Body<'a>);

impl fmt::Display for BodyText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'a> Answer<'a> {
    const fn new(status: u16, body: Body<'a>) -> Self {
        Self {
            status,
            challenge: None,
            retry_after: None,
            allow: None,
            no_store: false,
            location: None,
            body,
        }
    }

    const fn with_challenge(mut self, c: Challenge<'a>) -> Self {
        self.challenge = Some(c);
        self
    }

    /// A successful token response (RFC 6749 §5.1), with `Cache-Control: no-store` and
    /// `Pragma: no-cache`. The rfc style adds `expires_in`, and `scope` when it is not empty;
    /// the fastapi style has `access_token` and `token_type` only.
    #[must_use]
    pub const fn token(
        style: Style,
        access_token: &'a str,
        expires_in: u64,
        scope: &'a str,
    ) -> Self {
        let expires_in = match style {
            Style::Rfc => Some(expires_in),
            Style::FastApi => None,
        };
        let mut a = Self::new(
            200,
            Body::Token {
                access_token,
                expires_in,
                refresh_token: None,
                scope,
            },
        );
        a.no_store = true;
        a
    }

    /// This token answer with a refresh token (rfc style only: the fastapi style's body stays
    /// FastAPI's, and this changes nothing there).
    #[must_use]
    pub const fn with_refresh_token(mut self, token: &'a str) -> Self {
        if let Body::Token {
            refresh_token,
            expires_in: Some(_),
            ..
        } = &mut self.body
        {
            *refresh_token = Some(token);
        }
        self
    }

    /// `200 OK` with an empty body: the answer to a revocation request, whether or not the
    /// token was valid (RFC 7009 §2.2).
    #[must_use]
    pub const fn empty_ok() -> Self {
        let mut a = Self::new(200, Body::Empty);
        a.no_store = true;
        a
    }

    /// `307 Temporary Redirect` to `location` with an empty body, as Starlette answers a path
    /// missing its trailing slash.
    #[must_use]
    pub const fn redirect(location: &'a str) -> Self {
        let mut a = Self::new(307, Body::Empty);
        a.location = Some(location);
        a
    }

    /// The status code.
    #[must_use]
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// The `WWW-Authenticate` value, if any.
    #[must_use]
    pub const fn challenge(&self) -> Option<Challenge<'a>> {
        self.challenge
    }

    /// The JSON body (empty for redirects).
    #[must_use]
    pub const fn body(&self) -> BodyText<'a> {
        BodyText(self.body)
    }

    /// Calls `f` with each header name and value, in a fixed order: `WWW-Authenticate`,
    /// `Retry-After`, `Allow`, `Location`, `Cache-Control`, `Pragma`, `Content-Type`.
    ///
    /// # Errors
    /// Whatever `f` returns.
    pub fn headers<E>(
        &self,
        mut f: impl FnMut(&'static str, &dyn fmt::Display) -> Result<(), E>,
    ) -> Result<(), E> {
        if let Some(c) = &self.challenge {
            f("www-authenticate", c)?;
        }
        if let Some(r) = &self.retry_after {
            f("retry-after", r)?;
        }
        if let Some(a) = &self.allow {
            f("allow", a)?;
        }
        if let Some(l) = &self.location {
            f("location", l)?;
        }
        if self.no_store {
            f("cache-control", &"no-store")?;
            f("pragma", &"no-cache")?;
        }
        if self.body != Body::Empty {
            f("content-type", &"application/json")?;
        }
        Ok(())
    }

    /// An owned copy, for adapters.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn to_response(&self) -> Response {
        use alloc::string::ToString;
        let mut headers = alloc::vec::Vec::new();
        let _ = self.headers(|name, value| {
            headers.push((name, value.to_string()));
            Ok::<(), ()>(())
        });
        Response {
            status: self.status,
            headers,
            body: self.body().to_string(),
        }
    }
}

/// An owned HTTP answer. Its `Debug` output leaves the body out: a token response carries an
/// access token.
#[cfg(feature = "alloc")]
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header names (lower case) and values, in a fixed order.
    pub headers: alloc::vec::Vec<(&'static str, alloc::string::String)>,
    /// The body.
    pub body: alloc::string::String,
}

#[cfg(feature = "alloc")]
impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "alloc")]
impl Response {
    /// The value of header `name`, if present.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl<'a> Failure<'a> {
    /// The answer to this failure in `style`. `scopes` are the scopes the route requires, in
    /// the order its challenge lists them (its own first, then those of what it builds on).
    ///
    /// # Examples
    /// ```
    /// use tessera_core::http::{Failure, Style};
    /// let a = Failure::InsufficientScope.answer(Style::Rfc, &["items", "me"]);
    /// assert_eq!(a.status(), 403);
    /// assert_eq!(a.challenge().unwrap().to_string(), r#"Bearer error="insufficient_scope", scope="items me""#);
    /// assert_eq!(a.body().to_string(), r#"{"detail":"Not enough permissions"}"#);
    /// let f = Failure::InsufficientScope.answer(Style::FastApi, &["items", "me"]);
    /// assert_eq!((f.status(), f.challenge().unwrap().to_string()), (401, r#"Bearer scope="items me""#.to_string()));
    /// ```
    #[must_use]
    pub fn answer(self, style: Style, scopes: &'a [&'a str]) -> Answer<'a> {
        use detail::*;
        let rfc = style == Style::Rfc;
        let oauth =
            |status, error, description| Answer::new(status, Body::OAuth { error, description });
        let invalid_request = |d: Description| oauth(400, "invalid_request", d);
        match self {
            Self::MissingCredentials => Answer::new(401, Body::Detail(NOT_AUTHENTICATED))
                .with_challenge(Challenge::bearer(None, &[])),
            Self::MultipleAuthorization => Answer::new(400, Body::Detail(MULTIPLE_AUTHORIZATION))
                .with_challenge(Challenge::bearer(Some("invalid_request"), &[])),
            Self::InvalidToken => Answer::new(401, Body::Detail(INVALID_CREDENTIALS))
                .with_challenge(Challenge::bearer(rfc.then_some("invalid_token"), scopes)),
            Self::InsufficientScope => {
                let status = if rfc { 403 } else { 401 };
                Answer::new(status, Body::Detail(NOT_ENOUGH_PERMISSIONS)).with_challenge(
                    Challenge::bearer(rfc.then_some("insufficient_scope"), scopes),
                )
            }
            Self::InactiveUser => Answer::new(400, Body::Detail(INACTIVE_USER)),
            Self::InvalidGrant { challenge } => {
                if rfc {
                    oauth(400, "invalid_grant", Description::Static(INCORRECT_LOGIN))
                } else if challenge {
                    Answer::new(401, Body::Detail(INCORRECT_LOGIN))
                        .with_challenge(Challenge::bearer(None, &[]))
                } else {
                    Answer::new(400, Body::Detail(INCORRECT_LOGIN))
                }
            }
            Self::InvalidRefreshToken => oauth(
                400,
                "invalid_grant",
                Description::Static("The refresh token is invalid, expired or revoked"),
            ),
            Self::ScopeBeyondGrant => oauth(
                400,
                "invalid_scope",
                Description::Static("The requested scope exceeds the scope granted"),
            ),
            Self::MissingParameter(field) => invalid_request(Description::MissingField(field)),
            Self::Throttled(secs) | Self::Busy(secs) => {
                let d = if matches!(self, Self::Throttled(_)) {
                    THROTTLED
                } else {
                    BUSY
                };
                let mut a = Answer::new(429, Body::Detail(d));
                a.retry_after = Some(secs.max(1));
                a
            }
            Self::Unavailable(secs) => {
                let mut a = Answer::new(503, Body::Detail(reason_phrase(503)));
                a.retry_after = Some(secs.max(1));
                a
            }
            Self::NotFound => Answer::new(404, Body::Detail(NOT_FOUND)),
            Self::Status(413) => Self::Form(FormError::TooLarge).answer(style, scopes),
            Self::Status(401) => Answer::new(401, Body::Detail(reason_phrase(401)))
                .with_challenge(Challenge::bearer(None, &[])),
            Self::Status(code) => Answer::new(code, Body::Detail(reason_phrase(code))),
            Self::MethodNotAllowed(allow) => {
                let mut a = Answer::new(405, Body::Detail(METHOD_NOT_ALLOWED));
                a.allow = Some(allow);
                a
            }
            Self::Form(e) => match e {
                FormError::TooLarge => Answer::new(413, Body::Detail(TOO_LARGE)),
                FormError::Malformed => invalid_request(Description::Static("Malformed form body")),
                FormError::TooManyPairs => {
                    invalid_request(Description::Static("Too many form parameters"))
                }
                FormError::Repeated(_) => {
                    invalid_request(Description::Static("A parameter was repeated"))
                }
                FormError::UsernameTooLong => {
                    invalid_request(Description::Static("The username is too long"))
                }
                FormError::PasswordTooLong => invalid_request(Description::PasswordTooLong),
                FormError::InvalidScope => {
                    oauth(400, "invalid_scope", Description::Static("Malformed scope"))
                }
                FormError::Fields {
                    grant_type,
                    missing,
                } => {
                    if !rfc {
                        Answer::new(
                            422,
                            Body::Validation {
                                grant_type,
                                missing,
                            },
                        )
                    } else if grant_type.is_some() {
                        oauth(
                            400,
                            "unsupported_grant_type",
                            Description::Static(
                                "Only the password and refresh_token grants are supported",
                            ),
                        )
                    } else {
                        invalid_request(Description::Missing(missing))
                    }
                }
            },
        }
    }
}
