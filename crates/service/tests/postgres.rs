//! `PgUsers` and `PgRefreshTokens` against a real PostgreSQL: `DATABASE_URL` (CI: postgres://postgres@127.0.0.1:5432/test).
//! Without it every test prints `skipped: DATABASE_URL not set` and passes. Each test works in
//! a schema of its own, dropped at the end, even when the test fails.
#![cfg(feature = "postgres")]
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::log::Log;
use common::stores;
use sqlx::Connection;
use tessera_core::UnixTime;
use tessera_service::postgres::{NewUser, PgErrorKind, PgRefreshTokens, PgUser, PgUsers};
use tessera_service::{Account, RefreshTokens, Rotation, TokenHash, Unavailable, UserStore};

const JOHN_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$hdpvkuzIulVq9WzNS2YiVw$od0/qBf8GvOZEqz98Tm9OZu9Lwxv5YFrUd0KWLGOH54";
const ALICE_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$X6Az2RswN/radLF35foWhA$dIO9OHMPgZujGug7hboEJA6MZOVz7ccvvVm9DVjyMzk";
const OTHER_HASH: &str =
    "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";

fn tutorial_users() -> Vec<NewUser> {
    vec![
        NewUser {
            username: "johndoe".into(),
            email: Some("johndoe@example.com".into()),
            full_name: Some("John Doe".into()),
            disabled: false,
            password_hash: JOHN_HASH.into(),
        },
        NewUser {
            username: "alice".into(),
            email: Some("alice@example.com".into()),
            full_name: Some("Alice Wonderson".into()),
            disabled: true,
            password_hash: ALICE_HASH.into(),
        },
    ]
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// A fresh schema named after a test, dropped when this is dropped (also when the test
/// panics).
struct Db {
    url: String,
    schema: String,
}

impl Db {
    /// `None` (after saying so) without `DATABASE_URL`.
    fn new(test: &str) -> Option<Self> {
        let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
            println!("skipped: DATABASE_URL not set");
            return None;
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let schema = format!("t_{test}_{}_{nanos}", std::process::id());
        assert!(schema.len() <= 63, "schema name too long: {schema}");
        Some(Self { url, schema })
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        // On a thread of its own: the test's runtime may be unwinding.
        let (url, schema) = (self.url.clone(), self.schema.clone());
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
                    // `{schema}_b`: the second schema of `schemas_are_separate`.
                    sqlx::raw_sql(&format!(
                        "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE; \
                         DROP SCHEMA IF EXISTS \"{schema}_b\" CASCADE"
                    ))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                    conn.close().await.unwrap();
                });
        })
        .join();
        if dropped.is_err() && !std::thread::panicking() {
            panic!("could not drop schema {}", self.schema);
        }
    }
}

/// The columns of `tables` in `schema`, in table and column order: (`table.column`, type,
/// nullable, default).
async fn columns(
    url: &str,
    schema: &str,
    tables: &[&str],
) -> Vec<(String, String, String, Option<String>)> {
    let tables: Vec<String> = tables.iter().map(|t| (*t).to_owned()).collect();
    sqlx::query_as(
        "SELECT table_name::text || '.' || column_name::text, data_type::text,
                is_nullable::text, column_default::text
         FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = ANY($2)
         ORDER BY table_name, ordinal_position",
    )
    .bind(schema)
    .bind(tables)
    .fetch_all(&mut raw(url, schema).await)
    .await
    .unwrap()
}

/// One raw connection in `schema`, to look behind `PgUsers`.
async fn raw(url: &str, schema: &str) -> sqlx::PgConnection {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::raw_sql(&format!("SET search_path TO \"{schema}\""))
        .execute(&mut conn)
        .await
        .unwrap();
    conn
}

