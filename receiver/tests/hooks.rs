//! `Hooks`: the per-request callback and the default answer, as
//! `outbox listen` uses them.

mod common;

use std::sync::{Arc, Mutex};

use common::{batch, gzip, Client};
use outbox_test_receiver::{Fault, Hooks, OnRequest, Receiver, ReceiverOptions, RecordedRequest};

fn collector() -> (OnRequest, Arc<Mutex<Vec<RecordedRequest>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let hook: OnRequest = Arc::new(move |r: &RecordedRequest| {
        sink.lock().expect("lock").push(r.clone());
    });
    (hook, seen)
}

#[test]
fn on_request_sees_every_request_even_without_recording() {
    let (hook, seen) = collector();
    let rx = Receiver::start_with_hooks(
        ReceiverOptions { record_bodies: false, port: 0 },
        Hooks { on_request: Some(hook), status: None },
    )
    .expect("start");
    let mut c = Client::connect(rx.port());
    assert_eq!(c.post_json("/v1/batch", &batch(&["a", "b"])).status, 200);
    rx.push_fault(Fault::status(503));
    assert_eq!(c.post_json("/v1/batch", &batch(&["c"])).status, 503);
    let body = batch(&["z"]);
    let r = c.request(
        "POST",
        "/v1/batch",
        &[("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
        &gzip(body.as_bytes()),
    );
    assert_eq!(r.status, 200);
    assert_eq!(c.post_json("/hook", "{not json").status, 400);
    // Control requests are not ingest requests.
    assert_eq!(c.get("/_control/stats").status, 200);

    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0].ids, ["a", "b"]);
    assert_eq!((seen[0].status, seen[0].fault.as_deref()), (Some(200), None));
    assert_eq!(seen[1].ids, ["c"]);
    assert_eq!((seen[1].status, seen[1].fault.as_deref()), (Some(503), Some("status")));
    assert!(seen[2].gzip);
    assert_eq!(seen[2].body, body.as_bytes(), "the hook sees the decoded body");
    assert_eq!(seen[3].status, Some(400));
    // Not recording: the receiver kept counters and ids only.
    assert!(rx.requests().is_empty());
    assert_eq!(rx.stats().unique_events, 3);
}

#[test]
fn default_answer_status() {
    let rx = Receiver::start_with_hooks(ReceiverOptions::default(), Hooks { on_request: None, status: Some(202) })
        .expect("start");
    let mut c = Client::connect(rx.port());
    let r = c.post_json("/v1/batch", &batch(&["a"]));
    assert_eq!((r.status, r.text().as_str()), (202, r#"{"ok":true}"#));
    assert_eq!(rx.stats().unique_events, 1);

    let (hook, seen) = collector();
    let rx =
        Receiver::start_with_hooks(ReceiverOptions::default(), Hooks { on_request: Some(hook), status: Some(500) })
            .expect("start");
    let mut c = Client::connect(rx.port());
    assert_eq!(c.post_json("/v1/batch", &batch(&["a"])).status, 500);
    assert_eq!(rx.stats().unique_events, 0, "a non-2xx answer stores nothing");
    // Fault rules still win over the default answer.
    rx.push_fault(Fault::status(429));
    assert_eq!(c.post_json("/v1/batch", &batch(&["b"])).status, 429);
    let seen = seen.lock().expect("lock").clone();
    assert_eq!((seen[0].status, seen[0].fault.as_deref()), (Some(500), None));
    assert_eq!(seen[0].ids, ["a"]);
    assert_eq!(seen[1].fault.as_deref(), Some("status"));
    assert_eq!(rx.requests().len(), 2);

    let bad = Receiver::start_with_hooks(ReceiverOptions::default(), Hooks { on_request: None, status: Some(99) });
    assert!(bad.is_err());
}

#[test]
fn a_panicking_hook_does_not_break_the_receiver() {
    let hook: OnRequest = Arc::new(|_: &RecordedRequest| panic!("hook failure on purpose"));
    let rx = Receiver::start_with_hooks(ReceiverOptions::default(), Hooks { on_request: Some(hook), status: None })
        .expect("start");
    let mut c = Client::connect(rx.port());
    assert_eq!(c.post_json("/v1/batch", &batch(&["a"])).status, 200);
    assert_eq!(c.post_json("/v1/batch", &batch(&["b"])).status, 200);
    assert_eq!(rx.stats().unique_events, 2);
}
