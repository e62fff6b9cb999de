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

use super::{AuthScheme, OnError, OnFull, Options, MAX_DURATION};
use crate::error::Error;
use crate::sign::Scheme;
use crate::spool::SpoolSync;
use super::webhook::{Endpoint, WebhookOptions};

/// `block_timeout` when `on_full` is `block` and no timeout is given.
pub const DEFAULT_BLOCK_TIMEOUT: Duration = Duration::from_secs(1);

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
    Duration { zero_ok: bool, set: fn(&mut T, Duration), get: fn(&T) -> Duration },
    /// `Kind::DurationOrForever`; the setter may refuse (order of options).
    DurationOrForever(fn(&mut T, Duration) -> Result<(), String>, fn(&T) -> Option<Duration>),
    /// `Kind::Flag`.
    Flag(fn(&mut T, bool), fn(&T) -> bool),
    /// `Kind::Texts`.
    Texts(fn(&mut T, Vec<String>)),
    /// `Kind::Headers`.
    Headers(fn(&mut T, Vec<(String, String)>) -> Result<(), String>),
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

    /// This option's name marked for a message (see `names`).
    pub fn marked(&self) -> String {
        if self.kind().is_duration() {
            crate::names::duration(self.name)
        } else {
            crate::names::option(self.name)
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

// ===== Shared setters =====

fn api_key(key: String) -> Result<Option<String>, String> {
    if key.is_empty() || key.bytes().any(|b| b.is_ascii_control()) {
        return Err("must be non-empty printable text".into());
    }
    Ok(Some(key))
}

fn path(path: String) -> Result<String, String> {
    if !path.is_empty() && !path.starts_with('/') {
        return Err(format!("must start with '/', got {path:?}"));
    }
    Ok(path)
}

fn headers(headers: Vec<(String, String)>) -> Result<Vec<(String, String)>, String> {
    for (name, value) in &headers {
        super::check_header(name, value)?;
    }
    Ok(headers)
}

fn proxy(proxy: String) -> Result<Option<String>, String> {
    super::parse_proxy(&proxy)?;
    Ok(Some(proxy))
}

fn on_full(name: &str) -> Result<OnFull, String> {
    OnFull::parse(name, DEFAULT_BLOCK_TIMEOUT).map_err(|_| format!("must be \"drop_oldest\", \"drop_newest\" or \"block\", not {name:?}"))
}

/// `block_timeout` refines `on_full = block` (declared after it).
fn block_timeout(current: &mut OnFull, timeout: Duration) -> Result<(), String> {
    match current {
        OnFull::Block(_) => {
            *current = OnFull::Block(timeout);
            Ok(())
        }
        _ => Err(format!("only applies with {} \"block\"", crate::names::option("on_full"))),
    }
}

fn block_timeout_of(on_full: OnFull) -> Option<Duration> {
    match on_full {
        OnFull::Block(d) => Some(d),
        _ => Some(DEFAULT_BLOCK_TIMEOUT),
    }
}

fn scheme(name: &str) -> Result<Scheme, String> {
    Scheme::parse(name).map_err(|e| e.to_string())
}

/// A header name for the `hmac-sha256` scheme (declared after the scheme).
fn scheme_header(current: &mut Scheme, header: String, scheme_option: &str) -> Result<(), String> {
    match current {
        Scheme::HmacSha256 { .. } => {
            *current = Scheme::hmac_sha256_with_header(header);
            Ok(())
        }
        Scheme::StandardWebhooks => Err(format!("only applies with {} \"hmac-sha256\"", crate::names::option(scheme_option))),
    }
}

/// The header of the `hmac-sha256` scheme (its default when another scheme is set).
fn scheme_header_of(scheme: &Scheme) -> Option<String> {
    match scheme {
        Scheme::HmacSha256 { header } => Some(header.clone()),
        Scheme::StandardWebhooks => Scheme::parse("hmac-sha256").ok().map(|s| s.signature_header().to_owned()),
    }
}

fn spool_sync(name: &str) -> Result<SpoolSync, String> {
    SpoolSync::parse(name).ok_or_else(|| format!("must be \"batch\" or \"event\", not {name:?}"))
}

fn spool_sync_name(sync: SpoolSync) -> String {
    match sync {
        SpoolSync::Batch => "batch".into(),
        SpoolSync::Event => "event".into(),
    }
}

fn on_full_name(on_full: OnFull) -> String {
    match on_full {
        OnFull::DropOldest => "drop_oldest".into(),
        OnFull::DropNewest => "drop_newest".into(),
        OnFull::Block(_) => "block".into(),
    }
}

const ON_FULL: &[&str] = &["drop_oldest", "drop_newest", "block"];
const SCHEMES: &[&str] = &["standard-webhooks", "hmac-sha256"];

/// Declares the options shared by clients and webhook senders (queue,
/// retries, lifecycle) once for both, through their `delivery` field.
macro_rules! delivery_options {
    ($t:ty) => {
        [
            OptionSpec::<$t> {
                name: "max_queue_size",
                doc: "events held, queued and in flight: the default absorbs a burst of 100,000 typical events without a drop",
                unset: None,
                access: Access::Count(|o, n| o.delivery.max_queue_size = n, |o| o.delivery.max_queue_size),
            },
            OptionSpec::<$t> {
                name: "max_queue_bytes",
                doc: "bytes of event JSON held: the real memory bound",
                unset: None,
                access: Access::Count(|o, n| o.delivery.max_queue_bytes = n, |o| o.delivery.max_queue_bytes),
            },
            OptionSpec::<$t> {
                name: "on_full",
                doc: "when the queue is full: drop the oldest, drop the newest, or block the caller",
                unset: None,
                access: Access::Choice(
                    ON_FULL,
                    |o, name| Ok(o.delivery.on_full = on_full(name)?),
                    |o| Some(on_full_name(o.delivery.on_full)),
                ),
            },
            OptionSpec::<$t> {
                name: "block_timeout",
                doc: "with {on_full} `\"block\"`: longest wait for room, or no limit",
                unset: None,
                access: Access::DurationOrForever(|o, d| block_timeout(&mut o.delivery.on_full, d), |o| block_timeout_of(o.delivery.on_full)),
            },
            OptionSpec::<$t> {
                name: "max_retries",
                doc: "give an event up after this many failed attempts; by default retry until delivered, shut down or pushed out by the queue bound",
                unset: Some("no limit"),
                access: Access::Retries(|o, n| o.delivery.max_retries = n, |o| o.delivery.max_retries),
            },
            OptionSpec::<$t> {
                name: "retry_initial_backoff",
                doc: "first backoff cap, doubled per failed round (equal jitter)",
                unset: None,
                access: Access::Duration {
                    zero_ok: false,
                    set: |o, d| o.delivery.retry_initial_backoff = d,
                    get: |o| o.delivery.retry_initial_backoff,
                },
            },
            OptionSpec::<$t> {
                name: "retry_max_backoff",
                doc: "largest backoff cap: the probe interval during an outage",
                unset: None,
                access: Access::Duration {
                    zero_ok: true,
                    set: |o, d| o.delivery.retry_max_backoff = d,
                    get: |o| o.delivery.retry_max_backoff,
                },
            },
            OptionSpec::<$t> {
                name: "max_concurrent_requests",
                doc: "requests in flight at once",
                unset: None,
                access: Access::Count(|o, n| o.delivery.max_concurrent_requests = n, |o| o.delivery.max_concurrent_requests),
            },
            OptionSpec::<$t> {
                name: "connect_timeout",
                doc: "deadline of opening a connection",
                unset: None,
                access: Access::Duration { zero_ok: false, set: |o, d| o.delivery.connect_timeout = d, get: |o| o.delivery.connect_timeout },
            },
            OptionSpec::<$t> {
                name: "proxy",
                doc: "explicit http:// or https:// proxy URL",
                unset: Some("`HTTPS_PROXY` / `NO_PROXY`"),
                access: Access::Text(|o, p| Ok(o.delivery.proxy = proxy(p)?), |o| o.delivery.proxy.clone()),
            },
            OptionSpec::<$t> {
                name: "on_error",
                doc: "called with every group of events that will never be delivered",
                unset: Some("none"),
                access: Access::Callback(|o, f| o.delivery.on_error = Some(f)),
            },
            OptionSpec::<$t> {
                name: "shutdown_timeout",
                doc: "how long exit hooks wait for delivery; zero sends nothing at exit",
                unset: None,
                access: Access::Duration { zero_ok: true, set: |o, d| o.delivery.shutdown_timeout = d, get: |o| o.delivery.shutdown_timeout },
            },
            OptionSpec::<$t> {
                name: "debug",
                doc: "log every request and retry at debug level",
                unset: None,
                access: Access::Flag(|o, b| o.delivery.debug = b, |o| o.delivery.debug),
            },
            OptionSpec::<$t> {
                name: "test_mode",
                doc: "keep requests in memory instead of sending them; read them with `captured()`",
                unset: None,
                access: Access::Flag(|o, b| o.delivery.test_mode = b, |o| o.delivery.test_mode),
            },
        ]
    };
}

static CLIENT_DELIVERY: [OptionSpec<Options>; 14] = delivery_options!(Options);
static WEBHOOK_DELIVERY: [OptionSpec<WebhookOptions>; 14] = delivery_options!(WebhookOptions);

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
    pub fn apply<S: Source<T>>(&self, target: &mut T, naming: Naming, what: &str, source: &mut S) -> Result<(), S::Error> {
        for spec in self.iter() {
            let name = spec.name_in(naming);
            if let Some(value) = source.read(spec, &name)? {
                set(spec, target, value).map_err(|m| Error::invalid_option(format!("{what}{name} {m}")))?;
            }
        }
        Ok(())
    }

    /// The message for a name this table does not declare, with a hint.
    pub fn unknown(&self, unknown: &str, naming: Naming, what: &str) -> String {
        let names = self.names(naming);
        match suggest(unknown, names.iter().map(|n| n.as_ref())) {
            Some(close) => format!("unknown option {unknown:?} in {what} (did you mean {close:?}?)"),
            None => format!("unknown option {unknown:?} in {what} (known: {})", names.join(", ")),
        }
    }
}

/// Every option of a client (`Options`).
pub static CLIENT_OPTIONS: Table<Options> = Table { parts: &[&CLIENT_OWN, &CLIENT_DELIVERY] };
/// Every option of a webhook sender (`WebhookOptions`).
pub static WEBHOOK_OPTIONS: Table<WebhookOptions> = Table { parts: &[&WEBHOOK_OWN, &WEBHOOK_DELIVERY] };
/// Every option of one webhook endpoint (`Endpoint`).
pub static ENDPOINT_OPTIONS: Table<Endpoint> = Table { parts: &[&ENDPOINT_OWN] };

static CLIENT_OWN: [OptionSpec<Options>; 18] = [
    OptionSpec {
        name: "endpoint",
        doc: "base URL of the collector",
        unset: Some("required (unless {test_mode} or {disabled})"),
        access: Access::Text(|o, v| Ok(o.endpoint = v), |_| None),
    },
    OptionSpec {
        name: "path",
        doc: "path of the batch API under the endpoint (Segment's)",
        unset: None,
        access: Access::Text(|o, v| Ok(o.path = path(v)?), |o| Some(o.path.clone())),
    },
    OptionSpec {
        name: "api_key",
        doc: "sent with every request, as {auth_scheme} says",
        unset: Some("none"),
        access: Access::Text(|o, v| Ok(o.api_key = api_key(v)?), |o| o.api_key.clone()),
    },
    OptionSpec {
        name: "auth_scheme",
        doc: "`Authorization: Bearer <key>`, or `\"basic\"`: `Basic base64(key:)`, as Segment expects write keys",
        unset: None,
        access: Access::Choice(&["bearer", "basic"], |o, v| Ok(o.auth_scheme = AuthScheme::parse(v)?), |o| Some(o.auth_scheme.name().into())),
    },
    OptionSpec {
        name: "signing_secrets",
        doc: "sign every request (several during rotation)",
        unset: Some("none"),
        access: Access::Texts(|o, v| o.signing_secrets = v),
    },
    OptionSpec {
        name: "signature_scheme",
        doc: "how requests are signed: Standard Webhooks, or `\"hmac-sha256\"` (`X-Hub-Signature-256: sha256=...`)",
        unset: None,
        access: Access::Choice(SCHEMES, |o, v| Ok(o.signature_scheme = scheme(v)?), |o| Some(o.signature_scheme.name().into())),
    },
    OptionSpec {
        name: "signature_header",
        doc: "header of the `\"hmac-sha256\"` scheme",
        unset: None,
        access: Access::Text(|o, v| scheme_header(&mut o.signature_scheme, v, "signature_scheme"), |o| scheme_header_of(&o.signature_scheme)),
    },
    OptionSpec {
        name: "flush_at",
        doc: "send as soon as this many events are queued",
        unset: None,
        access: Access::Count(|o, n| o.flush_at = n, |o| o.flush_at),
    },
    OptionSpec {
        name: "flush_interval",
        doc: "a lone event leaves within this",
        unset: None,
        access: Access::Duration { zero_ok: false, set: |o, d| o.flush_interval = d, get: |o| o.flush_interval },
    },
    OptionSpec {
        name: "max_batch_size",
        doc: "most events per request; under load batches grow to it",
        unset: None,
        access: Access::Count(|o, n| o.max_batch_size = n, |o| o.max_batch_size),
    },
    OptionSpec {
        name: "max_batch_bytes",
        doc: "most bytes per request body before compression (Segment's limit)",
        unset: None,
        access: Access::Count(|o, n| o.max_batch_bytes = n, |o| o.max_batch_bytes),
    },
    OptionSpec {
        name: "max_event_bytes",
        doc: "largest serialized event (Segment's limit); bigger ones fail at the call",
        unset: None,
        access: Access::Count(|o, n| o.max_event_bytes = n, |o| o.max_event_bytes),
    },
    OptionSpec {
        name: "request_timeout",
        doc: "deadline of one request",
        unset: None,
        access: Access::Duration { zero_ok: false, set: |o, d| o.request_timeout = d, get: |o| o.request_timeout },
    },
    OptionSpec {
        name: "gzip",
        doc: "gzip request bodies of 1 KiB and more",
        unset: None,
        access: Access::Flag(|o, b| o.gzip = b, |o| o.gzip),
    },
    OptionSpec {
        name: "headers",
        doc: "extra headers on every request",
        unset: Some("none"),
        access: Access::Headers(|o, v| Ok(o.headers = headers(v)?)),
    },
    OptionSpec {
        name: "disabled",
        doc: "validate calls, send nothing, start no thread",
        unset: None,
        access: Access::Flag(|o, b| o.disabled = b, |o| o.disabled),
    },
    OptionSpec {
        name: "spool_dir",
        doc: "a directory where queued events survive a crash, delivered by the next process",
        unset: Some("none"),
        access: Access::Path(|o, p| o.spool_dir = Some(p)),
    },
    OptionSpec {
        name: "spool_sync",
        doc: "when the spool syncs: `\"batch\"` (every 100 ms) or `\"event\"` (each call waits for the disk)",
        unset: None,
        access: Access::Choice(&["batch", "event"], |o, v| Ok(o.spool_sync = spool_sync(v)?), |o| Some(spool_sync_name(o.spool_sync))),
    },
];

static WEBHOOK_OWN: [OptionSpec<WebhookOptions>; 2] = [
    OptionSpec {
        name: "endpoints",
        doc: "where every message goes: one or more endpoints",
        unset: Some("required"),
        access: Access::Endpoints(|o, v| Ok(o.endpoints = v)),
    },
    OptionSpec {
        name: "max_message_bytes",
        doc: "largest message body accepted; bigger ones fail at the call",
        unset: None,
        access: Access::Count(|o, n| o.max_message_bytes = n, |o| o.max_message_bytes),
    },
];

static ENDPOINT_OWN: [OptionSpec<Endpoint>; 6] = [
    OptionSpec {
        name: "url",
        doc: "the http:// or https:// URL messages are posted to",
        unset: Some("required"),
        access: Access::Text(|e, v| Ok(e.url = v), |_| None),
    },
    OptionSpec {
        name: "secrets",
        doc: "signing secrets (several during rotation); none sends unsigned requests",
        unset: Some("none"),
        access: Access::Texts(|e, v| e.secrets = v),
    },
    OptionSpec {
        name: "scheme",
        doc: "how messages are signed: Standard Webhooks, or `\"hmac-sha256\"`",
        unset: None,
        access: Access::Choice(SCHEMES, |e, v| Ok(e.scheme = scheme(v)?), |e| Some(e.scheme.name().into())),
    },
    OptionSpec {
        name: "header",
        doc: "header of the `\"hmac-sha256\"` scheme",
        unset: None,
        access: Access::Text(|e, v| scheme_header(&mut e.scheme, v, "scheme"), |e| scheme_header_of(&e.scheme)),
    },
    OptionSpec {
        name: "timeout",
        doc: "deadline of one delivery attempt (receivers should answer fast)",
        unset: None,
        access: Access::Duration { zero_ok: false, set: |e, d| e.timeout = d, get: |e| e.timeout },
    },
    OptionSpec {
        name: "headers",
        doc: "extra headers on every request to this endpoint",
        unset: Some("none"),
        access: Access::Headers(|e, v| Ok(e.headers = headers(v)?)),
    },
];

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
