//! Event JSON: parsing what callers hand over and encoding it for the wire.
//!
//! The input's text goes in twice: as a whole event in Segment's shape
//! (`Event::from_json`, the `batch` path of C, Python and Node), and as the
//! raw properties of a `track` (`Json::parse`, spliced without re-encoding).
//! Checks: nothing panics; whatever `Encoder::encode` accepts is one JSON
//! object a receiver parses (serde_json, default limits), within
//! `max_event_bytes`, nested no deeper than `MAX_DEPTH` below a field, with
//! the message id it reported; and it reads back as an event that encodes
//! to the same JSON value (to the same bytes when it came from a JSON value:
//! raw properties keep the caller's key order and duplicates on first pass).

use outbox_engine::event::{Encoder, Event, Json, Library, MAX_DEPTH};
use serde_json::Value;

use crate::input::Input;

pub fn event_json(data: &[u8]) {
    let mut input = Input::new(data);
    let max_event_bytes = match input.u8() % 3 {
        0 => 32_000,
        1 => usize::from(input.u16()),
        _ => usize::MAX,
    };
    let encoder = Encoder::new(&Library::default(), max_event_bytes);
    let text = String::from_utf8_lossy(input.rest()).into_owned();

    if let Ok(value) = serde_json::from_str::<Value>(&text) {
        if let Ok(event) = Event::from_json(&value) {
            encode_and_check(&encoder, &event, max_event_bytes, true);
        }
    }
    if let Ok(json) = Json::parse(&text) {
        let event = Event::track("user-1", "Fuzzed").properties(json);
        encode_and_check(&encoder, &event, max_event_bytes, false);
    }
}

fn encode_and_check(encoder: &Encoder, event: &Event, max_event_bytes: usize, same_bytes: bool) {
    let Ok(encoded) = encoder.encode(event) else { return };
    assert!(
        encoded.json().len() <= max_event_bytes,
        "{} bytes > max_event_bytes {max_event_bytes}",
        encoded.json().len()
    );
    let value: Value = match serde_json::from_slice(encoded.json()) {
        Ok(v) => v,
        Err(e) => panic!("encoded event is not JSON ({e}): {}", String::from_utf8_lossy(encoded.json())),
    };
    let object = value.as_object().expect("an encoded event is an object");
    assert_eq!(object.get("type").and_then(Value::as_str), Some(event.kind.as_str()));
    assert_eq!(object.get("messageId").and_then(Value::as_str), Some(encoded.message_id()));
    assert!(object.get("context").and_then(|c| c.get("library")).is_some(), "no context.library");
    for field in ["properties", "traits", "context", "integrations"] {
        if let Some(v) = object.get(field) {
            assert!(v.is_object(), "{field} is not an object");
            assert!(depth(v) <= MAX_DEPTH, "{field} nests {} levels deep", depth(v));
        }
    }
    let again = Event::from_json(&value).expect("an encoded event reads back");
    let re_encoded = match encoder.encode(&again) {
        Ok(e) => e,
        // Read back through a JSON value, raw numbers like 1E2 grow (100.0).
        Err(outbox_engine::Error::EventTooLarge { .. }) if !same_bytes => return,
        Err(e) => panic!("an encoded event does not encode again: {e}"),
    };
    if same_bytes {
        assert_eq!(
            String::from_utf8_lossy(re_encoded.json()),
            String::from_utf8_lossy(encoded.json()),
            "encoding is not stable"
        );
    }
    let re_value: Value = serde_json::from_slice(re_encoded.json()).expect("a re-encoded event is JSON");
    assert!(same(&re_value, &value), "an event changed when read back and encoded again:\n{re_value}\n{value}");
}

/// Equal JSON values, numbers within a few units in the last place:
/// serde_json's default float parsing is not always correctly rounded, so
/// a long decimal and its shortest reprint may read one ulp apart.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs()),
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Nesting of arrays and objects; the value itself is level 1.
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}
