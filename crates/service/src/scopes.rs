//! Route scopes as types, so a route's requirement is part of its signature in every adapter.

/// A route's required scopes, declared as a type with [`scopes!`](crate::scopes!).
pub trait Scopes: Send + Sync + 'static {
    /// The scopes, in the order the route's challenge lists them (the route's own first, then
    /// those of what it builds on, as FastAPI orders them).
    const SCOPES: &'static [&'static str];
}

/// No scope required.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct NoScopes;

impl Scopes for NoScopes {
    const SCOPES: &'static [&'static str] = &[];
}

/// Declares marker types implementing [`Scopes`].
///
/// Each scope must be an RFC 6749 scope token; anything else fails to compile.
///
/// ```
/// tessera_service::scopes!(
///     /// `GET /users/me/`
///     pub MeScope = ["me"];
///     /// `GET /users/me/items/`: its own scope, then `me` from the user it builds on.
///     pub MyItemsScopes = ["items", "me"];
/// );
/// use tessera_service::Scopes;
/// assert_eq!(MyItemsScopes::SCOPES, ["items", "me"]);
/// ```
///
/// ```compile_fail
/// tessera_service::scopes!(pub Bad = ["two words"]);
/// ```
#[macro_export]
macro_rules! scopes {
    ($($(#[$meta:meta])* $vis:vis $name:ident = [$($scope:literal),* $(,)?]);+ $(;)?) => {$(
        $(#[$meta])*
        #[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
        $vis struct $name;

        impl $crate::Scopes for $name {
            const SCOPES: &'static [&'static str] = &[$($scope),*];
        }

        const _: () = {
            $(::core::assert!(
                $crate::is_scope_token($scope),
                ::core::concat!("not an RFC 6749 scope token: ", ::core::stringify!($scope)),
            );)*
        };
    )+};
}

/// Whether `s` is one RFC 6749 scope token (used by [`scopes!`](crate::scopes!) at compile
/// time).
#[must_use]
pub const fn is_scope_token(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if !tessera_core::scope::is_scope_char(bytes[i] as char) {
            return false;
        }
        i += 1;
    }
    true
}
