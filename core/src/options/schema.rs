//! The option schema: every option of a client, a webhook sender and a
//! webhook endpoint, declared once.
//!
//! Each [`OptionSpec`] carries the option's name, what its default means, a
//! one-line doc, and typed accessors. Everything else is derived from it:
//! - each face's name for it ([`Naming`]): `flush_interval` in Rust, Python
//!   and C (`outbox_config_set_flush_interval_ms`), `flushIntervalMs` in Node;
//! - range checks and their messages ([`apply`]), identical in every face;
//! - "did you mean" hints for unknown names ([`suggest`]);
//! - the option tables of the README and docs and the option blocks of the
//!   Python and TypeScript typings (`options::docs`, checked for drift by
//!   `core/tests/option_docs.rs`).
//!
//! A binding only reads host values of each [`Kind`] (a Python `int`, a JS
//! number of milliseconds, a C `uint64_t`) into a [`Value`]; it never checks
//! a range or names an option itself.

use std::borrow::Cow;
use std::path::PathBuf;
use std::time::Duration;

use super::declared;
use super::webhook::{Endpoint, WebhookOptions};
use super::{OnError, Options, MAX_DURATION};
use crate::error::Error;

/// `block_timeout` when `on_full` is `block` and no timeout is given.
pub const DEFAULT_BLOCK_TIMEOUT: Duration = Duration::from_secs(1);

/// Header names and values, in order.
pub type HeaderList = Vec<(String, String)>;

/// What a host reads for an option (the host's own types; see [`Value`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// One of these names (text).
    Choice(&'static [&'static str]),
    /// A whole number of at least 1.
    Count,
    /// A whole number of at least 0, or no limit.
    Retries,
    /// A duration, at most one day; above zero unless `zero_ok`.
    Duration {
        /// Zero is allowed (it means "none" or "at once").
        zero_ok: bool,
    },
    /// A duration of at most one day, or no limit (`Duration::MAX`).
    DurationOrForever,
    /// True or false.
    Flag,
    /// One text or a list of texts.
    Texts,
    /// Header names to values.
    Headers,
    /// A filesystem path.
    Path,
    /// A host function (`on_error`), wrapped by the binding.
    Callback,
    /// The endpoints of a webhook sender, each read with [`ENDPOINT_OPTIONS`].
    Endpoints,
}

impl Kind {
    /// Durations are named with a unit suffix where the host has one (`Ms`).
    pub fn is_duration(self) -> bool {
        matches!(self, Kind::Duration { .. } | Kind::DurationOrForever)
    }
}

/// A value a host read for an option, before range checks.
#[derive(Clone)]
pub enum Value {
    /// `Kind::Text` and `Kind::Choice`.
    Text(String),
    /// `Kind::Count` (range-checked by the schema, so any integer).
    Count(i64),
    /// `Kind::Retries`: `None` is no limit.
    Retries(Option<i64>),
    /// Any duration kind, in seconds: `f64::INFINITY` is "no limit".
    Seconds(f64),
    /// `Kind::Flag`.
    Flag(bool),
    /// `Kind::Texts`.
    Texts(Vec<String>),
    /// `Kind::Headers`.
    Headers(Vec<(String, String)>),
    /// `Kind::Path`.
    Path(PathBuf),
    /// `Kind::Callback`.
    Callback(OnError),
    /// `Kind::Endpoints`.
    Endpoints(Vec<Endpoint>),
}

/// Typed access to the field(s) an option sets. The variant fixes the kind.
pub enum Access<T> {
    /// `Kind::Text`; the setter may refuse the text.
    Text(fn(&mut T, String) -> Result<(), String>, fn(&T) -> Option<String>),
    /// `Kind::Choice`; the setter parses the name.
    Choice(&'static [&'static str], fn(&mut T, &str) -> Result<(), String>, fn(&T) -> Option<String>),
    /// `Kind::Count`.
    Count(fn(&mut T, usize), fn(&T) -> usize),
    /// `Kind::Retries`.
    Retries(fn(&mut T, Option<u32>), fn(&T) -> Option<u32>),
    /// `Kind::Duration`.
    Duration {
        /// Zero is allowed.
        zero_ok: bool,
        /// Writes the value.
        set: fn(&mut T, Duration),
        /// Reads the value (for the docs' defaults).
        get: fn(&T) -> Duration,
    },
    /// `Kind::DurationOrForever`; the setter may refuse (order of options).
    DurationOrForever(fn(&mut T, Duration) -> Result<(), String>, fn(&T) -> Option<Duration>),
    /// `Kind::Flag`.
    Flag(fn(&mut T, bool), fn(&T) -> bool),
    /// `Kind::Texts`.
    Texts(fn(&mut T, Vec<String>)),
    /// `Kind::Headers`.
    Headers(fn(&mut T, HeaderList) -> Result<(), String>),
    /// `Kind::Path`.
    Path(fn(&mut T, PathBuf)),
    /// `Kind::Callback`.
    Callback(fn(&mut T, OnError)),
    /// `Kind::Endpoints`.
    Endpoints(fn(&mut T, Vec<Endpoint>) -> Result<(), String>),
}

