//! The event model and its Segment-compatible JSON encoding.
//!
//! Events are validated and serialized once, at the call site: bad input
//! fails there with a clear error, the caller's objects are not kept, and the
//! queue holds finished JSON that is spliced into batches without re-encoding.

use std::fmt;
use std::time::SystemTime;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::ids;
use crate::time::rfc3339_millis;

/// The Segment event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Track,
    Identify,
    Group,
    Alias,
    Page,
    Screen,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Track => "track",
            Kind::Identify => "identify",
            Kind::Group => "group",
            Kind::Alias => "alias",
            Kind::Page => "page",
            Kind::Screen => "screen",
        }
    }

    pub fn parse(s: &str) -> Result<Kind, Error> {
        Ok(match s {
            "track" => Kind::Track,
            "identify" => Kind::Identify,
            "group" => Kind::Group,
            "alias" => Kind::Alias,
            "page" => Kind::Page,
            "screen" => Kind::Screen,
            other => {
                return Err(Error::InvalidEvent(format!(
                    "unknown event type {other:?} (expected track, identify, group, alias, page or screen)"
                )))
            }
        })
    }
}

/// A JSON document already serialized (properties, traits, context).
///
/// Bindings build it straight from their native values through `Serialize`,
/// so no intermediate tree is built on the hot path.
#[derive(Debug, Clone)]
pub struct Json(Box<RawValue>);

impl Json {
    /// Parses and validates JSON text. Refused too is what the grammar
    /// allows but strict parsers (serde_json, Go, I-JSON) refuse, because
    /// the text is sent as it is: a number beyond f64 (`1e400`) and an
    /// unpaired surrogate escape (`"\udc80"`).
    pub fn parse(text: &str) -> Result<Json, Error> {
        serde_json::from_str::<Strict>(text).map_err(|e| Error::InvalidJson(e.to_string()))?;
        RawValue::from_string(text.to_owned())
            .map(|raw| Json(trim(raw)))
            .map_err(|e| Error::InvalidJson(e.to_string()))
    }

    /// Serializes any `Serialize` value (a binding's native object, a struct, ...).
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Json, Error> {
        serde_json::value::to_raw_value(value)
            .map(Json)
            .map_err(|e| Error::InvalidJson(e.to_string()))
    }

    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    pub fn is_object(&self) -> bool {
        self.0.get().starts_with('{')
    }

    pub(crate) fn raw(&self) -> &RawValue {
        &self.0
    }
}

/// Any JSON value, read the way `serde_json::Value` reads it (numbers
/// converted, escapes decoded) but kept nowhere: `RawValue` alone checks only
/// the grammar, and found by fuzzing, it passes numbers and escapes that
/// make a receiver refuse the whole batch.
struct Strict;

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Strict, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_str<E>(self, _: &str) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        while seq.next_element::<Strict>()?.is_some() {}
        Ok(Strict)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        while map.next_entry::<Strict, Strict>()?.is_some() {}
        Ok(Strict)
    }
}

fn trim(raw: Box<RawValue>) -> Box<RawValue> {
    let text = raw.get();
    if text.len() == text.trim().len() {
        return raw;
    }
    RawValue::from_string(text.trim().to_owned()).unwrap_or(raw)
}

impl From<Value> for Json {
    fn from(value: Value) -> Json {
        // A `Value` always serializes (its map keys are strings, its numbers finite).
        Json(serde_json::value::to_raw_value(&value).unwrap_or_else(|_| {
            RawValue::from_string("null".to_owned()).expect("null is JSON")
        }))
    }
}

/// One event, as a caller describes it. Build it with a constructor and the
/// setters, or fill the fields directly.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: Kind,
    pub user_id: Option<String>,
    pub anonymous_id: Option<String>,
    /// The event name (`track`).
    pub event: Option<String>,
    /// The page or screen name (`page`, `screen`).
    pub name: Option<String>,
    pub group_id: Option<String>,
    pub previous_id: Option<String>,
    pub properties: Option<Json>,
    pub traits: Option<Json>,
    pub context: Option<Json>,
    pub integrations: Option<Json>,
    /// RFC 3339; defaults to the time of the call.
    pub timestamp: Option<String>,
    /// Defaults to a new UUID v4.
    pub message_id: Option<String>,
}

