//! Where the engine's log lines go in Node.
//!
//! Each client and webhook sender hands its lines to a JavaScript function
//! (`index.js` routes them to the `logger` option, `process.emitWarning`
//! or `NODE_DEBUG=outbox`), through a weak threadsafe function: a line
//! never keeps the process alive and nothing is written to fd 2 behind
//! Node's back. The few lines no client owns (the process-wide fork hooks)
//! go through the `log` facade to stderr.

use std::io::Write as _;
use std::sync::{Arc, Once};

use napi::bindgen_prelude::Function;
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi_derive::napi;
use outbox_engine::logger::{Level, LogSink};

use log::{LevelFilter, Log, Metadata, Record};

/// One log line, as `index.js` receives it.
#[napi(object)]
pub struct LogLine {
    /// `error`, `warn`, `info` or `debug`.
    pub level: String,
    pub message: String,
}

pub type LogFn<'f> = Function<'f, LogLine, ()>;

/// The engine's sink for one client: calls `f` on the JavaScript thread.
pub fn sink_for(f: Option<LogFn<'_>>) -> napi::Result<Option<LogSink>> {
    let Some(f) = f else { return Ok(None) };
    let tsfn = f.build_threadsafe_function::<LogLine>().callee_handled::<false>().weak::<true>().build()?;
    let sink: LogSink = Arc::new(move |level, message| {
        let level = match level {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug | Level::Trace => "debug",
        };
        let line = LogLine { level: level.to_owned(), message: message.to_owned() };
        // Non-blocking: a line is dropped rather than stall the engine.
        let _ = tsfn.call(line, ThreadsafeFunctionCallMode::NonBlocking);
    });
    Ok(Some(sink))
}

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("outbox") && metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            // Never panics, even with stderr closed.
            let _ = writeln!(std::io::stderr(), "outbox {}: {}", record.level().as_str().to_lowercase(), record.args());
        }
    }

    fn flush(&self) {}
}

static INSTALL: Once = Once::new();

/// Installs the stderr logger for lines no client owns, once per process
/// (unless the host installed one): warnings and errors only.
pub fn init() {
    INSTALL.call_once(|| {
        if log::set_logger(&Stderr).is_ok() {
            log::set_max_level(LevelFilter::Warn);
        }
    });
}
