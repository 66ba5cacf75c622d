#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]
//! Integration tests of tessera-core, one binary (see each module's header for its scope).

// Published and interop vectors: RFC 7515 A.1, RFC 4231, jwt.io, PyJWT, adversarial tokens,
// form bodies as FastAPI reads them.
mod vectors;
// One negative test per MUST of docs/security.md sections 1 to 5, named after the requirement id.
mod security;
// Property tests: round trips, no panics, single-byte tampering.
mod props;
// The verify and encode paths make no heap allocation.
mod alloc_free;
// HTTP answers of every failure, in both styles (docs/behaviour.md tables).
mod http;
// Key rings: key ids, `kid` headers, verification under up to four keys.
mod keyring;
// argon2id: RFC 9106 vector, pwdlib/argon2-cffi interop, rehash, limits.
#[cfg(all(feature = "password", feature = "alloc"))]
mod password;
