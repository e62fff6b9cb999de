//! The npm package `outbox`: napi-rs bindings over `outbox-engine`.
//!
//! This crate is thin by design: it converts arguments (JavaScript values
//! to event JSON, option objects to `Options`), maps errors to JavaScript
//! ones, runs blocking engine calls on Node's thread pool (`AsyncTask`), and
//! carries `on_error` reports back through a weak threadsafe function. No
//! delivery, retry, batching or signing logic lives here; `index.js` adds the
//! idioms (classes, Promises, exit hooks).
//!
//! The addon is context-aware: nothing here is per-process except the
//! engine's own state, so it loads in any number of worker threads, each
//! with its own clients.

// In `cargo test` builds napi's macros register nothing, so the exported
// functions look unused there.
#![cfg_attr(test, allow(dead_code))]

mod cache;
mod client;
mod convert;
mod js;
mod lifecycle;
mod logging;
mod options;
mod report;
mod sign;
mod webhook;

use napi_derive::napi;

/// The version of the engine this addon was built from.
#[napi]
pub fn version() -> String {
    outbox_engine::VERSION.to_string()
}

/// Shuts down at process (or worker) exit; see `report::shutdown_at_exit`.
#[napi]
pub fn shutdown_at_exit(main_thread: bool) -> Vec<report::CapturedReports> {
    std::panic::catch_unwind(|| report::shutdown_at_exit(main_thread)).unwrap_or_default()
}
