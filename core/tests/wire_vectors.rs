//! Runs every vector of `tests/vectors/events.json` (shared with the C,
//! Python and Node suites) through the Rust API and compares the bytes the
//! engine sends with the frozen ones, byte for byte.
//!
//! The bytes are read where they arrive, at the real test receiver:
//! `captured()` in test mode gives events re-read as `serde_json::Value`
//! (keys sorted, numbers re-encoded), so it is checked too, but only as JSON
//! values.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use outbox_engine::{Client, Event, Json, Kind, Options};
use outbox_test_receiver::Receiver;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

/// This face's key in a vector's `skip`.
const FACE: &str = "rust";
/// The keys `skip` may use: the four faces and the test-mode check.
const SKIP_KEYS: [&str; 5] = ["rust", "c", "python", "node", "test_mode"];
/// Stands for this face's `context.library` object in `expected`.
const LIBRARY_MASK: &str = "\"@library@\"";
/// Stand for the values the engine generates when the call gives none.
const GENERATED_ID: &str = "@generated-message-id@";
const GENERATED_TIMESTAMP: &str = "@generated-timestamp@";

#[derive(Deserialize)]
struct File {
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    /// Read raw: the call's objects must keep their key order.
    call: Box<RawValue>,
    expected: Option<String>,
    #[serde(default)]
    skip: BTreeMap<String, String>,
    #[serde(default)]
    differs: BTreeMap<String, Value>,
}

fn vectors() -> Vec<Vector> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/events.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_json::from_str::<File>(&text).expect("events.json has the documented shape").vectors
}

// ---- the call's arguments, in the caller's key order ---------------------

/// A JSON value that keeps its object keys in order (`serde_json::Value`
/// sorts them), as a Rust caller's struct or ordered map would. Numbers
/// follow Python's rule, which Node's BigInt shares: integers exact at any
/// size, other numbers as f64.
#[derive(Debug, Clone)]
enum Arg {
    Null,
    Bool(bool),
    Number(String),
    Text(String),
    List(Vec<Arg>),
    Object(Vec<(String, Arg)>),
}

/// An object's members in document order.
struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Members, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

impl Arg {
    fn read(raw: &RawValue) -> Arg {
        let text = raw.get().trim();
        let parse = |what: &str| -> ! { panic!("{what} in the call is not valid JSON: {text}") };
        match text.as_bytes().first() {
            Some(b'{') => {
                let Members(members) = serde_json::from_str(text).unwrap_or_else(|_| parse("an object"));
                Arg::Object(members.into_iter().map(|(k, v)| (k, Arg::read(&v))).collect())
            }
            Some(b'[') => {
                let items: Vec<Box<RawValue>> = serde_json::from_str(text).unwrap_or_else(|_| parse("an array"));
                Arg::List(items.iter().map(|v| Arg::read(v)).collect())
            }
            Some(b'"') => Arg::Text(serde_json::from_str(text).unwrap_or_else(|_| parse("a string"))),
            Some(b't') => Arg::Bool(true),
            Some(b'f') => Arg::Bool(false),
            Some(b'n') => Arg::Null,
            _ => Arg::Number(text.to_owned()),
        }
    }

    fn get(&self, key: &str) -> Option<&Arg> {
        match self {
            Arg::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn text(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Arg::Text(s)) => Some(s),
            Some(other) => panic!("{key} must be a string, not {other:?}"),
            None => None,
        }
    }

    fn json(&self, key: &str) -> Option<Json> {
        self.get(key).map(|v| Json::from_serialize(v).expect("an argument serializes"))
    }

    fn value(&self, key: &str) -> Option<Value> {
        self.get(key).map(|v| serde_json::to_value(v).expect("an argument serializes"))
    }
}

fn is_integer(literal: &str) -> bool {
    !literal.contains(['.', 'e', 'E'])
}

