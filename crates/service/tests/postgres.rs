//! `PgUsers` against a real PostgreSQL: `DATABASE_URL` (CI: postgres://postgres@127.0.0.1:5432/test).
//! Without it every test prints `skipped: DATABASE_URL not set` and passes. Each test works in
//! a schema of its own, dropped at the end, even when the test fails.
#![cfg(feature = "postgres")]
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::Connection;
use tessera_service::postgres::{NewUser, PgErrorKind, PgUser, PgUsers};
use tessera_service::{Account, UserStore};

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

        let columns: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text, is_nullable::text, column_default::text
             FROM information_schema.columns
             WHERE table_schema = $1 AND table_name = 'users' ORDER BY ordinal_position",
        )
        .bind(&schema)
        .fetch_all(&mut raw(&url, &schema).await)
        .await
        .unwrap();
        let columns: Vec<(&str, &str, &str, Option<&str>)> = columns
            .iter()
            .map(|(n, t, null, d)| (n.as_str(), t.as_str(), null.as_str(), d.as_deref()))
            .collect();
        assert_eq!(
            columns,
            [
                ("username", "text", "NO", None),
                ("email", "text", "YES", None),
                ("full_name", "text", "YES", None),
                ("disabled", "boolean", "NO", Some("false")),
                ("password_hash", "text", "NO", None),
                ("tokens_valid_from", "bigint", "YES", None),
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
        assert_eq!(applied, [1]);
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