#[tokio::test]
async fn migration_creates_the_table_once() {
    let Some(db) = Db::new("migrate") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    {
        let first = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        first.add(tutorial_users().remove(0)).await.unwrap();
        // Connecting again applies nothing and keeps the data.
        let second = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        assert!(second.get("johndoe").await.unwrap().is_some());

        let columns = columns(&url, &schema, &["users"]).await;
        let columns: Vec<(&str, &str, &str, Option<&str>)> = columns
            .iter()
            .map(|(n, t, null, d)| (n.as_str(), t.as_str(), null.as_str(), d.as_deref()))
            .collect();
        assert_eq!(
            columns,
            [
                ("users.username", "text", "NO", None),
                ("users.email", "text", "YES", None),
                ("users.full_name", "text", "YES", None),
                ("users.disabled", "boolean", "NO", Some("false")),
                ("users.password_hash", "text", "NO", None),
                ("users.tokens_valid_from", "bigint", "YES", None),
            ]
        );
        let key: String = sqlx::query_scalar(
            "SELECT a.attname::text FROM pg_index i
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
             WHERE i.indrelid = (quote_ident($1) || '.users')::regclass AND i.indisprimary",
        )
        .bind(&schema)
        .fetch_one(&mut raw(&url, &schema).await)
        .await
        .unwrap();
        assert_eq!(key, "username");
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM tessera_migrations ORDER BY version")
                .fetch_all(&mut raw(&url, &schema).await)
                .await
                .unwrap();
        assert_eq!(applied, [1, 2]);
        first.close().await;
        second.close().await;
    }
}

#[tokio::test]
async fn seed_if_empty_seeds_once() {
    let Some(db) = Db::new("seed") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    {
        let users = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        assert!(users.seed_if_empty(&tutorial_users()).await.unwrap());
        users.set_password("johndoe", OTHER_HASH).await.unwrap();
        // Not empty: nothing inserted, nothing overwritten.
        assert!(!users.seed_if_empty(&tutorial_users()).await.unwrap());
        let john = users.find("johndoe").await.unwrap();
        assert_eq!(john.password_hash, OTHER_HASH);
        let alice = users.find("alice").await.unwrap();
        assert_eq!(
            alice,
            PgUser {
                username: "alice".into(),
                email: Some("alice@example.com".into()),
                full_name: Some("Alice Wonderson".into()),
                disabled: true,
                password_hash: ALICE_HASH.into(),
                tokens_valid_from: None,
            }
        );
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&mut raw(&url, &schema).await)
            .await
            .unwrap();
        assert_eq!(count, 2);
        users.close().await;
    }
}

#[tokio::test]
async fn find_returns_the_user_or_none() {
    let Some(db) = Db::new("find") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    {
        let users = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        users.seed_if_empty(&tutorial_users()).await.unwrap();
        let john = users.find("johndoe").await.unwrap();
        assert_eq!(john.username, "johndoe");
        assert_eq!(john.email.as_deref(), Some("johndoe@example.com"));
        assert_eq!(john.full_name.as_deref(), Some("John Doe"));
        assert!(john.is_active());
        assert_eq!(john.password_hash(), JOHN_HASH);
        assert!(!users.find("alice").await.unwrap().is_active());
        assert!(users.find("nobody").await.is_none());
        assert!(users.find("JOHNDOE").await.is_none());
        assert!(users.get("nobody").await.unwrap().is_none());
        // A user without the optional fields.
        users
            .add(NewUser {
                username: "bare".into(),
                email: None,
                full_name: None,
                disabled: false,
                password_hash: OTHER_HASH.into(),
            })
            .await
            .unwrap();
        let bare = users.find("bare").await.unwrap();
        assert_eq!((bare.email, bare.full_name), (None, None));
        let again = users.add(tutorial_users().remove(0)).await.unwrap_err();
        assert_eq!(again.kind(), PgErrorKind::Exists);
        users.close().await;
    }
}

#[tokio::test]
async fn update_hash_persists() {
    let Some(db) = Db::new("rehash") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    {
        let users = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        users.seed_if_empty(&tutorial_users()).await.unwrap();
        users.update_hash("johndoe", OTHER_HASH.into()).await;
        users.close().await;
        // Seen by a new pool: it is in the database.
        let users = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        let john = users.find("johndoe").await.unwrap();
        assert_eq!(john.password_hash, OTHER_HASH);
        // A rehash is not a password change: tokens stay valid.
        assert_eq!(john.tokens_valid_from, None);
        // An unknown user: nothing happens.
        users.update_hash("nobody", OTHER_HASH.into()).await;
        assert!(users.find("nobody").await.is_none());
        users.close().await;
    }
}

