//! `send batch`'s progress bar (indicatif): delivered of queued, refusals,
//! the rate and, when the input's length is known, the time left. Error
//! lines are printed above the bar, which redraws below them.

use std::io::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use outbox_engine::Client;

/// A bar on stderr; `None` gives a hidden one (errors are still printed).
/// `total`: the number of events to send, when known (a file's lines).
pub fn bar(show: bool, total: Option<u64>) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    // Drawn even when stderr is not a terminal: `--progress always` asked.
    let target = ProgressDrawTarget::term_like_with_hz(Box::new(Stderr), 10);
    let bar = ProgressBar::with_draw_target(total, target);
    let template = match total {
        Some(_) => "[{bar:24}] {human_pos}/{human_len} delivered · {msg} · {eta} left",
        None => "{spinner} {human_pos} delivered of {human_len} queued · {msg}",
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("█▉░"));
    }
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// Moves the bar to the client's counters.
pub fn update(bar: &ProgressBar, client: &Client, total_known: bool) {
    let s = client.stats();
    if !total_known {
        bar.set_length(s.enqueued);
    }
    bar.set_position(s.delivered);
    let rate = s.delivered as f64 / bar.elapsed().as_secs_f64().max(0.001);
    bar.set_message(format!("{} refused · {rate:.0}/s", s.dropped_total()));
}

/// A line that will not be sent (invalid): the total shrinks by one.
pub fn skipped(bar: &ProgressBar) {
    if bar.length().is_some_and(|n| n > 0) {
        bar.dec_length(1);
    }
}

/// Prints `line` on stderr above the bar (or alone, without one).
pub fn error_line(bar: &ProgressBar, line: &str) {
    bar.suspend(|| eprintln!("{line}"));
}

/// Stderr as indicatif's terminal, whether or not it is one.
#[derive(Debug)]
struct Stderr;

impl Stderr {
    fn put(&self, s: &str) -> std::io::Result<()> {
        std::io::stderr().lock().write_all(s.as_bytes())
    }
}

impl TermLike for Stderr {
    fn width(&self) -> u16 {
        100
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            self.put(&format!("\x1b[{n}A"))?;
        }
        Ok(())
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            self.put(&format!("\x1b[{n}B"))?;
        }
        Ok(())
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            self.put(&format!("\x1b[{n}C"))?;
        }
        Ok(())
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            self.put(&format!("\x1b[{n}D"))?;
        }
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.put(&format!("{s}\n"))
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.put(s)
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.put("\r\x1b[2K")
    }
    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
