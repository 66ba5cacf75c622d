//! The OAuth2 password request form (RFC 6749 §4.3.2; FastAPI's `OAuth2PasswordRequestForm`
//! and its Strict variant), parsed from `application/x-www-form-urlencoded` bytes into a
//! caller buffer, with no allocation.
//!
//! Rules: the body is split at `&` (empty pieces are skipped, `;` is an ordinary byte), each
//! piece at its first `=` (a piece without one is a name with an empty value); percent-escapes
//! are decoded and `+` is a space; an empty value counts as missing; unknown fields are
//! ignored; sizes are bounded (see [`Limits`]).
//!
//! Two policies, chosen in [`FormOptions`] (each answer style maps to one of each, see
//! [`Style::form_options`](crate::http::Style::form_options)):
//! - [`Decoding`]: [`Strict`](Decoding::Strict) refuses a malformed escape (`%zz`, a lone `%`)
//!   anywhere and a defined field that is not UTF-8 after decoding;
//!   [`Lenient`](Decoding::Lenient) decodes every body the way Starlette reads a urlencoded
//!   form, so nothing is refused for its encoding.
//! - [`Repeated`]: the six defined parameters may appear once each with a value
//!   ([`Reject`](Repeated::Reject), RFC 6749 §3.2), or the last occurrence wins, even an empty
//!   one ([`LastWins`](Repeated::LastWins), as FastAPI reads Starlette's form data).

mod decode;
#[cfg(test)]
#[allow(clippy::std_instead_of_alloc)]
mod tests;

use core::fmt;

use self::decode::{check_component, decode_component, decode_lenient};
use crate::scope;

/// Bounds on a token request.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest body, in bytes (default 16 KiB); larger bodies get 413.
    pub body: usize,
    /// Most `name=value` pairs (default 32).
    pub pairs: usize,
    /// Longest username, in bytes after decoding (default 256).
    pub username: usize,
    /// Longest password, in bytes after decoding (default 1024); checked before any hashing.
    pub password: usize,
}

impl Limits {
    /// 16 KiB body, 32 pairs, 256-byte username, 1024-byte password.
    pub const DEFAULT: Self = Self {
        body: 16 * 1024,
        pairs: 32,
        username: 256,
        password: 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Whether `grant_type` must be present.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum GrantType {
    /// Optional, but if present and non-empty it must be `password` (FastAPI's default form).
    #[default]
    Optional,
    /// Required and exactly `password` (RFC 6749 §4.3.2, FastAPI's Strict form).
    Required,
}

/// What to do when a defined parameter is sent more than once.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Repeated {
    /// A defined parameter sent twice with a value is [`FormError::Repeated`] (RFC 6749 §3.2);
    /// an occurrence with an empty value counts as omitted, so it neither repeats nor clears.
    #[default]
    Reject,
    /// The last occurrence wins, even when its value is empty: then the field counts as not
    /// sent (`password=p&password=` has no password). This is how FastAPI reads a form:
    /// Starlette keeps every pair, FastAPI takes the last value of each name, and an empty
    /// string is a missing field.
    LastWins,
}

/// How names and values are percent-decoded.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Decoding {
    /// A malformed escape (`%` not followed by two hex digits) anywhere in the body is
    /// [`FormError::Malformed`], and so is a defined field whose decoded value is not UTF-8.
    #[default]
    Strict,
    /// Nothing is refused for its encoding, exactly as Starlette decodes a urlencoded form
    /// (each name and value read as latin-1, then `unquote_plus`): `+` is a space; a malformed
    /// escape stays as it is (`%zz`, `%`, `%4`); each run of ASCII bytes is percent-decoded
    /// and then read as UTF-8, every ill-formed sequence becoming one U+FFFD (`%E9` is
    /// `\u{fffd}`, `%C0%AF` two of them); a raw byte of 0x80 or more is the latin-1 character
    /// of that value (a raw UTF-8 `é`, bytes C3 A9, reads as `Ã©`) and ends the run before it.
    /// Decoded values can then be longer than the body: see [`buffer_len`].
    Lenient,
}

/// How to parse a token request.
///
/// The default is the rfc style's parse: [`Repeated::Reject`] and [`Decoding::Strict`].
/// [`Style::form_options`](crate::http::Style::form_options) sets both for a style.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct FormOptions {
    /// Size bounds.
    pub limits: Limits,
    /// Lenient or strict `grant_type`.
    pub grant_type: GrantType,
    /// Repeated defined parameters: refused, or the last one wins.
    pub repeated: Repeated,
    /// Malformed percent-encoding: refused, or read as Starlette reads it.
    pub decoding: Decoding,
}

