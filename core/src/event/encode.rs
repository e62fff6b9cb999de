//! [`Encoder`]: validates events and writes their wire JSON by hand, once
//! per call, on the caller's thread.

use std::ops::Range;
use std::time::SystemTime;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{Event, Json, Kind, Library};
use crate::error::Error;
use crate::ids;
use crate::names::field;
use crate::queue::Payload;
use crate::time::is_rfc3339;

/// An event ready for the queue: its wire JSON and its message id, in one
/// buffer.
#[derive(Debug, Clone)]
pub struct Encoded(Payload);

impl Encoded {
    /// The event's message id, given or generated.
    pub fn message_id(&self) -> &str {
        self.0.id()
    }

    /// The event's wire JSON, one object.
    pub fn json(&self) -> &[u8] {
        self.0.json()
    }

    /// What the queue stores.
    #[doc(hidden)]
    pub fn into_payload(self) -> Payload {
        self.0
    }
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
        // Where the id sits in the JSON, unescaped; None when escaping changed it.
        let id_at = match &event.message_id {
            None => Some(push_trusted(&mut json, &ids::write_message_id())),
            Some(id) => push_str(&mut json, id),
        };
        json.extend_from_slice(b",\"timestamp\":");
        match &event.timestamp {
            Some(ts) => {
                push_str(&mut json, ts);
            }
            None => {
                let mut now = [0u8; 24];
                crate::time::write_rfc3339_millis(SystemTime::now(), &mut now);
                push_trusted(&mut json, &now);
            }
        }
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
                push_str(&mut json, v);
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
        Ok(Encoded(match (id_at, &event.message_id) {
            (Some(range), _) => {
                let len = json.len();
                Payload::with_id_at(json, len, range)
            }
            // A given id that needed escaping: stored after the JSON as it is.
            (None, id) => Payload::new(id.as_deref().unwrap_or_default(), json),
        }))
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

/// A JSON string of our own text (ids, timestamps), which needs no
/// escaping. Returns where the text sits in `out`.
fn push_trusted(out: &mut Vec<u8>, text: &[u8]) -> Range<usize> {
    out.push(b'"');
    let at = out.len();
    out.extend_from_slice(text);
    out.push(b'"');
    at..at + text.len()
}

/// A JSON string of a caller's text. Most need no escaping, and checking
/// that is cheaper than escaping; the rest go through serde_json's escaper,
/// whose output this matches byte for byte. Returns where the text sits in
/// `out` when it was copied verbatim.
fn push_str(out: &mut Vec<u8>, s: &str) -> Option<Range<usize>> {
    if !needs_escaping(s.as_bytes()) {
        return Some(push_trusted(out, s.as_bytes()));
    }
    // Writing a str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
    None
}

/// True when `text` holds a byte serde_json escapes: a control character,
/// `"` or `\\`. Eight bytes at a time (a byte-by-byte check cost 8
/// instructions a byte): `w - n` borrows into a byte's high bit when the
/// byte is below `n`, so `(w - n) & !w & 0x80..` is non-zero exactly when
/// some byte of `w` is below `n` (for `n` <= 0x80); a byte equal to `c` is a
/// zero byte of `w ^ c`, i.e. one below 1.
fn needs_escaping(text: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH != 0;
    let escapable = |word: &[u8]| {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        below(w, 0x20) || below(w ^ (ONES * u64::from(b'"')), 1) || below(w ^ (ONES * u64::from(b'\\')), 1)
    };
    if text.len() < 8 {
        return text.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
    }
    // The last eight bytes as one more word, overlapping the previous one.
    text.chunks_exact(8).any(escapable) || escapable(&text[text.len() - 8..])
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
    // vectorised pass, and no deeper nesting is possible then. Deeper
    // nesting also needs as many closers, so short text cannot have it.
    text.len() > 2 * max && count_openers(text) > max && nesting_depth(text) > max
}

/// How many `{` and `[` `text` holds, strings included. Counted in byte
/// lanes (`b | 0x20` maps `[` to `{` and nothing else there), a chunk at a
/// time so the lanes cannot overflow: the compiler vectorises this, not a
/// filter-count.
fn count_openers(text: &[u8]) -> usize {
    text.chunks(255).map(|chunk| chunk.iter().fold(0u8, |n, &b| n + u8::from(b | 0x20 == b'{')) as usize).sum()
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

    #[test]
    fn needs_escaping_agrees_with_serde_json_for_every_byte_at_every_position() {
        for b in 0..=255u8 {
            for len in [1, 7, 8, 9, 16, 23] {
                for at in 0..len {
                    let mut text = vec![b'a'; len];
                    text[at] = b;
                    let Ok(s) = std::str::from_utf8(&text) else { continue };
                    let escaped = serde_json::to_string(s).unwrap();
                    assert_eq!(needs_escaping(&text), escaped.len() != s.len() + 2, "byte {b:#x} at {at} of {len}");
                }
            }
        }
        assert!(!needs_escaping("naïve €10 日本".as_bytes()));
    }

    #[test]
    fn openers_are_counted_exactly_in_long_text() {
        let text = format!("{}{}", "[{x]}".repeat(300), "a".repeat(1000));
        assert_eq!(count_openers(text.as_bytes()), 600);
        assert_eq!(count_openers(b"[]{}"), 2);
    }
}
