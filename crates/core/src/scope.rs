//! OAuth2 scopes (RFC 6749 §3.3): syntax checks and matching, without allocation.
//!
//! A scope value is scope tokens separated by single spaces; a token is one or more of
//! `%x21 / %x23-5B / %x5D-7E` (printable ASCII except space, `"` and `\`). Matching is exact
//! and case-sensitive, and order is irrelevant.

use core::fmt;

use crate::json::JsonStr;

/// Why a scope value was refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScopeError {
    /// An empty token: a leading, trailing or doubled space.
    EmptyToken,
    /// A character outside the scope-token set.
    InvalidChar,
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EmptyToken => "empty scope token (leading, trailing or repeated space)",
            Self::InvalidChar => "character not allowed in a scope token",
        })
    }
}

impl core::error::Error for ScopeError {}

/// Whether `c` may appear in a scope token.
#[must_use]
pub const fn is_scope_char(c: char) -> bool {
    matches!(c, '\u{21}' | '\u{23}'..='\u{5B}' | '\u{5D}'..='\u{7E}')
}

/// Whether `token` is one well-formed scope token.
#[must_use]
pub fn is_scope_token(token: &str) -> bool {
    !token.is_empty() && token.chars().all(is_scope_char)
}

/// A validated scope value: zero or more tokens separated by single spaces.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Scope<'a>(&'a str);

impl<'a> Scope<'a> {
    /// Validates a scope value. The empty string is valid and grants nothing.
    ///
    /// # Errors
    /// [`ScopeError::EmptyToken`] for a leading, trailing or doubled space;
    /// [`ScopeError::InvalidChar`] for any character outside the scope-token set.
    ///
    /// # Examples
    /// ```
    /// use tessera_core::scope::{Scope, ScopeError};
    /// let s = Scope::parse("items me")?;
    /// assert!(s.grants_all(&["me", "items"]));
    /// assert!(!s.grants("ME"));
    /// assert_eq!(Scope::parse("me  items"), Err(ScopeError::EmptyToken));
    /// # Ok::<(), ScopeError>(())
    /// ```
    pub fn parse(value: &'a str) -> Result<Self, ScopeError> {
        let b = value.as_bytes();
        if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
            return Err(ScopeError::EmptyToken);
        }
        let mut prev_space = false;
        for &c in b {
            if c == b' ' {
                if prev_space {
                    return Err(ScopeError::EmptyToken);
                }
                prev_space = true;
            } else if !is_scope_char(char::from(c)) {
                return Err(ScopeError::InvalidChar);
            } else {
                prev_space = false;
            }
        }
        Ok(Self(value))
    }

    /// The tokens, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.0.split(' ').filter(|t| !t.is_empty())
    }

    /// Whether `scope` is one of the tokens.
    #[must_use]
    pub fn grants(&self, scope: &str) -> bool {
        has_token(self.0, scope)
    }

    /// Whether every scope in `required` is granted.
    #[must_use]
    pub fn grants_all(&self, required: &[&str]) -> bool {
        required.iter().all(|r| self.grants(r))
    }

    /// The value as given.
    #[must_use]
    pub const fn as_str(&self) -> &'a str {
        self.0
    }

    /// Whether no scope is granted.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Whether the validated scope value `list` (tokens separated by single spaces) has the token
/// `want`: the same answer as comparing `want` with each token, without splitting.
fn has_token(list: &str, want: &str) -> bool {
    let (list, want) = (list.as_bytes(), want.as_bytes());
    if want.is_empty() {
        // No token is empty.
        return false;
    }
    let mut rest = list;
    loop {
        if let Some(after) = rest.strip_prefix(want)
            && matches!(after.first(), None | Some(b' '))
        {
            return true;
        }
        match rest.iter().position(|&b| b == b' ') {
            Some(space) => rest = &rest[space + 1..],
            None => return false,
        }
    }
}

/// A validated `scope` claim, read from the token's JSON without copying.
///
/// Tokens may contain JSON escapes (`"\u006de"` is `me`); they are decoded while matching.
#[derive(Copy, Clone, Debug)]
pub struct ScopeClaim<'a>(JsonStr<'a>);

impl<'a> ScopeClaim<'a> {
    pub(crate) fn parse(value: JsonStr<'a>) -> Result<Self, ScopeError> {
        if let Some(plain) = value.as_plain() {
            return Scope::parse(plain).map(|_| Self(value));
        }
        for token in value.split_ascii(b' ') {
            let mut chars = token.chars().peekable();
            if chars.peek().is_none() {
                return Err(ScopeError::EmptyToken);
            }
            if !chars.all(is_scope_char) {
                return Err(ScopeError::InvalidChar);
            }
        }
        Ok(Self(value))
    }

    /// The tokens, in order, decoded.
    pub fn iter(&self) -> impl Iterator<Item = JsonStr<'a>> + 'a {
        let empty = self.0.is_empty();
        self.0.split_ascii(b' ').filter(move |_| !empty)
    }

    /// Whether `scope` is one of the tokens.
    #[must_use]
    pub fn grants(&self, scope: &str) -> bool {
        match self.0.as_plain() {
            Some(plain) => has_token(plain, scope),
            None => self.iter().any(|t| t == *scope),
        }
    }

    /// Whether every scope in `required` is granted.
    #[must_use]
    pub fn grants_all(&self, required: &[&str]) -> bool {
        required.iter().all(|r| self.grants(r))
    }

    /// The whole claim, decoded on demand.
    #[must_use]
    pub const fn as_json_str(&self) -> JsonStr<'a> {
        self.0
    }
}

/// Normalises a requested scope list (as in a `/token` form): runs of ASCII whitespace become
/// single spaces, leading and trailing whitespace is dropped. Writes into `out`.
///
/// # Errors
/// [`ScopeError::InvalidChar`] when a requested token has a character outside the scope-token
/// set. `out` must be at least as long as `requested` (the normalised form is never longer).
pub fn normalize_requested<'o>(requested: &str, out: &'o mut [u8]) -> Result<&'o str, ScopeError> {
    let mut n = 0;
    for token in requested
        .split(|c: char| c.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
    {
        if !is_scope_token(token) {
            return Err(ScopeError::InvalidChar);
        }
        let sep = usize::from(n > 0);
        let dst = out
            .get_mut(n..n + sep + token.len())
            .ok_or(ScopeError::InvalidChar)?;
        if sep == 1 {
            dst[0] = b' ';
        }
        dst[sep..].copy_from_slice(token.as_bytes());
        n += sep + token.len();
    }
    core::str::from_utf8(&out[..n]).map_err(|_| ScopeError::InvalidChar)
}

/// Writes scopes joined by single spaces: the `scope="…"` list of a challenge.
#[derive(Copy, Clone, Debug)]
pub struct Joined<'a>(pub &'a [&'a str]);

impl fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(s)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_search_agrees_with_splitting() {
        let lists = [
            "", "me", "me items", "items me", "a ab abc", "abc ab a", "m me mee",
        ];
        let wanted = [
            "", "m", "me", "mee", "e", "items", "item", "a", "ab", "abc", "b", " ",
        ];
        for list in lists {
            let scope = Scope::parse(list).unwrap();
            for want in wanted {
                let split = list.split(' ').filter(|t| !t.is_empty()).any(|t| t == want);
                assert_eq!(scope.grants(want), split, "{list:?} {want:?}");
                assert_eq!(has_token(list, want), split, "{list:?} {want:?}");
            }
        }
    }
}
