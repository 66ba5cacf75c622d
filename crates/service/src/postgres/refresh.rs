//! [`PgRefreshTokens`]: the refresh-token families ([`RefreshTokens`]) in PostgreSQL, in the
//! tables of migration `0002_refresh_tokens.sql`, shared by every instance using the database.
//!
//! `refresh_families` holds one row per family: its subject, scope and start, the hash of its
//! current token, when that token expires and whether the family is revoked.
//! `refresh_tokens` maps the hash of every token of a family, current and former, to the
//! family (deleted with it). Only SHA-256 hashes ([`TokenHash`]) are stored.
//!
//! Each call that writes is one transaction ([`RefreshTokens::family`] is a single read).
//! [`RefreshTokens::rotate`] and [`RefreshTokens::revoke`] lock the family's row
//! (`SELECT … FOR UPDATE`) before deciding, so that calls on one family, from any number of
//! instances, take turns: of two concurrent exchanges of one token, the second waits for the
//! first to commit, then sees the token is no longer current (a reuse).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use sqlx::postgres::{PgConnection, PgPool};
use tessera_core::UnixTime;

use super::PgError;
use crate::refresh::{Family, MAX_FAMILIES_PER_USER, RefreshTokens, Rotation, TokenHash};
use crate::throttle::{StoreFuture, Unavailable};

/// How many expired families a [`RefreshTokens::start`] deletes at most.
const CLEANUP_BATCH: i64 = 100;

/// Refresh-token families in PostgreSQL ([`RefreshTokens`]), made by
/// [`PgUsers::refresh_tokens`](super::PgUsers::refresh_tokens) and sharing its pool. Cheap to
/// clone (the clones share the pool).
///
/// A database failure (or no connection within the pool's acquire timeout) is answered as
/// [`Unavailable`] and logged as one `warn` event, target `tessera`, without the database URL.
#[derive(Clone)]
pub struct PgRefreshTokens {
    pool: PgPool,
    schema: Option<String>,
}

impl fmt::Debug for PgRefreshTokens {
    // Not the pool's: its options hold the URL's password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgRefreshTokens")
            .field("schema", &self.schema)
            .field("connections", &self.pool.size())
            .finish_non_exhaustive()
    }
}

/// A family's row, locked: id, username, scope, started, current hash, expires, revoked.
type FamilyRow = (String, String, String, i64, Vec<u8>, i64, bool);

/// Finds the family of a token (`$1`) and locks its row until the transaction ends.
const LOCK_FAMILY: &str = "SELECT f.id, f.username, f.scope, f.started, f.current_hash, \
     f.expires, f.revoked \
     FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id \
     WHERE t.hash = $1 \
     FOR UPDATE OF f";

/// Records that the token `$1` belongs to the family `$2`.
const INSERT_TOKEN: &str = "INSERT INTO refresh_tokens (hash, family_id) VALUES ($1, $2) \
     ON CONFLICT (hash) DO UPDATE SET family_id = EXCLUDED.family_id";

impl PgRefreshTokens {
    pub(super) fn new(pool: PgPool, schema: Option<String>) -> Self {
        Self { pool, schema }
    }

