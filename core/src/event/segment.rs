//! Reading an event in Segment's wire format, the shape `batch` calls from
//! C, Python and Node hand over.

use std::collections::HashMap;

use serde_json::value::RawValue;
use serde_json::Value;

use super::{Event, Json, Kind};
use crate::error::Error;

impl Event {
    /// Reads one event in Segment's JSON shape (`{"type": "track", "userId": ...}`),
    /// as `batch` calls from C, Python and Node hand them over.
    pub fn from_json(value: &Value) -> Result<Event, Error> {
        let obj = value.as_object().ok_or_else(|| Error::InvalidEvent("each event must be a JSON object".into()))?;
        let kind = match obj.get("type") {
            Some(Value::String(t)) => Kind::parse(t)?,
            Some(_) => return Err(Error::InvalidEvent("\"type\" must be a string".into())),
            None => return Err(Error::InvalidEvent("missing \"type\"".into())),
        };
        let mut event = Event::new(kind);
        for (key, val) in obj {
            match key.as_str() {
                "type" => {}
                "userId" => event.user_id = id_field(key, val)?,
                "anonymousId" => event.anonymous_id = id_field(key, val)?,
                "event" => event.event = string_field(key, val)?,
                "name" => event.name = string_field(key, val)?,
                "groupId" => event.group_id = id_field(key, val)?,
                "previousId" => event.previous_id = id_field(key, val)?,
                "messageId" => event.message_id = string_field(key, val)?,
                "timestamp" => event.timestamp = string_field(key, val)?,
                "properties" => event.properties = json_field(val),
                "traits" => event.traits = json_field(val),
                "context" => event.context = json_field(val),
                "integrations" => event.integrations = json_field(val),
                other => {
                    return Err(Error::invalid_event(format!("unknown field {other:?} in a {} event", kind.as_str())))
                }
            }
        }
        Ok(event)
    }
}

impl Event {
    /// Reads one event from JSON text in Segment's shape, as `from_json`
    /// does, except that what the caller wrote is kept as written: the
    /// nested objects (properties, traits, context, integrations) keep their
    /// key order and every digit of their numbers, and numeric ids keep every
    /// digit. C's `outbox_capture` and `outbox_batch` read events this way.
    pub fn from_json_text(text: &str) -> Result<Event, Error> {
        if !text.trim_start().starts_with('{') {
            return Err(Error::InvalidEvent("each event must be a JSON object".into()));
        }
        let fields: HashMap<String, Box<RawValue>> =
            serde_json::from_str(text).map_err(|e| Error::InvalidJson(e.to_string()))?;
        let small =
            |raw: &RawValue| serde_json::from_str::<Value>(raw.get()).map_err(|e| Error::InvalidJson(e.to_string()));
        let kind = match fields.get("type").map(|raw| small(raw)).transpose()? {
            Some(Value::String(t)) => Kind::parse(&t)?,
            Some(_) => return Err(Error::InvalidEvent("\"type\" must be a string".into())),
            None => return Err(Error::InvalidEvent("missing \"type\"".into())),
        };
        let mut event = Event::new(kind);
        for (key, raw) in &fields {
            let nested =
                || -> Result<Option<Json>, Error> { (raw.get() != "null").then(|| Json::parse(raw.get())).transpose() };
            match key.as_str() {
                "type" => {}
                "userId" => event.user_id = raw_id_field(key, raw)?,
                "anonymousId" => event.anonymous_id = raw_id_field(key, raw)?,
                "groupId" => event.group_id = raw_id_field(key, raw)?,
                "previousId" => event.previous_id = raw_id_field(key, raw)?,
                "event" => event.event = string_field(key, &small(raw)?)?,
                "name" => event.name = string_field(key, &small(raw)?)?,
                "messageId" => event.message_id = string_field(key, &small(raw)?)?,
                "timestamp" => event.timestamp = string_field(key, &small(raw)?)?,
                "properties" => event.properties = nested()?,
                "traits" => event.traits = nested()?,
                "context" => event.context = nested()?,
                "integrations" => event.integrations = nested()?,
                other => {
                    return Err(Error::invalid_event(format!("unknown field {other:?} in a {} event", kind.as_str())))
                }
            }
        }
        Ok(event)
    }

    /// Reads a JSON array of events (or one event object) as `from_json_text` does.
    pub fn many_from_json_text(text: &str) -> Result<Vec<Event>, Error> {
        if !text.trim_start().starts_with('[') {
            return Event::from_json_text(text).map(|e| vec![e]);
        }
        let items: Vec<Box<RawValue>> = serde_json::from_str(text).map_err(|e| Error::InvalidJson(e.to_string()))?;
        items
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                Event::from_json_text(raw.get()).map_err(|e| match e {
                    Error::InvalidEvent(m) => Error::InvalidEvent(m.prefixed(&format!("event {i}: "))),
                    other => other,
                })
            })
            .collect()
    }
}

/// An id as written: a number keeps every digit; otherwise as `id_field`.
fn raw_id_field(key: &str, raw: &RawValue) -> Result<Option<String>, Error> {
    let text = raw.get();
    if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return Ok(Some(text.to_owned()));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| Error::InvalidJson(e.to_string()))?;
    id_field(key, &value)
}

/// A string field; `null` leaves it unset.
fn string_field(key: &str, val: &Value) -> Result<Option<String>, Error> {
    match val {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(Error::invalid_event(format!("{key:?} must be a string"))),
    }
}

/// Ids may be numbers in Segment's spec; they are sent as strings.
fn id_field(key: &str, val: &Value) -> Result<Option<String>, Error> {
    match val {
        Value::Number(n) => Ok(Some(n.to_string())),
        _ => string_field(key, val),
    }
}

/// An object field (checked later by the encoder); `null` leaves it unset.
fn json_field(val: &Value) -> Option<Json> {
    (!val.is_null()).then(|| Json::from(val.clone()))
}