impl Serialize for Arg {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Arg::Null => s.serialize_unit(),
            Arg::Bool(b) => s.serialize_bool(*b),
            Arg::Number(n) if is_integer(n) => {
                if let Ok(i) = n.parse::<i64>() {
                    s.serialize_i64(i)
                } else if let Ok(u) = n.parse::<u64>() {
                    s.serialize_u64(u)
                } else {
                    // Beyond 64 bits: the digits as they are (a bignum's Serialize).
                    RawValue::from_string(n.clone()).map_err(serde::ser::Error::custom)?.serialize(s)
                }
            }
            Arg::Number(n) => s.serialize_f64(n.parse().map_err(serde::ser::Error::custom)?),
            Arg::Text(t) => s.serialize_str(t),
            Arg::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Arg::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

// ---- the neutral call as Rust calls ---------------------------------------

/// How ids given as numbers are passed.
#[derive(Clone, Copy, PartialEq)]
enum NumericIds {
    /// Rust's capture API takes ids as strings: such a vector is skipped
    /// (listed in the file).
    Refuse,
    /// As every other face sends them: the number's decimal text. Only for
    /// printing the expected bytes of new vectors.
    AsDecimal,
}

fn id(call: &Arg, key: &str, numbers: NumericIds) -> Option<String> {
    match call.get(key)? {
        Arg::Text(s) => Some(s.clone()),
        Arg::Number(n) if numbers == NumericIds::AsDecimal && is_integer(n) => Some(n.clone()),
        other => panic!("{key} {other:?}: Rust takes ids as strings; list a rust skip for this vector"),
    }
}

fn kind(call: &Arg) -> Kind {
    Kind::parse(call.text("call").expect("every call names its method")).expect("a known call")
}

/// The call as an `Event` with every field set, for `Client::capture`.
fn event(call: &Arg, numbers: NumericIds) -> Event {
    let mut e = Event::new(kind(call));
    e.user_id = id(call, "user_id", numbers);
    e.group_id = id(call, "group_id", numbers);
    e.previous_id = id(call, "previous_id", numbers);
    e.event = call.text("event").map(str::to_owned);
    e.name = call.text("name").map(str::to_owned);
    e.properties = call.json("properties");
    e.traits = call.json("traits");
    if let Some(options) = call.get("options") {
        e.anonymous_id = id(options, "anonymous_id", numbers);
        e.message_id = options.text("message_id").map(str::to_owned);
        e.timestamp = options.text("timestamp").map(str::to_owned);
        e.context = options.json("context");
        e.integrations = options.json("integrations");
    }
    e
}

/// Makes the call the way a Rust caller would: the short methods when the
/// call has no options, `capture` with an `Event` otherwise. Returns the
/// message id.
fn send(client: &Client, call: &Arg, numbers: NumericIds) -> String {
    let text = |key| call.text(key).unwrap_or_else(|| panic!("{key} is required here"));
    let result = match kind(call) {
        _ if call.get("options").is_some() || numbers == NumericIds::AsDecimal => client.capture(event(call, numbers)),
        Kind::Track => client.track(text("user_id"), text("event"), call.value("properties")),
        Kind::Identify => client.identify(text("user_id"), call.value("traits")),
        Kind::Group => client.group(text("user_id"), text("group_id"), call.value("traits")),
        Kind::Alias => client.alias(text("previous_id"), text("user_id")),
        Kind::Page => client.page(text("user_id"), call.text("name"), call.value("properties")),
        Kind::Screen => client.screen(text("user_id"), call.text("name"), call.value("properties")),
    };
    result.unwrap_or_else(|e| panic!("the call failed: {e}"))
}

// ---- comparing ------------------------------------------------------------

fn library() -> String {
    format!("{{\"name\":\"outbox-rust\",\"version\":\"{}\"}}", outbox_engine::VERSION)
}

fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            14 => *c == b'4',
            19 => matches!(c, b'8' | b'9' | b'a' | b'b'),
            _ => matches!(c, b'0'..=b'9' | b'a'..=b'f'),
        })
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, as the engine writes times.
fn is_engine_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 24
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            23 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// The event inside a one-event body `{"batch":[EVENT],"sentAt":"..."}`.
fn event_of_body(body: &[u8]) -> Result<&[u8], String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("body is not UTF-8: {e}"))?;
    let inner = text.strip_prefix("{\"batch\":[").ok_or_else(|| format!("unexpected body {text}"))?;
    let (event, tail) = inner.rsplit_once("],\"sentAt\":\"").ok_or_else(|| format!("no sentAt in {text}"))?;
    let sent_at = tail.strip_suffix("\"}").ok_or_else(|| format!("unexpected body end {text}"))?;
    if !is_engine_time(sent_at) {
        return Err(format!("sentAt {sent_at:?} is not YYYY-MM-DDTHH:MM:SS.mmmZ"));
    }
    Ok(event.as_bytes())
}

