//! The user a protected route admitted, and the adapters' extractor types that carry one.

use std::fmt;
use std::ops::Deref;

use tessera_core::jwt::OwnedClaims;

/// A user who passed a route's checks, with the verified claims of the token that named them.
pub struct Principal<U> {
    /// The user, as the store gave it.
    pub user: U,
    /// The verified claims of the token.
    pub claims: OwnedClaims,
}

impl<U> Deref for Principal<U> {
    type Target = U;

    fn deref(&self) -> &U {
        &self.user
    }
}

impl<U> fmt::Debug for Principal<U> {
    /// The subject only: the user type need not be `Debug`, and claims are the token's.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("sub", &self.claims.sub)
            .finish_non_exhaustive()
    }
}

/// Declares an adapter's user extractor type: `Name<S, Sc = NoScopes>` holding a
/// [`Principal`] of the store `S`'s user, for a route requiring the scopes `Sc`. It
/// dereferences to the principal (and through it to the user). The adapter implements its
/// framework's extraction trait on it; it builds one as `Name(principal, PhantomData)`.
#[macro_export]
macro_rules! principal_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        pub struct $name<S: $crate::UserStore, Sc: $crate::Scopes = $crate::NoScopes>(
            pub $crate::Principal<S::User>,
            ::core::marker::PhantomData<fn() -> Sc>,
        );

        impl<S: $crate::UserStore, Sc: $crate::Scopes> ::core::ops::Deref for $name<S, Sc> {
            type Target = $crate::Principal<S::User>;

            fn deref(&self) -> &$crate::Principal<S::User> {
                &self.0
            }
        }

        impl<S: $crate::UserStore, Sc: $crate::Scopes> ::core::fmt::Debug for $name<S, Sc> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.0, f)
            }
        }
    };
}
