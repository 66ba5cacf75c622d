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

use core::fmt;

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
}

impl Field {
    const ALL: [Self; 6] = [
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
        }
    }

    fn from_name(n: &[u8]) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name().as_bytes() == n)
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

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `src` into `out` (`+` is a space), for [`Decoding::Strict`] after
/// [`check_component`]. Returns the decoded length.
fn decode_component(src: &[u8], out: &mut [u8]) -> Result<usize, ()> {
    let mut i = 0;
    let mut o = 0;
    while i < src.len() {
        let b = match src[i] {
            b'+' => b' ',
            b'%' => {
                let h = src.get(i + 1).copied().and_then(hex).ok_or(())?;
                let l = src.get(i + 2).copied().and_then(hex).ok_or(())?;
                i += 2;
                (h << 4) | l
            }
            b => b,
        };
        *out.get_mut(o).ok_or(())? = b;
        o += 1;
        i += 1;
    }
    Ok(o)
}

/// Appends bytes to a caller buffer; `Err` when it is full.
struct Writer<'o> {
    out: &'o mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn push(&mut self, b: u8) -> Result<(), ()> {
        *self.out.get_mut(self.len).ok_or(())? = b;
        self.len += 1;
        Ok(())
    }

    fn extend(&mut self, bytes: &[u8]) -> Result<(), ()> {
        bytes.iter().try_for_each(|&b| self.push(b))
    }
}

/// U+FFFD REPLACEMENT CHARACTER in UTF-8.
const REPLACEMENT: [u8; 3] = [0xEF, 0xBF, 0xBD];

/// Reads a byte stream as UTF-8, one byte at a time, writing valid sequences through and one
/// U+FFFD for each maximal ill-formed subsequence (Unicode's recommended substitution, which
/// is also what Python's `bytes.decode("utf-8", "replace")` does): a lead byte that cannot
/// start a sequence, or the bytes of a sequence broken off by a byte it cannot take (that
/// byte then starts afresh) or by the end.
#[derive(Default)]
struct LossyUtf8 {
    /// The sequence so far (at most three bytes are ever held).
    held: [u8; 4],
    /// How many bytes are held (0 when between characters).
    len: usize,
    /// The length of the sequence being read.
    need: usize,
    /// The range the next byte must be in.
    lo: u8,
    hi: u8,
}

