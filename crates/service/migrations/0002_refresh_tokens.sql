-- Tessera's refresh-token families (tessera_service::postgres::PgRefreshTokens).
--
-- Only SHA-256 hashes of refresh tokens are stored (32 bytes each), never a token.
--
-- refresh_families: one row per password login. current_hash is the one token that may be
-- exchanged; expires (Unix seconds) is when that token, and with it the family, stops
-- working; revoked is set when a former token is presented again or the family is revoked.
-- A revoked family is kept until it expires, so that its former tokens are still seen as
-- reused.
CREATE TABLE IF NOT EXISTS refresh_families (
    id text PRIMARY KEY,
    username text NOT NULL,
    scope text NOT NULL,
    started bigint NOT NULL,
    current_hash bytea NOT NULL CHECK (octet_length(current_hash) = 32),
    expires bigint NOT NULL,
    revoked boolean NOT NULL DEFAULT false
);

-- Every token of every family, current and former, to find a token's family.
CREATE TABLE IF NOT EXISTS refresh_tokens (
    hash bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
    family_id text NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE
);

-- The expired families, deleted a batch at a time.
CREATE INDEX IF NOT EXISTS refresh_families_expires ON refresh_families (expires);
-- A family's tokens, for the cascade when a family is deleted.
CREATE INDEX IF NOT EXISTS refresh_tokens_family_id ON refresh_tokens (family_id);
-- A user's families, oldest first, to keep each user within the most a user may have.
CREATE INDEX IF NOT EXISTS refresh_families_username ON refresh_families (username, started);