impl FormOptions {
    /// Default limits, optional `grant_type`, [`Repeated::Reject`], [`Decoding::Strict`].
    pub const DEFAULT: Self = Self {
        limits: Limits::DEFAULT,
        grant_type: GrantType::Optional,
        repeated: Repeated::Reject,
        decoding: Decoding::Strict,
    };
}

/// The defined parameters of the password grant form.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// `grant_type`
    GrantType,
    /// `username`
    Username,
    /// `password`
    Password,
    /// `scope`
    Scope,
    /// `client_id`
    ClientId,
    /// `client_secret`
    ClientSecret,
    /// `refresh_token` (the refresh grant, RFC 6749 §6)
    RefreshToken,
    /// `token` (revocation, RFC 7009 §2.1)
    Token,
    /// `token_type_hint` (revocation, RFC 7009 §2.1)
    TokenTypeHint,
}

impl Field {
    /// The parameters of the password grant form.
    const PASSWORD: [Self; 6] = [
        Self::GrantType,
        Self::Username,
        Self::Password,
        Self::Scope,
        Self::ClientId,
        Self::ClientSecret,
    ];

    /// The parameter name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::GrantType => "grant_type",
            Self::Username => "username",
            Self::Password => "password",
            Self::Scope => "scope",
            Self::ClientId => "client_id",
            Self::ClientSecret => "client_secret",
            Self::RefreshToken => "refresh_token",
            Self::Token => "token",
            Self::TokenTypeHint => "token_type_hint",
        }
    }
}

/// A parsed password grant request. Strings borrow the caller's buffer, which holds the
/// password: zeroize it after use.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PasswordForm<'b> {
    /// `grant_type`, if sent (always `password` when present).
    pub grant_type: Option<&'b str>,
    /// `username`, non-empty.
    pub username: &'b str,
    /// `password`, non-empty, exactly as sent (no trimming, no case change).
    pub password: &'b str,
    /// The requested scopes, normalised: single spaces, request order; empty when none.
    pub scope: &'b str,
    /// `client_id`, if sent (unused by the password grant here).
    pub client_id: Option<&'b str>,
    /// `client_secret`, if sent (unused here).
    pub client_secret: Option<&'b str>,
}

impl fmt::Debug for PasswordForm<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordForm")
            .field("grant_type", &self.grant_type)
            .field("username", &self.username)
            .field("password", &"_")
            .field("scope", &self.scope)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.map(|_| "_"))
            .finish()
    }
}

/// Which required fields are missing (sent empty counts as missing).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Missing {
    /// `grant_type` (strict form only).
    pub grant_type: bool,
    /// `username`.
    pub username: bool,
    /// `password`.
    pub password: bool,
}

impl Missing {
    /// Whether anything is missing.
    #[must_use]
    pub const fn any(&self) -> bool {
        self.grant_type || self.username || self.password
    }
}

/// Why a token request was refused before any credential check. Each has one answer per
/// [`Style`](crate::http::Style) in [`crate::http`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormError<'b> {
    /// The body is larger than [`Limits::body`]: 413.
    TooLarge,
    /// Bad percent-encoding, or a defined field that is not UTF-8 after decoding (under
    /// [`Decoding::Strict`] only).
    Malformed,
    /// More than [`Limits::pairs`] parameters.
    TooManyPairs,
    /// A defined parameter sent twice with a value, under [`Repeated::Reject`].
    Repeated(Field),
    /// Field errors: a `grant_type` other than `password` (its decoded value), missing fields
    /// (sent empty, or last sent empty under [`Repeated::LastWins`], counts as missing).
    /// In the rfc style only the first is told; the fastapi style lists them all (422).
    Fields {
        /// The offending `grant_type` value, if it is not `password`.
        grant_type: Option<&'b str>,
        /// Missing required fields.
        missing: Missing,
    },
    /// The username is longer than [`Limits::username`].
    UsernameTooLong,
    /// The password is longer than [`Limits::password`].
    PasswordTooLong,
    /// A requested scope has characters outside the RFC 6749 scope-token set.
    InvalidScope,
}

impl fmt::Display for FormError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooLarge => "request body too large",
            Self::Malformed => "malformed form body",
            Self::TooManyPairs => "too many form parameters",
            Self::Repeated(_) => "repeated form parameter",
            Self::Fields {
                grant_type: Some(_),
                ..
            } => "unsupported grant_type",
            Self::Fields { .. } => "missing required form field",
            Self::UsernameTooLong => "username too long",
            Self::PasswordTooLong => "password too long",
            Self::InvalidScope => "invalid scope",
        })
    }
}

