//! The `tracing` events a test makes, captured as text: what the tests of events and of the
//! stores' warnings read (no URL, no secret in them).
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing::subscriber::DefaultGuard;

/// Everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The events of this thread, from [`Log::capture`] until it is dropped.
pub(crate) struct Log {
    captured: Captured,
    _guard: DefaultGuard,
}

impl Log {
    /// Starts capturing the events of this thread (plain text, no colours).
    pub(crate) fn capture() -> Self {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        Self {
            captured,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    /// Everything written so far.
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.captured.0.lock().unwrap().clone()).unwrap()
    }
}