impl Event {
    pub fn new(kind: Kind) -> Event {
        Event {
            kind,
            user_id: None,
            anonymous_id: None,
            event: None,
            name: None,
            group_id: None,
            previous_id: None,
            properties: None,
            traits: None,
            context: None,
            integrations: None,
            timestamp: None,
            message_id: None,
        }
    }

    pub fn track(user_id: impl Into<String>, event: impl Into<String>) -> Event {
        Event { user_id: Some(user_id.into()), event: Some(event.into()), ..Event::new(Kind::Track) }
    }

    pub fn identify(user_id: impl Into<String>) -> Event {
        Event { user_id: Some(user_id.into()), ..Event::new(Kind::Identify) }
    }

    pub fn group(user_id: impl Into<String>, group_id: impl Into<String>) -> Event {
        Event { user_id: Some(user_id.into()), group_id: Some(group_id.into()), ..Event::new(Kind::Group) }
    }

    pub fn alias(previous_id: impl Into<String>, user_id: impl Into<String>) -> Event {
        Event { user_id: Some(user_id.into()), previous_id: Some(previous_id.into()), ..Event::new(Kind::Alias) }
    }

    pub fn page(user_id: impl Into<String>, name: Option<String>) -> Event {
        Event { user_id: Some(user_id.into()), name, ..Event::new(Kind::Page) }
    }

    pub fn screen(user_id: impl Into<String>, name: Option<String>) -> Event {
        Event { user_id: Some(user_id.into()), name, ..Event::new(Kind::Screen) }
    }

    pub fn properties(mut self, properties: impl Into<Json>) -> Event {
        self.properties = Some(properties.into());
        self
    }

    pub fn traits(mut self, traits: impl Into<Json>) -> Event {
        self.traits = Some(traits.into());
        self
    }

    pub fn context(mut self, context: impl Into<Json>) -> Event {
        self.context = Some(context.into());
        self
    }

    pub fn anonymous_id(mut self, id: impl Into<String>) -> Event {
        self.anonymous_id = Some(id.into());
        self
    }

    pub fn message_id(mut self, id: impl Into<String>) -> Event {
        self.message_id = Some(id.into());
        self
    }

    pub fn timestamp(mut self, at: SystemTime) -> Event {
        self.timestamp = Some(rfc3339_millis(at));
        self
    }

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

fn json_field(val: &Value) -> Option<Json> {
    (!val.is_null()).then(|| Json::from(val.clone()))
}

/// Which library sends the events (`context.library`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    pub name: String,
    pub version: String,
}

impl Default for Library {
    fn default() -> Library {
        Library { name: "outbox-rust".into(), version: crate::VERSION.into() }
    }
}

