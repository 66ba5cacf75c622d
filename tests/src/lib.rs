//! Black-box tests of the Rocket and Warp tutorial servers: the harness that runs them as
//! processes ([`server`]), a raw HTTP/1.1 client ([`client`]) and token helpers ([`token`]).
//! The tests themselves are in `tests/`: `conformance.rs` (every row of the behaviour spec,
//! on both servers, in every configuration, with parity checks) and `hostile.rs` (malformed
//! and oversized requests).

pub mod client;
pub mod server;
pub mod token;