    async fn start_tx(
        &self,
        family: &Family,
        token: TokenHash,
        expires: UnixTime,
        now: UnixTime,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        // Expired families, a batch at a time; rows another transaction holds are left for a
        // later call rather than waited for.
        sqlx::query(
            "DELETE FROM refresh_families WHERE id IN (
                SELECT id FROM refresh_families WHERE expires <= $1
                ORDER BY expires LIMIT $2 FOR UPDATE SKIP LOCKED
            )",
        )
        .bind(now.0)
        .bind(CLEANUP_BATCH)
        .execute(&mut *tx)
        .await?;
        // A family started again under the same id replaces the old one and its tokens.
        sqlx::query("DELETE FROM refresh_families WHERE id = $1")
            .bind(&family.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO refresh_families (id, username, scope, started, current_hash, expires)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&family.id)
        .bind(&family.username)
        .bind(&family.scope)
        .bind(family.started)
        .bind(&token.0[..])
        .bind(expires.0)
        .execute(&mut *tx)
        .await?;
        insert_token(&mut tx, token, &family.id).await?;
        // Past the most a user may have, the user's oldest families go (never the new one).
        sqlx::query(
            "DELETE FROM refresh_families WHERE id IN (
                SELECT id FROM refresh_families WHERE username = $1 AND id <> $2
                ORDER BY started DESC OFFSET $3
            )",
        )
        .bind(&family.username)
        .bind(&family.id)
        .bind(i64::try_from(MAX_FAMILIES_PER_USER - 1).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    async fn rotate_tx(
        &self,
        old: TokenHash,
        new: TokenHash,
        expires: UnixTime,
        now: UnixTime,
    ) -> Result<Rotation, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let row: Option<FamilyRow> = sqlx::query_as(LOCK_FAMILY)
            .bind(&old.0[..])
            .fetch_optional(&mut *tx)
            .await?;
        let rotation = match row {
            None => Rotation::Unknown,
            Some((id, _, _, _, _, family_expires, _)) if now.0 >= family_expires => {
                // Dead: forgotten now rather than at a later start.
                sqlx::query("DELETE FROM refresh_families WHERE id = $1")
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                Rotation::Unknown
            }
            Some((id, _, _, _, current, _, revoked)) if current.as_slice() != old.0.as_slice() => {
                if !revoked {
                    sqlx::query("UPDATE refresh_families SET revoked = true WHERE id = $1")
                        .bind(&id)
                        .execute(&mut *tx)
                        .await?;
                }
                Rotation::Reused
            }
            Some((.., true)) => Rotation::Unknown,
            Some((id, username, scope, started, ..)) => {
                sqlx::query(
                    "UPDATE refresh_families SET current_hash = $2, expires = $3 WHERE id = $1",
                )
                .bind(&id)
                .bind(&new.0[..])
                .bind(expires.0)
                .execute(&mut *tx)
                .await?;
                insert_token(&mut tx, new, &id).await?;
                Rotation::Rotated(Family {
                    id,
                    username,
                    scope,
                    started,
                })
            }
        };
        // Also when nothing was written: ends the transaction and its row lock now.
        tx.commit().await?;
        Ok(rotation)
    }

    async fn revoke_tx(&self, token: TokenHash, now: UnixTime) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let row: Option<FamilyRow> = sqlx::query_as(LOCK_FAMILY)
            .bind(&token.0[..])
            .fetch_optional(&mut *tx)
            .await?;
        let was_live = match row {
            Some((id, _, _, _, _, expires, false)) => {
                sqlx::query("UPDATE refresh_families SET revoked = true WHERE id = $1")
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                now.0 < expires
            }
            // Unknown, or revoked already.
            _ => false,
        };
        tx.commit().await?;
        Ok(was_live)
    }

    async fn family_read(
        &self,
        token: TokenHash,
        now: UnixTime,
    ) -> Result<Option<Family>, sqlx::Error> {
        // Through the token's primary key; no lock and no transaction: a read of one row.
        let row: Option<(String, String, String, i64)> = sqlx::query_as(
            "SELECT f.id, f.username, f.scope, f.started \
             FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id \
             WHERE t.hash = $1 AND f.current_hash = $1 AND NOT f.revoked AND $2 < f.expires",
        )
        .bind(&token.0[..])
        .bind(now.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id, username, scope, started)| Family {
            id,
            username,
            scope,
            started,
        }))
    }
}

/// Runs [`INSERT_TOKEN`] for `token` and the family `id`.
async fn insert_token(
    conn: &mut PgConnection,
    token: TokenHash,
    id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT_TOKEN)
        .bind(&token.0[..])
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// `result`, with a failure logged once (as a [`PgError`], which never holds the URL) and
/// answered as [`Unavailable`]. The transaction, if any, was rolled back when it was dropped.
fn logged<T>(call: &'static str, result: Result<T, sqlx::Error>) -> Result<T, Unavailable> {
    result.map_err(|e| {
        let e = PgError::from(e);
        tracing::warn!(
            target: "tessera",
            call,
            kind = ?e.kind(),
            error = %e,
            "the refresh-token store failed; answered as unavailable"
        );
        Unavailable
    })
}

impl RefreshTokens for PgRefreshTokens {
    /// Inserts the family and its first token in one transaction, which also deletes up to
    /// 100 families expired at `now`. A family with the same id is replaced.
    fn start<'a>(
        &'a self,
        family: &'a Family,
        token: TokenHash,
        expires: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move { logged("start", self.start_tx(family, token, expires, now).await) })
    }

    /// In one transaction holding the family's row lock: an expired family is deleted
    /// ([`Rotation::Unknown`]); a token that is not the current one revokes the family
    /// ([`Rotation::Reused`]); the current token of a revoked family is
    /// [`Rotation::Unknown`]; else `new` becomes current until `expires`.
    fn rotate<'a>(
        &'a self,
        old: TokenHash,
        new: TokenHash,
        expires: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, Rotation> {
        Box::pin(async move { logged("rotate", self.rotate_tx(old, new, expires, now).await) })
    }

    /// Marks the family of `token` revoked; whether it was live (not revoked, and `now`
    /// before its expiry).
    fn revoke<'a>(&'a self, token: TokenHash, now: UnixTime) -> StoreFuture<'a, bool> {
        Box::pin(async move { logged("revoke", self.revoke_tx(token, now).await) })
    }

    /// The family whose current token is `token`, if live at `now`: one read, locking
    /// nothing and changing nothing.
    fn family<'a>(&'a self, token: TokenHash, now: UnixTime) -> StoreFuture<'a, Option<Family>> {
        Box::pin(async move { logged("family", self.family_read(token, now).await) })
    }
}
