-- Tessera's users (tessera_service::postgres::PgUsers).
--
-- password_hash: an argon2 PHC string, never a password.
-- tokens_valid_from: Unix seconds; tokens issued before it are to be refused (set when an
-- account is disabled or its password set; kept for "log out everywhere").
CREATE TABLE IF NOT EXISTS users (
    username text PRIMARY KEY,
    email text NULL,
    full_name text NULL,
    disabled boolean NOT NULL DEFAULT false,
    password_hash text NOT NULL,
    tokens_valid_from bigint NULL
);
