//! Building engine events from Python arguments and from Segment-shaped dicts.

use outbox_engine::{Event, Json, Kind};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyString};

use crate::convert::{self, to_json_opt};
use crate::errors;

/// An id (user, anonymous, group, previous): str, or int sent as its digits.
pub fn id(v: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Option<String>> {
    let Some(v) = v else { return Ok(None) };
    if let Ok(s) = v.cast::<PyString>() {
        return text_of(s, name).map(Some);
    }
    if v.is_none() {
        return Ok(None);
    }
    if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() {
        return Ok(Some(v.str()?.to_string()));
    }
    Err(type_error(name, "a str (or an int)", v))
}

/// A name (event, page name, message id): str.
pub fn text(v: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Option<String>> {
    let Some(v) = v else { return Ok(None) };
    if let Ok(s) = v.cast::<PyString>() {
        return text_of(s, name).map(Some);
    }
    if v.is_none() {
        return Ok(None);
    }
    Err(type_error(name, "a str", v))
}

fn text_of(s: &Bound<'_, PyString>, name: &str) -> PyResult<String> {
    convert::utf8(s)
        .map(str::to_owned)
        .map_err(|_| errors::invalid_event(s.py(), format!("{name} contains a lone surrogate and is not valid text")))
}

/// A timestamp: an aware or naive (taken as UTC) `datetime`, or RFC 3339 text.
pub fn timestamp(py: Python<'_>, v: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    let Some(v) = v else { return Ok(None) };
    if v.is_none() {
        return Ok(None);
    }
    if let Ok(s) = v.cast::<PyString>() {
        return text_of(s, "timestamp").map(Some);
    }
    if convert::is_datetime(py, v)? {
        return convert::datetime_text(py, v, convert::Types::get(py)?).map(Some);
    }
    Err(type_error("timestamp", "a datetime or an RFC 3339 str", v))
}

fn type_error(name: &str, wanted: &str, got: &Bound<'_, PyAny>) -> PyErr {
    let got = got.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    PyTypeError::new_err(format!("{name} must be {wanted}, not {got}"))
}

/// The leading arguments of the capture calls (`capture_calls!` in
/// client.rs), read by kind, each into the event field of its name.
pub mod arg {
    use outbox_engine::Json;
    use pyo3::prelude::*;

    /// A user, group or previous id.
    pub fn id(_py: Python<'_>, v: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Option<String>> {
        super::id(v, name)
    }

    /// An event or page name.
    pub fn text(_py: Python<'_>, v: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Option<String>> {
        super::text(v, name)
    }

    /// Properties or traits, converted to JSON.
    pub fn json(py: Python<'_>, v: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Option<Json>> {
        crate::convert::to_json_opt(py, v, name)
    }
}

/// The keyword arguments every capture call shares.
pub struct Common<'a, 'py> {
    pub anonymous_id: Option<&'a Bound<'py, PyAny>>,
    pub timestamp: Option<&'a Bound<'py, PyAny>>,
    pub context: Option<&'a Bound<'py, PyAny>>,
    pub message_id: Option<&'a Bound<'py, PyAny>>,
    pub integrations: Option<&'a Bound<'py, PyAny>>,
}

impl Common<'_, '_> {
    pub fn apply(&self, py: Python<'_>, e: &mut Event) -> PyResult<()> {
        e.anonymous_id = id(self.anonymous_id, "anonymous_id")?;
        e.timestamp = timestamp(py, self.timestamp)?;
        e.context = to_json_opt(py, self.context, "context")?;
        e.message_id = text(self.message_id, "message_id")?;
        e.integrations = to_json_opt(py, self.integrations, "integrations")?;
        Ok(())
    }
}

/// One event of `batch()` / `deliver()`: a dict in Segment's shape
/// (`{"type": "track", "userId": ..., "event": ..., "properties": {...}}`);
/// snake_case spellings (`user_id`, `message_id`, ...) are accepted too.
pub fn from_dict(py: Python<'_>, index: usize, item: &Bound<'_, PyAny>) -> PyResult<Event> {
    let at = |m: String| format!("event {index}: {m}");
    let dict = item.cast::<PyDict>().map_err(|_| {
        let got = item.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
        PyTypeError::new_err(at(format!("each event must be a dict like {{\"type\": \"track\", ...}}, not {got}")))
    })?;
    let kind = match dict.get_item("type")? {
        Some(t) => match t.cast::<PyString>() {
            Ok(s) => Kind::parse(&text_of(s, "type")?).map_err(|e| errors::invalid_event(py, at(e.to_string())))?,
            Err(_) => return Err(errors::invalid_event(py, at("\"type\" must be a str".into()))),
        },
        None => {
            return Err(errors::invalid_event(
                py,
                at("missing \"type\" (track, identify, group, alias, page or screen)".into()),
            ))
        }
    };
    let mut e = Event::new(kind);
    let with_at = |r: PyResult<Option<String>>| r.map_err(|err| prefix(py, index, err));
    let json_at = |v: &Bound<'_, PyAny>, key: &str| -> PyResult<Option<Json>> {
        to_json_opt(py, Some(v), &format!("event {index}: {key}"))
    };
    // A snapshot of the items: converting a value may run Python code, which
    // could change the dict under a live iterator.
    let items = dict.items();
    for item in items.iter() {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let key_str = key.cast::<PyString>().map_err(|_| errors::invalid_event(py, at("keys must be str".into())))?;
        let name = text_of(key_str, "key")?;
        match name.as_str() {
            "type" => {}
            "userId" | "user_id" => e.user_id = with_at(id(Some(&value), "userId"))?,
            "anonymousId" | "anonymous_id" => e.anonymous_id = with_at(id(Some(&value), "anonymousId"))?,
            "event" => e.event = with_at(text(Some(&value), "event"))?,
            "name" => e.name = with_at(text(Some(&value), "name"))?,
            "groupId" | "group_id" => e.group_id = with_at(id(Some(&value), "groupId"))?,
            "previousId" | "previous_id" => e.previous_id = with_at(id(Some(&value), "previousId"))?,
            "messageId" | "message_id" => e.message_id = with_at(text(Some(&value), "messageId"))?,
            "timestamp" => e.timestamp = with_at(timestamp(py, Some(&value)))?,
            "properties" => e.properties = json_at(&value, "properties")?,
            "traits" => e.traits = json_at(&value, "traits")?,
            "context" => e.context = json_at(&value, "context")?,
            "integrations" => e.integrations = json_at(&value, "integrations")?,
            other => {
                return Err(errors::invalid_event(
                    py,
                    at(format!("unknown field {other:?} in a {} event", kind.as_str())),
                ))
            }
        }
    }
    Ok(e)
}

/// `err` with "event N: " in front, same exception type.
fn prefix(py: Python<'_>, index: usize, err: PyErr) -> PyErr {
    let message = format!("event {index}: {}", err.value(py));
    if err.is_instance_of::<PyTypeError>(py) {
        PyTypeError::new_err(message)
    } else {
        errors::invalid_event(py, message)
    }
}

/// `deliver()`'s argument: one event dict or a list of them.
pub fn one_or_many(py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<Vec<Event>> {
    if v.is_instance_of::<PyDict>() {
        return Ok(vec![from_dict(py, 0, v)?]);
    }
    many(py, v)
}

/// `batch()`'s argument: any iterable of event dicts.
pub fn many(py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<Vec<Event>> {
    if v.is_instance_of::<PyString>() || v.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err("expected a list of event dicts"));
    }
    let iter = v.try_iter().map_err(|_| type_error("events", "a list of event dicts", v))?;
    let mut out = Vec::new();
    for (i, item) in iter.enumerate() {
        out.push(from_dict(py, i, &item?)?);
    }
    Ok(out)
}
