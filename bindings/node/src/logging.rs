//! The engine logs through the `log` facade (target `outbox`). In Node,
//! warnings (dropped events, a disabled webhook endpoint) go to stderr;
//! `debug: true` on any client adds a line per request and retry.

use std::io::Write as _;
use std::sync::Once;

use log::{Level, LevelFilter, Log, Metadata, Record};

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("outbox") && metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = match record.level() {
            Level::Error => "error",
            Level::Warn => "warning",
            Level::Info => "info",
            Level::Debug | Level::Trace => "debug",
        };
        // Never panics, even with stderr closed.
        let _ = writeln!(std::io::stderr(), "outbox {level}: {}", record.args());
    }

    fn flush(&self) {}
}

static INSTALL: Once = Once::new();

/// Installs the stderr logger once per process (unless the host installed
/// one); `debug` raises the level for the whole process.
pub fn init(debug: bool) {
    INSTALL.call_once(|| {
        if log::set_logger(&Stderr).is_ok() {
            log::set_max_level(LevelFilter::Warn);
        }
    });
    if debug {
        log::set_max_level(LevelFilter::Debug);
    }
}