/// Replaces the `len` bytes after the first `"key":"` with `mask` once
/// `valid` accepts them: the top-level field comes first, before any
/// caller text.
fn mask(event: &mut String, key: &str, len: usize, mask: &str, valid: impl Fn(&str) -> bool) -> Result<(), String> {
    let start = event.find(&format!("\"{key}\":\"")).ok_or_else(|| format!("no {key}"))? + key.len() + 4;
    let value = event.get(start..start + len).ok_or_else(|| format!("{key} is too short"))?;
    if !valid(value) || event.as_bytes().get(start + len) != Some(&b'"') {
        return Err(format!("generated {key} has the wrong shape: {event}"));
    }
    event.replace_range(start..start + len, mask);
    Ok(())
}

/// Checks the bytes one call sent against the vector's `expected`, with
/// the masks the file documents.
fn check(sent: &[u8], expected: &str, returned_id: &str) -> Result<(), String> {
    let expected = expected.replace(LIBRARY_MASK, &library());
    let mut sent = String::from_utf8(sent.to_vec()).map_err(|e| format!("event is not UTF-8: {e}"))?;
    let parsed: Value = serde_json::from_str(&sent).map_err(|e| format!("sent invalid JSON ({e}): {sent}"))?;
    if parsed["messageId"] != returned_id {
        return Err(format!("the call returned {returned_id:?} but sent {}", parsed["messageId"]));
    }
    if expected.contains(GENERATED_ID) {
        mask(&mut sent, "messageId", 36, GENERATED_ID, is_uuid_v4)?;
    }
    if expected.contains(GENERATED_TIMESTAMP) {
        mask(&mut sent, "timestamp", 24, GENERATED_TIMESTAMP, is_engine_time)?;
    }
    if sent == expected {
        Ok(())
    } else {
        Err(format!("sent     {sent}\n    expected {expected}"))
    }
}

/// The same check on an event read back as a JSON value.
fn check_value(mut got: Value, expected: &str, returned_id: &str) -> Result<(), String> {
    let expected: Value =
        serde_json::from_str(&expected.replace(LIBRARY_MASK, &library())).map_err(|e| e.to_string())?;
    if got["messageId"] != returned_id {
        return Err(format!("the call returned {returned_id:?}, captured {}", got["messageId"]));
    }
    for (key, generated, valid) in [
        ("messageId", GENERATED_ID, is_uuid_v4 as fn(&str) -> bool),
        ("timestamp", GENERATED_TIMESTAMP, is_engine_time),
    ] {
        if expected[key] == generated {
            if !got[key].as_str().is_some_and(valid) {
                return Err(format!("generated {key} has the wrong shape: {}", got[key]));
            }
            got[key] = generated.into();
        }
    }
    if got == expected {
        Ok(())
    } else {
        Err(format!("captured {got}\n    expected {expected}"))
    }
}

fn reason_to_skip<'a>(v: &'a Vector, keys: &[&str]) -> Option<&'a String> {
    keys.iter().find_map(|k| v.skip.get(*k))
}

/// What this face must send: `expected`, or the bytes of a known difference.
fn bytes_for(v: &Vector) -> &str {
    match v.differs.get(FACE) {
        Some(known) => {
            println!("known difference {}: {}", v.name, known["why"]);
            known["sent"].as_str().expect("differs.sent is a string")
        }
        None => v.expected.as_deref().unwrap_or_default(),
    }
}

// ---- the tests --------------------------------------------------------------

