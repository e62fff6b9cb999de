//! Unit tests of the event model, the Segment reader and the encoder.

use serde_json::{json, Value};

use super::*;
use crate::error::Error;
use crate::time::is_rfc3339;

fn enc() -> Encoder {
    Encoder::new(&Library { name: "outbox-test".into(), version: "9.9.9".into() }, 32_000)
}

fn decode(e: &Encoded) -> Value {
    serde_json::from_slice(e.json()).unwrap()
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
    let refused = Json::parse(&text)
        .map_err(|e| e.to_string())
        .and_then(|j| enc().encode(&Event::track("u1", "Deep").properties(j)).map_err(|e| e.to_string()));
    assert!(refused.is_err());
}

#[test]
fn track_has_segment_fields() {
    let e = enc().encode(&Event::track("u1", "Signed Up").properties(json!({"plan": "pro"}))).unwrap();
    let v = decode(&e);
    assert_eq!(v["type"], "track");
    assert_eq!(v["userId"], "u1");
    assert_eq!(v["event"], "Signed Up");
    assert_eq!(v["properties"], json!({"plan": "pro"}));
    assert_eq!(v["messageId"], e.message_id());
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
    assert_eq!(e.message_id(), tricky);
}

#[test]
fn caller_context_keeps_its_fields_and_gains_library() {
    let e = enc().encode(&Event::identify("u1").context(json!({"ip": "1.2.3.4"}))).unwrap();
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
    let err = Event::from_json(&json!({"type": "track", "userId": "u", "event": "e", "propertis": {}})).unwrap_err();
    assert!(err.to_string().contains("propertis"));
    assert!(Event::from_json(&json!({"type": "bogus"})).is_err());
    assert!(Event::from_json(&json!([])).is_err());
}

/// Events read from JSON text keep the caller's nested text (key order and
/// every digit), as every other face sends it; ids keep every digit too.
#[test]
fn events_read_from_text_keep_what_the_caller_wrote() {
    let text = r#"{"type":"track","userId":123456789012345678901234567890,"event":"e",
        "properties":{"zeta":1,"alpha":{"y":1,"x":2},"n":123456789012345678901234567890}}"#;
    let ev = Event::from_json_text(text).unwrap();
    assert_eq!(ev.user_id.as_deref(), Some("123456789012345678901234567890"));
    assert_eq!(
        ev.properties.unwrap().as_str(),
        r#"{"zeta":1,"alpha":{"y":1,"x":2},"n":123456789012345678901234567890}"#
    );
    let many = Event::many_from_json_text(r#"[{"type":"identify","userId":"u"}, 5]"#).unwrap_err();
    assert_eq!(many.to_string(), "invalid event: event 1: each event must be a JSON object");
    let strict = Event::from_json_text(r#"{"type":"track","userId":"u","event":"e","properties":{"x":1e400}}"#);
    assert!(matches!(strict, Err(Error::InvalidJson(_))), "{strict:?}");
    assert!(Event::from_json_text(r#"{"type":"track","userId":"u","event":"e","propertis":{}}"#).is_err());
}