#[tokio::test]
async fn set_disabled_deactivates_and_sets_tokens_valid_from() {
    let Some(db) = Db::new("disable") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    {
        let users = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        users.seed_if_empty(&tutorial_users()).await.unwrap();
        let before = now();
        users.set_disabled("johndoe", true).await.unwrap();
        let john = users.find("johndoe").await.unwrap();
        assert!(john.disabled);
        assert!(!john.is_active());
        let from = john.tokens_valid_from.unwrap();
        assert!((before..=now()).contains(&from), "{from} not in {before}..");
        // Enabling again keeps the cut-off: tokens from before stay refused.
        users.set_disabled("johndoe", false).await.unwrap();
        let john = users.find("johndoe").await.unwrap();
        assert!(john.is_active());
        assert_eq!(john.tokens_valid_from, Some(from));
        let e = users.set_disabled("nobody", true).await.unwrap_err();
        assert_eq!(e.kind(), PgErrorKind::UnknownUser);
        users.close().await;
    }
}

#[tokio::test]
async fn set_password_stores_the_hash_and_sets_tokens_valid_from() {
    let Some(db) = Db::new("password") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    {
        let users = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        users.seed_if_empty(&tutorial_users()).await.unwrap();
        let before = now();
        users.set_password("alice", OTHER_HASH).await.unwrap();
        let alice = users.find("alice").await.unwrap();
        assert_eq!(alice.password_hash, OTHER_HASH);
        assert!(alice.disabled, "a password change does not enable");
        let from = alice.tokens_valid_from.unwrap();
        assert!((before..=now()).contains(&from));
        let e = users.set_password("nobody", OTHER_HASH).await.unwrap_err();
        assert_eq!(e.kind(), PgErrorKind::UnknownUser);
        users.close().await;
    }
}

#[tokio::test]
async fn debug_and_errors_hide_secrets() {
    let Some(db) = Db::new("debug") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    {
        let users = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        users.seed_if_empty(&tutorial_users()).await.unwrap();
        let john = users.find("johndoe").await.unwrap();
        let shown = format!("{john:?} {:?} {users:?}", tutorial_users());
        assert!(shown.contains("johndoe"), "{shown}");
        for secret in [JOHN_HASH, ALICE_HASH, "argon2", "hdpvkuzIulVq9WzNS2YiVw"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(!shown.contains(&url), "{shown}");
        users.close().await;
    }
}

/// Errors never repeat the URL or its password (no database needed).
#[tokio::test]
async fn errors_hide_the_url() {
    for bad in [
        "postgres://tessera:s3cr3t-pw@[not-an-address/db",
        "postgres://tessera:s3cr3t-pw@127.0.0.1:1/db?sslmode=bogus",
        "postgres://tessera:s3cr3t-pw@127.0.0.1:1/db",
    ] {
        let e = PgUsers::connect(bad, None).await.unwrap_err();
        let shown = format!("{e} {e:?}");
        println!("{shown}");
        assert!(!shown.contains("s3cr3t-pw"), "{shown}");
        assert!(!shown.contains("127.0.0.1:1"), "{shown}");
    }
    let e = PgUsers::connect("postgres://x@127.0.0.1:1/db", Some(""))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), PgErrorKind::Schema);
}

