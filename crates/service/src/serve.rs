//! A connection loop (feature `serve`) that bounds how long a client may take to send a
//! request's headers, for the adapters whose frameworks can run on any hyper loop (Warp,
//! axum).
//!
//! `warp::serve` and `axum::serve` build their hyper connections without a timer, and hyper's
//! header read timeout does nothing without one, so a client that opens a connection and never
//! finishes its headers holds a socket (and a file descriptor) for as long as it likes.
//! [`serve`] runs the application's service on hyper's HTTP/1.1 connections with a Tokio timer
//! and a header deadline.

use std::net::SocketAddr;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// An error a service or a body may end with.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long a client may take to send a request's headers by default: 10 seconds.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The connection of a request served by [`serve`], in the request's extensions.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Connection {
    /// The client's address (the socket peer).
    pub peer: SocketAddr,
    /// The server's address the client connected to.
    pub local: Option<SocketAddr>,
}

/// Settings of [`serve`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServeOptions {
    /// The time from a connection's start, or from the end of its previous answer, within
    /// which a request's headers must be complete; the connection is closed otherwise.
    pub header_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
        }
    }
}

impl ServeOptions {
    /// The options with `timeout` for request headers.
    #[must_use]
    pub fn with_header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }
}

/// Serves `service` on `listener` over HTTP/1.1 until the process ends, closing connections
/// whose request headers are not complete within `options.header_timeout`. Each request
/// carries its [`Connection`] in its extensions.
///
/// Each connection runs on its own Tokio task with a clone of `service`; a failed accept (for
/// example when the process is out of file descriptors) is retried after a short pause.
pub async fn serve<S, B>(service: S, listener: TcpListener, options: ServeOptions)
where
    S: tower_service::Service<hyper::Request<Incoming>, Response = hyper::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let local = listener.local_addr().ok();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of descriptors or a connection reset before accept: back off briefly
                // rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Small answers go out at once rather than waiting for more to send.
        let _ = stream.set_nodelay(true);
        let service = tower_fn(
            move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(Connection { peer, local });
                req
            },
            service.clone(),
        );
        tokio::spawn(async move {
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(options.header_timeout);
            // A connection that breaks off or times out ends here; there is nobody to tell.
            let _ = builder
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                .await;
        });
    }
}

/// A service that maps each request with `f` before handing it to `inner`.
fn tower_fn<F, S>(f: F, inner: S) -> MapRequest<F, S> {
    MapRequest { f, inner }
}

#[derive(Clone)]
struct MapRequest<F, S> {
    f: F,
    inner: S,
}

impl<F, S, B> tower_service::Service<hyper::Request<B>> for MapRequest<F, S>
where
    F: Fn(hyper::Request<B>) -> hyper::Request<B>,
    S: tower_service::Service<hyper::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: hyper::Request<B>) -> Self::Future {
        self.inner.call((self.f)(req))
    }
}
