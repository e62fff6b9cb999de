//! Fault-injecting HTTP receiver for the Outbox test suites.
//!
//! A real HTTP/1.1 server on 127.0.0.1 that counts events and unique message
//! ids, records requests, gunzips bodies and misbehaves on command (error
//! statuses, delays, hangs, connection resets, commit-then-fail). Rust tests
//! use [`Receiver`] directly; the other languages run the
//! `outbox-test-receiver` binary and drive the same server through its
//! `/_control/` HTTP API.
//!
//! ```no_run
//! use outbox_test_receiver::{Fault, Receiver};
//! use std::time::Duration;
//!
//! let rx = Receiver::start();
//! rx.push_fault(Fault::status(503).retry_after("1"));
//! // ... point the client under test at rx.url() ...
//! assert!(rx.wait_for_unique(10, Duration::from_secs(5)));
//! ```

mod control;
mod faults;
mod http;
mod ingest;
mod server;
mod state;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

pub use faults::{Fault, FaultKind};
pub use state::{RecordedRequest, Stats};

/// Called once for every ingest request (faulted and rejected ones included),
/// on a receiver thread, just before the request is answered (or reset, or
/// held). It sees the decoded body even when `record_bodies` is off. Keep it
/// quick: the client waits for it. A panic in it is caught and ignored.
pub type OnRequest = Arc<dyn Fn(&RecordedRequest) + Send + Sync>;

/// What a program embedding the receiver (such as `outbox listen`) adds to
/// [`ReceiverOptions`]. A separate struct, so code that builds
/// `ReceiverOptions` field by field keeps compiling.
#[derive(Clone, Default)]
pub struct Hooks {
    /// See [`OnRequest`].
    pub on_request: Option<OnRequest>,
    /// What requests that no fault rule matches are answered. `None` (the
    /// default) is 200. A 2xx stores the events and answers
    /// `{"ok":true}` with that status; any other status answers it without
    /// storing anything, like a `status` fault that never runs out (but
    /// `RecordedRequest::fault` stays `None`). Fault rules still win.
    pub status: Option<u16>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("on_request", &self.on_request.as_ref().map(|_| "Fn"))
            .field("status", &self.status)
            .finish()
    }
}

use state::Shared;

#[derive(Debug, Clone)]
pub struct ReceiverOptions {
    /// Record every ingest request (head, decoded body, ids). Turn off for
    /// benchmarks: only counters and the id set/list are kept then, and
    /// [`Receiver::requests`] returns nothing.
    pub record_bodies: bool,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
}

impl Default for ReceiverOptions {
    fn default() -> Self {
        ReceiverOptions { record_bodies: true, port: 0 }
    }
}

/// A running receiver. Dropping it stops the server and closes every
/// connection it holds.
pub struct Receiver {
    shared: Arc<Shared>,
    port: u16,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Starts a recording receiver on a random port.
    ///
    /// # Panics
    /// If no socket or runtime can be created, which in a test is fatal anyway.
    pub fn start() -> Receiver {
        match Receiver::start_with(ReceiverOptions::default()) {
            Ok(r) => r,
            Err(e) => panic!("outbox-test-receiver: cannot start: {e}"),
        }
    }

    pub fn start_with(opts: ReceiverOptions) -> std::io::Result<Receiver> {
        Receiver::start_with_hooks(opts, Hooks::default())
    }

    /// [`Receiver::start_with`] plus a per-request callback and a default
    /// answer (see [`Hooks`]). A `hooks.status` outside 200..=599 is an
    /// `InvalidInput` error.
    pub fn start_with_hooks(opts: ReceiverOptions, hooks: Hooks) -> std::io::Result<Receiver> {
        if let Some(status) = hooks.status {
            if !(200..=599).contains(&status) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("answer status {status} is not a final HTTP status (200..=599)"),
                ));
            }
        }
        // Bind here, not on the server thread, so errors reach the caller and
        // the port is accepting before `start` returns.
        let std_listener = std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, opts.port)))?;
        std_listener.set_nonblocking(true)?;
        let port = std_listener.local_addr()?.port();

        // Its own runtime, so it works from plain #[test] functions and from
        // inside other runtimes alike, and shares nothing with the code under
        // test. Two workers are plenty for loopback traffic and leave the
        // other cores to the client being benchmarked.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("outbox-test-receiver")
            .enable_io()
            .enable_time()
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener)?
        };

        let shared = Arc::new(Shared::with_hooks(opts.record_bodies, hooks));
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let server_shared = shared.clone();
        let thread = std::thread::Builder::new().name("outbox-test-receiver".into()).spawn(move || {
            runtime.block_on(server::serve(listener, server_shared, shutdown_rx));
            // Do not wait for hung or slow connections; dropping their
            // tasks closes their sockets.
            runtime.shutdown_timeout(Duration::from_millis(500));
        })?;

        Ok(Receiver { shared, port, shutdown: Some(shutdown_tx), thread: Some(thread) })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Appends a fault rule; rules apply first-match, in the order pushed.
    pub fn push_fault(&self, f: Fault) {
        self.shared.push_fault(f);
    }

    /// From now on, answers `status` (without storing anything) to every
    /// request whose decoded body contains `needle`: a receiver whose
    /// validation refuses one kind of event, and with it the whole batch.
    /// `reset` ends it.
    pub fn refuse_events_containing(&self, needle: &str, status: u16) {
        self.shared.set_refusal(Some((needle.to_owned(), status)));
    }

    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Every ingest request in arrival order, faulted ones included. Empty
    /// when `record_bodies` is off.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// Every stored id in arrival order, duplicates included.
    pub fn message_ids(&self) -> Vec<String> {
        self.shared.message_ids()
    }

    /// Blocks until `unique_events >= n` (true) or `timeout` passes (false).
    pub fn wait_for_unique(&self, n: u64, timeout: Duration) -> bool {
        self.shared.wait_for_unique(n, timeout)
    }

    /// Forgets requests, ids, stats and faults.
    pub fn reset(&self) {
        self.shared.reset();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver").field("url", &self.url()).finish()
    }
}