#[tokio::test]
async fn two_instances_share_one_schema() {
    let Some(db) = Db::new("two") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    {
        // Starting together: the migration and the seed each happen once.
        let (a, b) = tokio::join!(
            PgUsers::connect(&url, Some(&schema)),
            PgUsers::connect(&url, Some(&schema))
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let seed = tutorial_users();
        let (sa, sb) = tokio::join!(a.seed_if_empty(&seed), b.seed_if_empty(&seed));
        assert!(sa.unwrap() ^ sb.unwrap(), "exactly one instance seeds");

        a.add(NewUser {
            username: "carol".into(),
            email: None,
            full_name: Some("Carol".into()),
            disabled: false,
            password_hash: OTHER_HASH.into(),
        })
        .await
        .unwrap();
        assert_eq!(
            b.find("carol").await.unwrap().full_name.as_deref(),
            Some("Carol")
        );
        b.set_disabled("carol", true).await.unwrap();
        assert!(!a.find("carol").await.unwrap().is_active());
        b.update_hash("johndoe", OTHER_HASH.into()).await;
        assert_eq!(a.find("johndoe").await.unwrap().password_hash, OTHER_HASH);
        a.close().await;
        b.close().await;
    }
}

#[tokio::test]
async fn schemas_are_separate() {
    let Some(db) = Db::new("sep") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    {
        let other = format!("{schema}_b");
        let a = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        let b = PgUsers::connect(&url, Some(&other)).await.unwrap();
        a.seed_if_empty(&tutorial_users()).await.unwrap();
        assert!(b.find("johndoe").await.is_none());
        assert!(b.seed_if_empty(&[]).await.unwrap());
        a.close().await;
        b.close().await;
    }
}

/// The rows of the refresh tables: (families, tokens).
async fn refresh_rows(url: &str, schema: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM refresh_families), (SELECT count(*) FROM refresh_tokens)",
    )
    .fetch_one(&mut raw(url, schema).await)
    .await
    .unwrap()
}

#[tokio::test]
async fn refresh_tokens_have_the_store_semantics() {
    let Some(db) = Db::new("rt_sem") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    {
        let users = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        let store = users.refresh_tokens();
        stores::rotation(&store).await;
        stores::reuse(&store).await;
        stores::unknown_and_expired(&store).await;
        stores::revoke_family(&store).await;
        stores::per_user_cap(&store).await;
        // One store, many racing exchanges.
        stores::concurrent_exchanges(&[&store], 32).await;
        users.close().await;
    }
}

#[tokio::test]
async fn refresh_tokens_race_across_instances() {
    let Some(db) = Db::new("rt_race") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    {
        // Two instances: two pools, each connected on its own, on one schema.
        let a = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        let b = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        let (ra, rb) = (a.refresh_tokens(), b.refresh_tokens());
        for _ in 0..3 {
            stores::concurrent_exchanges(&[&ra, &rb], 32).await;
        }
        // A family started by one instance rotates on the other.
        let t0 = stores::now();
        let f = stores::family("johndoe", "me");
        let (x, y) = (stores::token(), stores::token());
        ra.start(&f, x, UnixTime(t0.0 + 100), t0).await.unwrap();
        assert_eq!(
            rb.rotate(x, y, UnixTime(t0.0 + 100), t0).await.unwrap(),
            Rotation::Rotated(f.clone())
        );
        assert_eq!(ra.family(y, t0).await.unwrap(), Some(f));
        assert_eq!(ra.family(x, t0).await.unwrap(), None, "a former token");
        assert_eq!(
            ra.rotate(x, stores::token(), UnixTime(t0.0 + 100), t0)
                .await
                .unwrap(),
            Rotation::Reused
        );
        assert_eq!(
            rb.family(y, t0).await.unwrap(),
            None,
            "revoked by the reuse"
        );
        a.close().await;
        b.close().await;
    }
}

