//! Reading option objects (`new Client({...})`, call options) with clear
//! errors: unknown names are refused with a suggestion, every value is
//! type-checked and named in the message.

use std::time::Duration;

use outbox_core::options::MAX_DURATION;
use outbox_core::sign::Scheme;
use outbox_core::{AuthScheme, OnFull, Options};

use crate::js::{invalid_option, ty, Fail, Js, Raw, R};

/// Every option of `new Client(...)`, in camelCase.
pub const CLIENT_OPTIONS: &[&str] = &[
    "endpoint",
    "path",
    "apiKey",
    "authScheme",
    "signingSecrets",
    "signatureScheme",
    "signatureHeader",
    "flushAt",
    "flushIntervalMs",
    "maxBatchSize",
    "maxBatchBytes",
    "maxEventBytes",
    "maxQueueSize",
    "maxQueueBytes",
    "onFull",
    "blockTimeoutMs",
    "requestTimeoutMs",
    "connectTimeoutMs",
    "maxRetries",
    "retryInitialBackoffMs",
    "retryMaxBackoffMs",
    "maxConcurrentRequests",
    "gzip",
    "headers",
    "proxy",
    "disabled",
    "debug",
    "onError",
    "shutdownTimeoutMs",
    "testMode",
];

pub const WEBHOOK_OPTIONS: &[&str] = &[
    "endpoints",
    "maxMessageBytes",
    "maxQueueSize",
    "maxQueueBytes",
    "onFull",
    "blockTimeoutMs",
    "maxRetries",
    "retryInitialBackoffMs",
    "retryMaxBackoffMs",
    "maxConcurrentRequests",
    "connectTimeoutMs",
    "proxy",
    "onError",
    "shutdownTimeoutMs",
    "debug",
    "testMode",
];

pub const ENDPOINT_OPTIONS: &[&str] = &["url", "secrets", "scheme", "header", "timeoutMs", "headers"];

/// Default `blockTimeoutMs` when `onFull` is `"block"`.
const DEFAULT_BLOCK: Duration = Duration::from_millis(1000);

/// Reads the fields of one options object.
pub struct Reader<'a> {
    pub js: Js,
    pub obj: Raw,
    /// How the object is named in messages ("options", "endpoints[1]").
    pub what: &'a str,
    /// Reading an event (`batch`) rather than options: errors are
    /// `invalid_event` and speak of fields.
    pub event: bool,
}

