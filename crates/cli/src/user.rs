//! `tessera user add|disable|enable|passwd`: the users table of
//! [`PgUsers`], the tutorial apps' PostgreSQL store.
//!
//! The database URL comes from `--database-url` or `DATABASE_URL`, the schema from `--schema` or
//! `DATABASE_SCHEMA`. Neither the URL nor a password is ever printed: failures print
//! [`PgError`]'s `Display`, which hides them, and usage errors never repeat the arguments.
//! Exit codes: 2 for bad usage, an invalid URL or schema name; 1 for any other database failure
//! (unreachable, the user exists, no such user).

use tessera_core::password::Policy;
use tessera_service::postgres::{NewUser, PgError, PgErrorKind, PgUsers};
use zeroize::Zeroizing;

use crate::{Fail, read_password, usage};

/// What a `user` command does.
#[derive(Debug, PartialEq, Eq)]
enum Action {
    Add {
        email: Option<String>,
        full_name: Option<String>,
        disabled: bool,
    },
    Disable,
    Enable,
    Passwd,
}

/// A parsed `user` command line.
struct UserCmd {
    action: Action,
    url: Zeroizing<String>,
    schema: Option<String>,
    username: String,
}

/// `tessera user ...` with `args` after `user`.
pub(crate) fn user(args: &[&str]) -> Result<String, Fail> {
    let cmd = parse(args, |name| std::env::var(name).ok())?;
    exec(cmd)
}

/// Parses the arguments after `user`, taking the environment's `DATABASE_URL` and
/// `DATABASE_SCHEMA` from `env` when the options are absent (an empty variable counts as unset).
/// No message repeats an argument: one may be a password typed in the wrong place.
fn parse(args: &[&str], env: impl Fn(&str) -> Option<String>) -> Result<UserCmd, Fail> {
    let (name, rest) = match args {
        [name @ ("add" | "disable" | "enable" | "passwd"), rest @ ..] => (*name, rest),
        _ => {
            return Err(usage(
                "unknown `user` command: expected add, disable, enable or passwd",
            ));
        }
    };
    let mut action = match name {
        "add" => Action::Add {
            email: None,
            full_name: None,
            disabled: false,
        },
        "disable" => Action::Disable,
        "enable" => Action::Enable,
        _ => Action::Passwd,
    };
    let mut url = None;
    let mut schema = None;
    let mut positional = Vec::new();
    let mut only_positional = false;
    let mut i = 0;
    while i < rest.len() {
        let arg = rest[i];
        i += 1;
        if only_positional || !arg.starts_with("--") {
            positional.push(arg);
            continue;
        }
        if arg == "--" {
            only_positional = true;
            continue;
        }
        let (opt, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (arg, None),
        };
        if opt == "--disabled" {
            let Action::Add { disabled, .. } = &mut action else {
                return Err(usage("--disabled is an option of `user add` only"));
            };
            if inline.is_some() {
                return Err(usage("--disabled takes no value"));
            }
            *disabled = true;
            continue;
        }
        let known = matches!(opt, "--database-url" | "--schema")
            || (matches!(action, Action::Add { .. }) && matches!(opt, "--email" | "--full-name"));
        if !known {
            // The name is not repeated either: `--hunter2` may be a password.
            return Err(usage(format!(
                "unknown option for `user {name}`: it takes {}",
                if matches!(action, Action::Add { .. }) {
                    "--database-url, --schema, --email, --full-name and --disabled"
                } else {
                    "--database-url and --schema"
                }
            )));
        }
        let value = match inline {
            Some(v) => v,
            None => {
                let v = rest
                    .get(i)
                    .ok_or_else(|| usage(format!("{opt} needs a value")))?;
                i += 1;
                v
            }
        };
        if value.is_empty() {
            return Err(usage(format!("{opt} must not be empty")));
        }
        match (opt, &mut action) {
            ("--database-url", _) => url = Some(Zeroizing::new(value.to_string())),
            ("--schema", _) => schema = Some(value.to_string()),
            ("--email", Action::Add { email, .. }) => *email = Some(value.to_string()),
            ("--full-name", Action::Add { full_name, .. }) => *full_name = Some(value.to_string()),
            _ => return Err(usage("unknown option")),
        }
    }
    let username = match positional.as_slice() {
        [u] if !u.is_empty() => (*u).to_string(),
        [_] => return Err(usage("USERNAME must not be empty")),
        _ => {
            return Err(usage(format!(
                "`user {name}` takes exactly one USERNAME{}",
                if matches!(action, Action::Add { .. } | Action::Passwd) {
                    ": the password is read from standard input or a prompt, never from arguments"
                } else {
                    ""
                }
            )));
        }
    };
    let env = |var: &str| env(var).filter(|v| !v.is_empty());
    let url = url
        .or_else(|| env("DATABASE_URL").map(Zeroizing::new))
        .ok_or_else(|| usage("a database is required: --database-url URL or DATABASE_URL"))?;
    let schema = schema.or_else(|| env("DATABASE_SCHEMA"));
    Ok(UserCmd {
        action,
        url,
        schema,
        username,
    })
}