#[tokio::test]
async fn refresh_tables_hold_only_hashes() {
    let Some(db) = Db::new("rt_hash") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    {
        let users = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        let store = users.refresh_tokens();
        let t0 = stores::now();
        let exp = UnixTime(t0.0 + 1000);
        let tokens = [
            "first-refresh-token",
            "second-refresh-token",
            "third-refresh-token",
        ];
        let f = stores::family("johndoe", "me items");
        store
            .start(&f, TokenHash::of(tokens[0]), exp, t0)
            .await
            .unwrap();
        for pair in tokens.windows(2) {
            let (old, new) = (TokenHash::of(pair[0]), TokenHash::of(pair[1]));
            assert!(matches!(
                store.rotate(old, new, exp, t0).await.unwrap(),
                Rotation::Rotated(_)
            ));
        }
        let g = stores::family("alice", "");
        store
            .start(&g, TokenHash::of("other-refresh-token"), exp, t0)
            .await
            .unwrap();
        // One row per token issued, each a 32-byte hash.
        let issued = i64::try_from(tokens.len() + 1).unwrap();
        assert_eq!(refresh_rows(&url, &schema).await, (2, issued));
        let hashes: Vec<Vec<u8>> = sqlx::query_scalar("SELECT hash FROM refresh_tokens")
            .fetch_all(&mut raw(&url, &schema).await)
            .await
            .unwrap();
        assert_eq!(hashes.len(), tokens.len() + 1);
        for h in &hashes {
            assert_eq!(h.len(), 32);
        }
        let (current, stored): (Vec<u8>, Vec<Vec<u8>>) = sqlx::query_as(
            "SELECT f.current_hash, array_agg(t.hash) FROM refresh_families f
             JOIN refresh_tokens t ON t.family_id = f.id WHERE f.id = $1 GROUP BY f.current_hash",
        )
        .bind(&f.id)
        .fetch_one(&mut raw(&url, &schema).await)
        .await
        .unwrap();
        assert_eq!(current, TokenHash::of(tokens[2]).0);
        for token in tokens {
            assert!(stored.contains(&TokenHash::of(token).0.to_vec()));
        }
        // No column of either table holds a token's text.
        let text: String = sqlx::query_scalar(
            "SELECT (SELECT coalesce(string_agg(f::text, ' '), '') FROM refresh_families f)
                 || (SELECT coalesce(string_agg(t::text, ' '), '') FROM refresh_tokens t)",
        )
        .fetch_one(&mut raw(&url, &schema).await)
        .await
        .unwrap();
        assert!(text.contains("johndoe"), "{text}");
        for token in tokens {
            assert!(!text.contains(token), "{text}");
        }
        // Debug shows neither the URL nor the pool's options.
        let shown = format!("{store:?}");
        assert!(shown.starts_with("PgRefreshTokens"), "{shown}");
        assert!(!shown.contains(&url), "{shown}");
        assert!(!shown.contains("postgres://"), "{shown}");
        users.close().await;
    }
}

#[tokio::test]
async fn refresh_migration_runs_once() {
    let Some(db) = Db::new("rt_migrate") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    {
        let first = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        let store = first.refresh_tokens();
        let t0 = stores::now();
        let f = stores::family("johndoe", "");
        let (a, b) = (stores::token(), stores::token());
        store.start(&f, a, UnixTime(t0.0 + 1000), t0).await.unwrap();
        let before = refresh_rows(&url, &schema).await;
        // Connecting again applies nothing and keeps the families.
        let second = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        assert_eq!(refresh_rows(&url, &schema).await, before);
        let applied: Vec<(i64, String)> =
            sqlx::query_as("SELECT version, description FROM tessera_migrations ORDER BY version")
                .fetch_all(&mut raw(&url, &schema).await)
                .await
                .unwrap();
        assert_eq!(
            applied,
            [(1, "users".to_string()), (2, "refresh tokens".to_string())]
        );
        assert_eq!(
            second
                .refresh_tokens()
                .rotate(a, b, UnixTime(t0.0 + 1000), t0)
                .await
                .unwrap(),
            Rotation::Rotated(f)
        );

        let columns = columns(&url, &schema, &["refresh_families", "refresh_tokens"]).await;
        let columns: Vec<(&str, &str, &str, Option<&str>)> = columns
            .iter()
            .map(|(n, t, null, d)| (n.as_str(), t.as_str(), null.as_str(), d.as_deref()))
            .collect();
        assert_eq!(
            columns,
            [
                ("refresh_families.id", "text", "NO", None),
                ("refresh_families.username", "text", "NO", None),
                ("refresh_families.scope", "text", "NO", None),
                ("refresh_families.started", "bigint", "NO", None),
                ("refresh_families.current_hash", "bytea", "NO", None),
                ("refresh_families.expires", "bigint", "NO", None),
                ("refresh_families.revoked", "boolean", "NO", Some("false")),
                ("refresh_tokens.hash", "bytea", "NO", None),
                ("refresh_tokens.family_id", "text", "NO", None),
            ]
        );
        let indexed: Vec<String> = sqlx::query_scalar(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = $1
             AND tablename IN ('refresh_families', 'refresh_tokens') ORDER BY indexname",
        )
        .bind(&schema)
        .fetch_all(&mut raw(&url, &schema).await)
        .await
        .unwrap();
        assert!(
            indexed.iter().any(|d| d.ends_with("(expires)")),
            "{indexed:?}"
        );
        first.close().await;
        second.close().await;
    }
}

