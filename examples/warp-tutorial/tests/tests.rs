//! The tutorial app on Warp against docs/behaviour.md, through `warp::test` and over real sockets.

/// Building apps, sending requests, checking answers.
#[cfg(test)]
mod support;

/// `POST /token`.
#[cfg(test)]
mod token;

/// Protected routes, `/items/`, 404, 405 and 307.
#[cfg(test)]
mod routes;

/// Real sockets and the binary.
#[cfg(test)]
mod server;