/// One option, declared once for every face.
pub struct OptionSpec<T: 'static> {
    /// The canonical (snake_case) name; see [`Naming`] for each face's.
    pub name: &'static str,
    /// What the option does, in one line (the docs tables show it).
    pub doc: &'static str,
    /// What leaving it out means when that is not a plain value: "required",
    /// "none", "no limit". `None` shows the default value itself.
    pub unset: Option<&'static str>,
    /// How the option is read and written.
    pub access: Access<T>,
}

impl<T> OptionSpec<T> {
    /// What a host must read for this option.
    pub fn kind(&self) -> Kind {
        match &self.access {
            Access::Text(..) => Kind::Text,
            Access::Choice(names, ..) => Kind::Choice(names),
            Access::Count(..) => Kind::Count,
            Access::Retries(..) => Kind::Retries,
            Access::Duration { zero_ok, .. } => Kind::Duration { zero_ok: *zero_ok },
            Access::DurationOrForever(..) => Kind::DurationOrForever,
            Access::Flag(..) => Kind::Flag,
            Access::Texts(..) => Kind::Texts,
            Access::Headers(..) => Kind::Headers,
            Access::Path(..) => Kind::Path,
            Access::Callback(..) => Kind::Callback,
            Access::Endpoints(..) => Kind::Endpoints,
        }
    }

    /// This option's name in a face (`flushIntervalMs` in Node).
    pub fn name_in(&self, naming: Naming) -> Cow<'static, str> {
        match naming.option(self.name, self.kind().is_duration()) {
            Cow::Borrowed(_) => Cow::Borrowed(self.name),
            Cow::Owned(name) => Cow::Owned(name),
        }
    }

    /// The default as a value, read off `T`'s defaults (so docs cannot drift).
    pub fn default_of(&self, defaults: &T) -> Default {
        match &self.access {
            Access::Text(_, get) | Access::Choice(_, _, get) => get(defaults).map_or(Default::Unset, Default::Text),
            Access::Count(_, get) => Default::Count(get(defaults) as u64),
            Access::Retries(_, get) => get(defaults).map_or(Default::Unset, |n| Default::Count(u64::from(n))),
            Access::Duration { get, .. } => Default::Duration(get(defaults)),
            Access::DurationOrForever(_, get) => get(defaults).map_or(Default::Unset, Default::Duration),
            Access::Flag(_, get) => Default::Flag(get(defaults)),
            _ => Default::Unset,
        }
    }
}

/// A default, for the docs of each face to render in its own units.
#[derive(Debug, Clone, PartialEq)]
pub enum Default {
    /// No value: the spec's `unset` says what that means.
    Unset,
    /// Text (a path, a choice).
    Text(String),
    /// A number.
    Count(u64),
    /// A duration.
    Duration(Duration),
    /// True or false.
    Flag(bool),
}

pub use crate::names::Naming;

/// Reads options from a host object, one spec at a time.
pub trait Source<T> {
    /// The host's error (a Python exception, a JS error, a C status).
    type Error: From<Error>;
    /// The value given for `spec` (named `name` in this face), or `None`
    /// when it is absent. Checks the host type only.
    fn read(&mut self, spec: &OptionSpec<T>, name: &str) -> Result<Option<Value>, Self::Error>;
}

/// Sets one option: checks the value against the spec's kind and range.
/// The message omits the option's name (the caller prefixes it).
pub fn set<T>(spec: &OptionSpec<T>, target: &mut T, value: Value) -> Result<(), String> {
    let kind = spec.kind();
    match (&spec.access, value) {
        (Access::Text(set, _), Value::Text(v)) => set(target, v),
        (Access::Choice(_, set, _), Value::Text(v)) => set(target, &v),
        (Access::Count(set, _), Value::Count(n)) => {
            if n < 1 {
                return Err(format!("must be at least 1, got {n}"));
            }
            set(target, usize::try_from(n).unwrap_or(usize::MAX));
            Ok(())
        }
        (Access::Retries(set, _), Value::Retries(n)) => match n {
            Some(n) if n < 0 => Err(format!("must be 0 or more (or no limit), got {n}")),
            Some(n) => {
                set(target, Some(u32::try_from(n).unwrap_or(u32::MAX)));
                Ok(())
            }
            None => {
                set(target, None);
                Ok(())
            }
        },
        (Access::Duration { zero_ok, set, .. }, Value::Seconds(s)) => {
            set(target, duration(s, *zero_ok, false)?);
            Ok(())
        }
        (Access::DurationOrForever(set, _), Value::Seconds(s)) => set(target, duration(s, true, true)?),
        (Access::Flag(set, _), Value::Flag(b)) => {
            set(target, b);
            Ok(())
        }
        (Access::Texts(set), Value::Texts(v)) => {
            set(target, v);
            Ok(())
        }
        (Access::Headers(set), Value::Headers(v)) => set(target, v),
        (Access::Path(set), Value::Path(p)) => {
            set(target, p);
            Ok(())
        }
        (Access::Callback(set), Value::Callback(f)) => {
            set(target, f);
            Ok(())
        }
        (Access::Endpoints(set), Value::Endpoints(v)) => set(target, v),
        _ => Err(format!("was read as the wrong kind of value (expected {kind:?}); this is a bug in the binding")),
    }
}

