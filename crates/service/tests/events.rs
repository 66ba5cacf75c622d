//! The events of `tessera-service`: one per refusal and login, with a stable reason code and
//! the username where there is one, and never a token or a password (docs/security.md, B4).

mod common;

use common::log::Log;
use tessera_core::Hs256Key;
use tessera_core::password::Policy;
use tessera_service::{Account, Config, Service, Tessera, UserStore};

#[derive(Clone)]
struct User(String);

impl Account for User {
    fn password_hash(&self) -> &str {
        &self.0
    }
}

struct Store(String);

impl UserStore for Store {
    type User = User;

    async fn find(&self, username: &str) -> Option<User> {
        (username == "ann").then(|| User(self.0.clone()))
    }
}

#[tokio::test]
async fn refusals_and_logins_are_events_without_secrets() {
    let log = Log::capture();

    let weak = Policy {
        m_cost: 64,
        t_cost: 1,
        ..Policy::OWASP
    };
    let hash = weak.hash_with_salt(b"right-PASSWORD-1", &[3; 16]).unwrap();
    let key = Hs256Key::new(&[9; 32]).unwrap();
    let tessera = Tessera::new(Service::new(key, Config::default()), Store(hash));
    let form = Some("application/x-www-form-urlencoded");
    let client = tessera.client("192.0.2.5".parse().ok(), []);

    let wrong = tessera
        .token(
            &client,
            form,
            b"username=ann&password=wrong-PASSWORD-2".to_vec(),
        )
        .await;
    assert_eq!(wrong.status, 400);
    let right = tessera
        .token(
            &client,
            form,
            b"username=ann&password=right-PASSWORD-1".to_vec(),
        )
        .await;
    assert_eq!(right.status, 200);
    let missing = tessera.claims(std::iter::empty()).await;
    assert!(missing.is_err());
    let forged = tessera.claims([&b"Bearer forged.TOKEN-3.x"[..]]).await;
    assert!(forged.is_err());

    let text = log.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].contains(r#"reason="bad_credentials" username="ann" client="192.0.2.5""#),
        "{text}"
    );
    assert!(
        lines[1].contains(r#"reason="login" username="ann" client="192.0.2.5""#),
        "{text}"
    );
    assert!(
        lines[2].contains(r#"reason="missing_credentials""#),
        "{text}"
    );
    assert!(lines[3].contains(r#"reason="invalid_token""#), "{text}");
    for secret in ["PASSWORD", "TOKEN", "access_token"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}