impl core::error::Error for FormError<'_> {}

/// The decision on a request's declared `Content-Length`, before any body byte is read: more
/// than [`Limits::body`] is [`FormError::TooLarge`] at once, so a client cannot hold a
/// connection open by announcing a huge body. A missing or unparsable value decides nothing
/// (the body is then read with the cap).
///
/// # Errors
/// [`FormError::TooLarge`].
pub fn check_declared_length(
    content_length: Option<&str>,
    limits: &Limits,
) -> Result<(), FormError<'static>> {
    let declared = content_length.and_then(|v| v.trim_matches([' ', '\t']).parse::<u64>().ok());
    match declared {
        Some(n) if n > u64::try_from(limits.body).unwrap_or(u64::MAX) => Err(FormError::TooLarge),
        _ => Ok(()),
    }
}

/// Whether a `Content-Type` value is `application/x-www-form-urlencoded` (parameters such as
/// `charset` allowed).
#[must_use]
pub fn is_form_content_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim_matches([' ', '\t']);
    essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

/// The smallest `buf` that [`parse`] accepts for `body` under `opts`: the body's length, plus
/// under [`Decoding::Lenient`] one byte for each body byte of 0x80 or more (such a byte
/// decodes to a two-byte character; everything else decodes to at most its own length).
/// `2 * body.len()` is always enough.
#[must_use]
pub fn buffer_len(body: &[u8], opts: &FormOptions) -> usize {
    match opts.decoding {
        Decoding::Strict => body.len(),
        Decoding::Lenient => body.len() + body.iter().filter(|&&b| b >= 0x80).count(),
    }
}

/// Checks percent-escape syntax without decoding.
/// Collapses ASCII whitespace runs to single spaces and trims, in place; checks every token is
/// a scope token. Returns the new length.
fn normalize_scope_in_place(bytes: &mut [u8]) -> Option<usize> {
    let mut o = 0;
    let mut pending_space = false;
    for i in 0..bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            pending_space = o > 0;
            continue;
        }
        if !scope::is_scope_char(char::from(b)) || !b.is_ascii() {
            return None;
        }
        if pending_space {
            bytes[o] = b' ';
            o += 1;
            pending_space = false;
        }
        bytes[o] = b;
        o += 1;
    }
    Some(o)
}

/// Parses a token request body.
///
/// `content_type` is the request's `Content-Type`; anything but a urlencoded form is read as
/// a form with no fields (so the answer names the missing fields). `buf` receives the decoded
/// values and must be at least [`buffer_len`] bytes: `body.len()` under [`Decoding::Strict`].
/// No allocation is made in either decoding.
///
/// Checks, in order: body size, form syntax (escapes, pair count, repeats), `grant_type`,
/// `username` (missing, too long), `password` (missing, too long), `scope`.
///
/// # Errors
/// The first failed check, as a [`FormError`].
///
/// # Examples
/// ```
/// use tessera_core::form::{parse, FormOptions};
/// let mut buf = [0u8; 128];
/// let form = parse(b"grant_type=password&username=johndoe&password=p%40ss+w&scope=me++items",
///     Some("application/x-www-form-urlencoded"), &FormOptions::default(), &mut buf);
/// let form = form.expect("a valid form");
/// assert_eq!((form.username, form.password, form.scope), ("johndoe", "p@ss w", "me items"));
/// ```
pub fn parse<'b>(
    body: &[u8],
    content_type: Option<&str>,
    opts: &FormOptions,
    buf: &'b mut [u8],
) -> Result<PasswordForm<'b>, FormError<'b>> {
    let limits = &opts.limits;
    let params = parse_params(body, content_type, opts, Field::PASSWORD, buf)?;
    let [
        grant_type,
        username,
        password,
        scope,
        client_id,
        client_secret,
    ] = params.values;
    let scope_error = params.scope_malformed;
    let bad_grant = grant_type.filter(|g| *g != "password");
    let missing = Missing {
        grant_type: opts.grant_type == GrantType::Required && grant_type.is_none(),
        username: username.is_none(),
        password: password.is_none(),
    };
    if bad_grant.is_some() || missing.any() {
        return Err(FormError::Fields {
            grant_type: bad_grant,
            missing,
        });
    }
    let (Some(username), Some(password)) = (username, password) else {
        return Err(FormError::Fields {
            grant_type: None,
            missing,
        });
    };
    if username.len() > limits.username {
        return Err(FormError::UsernameTooLong);
    }
    if password.len() > limits.password {
        return Err(FormError::PasswordTooLong);
    }
    if scope_error {
        return Err(FormError::InvalidScope);
    }
    Ok(PasswordForm {
        grant_type,
        username,
        password,
        scope: scope.unwrap_or(""),
        client_id,
        client_secret,
    })
}