/// A duration option's value: at most one day; zero only when `zero_ok`;
/// unlimited only when `forever_ok`.
fn duration(seconds: f64, zero_ok: bool, forever_ok: bool) -> Result<Duration, String> {
    // No "got": each face gives durations in its own unit (seconds in
    // Python, milliseconds in Node and C), and the value is theirs to see.
    if seconds.is_nan() || seconds < 0.0 {
        return Err("must be 0 or more".into());
    }
    if seconds == f64::INFINITY && forever_ok {
        return Ok(Duration::MAX);
    }
    if seconds == 0.0 && !zero_ok {
        return Err("must be greater than zero".into());
    }
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) if d <= MAX_DURATION => Ok(d),
        _ if forever_ok => Err("must be at most one day (86400 s, 86400000 ms), or no limit".into()),
        _ => Err("must be at most one day (86400 s, 86400000 ms)".into()),
    }
}

/// The known name closest to an unknown one, for "did you mean" hints:
/// compared without case, `_` and `-`, within two edits or as a prefix.
pub fn suggest<'k>(unknown: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['_', '-'], "");
    let wanted = norm(unknown);
    if wanted.is_empty() {
        return None;
    }
    known
        .into_iter()
        .map(|k| (k, norm(k)))
        .filter_map(|(k, n)| {
            let d = edit_distance(&wanted, &n);
            (d <= 2 || n.starts_with(&wanted) || wanted.starts_with(&n)).then_some((d, k))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb { diagonal } else { 1 + diagonal.min(above).min(row[j]) };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The options of one kind of object: its own, then the shared ones.
pub struct Table<T: 'static> {
    parts: &'static [&'static [OptionSpec<T>]],
}

impl<T> Table<T> {
    /// Every option, in the order they are applied and documented.
    pub fn iter(&self) -> impl Iterator<Item = &'static OptionSpec<T>> {
        self.parts.iter().flat_map(|part| part.iter())
    }

    /// The option named `name` (canonical snake_case).
    pub fn get(&self, name: &str) -> Option<&'static OptionSpec<T>> {
        self.iter().find(|spec| spec.name == name)
    }

    /// Each face's names of every option, in order.
    pub fn names(&self, naming: Naming) -> Vec<Cow<'static, str>> {
        self.iter().map(|spec| spec.name_in(naming)).collect()
    }

    /// Reads every option from `source` into `target` (see [`apply`]).
    pub fn apply<S: Source<T>>(
        &self,
        target: &mut T,
        naming: Naming,
        what: &str,
        source: &mut S,
    ) -> Result<(), S::Error> {
        for spec in self.iter() {
            let name = spec.name_in(naming);
            if let Some(value) = source.read(spec, &name)? {
                set(spec, target, value).map_err(|m| Error::invalid_option(format!("{what}{name} {m}")))?;
            }
        }
        Ok(())
    }
}

/// The message for a name nobody declared (`noun`: "option", "field"),
/// with the closest known one as a hint, or the list when none is close.
pub fn unknown_name(noun: &str, unknown: &str, known: &[&str], what: &str) -> String {
    match suggest(unknown, known.iter().copied()) {
        Some(close) => format!("unknown {noun} {unknown:?} in {what} (did you mean {close:?}?)"),
        None => format!("unknown {noun} {unknown:?} in {what} (known: {})", known.join(", ")),
    }
}

/// Every option of a client (`Options`).
pub static CLIENT_OPTIONS: Table<Options> = Table { parts: &[&declared::CLIENT_OWN, &declared::CLIENT_DELIVERY] };
/// Every option of a webhook sender (`WebhookOptions`).
pub static WEBHOOK_OPTIONS: Table<WebhookOptions> =
    Table { parts: &[&declared::WEBHOOK_OWN, &declared::WEBHOOK_DELIVERY] };
/// Every option of one webhook endpoint (`Endpoint`).
pub static ENDPOINT_OPTIONS: Table<Endpoint> = Table { parts: &[&declared::ENDPOINT_OWN] };

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