#[test]
fn the_file_is_complete() {
    let vectors = vectors();
    let mut names = std::collections::HashSet::new();
    for v in &vectors {
        assert!(names.insert(v.name.as_str()), "vector {} appears twice", v.name);
        let expected = v.expected.as_deref().unwrap_or_else(|| {
            panic!("vector {} has no expected bytes: print them with `cargo test -p outbox-engine --test wire_vectors -- --ignored --nocapture print_expected`", v.name)
        });
        serde_json::from_str::<Value>(&expected.replace(LIBRARY_MASK, "{}"))
            .unwrap_or_else(|e| panic!("{}: expected is not JSON: {e}", v.name));
        for key in v.skip.keys().chain(v.differs.keys()) {
            assert!(SKIP_KEYS.contains(&key.as_str()), "{}: unknown face {key:?}", v.name);
        }
    }
    let kinds: std::collections::HashSet<Kind> = vectors.iter().map(|v| kind(&Arg::read(&v.call))).collect();
    assert_eq!(kinds.len(), 6, "every capture call has vectors");
}

#[test]
fn every_vector_is_sent_byte_for_byte() {
    let receiver = Receiver::start();
    let client = Client::new(Options::new(receiver.url())).expect("valid options");
    let (mut ran, mut failures) = (0, Vec::new());
    for v in vectors() {
        if let Some(reason) = reason_to_skip(&v, &[FACE]) {
            println!("skip {}: {reason}", v.name);
            continue;
        }
        receiver.reset();
        let id = send(&client, &Arg::read(&v.call), NumericIds::Refuse);
        assert_eq!(client.flush(Duration::from_secs(10)).delivered, 1, "{}", v.name);
        let requests = receiver.requests();
        assert_eq!(requests.len(), 1, "{}: one request per flushed call", v.name);
        let outcome = event_of_body(&requests[0].body).and_then(|sent| check(sent, bytes_for(&v), &id));
        if let Err(e) = outcome {
            failures.push(format!("{}: {e}", v.name));
        }
        ran += 1;
    }
    assert!(failures.is_empty(), "{} of {ran} vectors differ:\n{}", failures.len(), failures.join("\n"));
    assert!(ran >= 40, "only {ran} vectors ran");
}

#[test]
fn test_mode_captures_every_vector() {
    let client = Client::new(Options {
        delivery: outbox_engine::DeliveryOptions { test_mode: true, ..outbox_engine::DeliveryOptions::for_client() },
        ..Options::default()
    })
    .expect("valid options");
    let mut failures = Vec::new();
    for v in vectors() {
        if let Some(reason) = reason_to_skip(&v, &[FACE, "test_mode"]) {
            println!("skip {}: {reason}", v.name);
            continue;
        }
        client.clear_captured();
        let id = send(&client, &Arg::read(&v.call), NumericIds::Refuse);
        client.flush(Duration::from_secs(10));
        let mut captured = client.captured();
        assert_eq!(captured.len(), 1, "{}", v.name);
        if let Err(e) = check_value(captured.remove(0), v.expected.as_deref().unwrap_or_default(), &id) {
            failures.push(format!("{}: {e}", v.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Prints, for each vector, the bytes today's engine sends (masked as the
/// file documents), as a JSON line `{"name": ..., "expected": ...}`. This
/// is how a new vector's `expected` is made; a frozen one never changes.
#[test]
#[ignore = "a tool: prints expected bytes for new vectors"]
fn print_expected() {
    let receiver = Receiver::start();
    let client = Client::new(Options::new(receiver.url())).expect("valid options");
    for v in vectors() {
        receiver.reset();
        let call = Arg::read(&v.call);
        send(&client, &call, NumericIds::AsDecimal);
        client.flush(Duration::from_secs(10));
        let requests = receiver.requests();
        let mut sent = String::from_utf8(event_of_body(&requests[0].body).unwrap().to_vec()).unwrap();
        sent = sent.replace(&format!("\"library\":{}", library()), &format!("\"library\":{LIBRARY_MASK}"));
        let options = call.get("options");
        if options.and_then(|o| o.get("message_id")).is_none() {
            mask(&mut sent, "messageId", 36, GENERATED_ID, is_uuid_v4).unwrap();
        }
        if options.and_then(|o| o.get("timestamp")).is_none() {
            mask(&mut sent, "timestamp", 24, GENERATED_TIMESTAMP, is_engine_time).unwrap();
        }
        println!("{}", serde_json::json!({"name": v.name, "expected": sent}));
    }
}
