//! Reading option objects (`new Client({...})`, call options) with clear
//! errors. Which options exist, their camelCase names, ranges, messages
//! and typo hints come from the engine's schema
//! (`outbox_engine::options::schema`); this file only reads JavaScript values
//! of each kind.

use std::time::Duration;

use outbox_engine::options::schema::{
    self, Kind, Naming, OptionSpec, Source, Table, Value, CLIENT_OPTIONS, ENDPOINT_OPTIONS, WEBHOOK_OPTIONS,
};
use outbox_engine::{Endpoint, Options, WebhookOptions};

use crate::js::{invalid_option, ty, Fail, Js, Raw, R};

impl From<outbox_engine::Error> for Fail {
    fn from(e: outbox_engine::Error) -> Fail {
        crate::js::core_error(&e)
    }
}

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

    /// A reader over an options object whose names come from `table`.
    pub fn options<T>(js: Js, obj: Raw, what: &'a str, table: &Table<T>) -> R<Option<Reader<'a>>> {
        let names = table.names(Naming::Camel);
        let known: Vec<&str> = names.iter().map(|n| n.as_ref()).collect();
        Reader::open(js, obj, what, &known, false)
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
                let noun = if self.event { "field" } else { "option" };
                return Err(self.fail(schema::unknown_name(noun, &key, known, self.what)));
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

    /// A number, for the schema to range-check.
    fn number(&self, name: &str, v: Raw, expected: &str) -> R<f64> {
        if self.js.type_of(v)? != ty::napi_number {
            return Err(self.bad(name, expected, v));
        }
        self.js.f64(v)
    }

    /// A whole number (the schema checks the range).
    fn whole(&self, name: &str, v: Raw, expected: &str) -> R<i64> {
        let n = self.number(name, v, expected)?;
        if n.fract() != 0.0 || !n.is_finite() {
            return Err(self.bad(name, expected, v));
        }
        Ok(n as i64)
    }
}

impl<T> Source<T> for Reader<'_> {
    type Error = Fail;

    fn read(&mut self, spec: &OptionSpec<T>, name: &str) -> R<Option<Value>> {
        let Some(v) = self.get(name)? else { return Ok(None) };
        let js = self.js;
        Ok(Some(match spec.kind() {
            Kind::Text | Kind::Choice(_) => match self.string(name)? {
                Some(s) => Value::Text(s),
                None => return Ok(None),
            },
            Kind::Path => match self.string(name)? {
                Some(s) => Value::Path(s.into()),
                None => return Ok(None),
            },
            Kind::Count => Value::Count(self.whole(name, v, "a whole number of at least 1")?),
            Kind::Retries if js.type_of(v)? == ty::napi_null => Value::Retries(None),
            Kind::Retries => {
                let expected = "a whole number of at least 0, or null / Infinity for no limit";
                match self.number(name, v, expected)? {
                    n if n == f64::INFINITY => Value::Retries(None),
                    _ => Value::Retries(Some(self.whole(name, v, expected)?)),
                }
            }
            Kind::Duration { .. } => Value::Seconds(self.number(name, v, "a number of milliseconds")? / 1000.0),
            Kind::DurationOrForever => {
                Value::Seconds(self.number(name, v, "a number of milliseconds, or Infinity")? / 1000.0)
            }
            Kind::Flag => Value::Flag(self.bool(name)?.unwrap_or_default()),
            Kind::Texts => Value::Texts(self.strings(name)?.unwrap_or_default()),
            Kind::Headers => Value::Headers(self.headers(name)?.unwrap_or_default()),
            Kind::Callback => {
                // The function is wired by the JavaScript side (`route_for`).
                if js.type_of(v)? != ty::napi_function {
                    return Err(self.bad(name, "a function", v));
                }
                return Ok(None);
            }
            Kind::Endpoints => Value::Endpoints(self.endpoints(name, v)?),
        }))
    }
}

impl Reader<'_> {
    /// `endpoints`: an array of endpoint objects, each read with the schema.
    fn endpoints(&self, name: &str, list: Raw) -> R<Vec<Endpoint>> {
        let js = self.js;
        if !js.is_array(list)? {
            return Err(self.bad(name, "an array of { url, secrets, scheme, header, timeoutMs, headers }", list));
        }
        let mut out = Vec::new();
        for i in 0..js.array_len(list)? {
            let what = format!("{}.{name}[{i}]", self.what);
            let item = js.element(list, i)?;
            let Some(mut reader) = Reader::options(js, item, &what, &ENDPOINT_OPTIONS)? else {
                return Err(invalid_option(format!("{what} must be an object with a url")));
            };
            let mut endpoint = Endpoint::new("");
            ENDPOINT_OPTIONS.apply(&mut endpoint, Naming::Camel, &format!("{what}."), &mut reader)?;
            if endpoint.url.is_empty() {
                return Err(invalid_option(format!("{what}.url is required")));
            }
            out.push(endpoint);
        }
        Ok(out)
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
    let Some(mut reader) = Reader::options(js, obj, "options", &CLIENT_OPTIONS)? else {
        return Err(Fail::Type(
            "new Client(options) needs an options object, e.g. { endpoint: \"https://collector.example.com\" }".into(),
        ));
    };
    let mut options = Options::default();
    CLIENT_OPTIONS.apply(&mut options, Naming::Camel, "options.", &mut reader)?;
    Ok(options)
}

/// Reads `new WebhookSender(options)`. `on_error` is set by the caller.
pub fn webhook_options(js: Js, obj: Raw) -> R<WebhookOptions> {
    let Some(mut reader) = Reader::options(js, obj, "options", &WEBHOOK_OPTIONS)? else {
        return Err(Fail::Type(
            "new WebhookSender(options) needs an options object, e.g. { endpoints: [{ url, secrets }] }".into(),
        ));
    };
    if reader.get("endpoints")?.is_none() {
        return Err(invalid_option(
            "options.endpoints is required: [{ url: \"https://...\", secrets: \"whsec_...\" }]",
        ));
    }
    let mut options = WebhookOptions::default();
    WEBHOOK_OPTIONS.apply(&mut options, Naming::Camel, "options.", &mut reader)?;
    Ok(options)
}
