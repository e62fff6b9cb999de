//! Outbox's Rust log records, forwarded to Python's `logging` (logger `outbox`).
//!
//! The engine logs from its background threads, sometimes while holding a
//! queue lock that a Python thread (holding the GIL) may be waiting for. So
//! a record is never handed to Python on the thread that produced it: it is
//! queued (bounded) and a dedicated thread forwards it, taking the GIL with
//! no Outbox lock held. The queue is per process: after a fork the child
//! starts a fresh one.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};

use log::{Level, LevelFilter, Log, Metadata, Record};
use outbox_engine::bindings::PerProcess;
use parking_lot::{Condvar, Mutex};
use pyo3::prelude::*;

use crate::gil;

/// Records held while the forwarder catches up; past it they are counted.
const MAX_QUEUED: usize = 10_000;

struct Entry {
    level: Level,
    logger: String,
    message: String,
}

#[derive(Default)]
struct State {
    entries: VecDeque<Entry>,
    lost: u64,
    thread_started: bool,
}

#[derive(Default)]
struct Queue {
    state: Mutex<State>,
    ready: Condvar,
}

static QUEUE: PerProcess<Queue> = PerProcess::new(Queue::default);

/// Verbose (debug-level) records from the engine are wanted.
static VERBOSE: AtomicBool = AtomicBool::new(false);

struct Forwarder;

impl Log for Forwarder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        if is_ours(metadata.target()) {
            metadata.level() <= Level::Info || VERBOSE.load(Ordering::Relaxed)
        } else {
            metadata.level() <= Level::Warn
        }
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let message = record.args().to_string();
        if gil::finalizing() {
            // Python's logging is gone; what matters still reaches stderr.
            if record.level() <= Level::Warn {
                eprintln!("outbox: {}: {message}", record.level());
            }
            return;
        }
        let entry = Entry { level: record.level(), logger: logger_name(record.target()), message };
        let queue = QUEUE.get();
        let mut st = queue.state.lock();
        if st.entries.len() >= MAX_QUEUED {
            st.lost += 1;
            return;
        }
        st.entries.push_back(entry);
        if !st.thread_started {
            st.thread_started = true;
            let spawned = std::thread::Builder::new().name("outbox-log".into()).spawn(forward_forever);
            if spawned.is_err() {
                // No thread: records wait for `drain_now` (the exit hook).
                st.thread_started = false;
            }
        }
        drop(st);
        queue.ready.notify_one();
    }

    fn flush(&self) {}
}

fn is_ours(target: &str) -> bool {
    target == "outbox" || target.starts_with("outbox::") || target.starts_with("outbox_")
}

fn logger_name(target: &str) -> String {
    if is_ours(target) {
        return "outbox".to_owned();
    }
    let krate = target.split("::").next().unwrap_or(target);
    format!("outbox.{krate}")
}

fn forward_forever() {
    let queue = QUEUE.get();
    loop {
        let (batch, lost) = {
            let mut st = queue.state.lock();
            while st.entries.is_empty() && st.lost == 0 {
                queue.ready.wait(&mut st);
            }
            (std::mem::take(&mut st.entries), std::mem::take(&mut st.lost))
        };
        if gil::enter(|py| emit(py, batch, lost)).is_none() {
            return;
        }
    }
}

/// Forwards everything queued now, on the calling thread (which holds the GIL).
pub fn drain_now(py: Python<'_>) {
    let queue = QUEUE.get();
    let (batch, lost) = {
        let mut st = queue.state.lock();
        (std::mem::take(&mut st.entries), std::mem::take(&mut st.lost))
    };
    emit(py, batch, lost);
}

fn emit(py: Python<'_>, batch: VecDeque<Entry>, lost: u64) {
    let Ok(logging) = py.import("logging") else { return };
    for entry in batch {
        let level = match entry.level {
            Level::Error => 40,
            Level::Warn => 30,
            Level::Info => 20,
            Level::Debug => 10,
            Level::Trace => 5,
        };
        if let Ok(logger) = logging.call_method1("getLogger", (entry.logger,)) {
            // logging reports its own handler errors; nothing to add here.
            let _ = logger.call_method1("log", (level, "%s", entry.message));
        }
    }
    if lost > 0 {
        if let Ok(logger) = logging.call_method1("getLogger", ("outbox",)) {
            let _ = logger.call_method1("warning", ("%d log records were lost: the logging backlog was full", lost));
        }
    }
}

/// Installs the forwarder as the `log` backend of this extension module.
pub fn install() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // Fails only if something else in this module set a logger first.
        let _ = log::set_logger(&Forwarder);
        log::set_max_level(LevelFilter::Info);
    });
}

/// A client asked for `debug=True`: forward the engine's debug records too.
pub fn set_verbose() {
    VERBOSE.store(true, Ordering::Relaxed);
    log::set_max_level(LevelFilter::Debug);
}
