//! Small shared pieces: the error type and exit codes, input readers and
//! argument parsers, colours, and a stderr logger.

use std::fmt;
use std::io::{IsTerminal, Read, Write};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use outbox_core::DeliveryError;

use serde_json::{Map, Value};

use crate::args::ColorWhen;

/// Exit status when a delivery or a verification failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for bad usage or unreadable input (as clap's own errors).
pub const EXIT_USAGE: u8 = 2;

/// Why a command did not succeed, with the exit status it maps to.
#[derive(Debug)]
pub struct Fail {
    pub code: u8,
    pub message: String,
}

impl Fail {
    /// Bad arguments or input: exit 2.
    pub fn usage(message: impl Into<String>) -> Fail {
        Fail {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }

    /// The operation itself failed (not delivered, not verified): exit 1.
    pub fn failed(message: impl Into<String>) -> Fail {
        Fail {
            code: EXIT_FAILED,
            message: message.into(),
        }
    }

    /// Exit 1 with nothing more to say (the command printed the reason).
    pub fn silent() -> Fail {
        Fail {
            code: EXIT_FAILED,
            message: String::new(),
        }
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub type CliResult<T = ()> = Result<T, Fail>;

// ---------------------------------------------------------------------------
// Inputs

/// Reads a whole file, or stdin for `-`.
pub fn read_input(file: &str) -> CliResult<Vec<u8>> {
    let mut buf = Vec::new();
    if file == "-" {
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| Fail::usage(format!("cannot read standard input: {e}")))?;
    } else {
        buf = std::fs::read(file).map_err(|e| Fail::usage(format!("cannot read {file}: {e}")))?;
    }
    Ok(buf)
}

/// A JSON argument: inline text, `@FILE`, or `@-` for stdin.
pub fn json_arg(flag: &str, text: &str) -> CliResult<Value> {
    let (source, body) = match text.strip_prefix('@') {
        Some(file) => {
            let bytes = read_input(file)?;
            let body = String::from_utf8(bytes)
                .map_err(|_| Fail::usage(format!("--{flag}: {file} is not UTF-8 text")))?;
            (format!(" (from {file})"), body)
        }
        None => (String::new(), text.to_owned()),
    };
    serde_json::from_str(&body)
        .map_err(|e| Fail::usage(format!("--{flag}{source} is not valid JSON: {e}")))
}

/// A JSON object built from `--NAME JSON` plus `KEY=VALUE` pairs (pairs win).
/// `None` when neither was given.
pub fn object_arg(
    flag: &str,
    json: Option<&str>,
    pair_flag: &str,
    pairs: &[String],
) -> CliResult<Option<Value>> {
    let mut map = match json {
        None => Map::new(),
        Some(text) => match json_arg(flag, text)? {
            Value::Object(map) => map,
            other => {
                return Err(Fail::usage(format!(
                    "--{flag} must be a JSON object ({{...}}), not {}",
                    kind_of(&other)
                )))
            }
        },
    };
    for pair in pairs {
        let (key, value) = parse_pair(pair_flag, pair)?;
        map.insert(key, value);
    }
    Ok((json.is_some() || !pairs.is_empty()).then_some(Value::Object(map)))
}

/// `KEY=VALUE`: the value is JSON when it parses as JSON (numbers, true,
/// null, quoted strings, objects), otherwise the text itself.
pub fn parse_pair(flag: &str, pair: &str) -> CliResult<(String, Value)> {
    let Some((key, raw)) = pair.split_once('=') else {
        return Err(Fail::usage(format!(
            "--{flag} {pair:?}: expected KEY=VALUE"
        )));
    };
    if key.is_empty() {
        return Err(Fail::usage(format!("--{flag} {pair:?}: the key is empty")));
    }
    let value =
        serde_json::from_str::<Value>(raw).unwrap_or_else(|_| Value::String(raw.to_owned()));
    Ok((key.to_owned(), value))
}

/// `Name: value` (a request header as curl takes it).
pub fn parse_header(text: &str) -> CliResult<(String, String)> {
    let Some((name, value)) = text.split_once(':') else {
        return Err(Fail::usage(format!(
            "header {text:?}: expected 'Name: value'"
        )));
    };
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Fail::usage(format!(
            "header {text:?}: {name:?} is not a valid header name"
        )));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `30s`, `500ms`, `2m`, `1h`, or plain seconds (`30`, `0.5`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {text:?} (use ms, s, m or h, e.g. 30s)"
            ))
        }
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (e.g. 30s, 500ms, 2m)"))?;
    let secs = value * scale;
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return Err(format!("{text:?} is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

// ---------------------------------------------------------------------------
// on_error reports

/// Collects what `on_error` reports. The engine reports drops from its
/// background thread, possibly just after `flush` returned, so a command that
/// is about to print and exit waits for the reports to cover every dropped
/// event first ([`ErrorLog::wait_for_events`]).
#[derive(Default)]
pub struct ErrorLog {
    list: Mutex<Vec<DeliveryError>>,
    added: Condvar,
}

impl ErrorLog {
    pub fn push(&self, e: &DeliveryError) {
        self.list
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(e.clone());
        self.added.notify_all();
    }

    pub fn all(&self) -> Vec<DeliveryError> {
        self.list.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Events covered by the reports so far.
    pub fn events(&self) -> u64 {
        self.list
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|e| e.count)
            .sum()
    }

    /// Waits until the reports cover `events` events, or `timeout` passes.
    pub fn wait_for_events(&self, events: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut list = self.list.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if list.iter().map(|e| e.count).sum::<u64>() >= events {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            list = self
                .added
                .wait_timeout(list, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

/// How long a command waits for `on_error` to catch up with the counters.
pub const REPORT_WAIT: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------
// Colour

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

// ---------------------------------------------------------------------------
// Logging (`--verbose`)

struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        // The engine's own log in full; its dependencies' only when it matters.
        let from_outbox = m.target() == "outbox" || m.target().starts_with("outbox_");
        m.level() <= log::max_level() && (from_outbox || m.level() <= log::Level::Warn)
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!(
                "[{} {}] {}",
                record.level().as_str().to_ascii_lowercase(),
                record.target(),
                record.args()
            );
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
        log::set_max_level(if verbose {
            log::LevelFilter::Debug
        } else {
            log::LevelFilter::Error
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("0.25"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 years").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn pairs_and_headers() {
        assert_eq!(
            parse_pair("p", "total=99.5").ok(),
            Some(("total".into(), serde_json::json!(99.5)))
        );
        assert_eq!(
            parse_pair("p", "plan=pro").ok(),
            Some(("plan".into(), serde_json::json!("pro")))
        );
        assert_eq!(
            parse_pair("p", "zip=01234").ok(),
            Some(("zip".into(), serde_json::json!("01234")))
        );
        assert_eq!(
            parse_pair("p", "a=b=c").ok(),
            Some(("a".into(), serde_json::json!("b=c")))
        );
        assert_eq!(
            parse_pair("p", "empty=").ok(),
            Some(("empty".into(), serde_json::json!("")))
        );
        assert!(parse_pair("p", "novalue").is_err());
        assert!(parse_pair("p", "=x").is_err());
        assert_eq!(
            parse_header("X-A:  b c ").ok(),
            Some(("X-A".into(), "b c".into()))
        );
        assert_eq!(
            parse_header("webhook-signature: v1,abc=").ok(),
            Some(("webhook-signature".into(), "v1,abc=".into()))
        );
        assert!(parse_header("nocolon").is_err());
        assert!(parse_header("bad name: x").is_err());
    }

    #[test]
    fn objects() {
        let v = object_arg(
            "properties",
            Some(r#"{"a":1,"b":2}"#),
            "property",
            &["b=3".into()],
        )
        .ok()
        .flatten();
        assert_eq!(v, Some(serde_json::json!({"a": 1, "b": 3})));
        assert_eq!(
            object_arg("properties", None, "property", &[])
                .ok()
                .flatten(),
            None
        );
        assert!(object_arg("properties", Some("[1]"), "property", &[]).is_err());
        assert!(object_arg("properties", Some("{nope"), "property", &[]).is_err());
    }
}