impl<'a> Reader<'a> {
    /// `None` when `obj` is undefined or null; an error when it is not an object.
    pub fn new(js: Js, obj: Raw, what: &'a str, known: &[&str]) -> R<Option<Reader<'a>>> {
        Reader::open(js, obj, what, known, false)
    }

    /// A reader over one event object of `batch` / `deliver`.
    pub fn event(js: Js, obj: Raw, what: &'a str, known: &[&str]) -> R<Option<Reader<'a>>> {
        Reader::open(js, obj, what, known, true)
    }

    fn open(js: Js, obj: Raw, what: &'a str, known: &[&str], event: bool) -> R<Option<Reader<'a>>> {
        match js.type_of(obj)? {
            ty::napi_undefined | ty::napi_null => return Ok(None),
            ty::napi_object if !js.is_array(obj)? => {}
            _ => return Err(Fail::Type(format!("{what} must be an object, not {}", js.describe(obj)))),
        }
        let reader = Reader { js, obj, what, event };
        reader.check_names(known)?;
        Ok(Some(reader))
    }

    fn fail(&self, msg: String) -> Fail {
        if self.event {
            crate::js::invalid_event(msg)
        } else {
            invalid_option(msg)
        }
    }

    fn check_names(&self, known: &[&str]) -> R<()> {
        let keys = self.js.own_keys(self.obj)?;
        for i in 0..self.js.array_len(keys)? {
            let key = self.js.string(self.js.element(keys, i)?)?;
            if !known.contains(&key.as_str()) {
                let hint = match suggest(&key, known) {
                    Some(s) => format!(" (did you mean {s:?}?)"),
                    None => format!(" (known: {})", known.join(", ")),
                };
                let noun = if self.event { "field" } else { "option" };
                return Err(self.fail(format!("unknown {noun} {key:?} in {}{hint}", self.what)));
            }
        }
        Ok(())
    }

    /// The value of `name`, `None` when absent or undefined.
    pub fn get(&self, name: &str) -> R<Option<Raw>> {
        let cname = std::ffi::CString::new(name).map_err(|_| invalid_option("bad option name"))?;
        let v = self.js.named(self.obj, &cname)?;
        Ok(if self.js.type_of(v)? == ty::napi_undefined { None } else { Some(v) })
    }

    pub fn bad(&self, name: &str, expected: &str, v: Raw) -> Fail {
        self.fail(format!("{}.{name} must be {expected}, not {}", self.what, self.js.describe(v)))
    }

    pub fn string(&self, name: &str) -> R<Option<String>> {
        let Some(v) = self.get(name)? else { return Ok(None) };
        if self.js.type_of(v)? != ty::napi_string {
            return Err(self.bad(name, "a string", v));
        }
        Ok(Some(self.js.string(v)?))
    }

    pub fn bool(&self, name: &str) -> R<Option<bool>> {
        let Some(v) = self.get(name)? else { return Ok(None) };
        if self.js.type_of(v)? != ty::napi_boolean {
            return Err(self.bad(name, "true or false", v));
        }
        Ok(Some(self.js.bool(v)?))
    }

    /// A positive whole number.
    pub fn count(&self, name: &str) -> R<Option<usize>> {
        let Some(v) = self.get(name)? else { return Ok(None) };
        let n = if self.js.type_of(v)? == ty::napi_number { self.js.f64(v)? } else { f64::NAN };
        if !(n.is_finite() && n >= 1.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0) {
            return Err(self.bad(name, "a whole number of at least 1", v));
        }
        Ok(Some(n as usize))
    }

    /// A duration option in milliseconds: a number from 0 to one day (the
    /// engine's `MAX_DURATION`), so `1e22` is refused here, by name.
    pub fn millis(&self, name: &str) -> R<Option<Duration>> {
        let Some(v) = self.get(name)? else { return Ok(None) };
        match millis_value(self.js, v, false)? {
            Some(d) if d <= MAX_DURATION => Ok(Some(d)),
            _ => Err(self.bad(name, &format!("a number of milliseconds from 0 to {} (one day)", MAX_DURATION.as_millis()), v)),
        }
    }

    /// `blockTimeoutMs`: like `millis`, or `Infinity` to wait without limit.
    fn block_millis(&self, name: &str) -> R<Option<Duration>> {
        let Some(v) = self.get(name)? else { return Ok(None) };
        match millis_value(self.js, v, true)? {
            Some(d) if d <= MAX_DURATION || d == Duration::MAX => Ok(Some(d)),
            _ => Err(self.bad(
                name,
                &format!("a number of milliseconds from 0 to {} (one day), or Infinity", MAX_DURATION.as_millis()),
                v,
            )),
        }
    }

    /// `maxRetries`: a whole number >= 0, or `null` / `Infinity` for no limit.
    pub fn retries(&self, name: &str) -> R<Option<Option<u32>>> {
        let Some(v) = self.get(name)? else { return Ok(None) };
        if self.js.type_of(v)? == ty::napi_null {
            return Ok(Some(None));
        }
        let n = if self.js.type_of(v)? == ty::napi_number { self.js.f64(v)? } else { f64::NAN };
        if n == f64::INFINITY {
            return Ok(Some(None));
        }
        if !(n >= 0.0 && n.fract() == 0.0 && n <= u32::MAX as f64) {
            return Err(self.bad(name, "a whole number of at least 0, or null / Infinity for no limit", v));
        }
        Ok(Some(Some(n as u32)))
    }

    /// A string or an array of strings.
    pub fn strings(&self, name: &str) -> R<Option<Vec<String>>> {
        let Some(v) = self.get(name)? else { return Ok(None) };
        let js = self.js;
        if js.type_of(v)? == ty::napi_string {
            return Ok(Some(vec![js.string(v)?]));
        }
        if !js.is_array(v)? {
            return Err(self.bad(name, "a string or an array of strings", v));
        }
        let mut out = Vec::new();
        for i in 0..js.array_len(v)? {
            let item = js.element(v, i)?;
            if js.type_of(item)? != ty::napi_string {
                return Err(invalid_option(format!(
                    "{}.{name}[{i}] must be a string, not {}",
                    self.what,
                    js.describe(item)
                )));
            }
            out.push(js.string(item)?);
        }
        Ok(Some(out))
    }

    /// `{name: value}` with string values.
    pub fn headers(&self, name: &str) -> R<Option<Vec<(String, String)>>> {
        let Some(v) = self.get(name)? else { return Ok(None) };
        let js = self.js;
        if js.type_of(v)? != ty::napi_object || js.is_array(v)? {
            return Err(self.bad(name, "an object of header names to string values", v));
        }
        let keys = js.own_keys(v)?;
        let mut out = Vec::new();
        for i in 0..js.array_len(keys)? {
            let k = js.element(keys, i)?;
            let key = js.string(k)?;
            let val = js.property(v, k)?;
            if js.type_of(val)? != ty::napi_string {
                return Err(invalid_option(format!(
                    "{}.{name}[{key:?}] must be a string, not {}",
                    self.what,
                    js.describe(val)
                )));
            }
            out.push((key, js.string(val)?));
        }
        Ok(Some(out))
    }

    pub fn on_full(&self) -> R<Option<OnFull>> {
        let block = self.block_millis("blockTimeoutMs")?;
        let Some(name) = self.string("onFull")? else {
            if block.is_some() {
                return Err(invalid_option(format!("{}.blockTimeoutMs only applies with onFull: \"block\"", self.what)));
            }
            return Ok(None);
        };
        let parsed = OnFull::parse(&name, block.unwrap_or(DEFAULT_BLOCK)).map_err(|_| {
            invalid_option(format!(
                "{}.onFull must be \"drop_oldest\", \"drop_newest\" or \"block\", not {name:?}",
                self.what
            ))
        })?;
        if block.is_some() && !matches!(parsed, OnFull::Block(_)) {
            return Err(invalid_option(format!("{}.blockTimeoutMs only applies with onFull: \"block\"", self.what)));
        }
        Ok(Some(parsed))
    }

    /// `signatureScheme` / `scheme` plus the header of the sha256 scheme.
    pub fn scheme(&self, scheme_name: &str, header_name: &str) -> R<Option<Scheme>> {
        let header = self.string(header_name)?;
        let scheme = match self.string(scheme_name)? {
            Some(name) => Some(Scheme::parse(&name).map_err(|e| invalid_option(format!("{}.{scheme_name}: {e}", self.what)))?),
            None => None,
        };
        match (scheme, header) {
            (None, None) => Ok(None),
            (Some(Scheme::StandardWebhooks), Some(_)) | (None, Some(_)) => Err(invalid_option(format!(
                "{}.{header_name} only applies with {scheme_name}: \"hmac-sha256\"",
                self.what
            ))),
            (Some(Scheme::HmacSha256 { .. }), Some(h)) => Ok(Some(Scheme::hmac_sha256_with_header(h))),
            (Some(s), None) => Ok(Some(s)),
        }
    }
}

/// A duration in milliseconds; `None` when the value is not a finite number >= 0
/// (or `Infinity` when `infinite_ok`, which gives `Duration::MAX`).
pub fn millis_value(js: Js, v: Raw, infinite_ok: bool) -> R<Option<Duration>> {
    if js.type_of(v)? != ty::napi_number {
        return Ok(None);
    }
    let n = js.f64(v)?;
    if infinite_ok && n == f64::INFINITY {
        return Ok(Some(Duration::MAX));
    }
    if !(n.is_finite() && n >= 0.0) {
        return Ok(None);
    }
    Ok(Duration::try_from_secs_f64(n / 1000.0).ok())
}

/// Reads `new Client(options)`. `on_error` and `library` are set by the caller.
pub fn client_options(js: Js, obj: Raw) -> R<Options> {
    let Some(r) = Reader::new(js, obj, "options", CLIENT_OPTIONS)? else {
        return Err(Fail::Type("new Client(options) needs an options object, e.g. { endpoint: \"https://collector.example.com\" }".into()));
    };
    let mut o = Options::default();
    if let Some(v) = r.string("endpoint")? {
        o.endpoint = v;
    }
    if let Some(v) = r.string("path")? {
        o.path = v;
    }
    o.api_key = r.string("apiKey")?;
    if let Some(v) = r.string("authScheme")? {
        o.auth_scheme = match v.to_ascii_lowercase().as_str() {
            "bearer" => AuthScheme::Bearer,
            "basic" => AuthScheme::Basic,
            _ => return Err(invalid_option(format!("options.authScheme must be \"bearer\" or \"basic\", not {v:?}"))),
        };
    }
    if let Some(v) = r.strings("signingSecrets")? {
        o.signing_secrets = v;
    }
    if let Some(s) = r.scheme("signatureScheme", "signatureHeader")? {
        o.signature_scheme = s;
    }
    macro_rules! set {
        ($field:ident, $method:ident, $name:literal) => {
            if let Some(v) = r.$method($name)? {
                o.$field = v;
            }
        };
    }
    set!(flush_at, count, "flushAt");
    set!(flush_interval, millis, "flushIntervalMs");
    set!(max_batch_size, count, "maxBatchSize");
    set!(max_batch_bytes, count, "maxBatchBytes");
    set!(max_event_bytes, count, "maxEventBytes");
    set!(max_queue_size, count, "maxQueueSize");
    set!(max_queue_bytes, count, "maxQueueBytes");
    set!(request_timeout, millis, "requestTimeoutMs");
    set!(connect_timeout, millis, "connectTimeoutMs");
    set!(max_retries, retries, "maxRetries");
    set!(retry_initial_backoff, millis, "retryInitialBackoffMs");
    set!(retry_max_backoff, millis, "retryMaxBackoffMs");
    set!(max_concurrent_requests, count, "maxConcurrentRequests");
    set!(gzip, bool, "gzip");
    set!(headers, headers, "headers");
    set!(disabled, bool, "disabled");
    set!(debug, bool, "debug");
    set!(shutdown_timeout, millis, "shutdownTimeoutMs");
    set!(test_mode, bool, "testMode");
    o.proxy = r.string("proxy")?;
    if let Some(v) = r.on_full()? {
        o.on_full = v;
    }
    if let Some(f) = r.get("onError")? {
        if js.type_of(f)? != ty::napi_function {
            return Err(r.bad("onError", "a function", f));
        }
    }
    Ok(o)
}

/// The closest known name, for "did you mean" hints.
fn suggest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = name.to_ascii_lowercase().replace(['_', '-'], "");
    known
        .iter()
        .map(|k| (k, distance(&lower, &k.to_ascii_lowercase())))
        .filter(|(k, d)| *d <= 2 || k.to_ascii_lowercase().starts_with(&lower) || lower.starts_with(&k.to_ascii_lowercase()))
        .min_by_key(|(_, d)| *d)
        .map(|(k, _)| *k)
}

fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}