/// An event ready for the queue.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub message_id: String,
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
            160 + raw(&event.properties) + raw(&event.traits) + raw(&event.integrations) + context.get().len()
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
        for (key, value) in [("properties", &event.properties), ("traits", &event.traits), ("integrations", &event.integrations)] {
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

fn validate(event: &Event) -> Result<(), Error> {
    let present = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
    if !present(&event.user_id) && !present(&event.anonymous_id) {
        return Err(Error::InvalidEvent(format!(
            "a {} event needs a user_id or an anonymous_id",
            event.kind.as_str()
        )));
    }
    match event.kind {
        Kind::Track if !present(&event.event) => {
            return Err(Error::InvalidEvent("track needs a non-empty event name".into()))
        }
        Kind::Group if !present(&event.group_id) => {
            return Err(Error::InvalidEvent("group needs a non-empty group_id".into()))
        }
        Kind::Alias if !present(&event.previous_id) || !present(&event.user_id) => {
            return Err(Error::InvalidEvent("alias needs a non-empty previous_id and user_id".into()))
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
                return Err(Error::InvalidEvent(format!(
                    "{field} must be a JSON object, not {}",
                    v.as_str().chars().take(40).collect::<String>()
                )));
            }
            if nests_deeper_than(v.as_str().as_bytes(), MAX_DEPTH) {
                return Err(Error::InvalidEvent(format!(
                    "{field} is nested more than {MAX_DEPTH} levels deep"
                )));
            }
        }
    }
    if event.message_id.as_deref() == Some("") {
        return Err(Error::InvalidEvent("message_id, when given, must not be empty".into()));
    }
    if let Some(ts) = &event.timestamp {
        if !is_rfc3339(ts) {
            return Err(Error::InvalidEvent(format!(
                "timestamp {ts:?} is not RFC 3339 (like 2024-05-01T12:00:00.000Z)"
            )));
        }
    }
    Ok(())
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, with ranges checked.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        part.iter().all(u8::is_ascii_digit).then(|| {
            part.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
        })
    };
    let (Some(_), Some(mo), Some(d), Some(h), Some(mi), Some(se)) =
        (digits(0..4), digits(5..7), digits(8..10), digits(11..13), digits(14..16), digits(17..19))
    else {
        return false;
    };
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return false;
    }
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', ..] if b.len() == i + 6 => {
            b[i + 3] == b':' && digits(i + 1..i + 3).is_some_and(|v| v < 24) && digits(i + 4..i + 6).is_some_and(|v| v < 60)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn enc() -> Encoder {
        Encoder::new(&Library { name: "outbox-test".into(), version: "9.9.9".into() }, 32_000)
    }

    fn decode(e: &Encoded) -> Value {
        serde_json::from_slice(&e.json).unwrap()
    }

    fn nested(levels: usize) -> String {
        format!("{}1{}", "{\"a\":".repeat(levels), "}".repeat(levels))
    }

    #[test]
    fn nesting_is_limited_in_every_object_field() {
        let ok = Json::parse(&nested(MAX_DEPTH)).unwrap();
        enc().encode(&Event::track("u1", "Deep").properties(ok)).unwrap();
        let deep = Json::parse(&nested(MAX_DEPTH + 1)).unwrap();
        for event in [
            Event::track("u1", "Deep").properties(deep.clone()),
            Event::identify("u1").traits(deep.clone()),
            Event::track("u1", "Deep").context(deep.clone()),
        ] {
            let err = enc().encode(&event).unwrap_err().to_string();
            assert!(err.contains("nested more than 64 levels deep"), "{err}");
        }
    }

    #[test]
    fn very_deep_json_is_refused_at_the_call_site() {
        // What a C caller can pass: refused by the parser or by the limit.
        let text = nested(10_000);
        let refused = Json::parse(&text).map_err(|e| e.to_string()).and_then(|j| {
            enc().encode(&Event::track("u1", "Deep").properties(j)).map_err(|e| e.to_string())
        });
        assert!(refused.is_err());
    }

    #[test]
    fn brackets_inside_strings_do_not_count() {
        let brackets = format!("{{\"s\":\"{}\\\"{}\"}}", "[{".repeat(100), "[".repeat(100));
        assert_eq!(nesting_depth(brackets.as_bytes()), 1, "{brackets}");
        assert_eq!(nesting_depth(br#"{"a":[[1],{"b":[]}]}"#), 4);
        assert!(!nests_deeper_than(br#"{"a":[[1],{"b":[]}]}"#, 4));
        assert!(nests_deeper_than(br#"{"a":[[1],{"b":[]}]}"#, 3));
    }

    #[test]
    fn track_has_segment_fields() {
        let e = enc()
            .encode(&Event::track("u1", "Signed Up").properties(json!({"plan": "pro"})))
            .unwrap();
        let v = decode(&e);
        assert_eq!(v["type"], "track");
        assert_eq!(v["userId"], "u1");
        assert_eq!(v["event"], "Signed Up");
        assert_eq!(v["properties"], json!({"plan": "pro"}));
        assert_eq!(v["messageId"], e.message_id.as_str());
        assert_eq!(v["context"]["library"], json!({"name": "outbox-test", "version": "9.9.9"}));
        assert!(is_rfc3339(v["timestamp"].as_str().unwrap()));
        assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(v.get("anonymousId").is_none());
    }

    #[test]
    fn caller_strings_are_escaped() {
        let tricky = "quote \" backslash \\ newline \n tab \t nul \u{0} snowman \u{2603} emoji \u{1F600}";
        let mut ev = Event::track(tricky, tricky).message_id(tricky).anonymous_id(tricky);
        ev.name = Some(tricky.into());
        let e = enc().encode(&ev).unwrap();
        let v = decode(&e);
        for key in ["userId", "event", "messageId", "anonymousId", "name"] {
            assert_eq!(v[key], tricky, "{key}");
        }
        assert_eq!(e.message_id, tricky);
    }

    #[test]
    fn caller_context_keeps_its_fields_and_gains_library() {
        let e = enc()
            .encode(&Event::identify("u1").context(json!({"ip": "1.2.3.4"})))
            .unwrap();
        let v = decode(&e);
        assert_eq!(v["context"]["ip"], "1.2.3.4");
        assert_eq!(v["context"]["library"]["name"], "outbox-test");
    }

    #[test]
    fn caller_message_id_and_timestamp_are_kept() {
        let mut ev = Event::track("u", "e").message_id("m-1");
        ev.timestamp = Some("2024-05-01T12:00:00+02:00".into());
        let v = decode(&enc().encode(&ev).unwrap());
        assert_eq!(v["messageId"], "m-1");
        assert_eq!(v["timestamp"], "2024-05-01T12:00:00+02:00");
    }

    #[test]
    fn clear_errors_for_bad_input() {
        let cases: Vec<(Event, &str)> = vec![
            (Event::track("u", ""), "event name"),
            (Event::track("", "e"), "user_id or an anonymous_id"),
            (Event::track("u", "e").properties(json!([1, 2])), "properties must be a JSON object"),
            (Event::group("u", ""), "group_id"),
            (Event::alias("", "u"), "previous_id"),
            (Event::track("u", "e").message_id(""), "message_id"),
        ];
        for (event, needle) in cases {
            let err = enc().encode(&event).unwrap_err().to_string();
            assert!(err.contains(needle), "{err:?} should mention {needle:?}");
        }
        let mut ev = Event::track("u", "e");
        ev.timestamp = Some("yesterday".into());
        assert!(enc().encode(&ev).unwrap_err().to_string().contains("RFC 3339"));
    }

    #[test]
    fn anonymous_only_is_fine() {
        let mut ev = Event::new(Kind::Track).anonymous_id("anon-1");
        ev.event = Some("Viewed".into());
        let v = decode(&enc().encode(&ev).unwrap());
        assert_eq!(v["anonymousId"], "anon-1");
    }

    #[test]
    fn oversize_event_is_refused_with_sizes() {
        let big = "x".repeat(40_000);
        let err = enc().encode(&Event::track("u", "e").properties(json!({ "b": big }))).unwrap_err();
        match err {
            Error::EventTooLarge { size, limit } => {
                assert!(size > 40_000);
                assert_eq!(limit, 32_000);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn json_text_is_validated() {
        assert!(Json::parse("{\"a\":").is_err());
        assert!(Json::parse(" {\"a\":1} ").unwrap().is_object());
        assert!(!Json::parse("[1]").unwrap().is_object());
    }

    /// Found by fuzzing (fuzz/artifacts/event_json/): text the JSON grammar
    /// allows but serde_json refuses was accepted and sent as it was, and the
    /// receiver refused the whole batch around it.
    #[test]
    fn json_that_strict_parsers_refuse_is_refused_at_the_call_site() {
        for text in [
            r#"{"s":"\udc80"}"#,
            r#"{"s":"\ud83d"}"#,
            r#"{"s":"\ud83d\u0041"}"#,
            r#"{"\udc80":1}"#,
            r#"{"n":1e400}"#,
            r#"{"n":[-1E309]}"#,
        ] {
            let err = Json::parse(text).unwrap_err();
            assert!(matches!(err, Error::InvalidJson(_)), "{text}: {err}");
        }
        for text in [r#"{"s":"\ud83d\ude80 \u00e9"}"#, r#"{"n":1e308,"t":1e-400,"b":123456789012345678901234567890}"#] {
            let json = Json::parse(text).unwrap();
            let encoded = enc().encode(&Event::track("u1", "Ok").properties(json)).unwrap();
            assert!(decode(&encoded)["properties"].is_object(), "{text}");
        }
    }

    #[test]
    fn from_json_reads_segment_shape_and_rejects_typos() {
        let ev = Event::from_json(&json!({
            "type": "group", "userId": 42, "groupId": "g", "traits": {"n": 1}
        }))
        .unwrap();
        let v = decode(&enc().encode(&ev).unwrap());
        assert_eq!(v["userId"], "42");
        assert_eq!(v["groupId"], "g");
        assert_eq!(v["traits"], json!({"n": 1}));
        let err = Event::from_json(&json!({"type": "track", "userId": "u", "event": "e", "propertis": {}}))
            .unwrap_err();
        assert!(err.to_string().contains("propertis"));
        assert!(Event::from_json(&json!({"type": "bogus"})).is_err());
        assert!(Event::from_json(&json!([])).is_err());
    }

    #[test]
    fn rfc3339_checker() {
        for ok in ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123Z", "2024-05-01T12:00:00-07:30"] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in ["", "2024-05-01", "2024-13-01T00:00:00Z", "2024-05-01T12:00:00", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00+0200"] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }
}
