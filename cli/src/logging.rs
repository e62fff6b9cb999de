//! `--verbose`: the engine's log on stderr.

struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        // The engine's own log in full; its dependencies' only when it matters.
        let from_outbox = m.target() == "outbox" || m.target().starts_with("outbox_");
        m.level() <= log::max_level() && (from_outbox || m.level() <= log::Level::Warn)
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("[{} {}] {}", record.level().as_str().to_ascii_lowercase(), record.target(), record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: StderrLogger = StderrLogger;

/// Sends the engine's log to stderr: errors always, everything with
/// `verbose`. (Its rate-limited drop warnings would repeat what the command
/// reports itself.)
pub fn init_logging(verbose: bool) {
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(if verbose { log::LevelFilter::Debug } else { log::LevelFilter::Error });
    }
}