#[tokio::test]
async fn starting_a_family_forgets_expired_ones() {
    let Some(db) = Db::new("rt_expire") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    {
        let users = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        let store = users.refresh_tokens();
        let t0 = stores::now();
        let (old, live) = (stores::family("old", ""), stores::family("live", ""));
        let (a, b) = (stores::token(), stores::token());
        store.start(&old, a, UnixTime(t0.0 + 10), t0).await.unwrap();
        let _ = store.rotate(a, b, UnixTime(t0.0 + 10), t0).await.unwrap();
        store
            .start(&live, stores::token(), UnixTime(t0.0 + 1000), t0)
            .await
            .unwrap();
        assert_eq!(refresh_rows(&url, &schema).await, (2, 3));
        // A start at the expiry deletes the expired family and its tokens, not the live one.
        let next = stores::family("next", "");
        store
            .start(
                &next,
                stores::token(),
                UnixTime(t0.0 + 1000),
                UnixTime(t0.0 + 10),
            )
            .await
            .unwrap();
        assert_eq!(refresh_rows(&url, &schema).await, (2, 2));
        assert!(!store.revoke(b, UnixTime(t0.0 + 10)).await.unwrap());
        // An expired family met by a rotation goes at once.
        let (c, d) = (stores::token(), stores::token());
        let brief = stores::family("brief", "");
        store
            .start(&brief, c, UnixTime(t0.0 + 5), t0)
            .await
            .unwrap();
        assert_eq!(
            store
                .rotate(c, d, UnixTime(t0.0 + 100), UnixTime(t0.0 + 5))
                .await
                .unwrap(),
            Rotation::Unknown
        );
        assert_eq!(refresh_rows(&url, &schema).await, (2, 2));
        users.close().await;
    }
}

#[tokio::test]
async fn a_failing_database_is_unavailable_and_logged_without_the_url() {
    let Some(db) = Db::new("rt_down") else {
        return;
    };
    let (url, schema) = (db.url.clone(), db.schema.clone());
    let log = Log::capture();
    {
        let users = PgUsers::connect(&url, Some(&schema)).await.unwrap();
        let store: PgRefreshTokens = users.refresh_tokens();
        let t0 = stores::now();
        let f = stores::family("johndoe", "");
        let a = stores::token();
        store.start(&f, a, UnixTime(t0.0 + 100), t0).await.unwrap();
        // The tables gone: every call fails in the database.
        sqlx::raw_sql("DROP TABLE refresh_tokens; DROP TABLE refresh_families")
            .execute(&mut raw(&url, &schema).await)
            .await
            .unwrap();
        let later = UnixTime(t0.0 + 100);
        assert_eq!(
            store.rotate(a, stores::token(), later, t0).await,
            Err(Unavailable)
        );
        assert_eq!(store.revoke(a, t0).await, Err(Unavailable));
        assert_eq!(store.family(a, t0).await, Err(Unavailable));
        // The pool closed: no connection.
        users.close().await;
        assert_eq!(store.start(&f, a, later, t0).await, Err(Unavailable));
    }
    let log = log.text();
    // One event per failed call.
    let events = log.lines().filter(|l| l.contains(" WARN tessera:")).count();
    assert_eq!(events, 4, "{log}");
    assert!(!log.contains(&url), "{log}");
    assert!(!log.contains("postgres://"), "{log}");
}
