//! [`Encoder`]: validates events and writes their wire JSON by hand, once
//! per call, on the caller's thread.

use std::time::SystemTime;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{Event, Json, Kind, Library};
use crate::error::Error;
use crate::ids;
use crate::names::field;
use crate::time::is_rfc3339;

/// An event ready for the queue.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// The event's message id, given or generated.
    pub message_id: String,
    /// The event's wire JSON, one object.
    pub json: Vec<u8>,
}

/// Validates and serializes events for one client.
#[derive(Debug, Clone)]
pub struct Encoder {
    max_event_bytes: usize,
    library: Value,
    default_context: Box<RawValue>,
}

impl Encoder {
    /// An encoder that names `library` in each event's context and refuses
    /// events whose JSON exceeds `max_event_bytes`.
    pub fn new(library: &Library, max_event_bytes: usize) -> Encoder {
        let library = serde_json::json!({"name": library.name, "version": library.version});
        let default_context = serde_json::value::to_raw_value(&serde_json::json!({ "library": library }))
            .expect("a literal object serializes");
        Encoder { max_event_bytes, library, default_context }
    }

    /// Validates `event` and serializes it, filling in the message id and timestamp.
    pub fn encode(&self, event: &Event) -> Result<Encoded, Error> {
        validate(event)?;
        let message_id = match &event.message_id {
            Some(id) => id.clone(),
            None => ids::new_message_id(),
        };
        let mut now = [0u8; 24];
        let timestamp = match &event.timestamp {
            Some(ts) => ts.as_str(),
            None => {
                crate::time::write_rfc3339_millis(SystemTime::now(), &mut now);
                std::str::from_utf8(&now).unwrap_or_default()
            }
        };
        let merged;
        let context: &RawValue = match &event.context {
            None => &self.default_context,
            Some(ctx) => {
                merged = self.merge_context(ctx)?;
                &merged
            }
        };
        // Written by hand: keys are constants and the generated id and
        // timestamp need no escaping; only caller strings go through the
        // JSON string escaper. This runs on the caller's thread per event.
        let raw = |j: &Option<Json>| j.as_ref().map_or(0, |j| j.as_str().len());
        let mut json = Vec::with_capacity(
            160 + raw(&event.properties)
                + raw(&event.traits)
                + raw(&event.integrations)
                + context.get().len()
                + [&event.user_id, &event.anonymous_id, &event.event, &event.name, &event.group_id, &event.previous_id]
                    .iter()
                    .map(|s| s.as_ref().map_or(0, |s| s.len() + 16))
                    .sum::<usize>(),
        );
        json.extend_from_slice(b"{\"type\":\"");
        json.extend_from_slice(event.kind.as_str().as_bytes());
        json.extend_from_slice(b"\",\"messageId\":");
        push_str(&mut json, &message_id, event.message_id.is_none());
        json.extend_from_slice(b",\"timestamp\":");
        push_str(&mut json, timestamp, event.timestamp.is_none());
        for (key, value) in [
            ("userId", &event.user_id),
            ("anonymousId", &event.anonymous_id),
            ("event", &event.event),
            ("name", &event.name),
            ("groupId", &event.group_id),
            ("previousId", &event.previous_id),
        ] {
            if let Some(v) = value {
                push_key(&mut json, key);
                push_str(&mut json, v, false);
            }
        }
        for (key, value) in
            [("properties", &event.properties), ("traits", &event.traits), ("integrations", &event.integrations)]
        {
            if let Some(v) = value {
                push_key(&mut json, key);
                json.extend_from_slice(v.as_str().as_bytes());
            }
        }
        push_key(&mut json, "context");
        json.extend_from_slice(context.get().as_bytes());
        json.push(b'}');
        if json.len() > self.max_event_bytes {
            return Err(Error::EventTooLarge { size: json.len(), limit: self.max_event_bytes });
        }
        Ok(Encoded { message_id, json })
    }

