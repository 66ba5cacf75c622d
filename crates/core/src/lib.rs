#![no_std]
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::alloc_instead_of_core
)]
#![warn(clippy::panic, clippy::panic_in_result_fn)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod b64;
pub mod bearer;
mod encodable;
mod error;
pub mod form;
pub mod http;
mod json;
pub mod jwt;
mod key;
#[cfg(feature = "password")]
pub mod password;
pub mod scope;
mod time;

pub use crate::error::{EncodeError, KeyError, TokenError};
pub use crate::json::{Chars, JsonStr, MAX_DEPTH};
#[cfg(feature = "getrandom")]
pub use crate::key::random_secret;
pub use crate::key::{Hs256Key, KID_LEN, KeyRing, KeyRingError, MIN_KEY_LEN};
pub use crate::time::{MAX_NUMERIC_DATE, NumericDate, UnixTime};