/// A [`PgError`] as a failure: its `Display` (which hides the URL and any password), exit 2
/// for an invalid URL or schema name, 1 otherwise.
fn db(e: PgError) -> Fail {
    let code = match e.kind() {
        PgErrorKind::Config | PgErrorKind::Schema => 2,
        _ => 1,
    };
    Fail(code, e.to_string())
}

/// A password read as `password hash` reads it, hashed with the default policy.
fn new_hash() -> Result<String, Fail> {
    let pw = read_password()?;
    Policy::default()
        .hash(pw.as_bytes())
        .map_err(|e| Fail(2, e.to_string()))
}

fn exec(cmd: UserCmd) -> Result<String, Fail> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail(1, format!("starting the async runtime: {e}")))?;
    rt.block_on(async {
        // Connecting first: a bad URL fails before a password is asked for.
        let users = PgUsers::connect(&cmd.url, cmd.schema.as_deref())
            .await
            .map_err(db)?;
        let username = cmd.username;
        let result = match cmd.action {
            Action::Add {
                email,
                full_name,
                disabled,
            } => match new_hash() {
                Ok(password_hash) => users
                    .add(NewUser {
                        username: username.clone(),
                        email,
                        full_name,
                        disabled,
                        password_hash,
                    })
                    .await
                    .map(|()| format!("added user {username}")),
                Err(e) => {
                    users.close().await;
                    return Err(e);
                }
            },
            Action::Disable => users
                .set_disabled(&username, true)
                .await
                .map(|()| format!("disabled user {username}")),
            Action::Enable => users
                .set_disabled(&username, false)
                .await
                .map(|()| format!("enabled user {username}")),
            Action::Passwd => match new_hash() {
                Ok(phc) => users
                    .set_password(&username, &phc)
                    .await
                    .map(|()| format!("changed the password of user {username}")),
                Err(e) => {
                    users.close().await;
                    return Err(e);
                }
            },
        };
        users.close().await;
        result.map_err(db)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "postgres://admin:hunter2@db.invalid/app";

    fn env(var: &str) -> Option<String> {
        match var {
            "DATABASE_URL" => Some(URL.into()),
            "DATABASE_SCHEMA" => Some("from_env".into()),
            _ => None,
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn fail(args: &[&str], env: impl Fn(&str) -> Option<String>) -> String {
        match parse(args, env) {
            Err(Fail(2, msg)) => {
                for secret in ["hunter2", "s3cret", URL] {
                    assert!(!msg.contains(secret), "{args:?} echoed: {msg}");
                }
                msg
            }
            Err(Fail(code, msg)) => panic!("{args:?}: exit {code}: {msg}"),
            Ok(_) => panic!("{args:?} should be a usage error"),
        }
    }

    #[test]
    fn options_and_environment() {
        let c = parse(
            &[
                "add",
                "--email=a@example.com",
                "alice",
                "--full-name",
                "Alice A",
                "--disabled",
            ],
            env,
        )
        .ok()
        .unwrap();
        assert_eq!(
            c.action,
            Action::Add {
                email: Some("a@example.com".into()),
                full_name: Some("Alice A".into()),
                disabled: true
            }
        );
        assert_eq!(
            (c.url.as_str(), c.schema.as_deref(), c.username.as_str()),
            (URL, Some("from_env"), "alice")
        );
        let c = parse(
            &[
                "disable",
                "--database-url",
                "postgres://x@h/d",
                "--schema=s",
                "--",
                "--bob",
            ],
            env,
        )
        .ok()
        .unwrap();
        assert_eq!(c.action, Action::Disable);
        assert_eq!(
            (c.url.as_str(), c.schema.as_deref(), c.username.as_str()),
            ("postgres://x@h/d", Some("s"), "--bob")
        );
        let c = parse(&["passwd", "--database-url", URL, "carol"], no_env)
            .ok()
            .unwrap();
        assert_eq!((c.action, c.schema), (Action::Passwd, None));
        // Empty variables count as unset.
        let empty = |_: &str| Some(String::new());
        assert!(fail(&["enable", "bob"], empty).contains("DATABASE_URL"));
    }

    #[test]
    fn usage_errors_never_repeat_the_arguments() {
        for (args, says) in [
            (vec!["frob", "hunter2"], "unknown `user` command"),
            (vec![], "unknown `user` command"),
            (vec!["add"], "exactly one USERNAME"),
            (
                vec!["add", "alice", "hunter2"],
                "standard input or a prompt",
            ),
            (vec!["disable", "alice", "hunter2"], "exactly one USERNAME"),
            (vec!["add", "--hunter2", "alice"], "unknown option"),
            (vec!["add", "--password=hunter2", "alice"], "unknown option"),
            (
                vec!["enable", "--email", "hunter2", "alice"],
                "unknown option",
            ),
            (vec!["passwd", "--disabled", "alice"], "`user add` only"),
            (vec!["add", "--disabled=hunter2", "alice"], "takes no value"),
            (vec!["add", "alice", "--email"], "--email needs a value"),
            (vec!["add", "--schema=", "alice"], "must not be empty"),
            (vec!["add", ""], "must not be empty"),
        ] {
            let msg = fail(&args, env);
            assert!(msg.contains(says), "{args:?}: {msg}");
        }
        let msg = fail(&["add", "alice"], no_env);
        assert!(msg.contains("--database-url URL or DATABASE_URL"), "{msg}");
    }
}