    /// The caller's context with `library` added unless the caller set one.
    fn merge_context(&self, ctx: &Json) -> Result<Box<RawValue>, Error> {
        let mut map: Map<String, Value> =
            serde_json::from_str(ctx.as_str()).map_err(|e| Error::InvalidJson(e.to_string()))?;
        map.entry("library").or_insert_with(|| self.library.clone());
        serde_json::value::to_raw_value(&map).map_err(|e| Error::InvalidJson(e.to_string()))
    }
}

/// Writes `,"key":`, the separator and key before a value.
fn push_key(out: &mut Vec<u8>, key: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

/// A JSON string; `trusted` text (our own ids and timestamps) needs no escaping.
fn push_str(out: &mut Vec<u8>, s: &str, trusted: bool) {
    if trusted {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing a str into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// The deepest nesting accepted in `properties`, `traits`, `context` and
/// `integrations` (the object itself is level 1), in every language. With
/// the event and the batch around it a request stays under 100 levels, which
/// common JSON parsers accept (Ruby's default limit is 100, serde_json's 128):
/// one deep event can never make a receiver refuse the events batched with it.
pub const MAX_DEPTH: usize = 64;

/// True when arrays and objects in valid JSON `text` nest deeper than `max`.
fn nests_deeper_than(text: &[u8], max: usize) -> bool {
    // Most events have fewer brackets than the limit: counting them is a
    // vectorised pass, and no deeper nesting is possible then.
    let openers = text.iter().filter(|b| matches!(b, b'{' | b'[')).count();
    openers > max && nesting_depth(text) > max
}

/// How deeply arrays and objects nest in valid JSON `text`.
fn nesting_depth(text: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in text {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Checks what the encoder cannot fix: the ids each kind needs, object
/// fields that are objects and not too deep, a non-empty message id and an
/// RFC 3339 timestamp.
fn validate(event: &Event) -> Result<(), Error> {
    let present = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
    if !present(&event.user_id) && !present(&event.anonymous_id) {
        return Err(Error::invalid_event(format!(
            "a {} event needs a {} or an {}",
            event.kind.as_str(),
            field("user_id"),
            field("anonymous_id")
        )));
    }
    match event.kind {
        Kind::Track if !present(&event.event) => {
            return Err(Error::InvalidEvent("track needs a non-empty event name".into()))
        }
        Kind::Group if !present(&event.group_id) => {
            return Err(Error::invalid_event(format!("group needs a non-empty {}", field("group_id"))))
        }
        Kind::Alias if !present(&event.previous_id) || !present(&event.user_id) => {
            return Err(Error::invalid_event(format!(
                "alias needs a non-empty {} and {}",
                field("previous_id"),
                field("user_id")
            )))
        }
        _ => {}
    }
    for (field, value) in [
        ("properties", &event.properties),
        ("traits", &event.traits),
        ("context", &event.context),
        ("integrations", &event.integrations),
    ] {
        if let Some(v) = value {
            if !v.is_object() {
                return Err(Error::invalid_event(format!(
                    "{field} must be a JSON object, not {}",
                    v.as_str().chars().take(40).collect::<String>()
                )));
            }
            if nests_deeper_than(v.as_str().as_bytes(), MAX_DEPTH) {
                return Err(Error::invalid_event(format!("{field} is nested more than {MAX_DEPTH} levels deep")));
            }
        }
    }
    if event.message_id.as_deref() == Some("") {
        return Err(Error::invalid_event(format!("{}, when given, must not be empty", field("message_id"))));
    }
    if let Some(ts) = &event.timestamp {
        if !is_rfc3339(ts) {
            return Err(Error::invalid_event(format!(
                "timestamp {ts:?} is not RFC 3339 (like 2024-05-01T12:00:00.000Z)"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_inside_strings_do_not_count() {
        let brackets = format!("{{\"s\":\"{}\\\"{}\"}}", "[{".repeat(100), "[".repeat(100));
        assert_eq!(nesting_depth(brackets.as_bytes()), 1, "{brackets}");
        assert_eq!(nesting_depth(br#"{"a":[[1],{"b":[]}]}"#), 4);
        assert!(!nests_deeper_than(br#"{"a":[[1],{"b":[]}]}"#, 4));
        assert!(nests_deeper_than(br#"{"a":[[1],{"b":[]}]}"#, 3));
    }
}
