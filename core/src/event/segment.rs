//! Reading an event in Segment's wire format, the shape `batch` calls from
//! C, Python and Node hand over.

use serde_json::Value;

use super::{Event, Json, Kind};
use crate::error::Error;

impl Event {
    /// Reads one event in Segment's JSON shape (`{"type": "track", "userId": ...}`),
    /// as `batch` calls from C, Python and Node hand them over.
    pub fn from_json(value: &Value) -> Result<Event, Error> {
        let obj = value
            .as_object()
            .ok_or_else(|| Error::InvalidEvent("each event must be a JSON object".into()))?;
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
                    return Err(Error::InvalidEvent(format!(
                        "unknown field {other:?} in a {} event",
                        kind.as_str()
                    )))
                }
            }
        }
        Ok(event)
    }
}

/// A string field; `null` leaves it unset.
fn string_field(key: &str, val: &Value) -> Result<Option<String>, Error> {
    match val {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(Error::InvalidEvent(format!("{key:?} must be a string"))),
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

