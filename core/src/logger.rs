//! Where an engine's log lines go.
//!
//! By default, the `log` facade (target `outbox`), which Rust programs and
//! the Python binding (Python's `logging`) route themselves. A host with its
//! own idea of logging (Node's `logger` option, `NODE_DEBUG`) gives each
//! client a [`LogSink`], so that one client's lines reach that client's
//! logger and nothing is written behind the host's back.

use std::fmt;
use std::sync::Arc;

pub use log::Level;

/// Receives a client's log lines: the level and the line. Called from the
/// engine's threads; it must not block for long.
pub type LogSink = Arc<dyn Fn(Level, &str) + Send + Sync>;

/// A client's logger: its sink (or the `log` facade) and whether per-request
/// debug lines are wanted.
#[derive(Clone, Default)]
pub struct Logger {
    sink: Option<LogSink>,
    debug: bool,
}

impl Logger {
    /// Lines go to `sink` (`None`: the `log` facade); `debug` adds a line
    /// per request and retry.
    pub fn new(sink: Option<LogSink>, debug: bool) -> Logger {
        Logger { sink, debug }
    }

    /// Whether per-request debug lines are wanted (building them costs).
    pub fn debug_enabled(&self) -> bool {
        self.debug
    }

    /// Something failed that the engine cannot fix by itself.
    pub fn error(&self, args: fmt::Arguments<'_>) {
        self.log(Level::Error, args);
    }

    /// Something the user should know: events lost, an endpoint disabled.
    pub fn warn(&self, args: fmt::Arguments<'_>) {
        self.log(Level::Warn, args);
    }

    /// A notable recovery (the spool writes again, events re-queued).
    pub fn info(&self, args: fmt::Arguments<'_>) {
        self.log(Level::Info, args);
    }

    /// A per-request line: only with `debug`.
    pub fn debug(&self, args: fmt::Arguments<'_>) {
        self.at(Level::Debug, args);
    }

    /// A line at `level` (debug and trace lines only with `debug`).
    pub fn at(&self, level: Level, args: fmt::Arguments<'_>) {
        if level >= Level::Debug && !self.debug {
            return;
        }
        self.log(level, args);
    }

    fn log(&self, level: Level, args: fmt::Arguments<'_>) {
        match &self.sink {
            Some(sink) => sink(level, &args.to_string()),
            None => log::log!(target: "outbox", level, "{args}"),
        }
    }
}

impl fmt::Debug for Logger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logger").field("sink", &self.sink.as_ref().map(|_| "<fn>")).field("debug", &self.debug).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn a_sink_gets_every_line_and_debug_lines_only_with_debug() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let seen = lines.clone();
        let sink: LogSink = Arc::new(move |level, line| seen.lock().unwrap().push((level, line.to_owned())));
        let quiet = Logger::new(Some(sink.clone()), false);
        quiet.warn(format_args!("dropped {}", 3));
        quiet.debug(format_args!("POST /v1/batch"));
        let chatty = Logger::new(Some(sink), true);
        chatty.debug(format_args!("POST /v1/batch"));
        assert_eq!(
            *lines.lock().unwrap(),
            vec![(Level::Warn, "dropped 3".to_owned()), (Level::Debug, "POST /v1/batch".to_owned())]
        );
    }
}