impl LossyUtf8 {
    fn push(&mut self, b: u8, w: &mut Writer<'_>) -> Result<(), ()> {
        if self.len > 0 {
            if (self.lo..=self.hi).contains(&b) {
                self.held[self.len] = b;
                self.len += 1;
                (self.lo, self.hi) = (0x80, 0xBF);
                if self.len == self.need {
                    w.extend(&self.held[..self.need])?;
                    self.clear();
                }
                return Ok(());
            }
            self.clear();
            w.extend(&REPLACEMENT)?;
        }
        // The second byte's range excludes overlong forms, surrogates and values past U+10FFFF
        // (Unicode Table 3-7).
        let (need, lo, hi) = match b {
            0x00..=0x7F => return w.push(b),
            0xC2..=0xDF => (2, 0x80, 0xBF),
            0xE0 => (3, 0xA0, 0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (3, 0x80, 0xBF),
            0xED => (3, 0x80, 0x9F),
            0xF0 => (4, 0x90, 0xBF),
            0xF1..=0xF3 => (4, 0x80, 0xBF),
            0xF4 => (4, 0x80, 0x8F),
            _ => return w.extend(&REPLACEMENT),
        };
        self.held[0] = b;
        (self.len, self.need, self.lo, self.hi) = (1, need, lo, hi);
        Ok(())
    }

    /// Ends the stream: a sequence still open becomes one U+FFFD.
    fn finish(&mut self, w: &mut Writer<'_>) -> Result<(), ()> {
        if self.len > 0 {
            self.clear();
            w.extend(&REPLACEMENT)?;
        }
        Ok(())
    }

    fn clear(&mut self) {
        // The held bytes may be part of a password.
        self.held = [0; 4];
        self.len = 0;
    }
}

/// Decodes `src` into `out` as [`Decoding::Lenient`] describes; never refuses the input.
/// Returns the decoded length, or `Err` when `out` is too small. The output is valid UTF-8.
fn decode_lenient(src: &[u8], out: &mut [u8]) -> Result<usize, ()> {
    let mut w = Writer { out, len: 0 };
    let mut utf8 = LossyUtf8::default();
    let mut i = 0;
    while i < src.len() {
        let b = match src[i] {
            raw @ 0x80.. => {
                // A latin-1 character: it ends the ASCII run before it.
                utf8.finish(&mut w)?;
                w.extend(&[0xC0 | (raw >> 6), 0x80 | (raw & 0x3F)])?;
                i += 1;
                continue;
            }
            b'+' => b' ',
            b'%' => match (
                src.get(i + 1).copied().and_then(hex),
                src.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    i += 2;
                    (h << 4) | l
                }
                // Not an escape: the `%` stands for itself.
                _ => b'%',
            },
            b => b,
        };
        utf8.push(b, &mut w)?;
        i += 1;
    }
    utf8.finish(&mut w)?;
    Ok(w.len)
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
fn check_component(src: &[u8]) -> bool {
    let mut i = 0;
    while i < src.len() {
        if src[i] == b'%' {
            if src.get(i + 1).copied().and_then(hex).is_none()
                || src.get(i + 2).copied().and_then(hex).is_none()
            {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

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
    // Decoded (start, len) of each defined field's value in `buf`.
    let mut slots: [Option<(usize, usize)>; 6] = [None; 6];
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
        let field = name.ok().and_then(|n| Field::from_name(&name_buf[..n]));
        let Some(field) = field else { continue };
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
        let slot = &mut slots[field as usize];
        match opts.repeated {
            // An empty occurrence counts as omitted.
            Repeated::Reject if n == 0 => continue,
            Repeated::Reject if slot.is_some() => return Err(FormError::Repeated(field)),
            Repeated::Reject => *slot = Some((used, n)),
            // The last occurrence decides, an empty one making the field missing.
            Repeated::LastWins => *slot = (n > 0).then_some((used, n)),
        }
        used += n;
    }
    // Normalise the requested scope in place: it only ever shrinks.
    let mut scope_error = false;
    if let Some((start, n)) = slots[Field::Scope as usize] {
        match normalize_scope_in_place(&mut buf[start..start + n]) {
            Some(len) => slots[Field::Scope as usize] = Some((start, len)),
            None => scope_error = true,
        }
    }
    let buf: &'b [u8] = buf;
    let get = |f: Field| {
        slots[f as usize].map(|(s, n)| core::str::from_utf8(&buf[s..s + n]).unwrap_or_default())
    };
    let grant_type = get(Field::GrantType);
    let username = get(Field::Username);
    let password = get(Field::Password);
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
    let scope = get(Field::Scope).unwrap_or("");
    Ok(PasswordForm {
        grant_type,
        username,
        password,
        scope,
        client_id: get(Field::ClientId),
        client_secret: get(Field::ClientSecret),
    })
}

#[cfg(test)]
#[allow(clippy::std_instead_of_alloc)]
mod tests {
    use super::*;

    const CT: Option<&str> = Some("application/x-www-form-urlencoded; charset=UTF-8");
    /// The rfc style's rules.
    const RFC: FormOptions = FormOptions::DEFAULT;
    /// The fastapi style's rules.
    const FASTAPI: FormOptions = FormOptions {
        repeated: Repeated::LastWins,
        decoding: Decoding::Lenient,
        ..FormOptions::DEFAULT
    };

    fn p<'b>(
        body: &str,
        opts: FormOptions,
        buf: &'b mut [u8],
    ) -> Result<PasswordForm<'b>, FormError<'b>> {
        parse(body.as_bytes(), CT, &opts, buf)
    }

    fn lenient(src: &[u8]) -> std::string::String {
        let mut out = std::vec![0u8; 2 * src.len()];
        let n = decode_lenient(src, &mut out).expect("2 * len is enough");
        std::string::String::from_utf8(out[..n].to_vec()).expect("lenient output is UTF-8")
    }

    #[test]
    fn default_options_are_the_const() {
        assert_eq!(FormOptions::default(), FormOptions::DEFAULT);
    }

    #[test]
    fn lenient_decoding_reads_like_starlette() {
        // Expected values from Starlette (unquote_plus over latin-1); the full table with
        // FastAPI's answers is tests/data/fastapi_form.json.
        for (src, expected) in [
            (&b"a+b%2Bc"[..], "a b+c"),
            (b"%6a%6F", "jo"),
            (b"%zz", "%zz"),
            (b"abc%", "abc%"),
            (b"abc%4", "abc%4"),
            (b"%4g1", "%4g1"),
            (b"%%41", "%A"),
            (b"%2+", "%2 "),
            (b"%E9", "\u{fffd}"),
            (b"%E2%82", "\u{fffd}"),
            (b"%E2%82x", "\u{fffd}x"),
            (b"%C0%AF", "\u{fffd}\u{fffd}"),
            (b"%ED%A0%80", "\u{fffd}\u{fffd}\u{fffd}"),
            (b"%F0%80%80%80", "\u{fffd}\u{fffd}\u{fffd}\u{fffd}"),
            (b"%F4%90%80%80", "\u{fffd}\u{fffd}\u{fffd}\u{fffd}"),
            (b"%80%BFa%80", "\u{fffd}\u{fffd}a\u{fffd}"),
            (b"%F0%9F%94%91", "\u{1f511}"),
            (b"a%00b", "a\0b"),
            (b"jos\xc3\xa9", "jos\u{c3}\u{a9}"),
            (b"jos\xe9", "jos\u{e9}"),
            (b"%C3\xa9%A9", "\u{fffd}\u{a9}\u{fffd}"),
            (b"%C3\xff%A9x", "\u{fffd}\u{ff}\u{fffd}x"),
            (b"%4\xff", "%4\u{ff}"),
            (b"\xff\x80", "\u{ff}\u{80}"),
            (b"a\x7fb;c=d", "a\u{7f}b;c=d"),
            (b"", ""),
        ] {
            assert_eq!(lenient(src), expected, "{src:?}");
        }
    }

    #[test]
    fn lossy_utf8_substitutes_maximal_subparts_as_std_does() {
        // Every escaped sequence of up to four bytes drawn from the boundary values of
        // Unicode Table 3-7 decodes as `String::from_utf8_lossy` does (the same substitution
        // rule as Python's "replace" error handler).
        const EDGES: [u8; 25] = [
            0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
            0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
        ];
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut seq = std::vec::Vec::new();
        let (mut escaped, mut out) = (std::vec::Vec::new(), [0u8; 16]);
        let mut check = |bytes: &[u8]| {
            escaped.clear();
            for &b in bytes {
                escaped.extend([b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            }
            let n = decode_lenient(&escaped, &mut out).unwrap();
            assert_eq!(
                out[..n],
                *std::string::String::from_utf8_lossy(bytes).as_bytes(),
                "{bytes:02x?}"
            );
        };
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                check(&[a, b]);
            }
        }
        for &a in &EDGES {
            for &b in &EDGES {
                for &c in &EDGES {
                    for &d in &EDGES {
                        seq.clear();
                        seq.extend([a, b, c, d]);
                        check(&seq);
                        check(&seq[..3]);
                    }
                }
            }
        }
    }

    #[test]
    fn fastapi_rules_never_refuse_the_encoding() {
        let mut b = [0u8; 256];
        let f = p(
            "username=john%zz&password=%E9%&client_id=%FF",
            FASTAPI,
            &mut b,
        )
        .unwrap();
        assert_eq!(
            (f.username, f.password, f.client_id),
            ("john%zz", "\u{fffd}%", Some("\u{fffd}"))
        );
        // Names are decoded the same way; a malformed one is just an unknown name.
        let mut b = [0u8; 256];
        let f = p("%75sername=a&user%zzname=b&password=c", FASTAPI, &mut b).unwrap();
        assert_eq!(f.username, "a");
        // `;` is an ordinary byte, `&&` an empty piece, a piece without `=` an empty value.
        let mut b = [0u8; 256];
        let f = p("&&username=a;b=c&&flag&password=x=y&", FASTAPI, &mut b).unwrap();
        assert_eq!((f.username, f.password), ("a;b=c", "x=y"));
        // A `grant_type` that is not `password` is echoed decoded.
        let mut b = [0u8; 256];
        assert_eq!(
            p(
                "grant_type=pass%zz%E9&username=a&password=b",
                FASTAPI,
                &mut b
            ),
            Err(FormError::Fields {
                grant_type: Some("pass%zz\u{fffd}"),
                missing: Missing::default(),
            })
        );
    }

    #[test]
    fn fastapi_rules_let_the_last_occurrence_win_even_empty() {
        let missing_password = Err(FormError::Fields {
            grant_type: None,
            missing: Missing {
                password: true,
                ..Missing::default()
            },
        });
        for body in [
            "username=a&password=p&password=",
            "username=a&password=p&password",
            "username=a&password=p&password=&username=a",
        ] {
            let mut b = [0u8; 256];
            assert_eq!(p(body, FASTAPI, &mut b), missing_password, "{body}");
        }
        let mut b = [0u8; 256];
        let f = p("username=a&password=&password=p", FASTAPI, &mut b).unwrap();
        assert_eq!(f.password, "p");
        // An empty last `grant_type` is no `grant_type` at all.
        let mut b = [0u8; 256];
        let f = p(
            "grant_type=x&grant_type=&username=a&password=p",
            FASTAPI,
            &mut b,
        )
        .unwrap();
        assert_eq!(f.grant_type, None);
        // The rfc rules are unchanged: an empty occurrence is omitted, a second value refused.
        let mut b = [0u8; 256];
        assert_eq!(
            p("username=a&password=p&password=", RFC, &mut b)
                .unwrap()
                .password,
            "p"
        );
        let mut b = [0u8; 256];
        assert_eq!(
            p("username=a&password=p&password=q", RFC, &mut b),
            Err(FormError::Repeated(Field::Password))
        );
    }

    #[test]
    fn lenient_buffer_grows_with_raw_high_bytes() {
        let body = b"username=\xff\xff\xff\xff&password=p";
        assert_eq!(buffer_len(body, &RFC), body.len());
        assert_eq!(buffer_len(body, &FASTAPI), body.len() + 4);
        let mut small = [0u8; 27];
        assert_eq!(small.len(), body.len() + 3);
        assert_eq!(
            parse(body, CT, &FASTAPI, &mut small),
            Err(FormError::TooLarge)
        );
        let mut exact = [0u8; 28];
        let f = parse(body, CT, &FASTAPI, &mut exact).unwrap();
        assert_eq!(f.username, "\u{ff}\u{ff}\u{ff}\u{ff}");
        // The worst case, every byte raw and high, fits in twice the body.
        let mut body = std::vec::Vec::from(&b"username=a&password="[..]);
        body.resize(300, 0xE9);
        let mut buf = std::vec![0u8; 2 * body.len()];
        let f = parse(&body, CT, &FASTAPI, &mut buf).unwrap();
        assert_eq!(f.password.chars().count(), 280);
        assert!(f.password.chars().all(|c| c == '\u{e9}'));
    }

    #[test]
    fn declared_length() {
        let l = Limits::DEFAULT;
        assert_eq!(
            check_declared_length(Some("100000000000"), &l),
            Err(FormError::TooLarge)
        );
        assert_eq!(
            check_declared_length(Some("16385"), &l),
            Err(FormError::TooLarge)
        );
        assert_eq!(check_declared_length(Some("16384"), &l), Ok(()));
        assert_eq!(check_declared_length(Some("abc"), &l), Ok(()));
        assert_eq!(check_declared_length(None, &l), Ok(()));
    }

    #[test]
    fn rules() {
        let mut b = [0u8; 256];
        let f = p(
            "username=john%20doe&password=a+b%2Bc&client_id=x&extra=%41",
            RFC,
            &mut b,
        )
        .unwrap();
        assert_eq!(
            (f.username, f.password, f.client_id),
            ("john doe", "a b+c", Some("x"))
        );
        let mut b = [0u8; 256];
        assert_eq!(
            p("username=a&password=%zz", RFC, &mut b),
            Err(FormError::Malformed)
        );
        let mut b = [0u8; 256];
        assert_eq!(
            p("username=a&password=%", RFC, &mut b),
            Err(FormError::Malformed)
        );
        let mut b = [0u8; 256];
        assert_eq!(
            p("username=a&password=%FF", RFC, &mut b),
            Err(FormError::Malformed)
        );
        let mut b = [0u8; 256];
        assert_eq!(
            p("username=a&username=b&password=c", RFC, &mut b),
            Err(FormError::Repeated(Field::Username))
        );
        let mut b = [0u8; 256];
        assert_eq!(
            p("username=a&username=b&password=c", FASTAPI, &mut b)
                .unwrap()
                .username,
            "b"
        );
        let mut b = [0u8; 256];
        assert_eq!(
            p("username=&username=b&password=c", RFC, &mut b)
                .unwrap()
                .username,
            "b"
        );
        let mut b = [0u8; 256];
        assert_eq!(
            p("grant_type=client_credentials&password=c", RFC, &mut b),
            Err(FormError::Fields {
                grant_type: Some("client_credentials"),
                missing: Missing {
                    grant_type: false,
                    username: true,
                    password: false
                }
            })
        );
        let mut b = [0u8; 256];
        assert_eq!(
            parse(
                b"username=a&password=b",
                Some("application/json"),
                &FormOptions::default(),
                &mut b
            ),
            Err(FormError::Fields {
                grant_type: None,
                missing: Missing {
                    grant_type: false,
                    username: true,
                    password: true
                }
            })
        );
    }
}
