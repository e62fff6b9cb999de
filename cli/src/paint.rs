//! Terminal output: colours when wanted, and writing to stdout.

use std::io::{IsTerminal, Write};

use crate::args::ColorWhen;

/// ANSI styling, or none. Decided once per stream.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    pub on: bool,
}

impl Paint {
    /// Colour for stdout: `always`, `never`, or on a terminal unless NO_COLOR
    /// is set to something (https://no-color.org).
    pub fn stdout(when: ColorWhen) -> Paint {
        Paint::decide(when, std::io::stdout().is_terminal())
    }

    pub fn stderr(when: ColorWhen) -> Paint {
        Paint::decide(when, std::io::stderr().is_terminal())
    }

    fn decide(when: ColorWhen, terminal: bool) -> Paint {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let on = match when {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => terminal && !no_color,
        };
        Paint { on }
    }

    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }
    pub fn dim(&self, t: &str) -> String {
        self.wrap("2", t)
    }
    pub fn red(&self, t: &str) -> String {
        self.wrap("31", t)
    }
    pub fn green(&self, t: &str) -> String {
        self.wrap("32", t)
    }
    pub fn yellow(&self, t: &str) -> String {
        self.wrap("33", t)
    }
    pub fn blue(&self, t: &str) -> String {
        self.wrap("34", t)
    }
    pub fn cyan(&self, t: &str) -> String {
        self.wrap("36", t)
    }
    pub fn bold_red(&self, t: &str) -> String {
        self.wrap("1;31", t)
    }
    pub fn bold_green(&self, t: &str) -> String {
        self.wrap("1;32", t)
    }
}

/// Writes `text` to stdout at once (one lock, flushed). A closed pipe is
/// ignored: the exit status still tells the outcome.
pub fn out(text: &str) {
    let _ = write_stdout(text);
}

/// Like [`out`], but a reader that went away (`outbox listen | head`) ends
/// the process, as it would end any Unix filter.
pub fn out_or_exit(text: &str) {
    if let Err(e) = write_stdout(text) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut o = std::io::stdout().lock();
    o.write_all(text.as_bytes())?;
    o.flush()
}