/// The values of the parameters `fields` of a form body, in their order, read as [`parse`]
/// reads the password grant: the body size, form syntax, repeats and decoding rules of `opts`
/// apply, other parameters are ignored, a value sent empty is `None`, and a [`Field::Scope`]
/// among `fields` is normalised (single spaces) in place.
#[derive(Copy, Clone, PartialEq, Eq)]
pub struct Params<'b, const N: usize> {
    /// The decoded value of each of `fields`, `None` when absent or empty.
    pub values: [Option<&'b str>; N],
    /// Whether a `scope` was sent with characters outside the RFC 6749 scope-token set (its
    /// value is then `None`).
    pub scope_malformed: bool,
}

impl<const N: usize> fmt::Debug for Params<'_, N> {
    /// Values are left out: they may be credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Params")
            .field("present", &self.values.map(|v| v.is_some()))
            .field("scope_malformed", &self.scope_malformed)
            .finish()
    }
}

/// Reads the parameters `fields` of a form body (see [`Params`]): the password grant's form
/// ([`parse`]), the refresh grant's and the revocation request's.
///
/// # Errors
/// [`FormError::TooLarge`], [`FormError::Malformed`], [`FormError::TooManyPairs`],
/// [`FormError::Repeated`].
pub fn parse_params<'b, const N: usize>(
    body: &[u8],
    content_type: Option<&str>,
    opts: &FormOptions,
    fields: [Field; N],
    buf: &'b mut [u8],
) -> Result<Params<'b, N>, FormError<'static>> {
    let limits = &opts.limits;
    if body.len() > limits.body {
        return Err(FormError::TooLarge);
    }
    let body = if content_type.is_some_and(is_form_content_type) {
        body
    } else {
        &[][..]
    };
    if buf.len() < buffer_len(body, opts) {
        // A caller bug, not the client's; refuse rather than truncate.
        return Err(FormError::TooLarge);
    }
    let strict = opts.decoding == Decoding::Strict;
    // Decoded (start, len) of each field's value in `buf`.
    let mut slots: [Option<(usize, usize)>; N] = [None; N];
    let mut used = 0;
    let mut pairs = 0;
    for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        pairs += 1;
        if pairs > limits.pairs {
            return Err(FormError::TooManyPairs);
        }
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        if strict && (!check_component(name) || !check_component(value)) {
            return Err(FormError::Malformed);
        }
        let mut name_buf = [0u8; 16];
        let name = if strict {
            decode_component(name, &mut name_buf)
        } else {
            decode_lenient(name, &mut name_buf)
        };
        // A name too long for `name_buf` is longer than any defined one.
        let index = name.ok().and_then(|n| {
            fields
                .iter()
                .position(|f| f.name().as_bytes() == &name_buf[..n])
        });
        let Some(index) = index else { continue };
        let out = &mut buf[used..];
        let n = if strict {
            let n = decode_component(value, out).map_err(|()| FormError::Malformed)?;
            if core::str::from_utf8(&out[..n]).is_err() {
                return Err(FormError::Malformed);
            }
            n
        } else {
            // `buf` was checked against `buffer_len`, so this cannot run out of room.
            decode_lenient(value, out).map_err(|()| FormError::TooLarge)?
        };
        let slot = &mut slots[index];
        match opts.repeated {
            // An empty occurrence counts as omitted.
            Repeated::Reject if n == 0 => continue,
            Repeated::Reject if slot.is_some() => return Err(FormError::Repeated(fields[index])),
            Repeated::Reject => *slot = Some((used, n)),
            // The last occurrence decides, an empty one making the field missing.
            Repeated::LastWins => *slot = (n > 0).then_some((used, n)),
        }
        used += n;
    }
    // Normalise a requested scope in place: it only ever shrinks.
    let mut scope_malformed = false;
    if let Some(i) = fields.iter().position(|f| *f == Field::Scope)
        && let Some((start, n)) = slots[i]
    {
        match normalize_scope_in_place(&mut buf[start..start + n]) {
            Some(len) => slots[i] = Some((start, len)),
            None => {
                scope_malformed = true;
                slots[i] = None;
            }
        }
    }
    let buf: &'b [u8] = buf;
    let values = slots
        .map(|slot| slot.map(|(s, n)| core::str::from_utf8(&buf[s..s + n]).unwrap_or_default()));
    Ok(Params {
        values,
        scope_malformed,
    })
}
