//! The `tracing` events of refusals and logins, each with a stable reason code.

use tessera_core::TokenError;
use tessera_core::http::Failure;

use crate::client::Client;

/// Why a request was refused, or that a login succeeded: the `reason` field of every event
/// (target `tessera`). The codes are stable; match on them in log pipelines.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// No bearer credentials.
    MissingCredentials,
    /// A malformed request: two `Authorization` headers (rfc style), or a `/token` form the
    /// core refuses.
    InvalidRequest,
    /// The token was refused for a reason other than its expiry, or its subject is unknown.
    InvalidToken,
    /// The token's `exp` has passed.
    Expired,
    /// The token lacks a scope the route requires.
    InsufficientScope,
    /// The user is disabled.
    Inactive,
    /// Wrong username or password.
    BadCredentials,
    /// A login limit is reached (the client on the username, the client, or the username).
    Throttled,
    /// The client already has a login under way, or no hashing slot came in time.
    Busy,
    /// The login throttle's store cannot be reached (503).
    Unavailable,
    /// A login succeeded.
    Login,
    /// The access token was revoked (`POST /revoke`).
    Revoked,
    /// A refresh token that is unknown, expired or revoked, or whose user may no longer have
    /// tokens.
    InvalidRefresh,
    /// A refresh token that was already rotated: its whole family is revoked.
    RefreshReused,
    /// A refresh asked for more scope than its family holds.
    ScopeBeyondGrant,
    /// A refresh succeeded.
    Refresh,
    /// A token was revoked through `POST /revoke` (whether or not it was valid is not told).
    Revocation,
}

impl Reason {
    /// The code written in events.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::MissingCredentials => "missing_credentials",
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::Expired => "expired",
            Self::InsufficientScope => "insufficient_scope",
            Self::Inactive => "inactive",
            Self::BadCredentials => "bad_credentials",
            Self::Throttled => "throttled",
            Self::Busy => "busy",
            Self::Unavailable => "unavailable",
            Self::Login => "login",
            Self::Revoked => "revoked",
            Self::InvalidRefresh => "invalid_refresh",
            Self::RefreshReused => "refresh_reused",
            Self::ScopeBeyondGrant => "scope_beyond_grant",
            Self::Refresh => "refresh",
            Self::Revocation => "revocation",
        }
    }

    /// The reason of a refusal.
    #[must_use]
    pub const fn of(failure: &Failure<'_>) -> Self {
        match failure {
            Failure::MissingCredentials => Self::MissingCredentials,
            Failure::InsufficientScope => Self::InsufficientScope,
            Failure::InactiveUser => Self::Inactive,
            Failure::InvalidGrant { .. } => Self::BadCredentials,
            Failure::Throttled(_) => Self::Throttled,
            Failure::Busy(_) => Self::Busy,
            Failure::Unavailable(_) => Self::Unavailable,
            Failure::InvalidToken => Self::InvalidToken,
            Failure::InvalidRefreshToken => Self::InvalidRefresh,
            Failure::ScopeBeyondGrant => Self::ScopeBeyondGrant,
            _ => Self::InvalidRequest,
        }
    }

    /// The reason of a refused token.
    #[must_use]
    pub const fn of_token(error: TokenError) -> Self {
        match error {
            TokenError::Expired => Self::Expired,
            _ => Self::InvalidToken,
        }
    }
}

/// Records a refusal; `username` is the token's subject or the login's username.
pub(crate) fn refused(reason: Reason, username: Option<&str>) {
    match username {
        Some(username) => {
            tracing::info!(target: "tessera", reason = reason.code(), username, "refused")
        }
        None => tracing::info!(target: "tessera", reason = reason.code(), "refused"),
    }
}

/// Records a refused login attempt with its client.
pub(crate) fn login_refused(reason: Reason, username: &str, client: &Client) {
    tracing::info!(target: "tessera", reason = reason.code(), username, client = client.as_str(), "refused");
}

/// Records a successful login.
pub(crate) fn logged_in(username: &str, client: &Client) {
    tracing::info!(target: "tessera", reason = Reason::Login.code(), username, client = client.as_str(), "login");
}

/// Records that the throttle's store could not end a reservation (it stays a failure).
pub(crate) fn store_unreachable() {
    tracing::warn!(target: "tessera", "the login throttle's store could not end a reservation");
}

/// Records a successful refresh of `username`'s family.
pub(crate) fn refreshed(username: &str) {
    tracing::info!(target: "tessera", reason = Reason::Refresh.code(), username, "refresh");
}

/// Records that a rotated refresh token was presented again: its family is revoked.
pub(crate) fn refresh_reused() {
    tracing::warn!(target: "tessera", reason = Reason::RefreshReused.code(), "refused");
}

/// Records a revocation request (the token's validity is not recorded either).
pub(crate) fn revocation() {
    tracing::info!(target: "tessera", reason = Reason::Revocation.code(), "revocation");
}

/// Records that a store of tokens (revocations, refresh families) could not be reached.
pub(crate) fn token_store_unreachable() {
    tracing::warn!(target: "tessera", reason = Reason::Unavailable.code(), "a token store cannot be reached");
}
