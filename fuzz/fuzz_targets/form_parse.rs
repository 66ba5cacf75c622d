#![no_main]
//! Any token request body, in both styles: an accepted form has a non-empty username and
//! password within the limits, `password` as the only grant type, and a normalised scope. And
//! any (username, password), percent-encoded, parses back to exactly itself.

use libfuzzer_sys::fuzz_target;
use tessera_core::form::{self, FormError, FormOptions, Missing};
use tessera_core::http::Style;
use tessera_core::scope::Scope;

const CT: Option<&str> = Some("application/x-www-form-urlencoded");

/// Percent-encodes `s` as a form value, with `hex` as the digits (upper or lower case).
fn encode(s: &str, hex: &[u8; 16], out: &mut String) {
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => {
                out.extend([
                    '%',
                    char::from(hex[usize::from(b >> 4)]),
                    char::from(hex[usize::from(b & 15)]),
                ]);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    for (style, hex) in [
        (Style::Rfc, b"0123456789ABCDEF"),
        (Style::FastApi, b"0123456789abcdef"),
    ] {
        let opts = style.form_options(FormOptions::default());
        let limits = opts.limits;
        let mut buf = vec![0u8; form::buffer_len(data, &opts)];
        if let Ok(f) = form::parse(data, CT, &opts, &mut buf) {
            assert!(!f.username.is_empty() && f.username.len() <= limits.username);
            assert!(!f.password.is_empty() && f.password.len() <= limits.password);
            assert!(f.grant_type.is_none_or(|g| g == "password"));
            assert!(
                !f.scope.starts_with(' ') && !f.scope.ends_with(' ') && !f.scope.contains("  ")
            );
            assert!(Scope::parse(f.scope).is_ok(), "{:?}", f.scope);
        }

        let text = String::from_utf8_lossy(data);
        let mid = text
            .char_indices()
            .nth(text.chars().count() / 2)
            .map_or(text.len(), |(i, _)| i);
        let (user, pass) = text.split_at(mid);
        let mut body = String::from("grant_type=password&username=");
        encode(user, hex, &mut body);
        body.push_str("&password=");
        encode(pass, hex, &mut body);
        let expected = if body.len() > limits.body {
            Err(FormError::TooLarge)
        } else if user.is_empty() || pass.is_empty() {
            let missing = Missing {
                grant_type: false,
                username: user.is_empty(),
                password: pass.is_empty(),
            };
            Err(FormError::Fields {
                grant_type: None,
                missing,
            })
        } else if user.len() > limits.username {
            Err(FormError::UsernameTooLong)
        } else if pass.len() > limits.password {
            Err(FormError::PasswordTooLong)
        } else {
            Ok((user, pass))
        };
        let mut buf = vec![0u8; form::buffer_len(body.as_bytes(), &opts)];
        let got =
            form::parse(body.as_bytes(), CT, &opts, &mut buf).map(|f| (f.username, f.password));
        assert_eq!(got, expected, "{body:?}");
    }
});
