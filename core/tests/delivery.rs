//! The delivery contract, against a real HTTP receiver on 127.0.0.1.

mod common;

use outbox_engine::options::DeliveryOptions;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use outbox_engine::{DropReason, Error, Event, OnFull, Options};
use serde_json::json;

#[test]
fn thirty_two_threads_deliver_every_event_exactly_once() {
    let receiver = Receiver::start();
    // Room for the whole burst: this test is about concurrency, not the drop policy.
    let opts = Options {
        delivery: DeliveryOptions { max_queue_size: 320_000, max_queue_bytes: 1 << 30, ..options(&receiver).delivery },
        ..options(&receiver)
    };
    let client = Arc::new(client(opts));
    let threads: Vec<_> = (0..32)
        .map(|t| {
            let client = client.clone();
            std::thread::spawn(move || {
                for i in 0..10_000 {
                    client.track(&format!("user-{t}"), "Load Test", Some(json!({"thread": t, "i": i}))).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let result = client.flush(SECS(60));
    assert_eq!(result.pending, 0, "{result:?}");
    let stats = client.stats();
    assert_eq!(stats.enqueued, 320_000);
    assert_eq!(stats.delivered, 320_000);
    assert_eq!(stats.dropped_total(), 0);
    assert!(stats.balances());
    let r = receiver.stats();
    assert_eq!(r.unique_events, 320_000);
    assert_eq!(r.duplicate_events, 0);
    assert_eq!(r.events, 320_000);
    // Under load, batches grow well past flush_at.
    let biggest = receiver.requests().iter().map(|q| q.ids.len()).max().unwrap();
    assert!(biggest > 100, "largest batch had {biggest} events");
}

#[test]
fn requests_follow_the_wire_format() {
    let receiver = Receiver::start();
    let mut opts = options(&receiver);
    opts.api_key = Some("key-123".into());
    opts.headers = vec![("X-Team".into(), "growth".into())];
    let client = client(opts);
    let id = client.track("u1", "Signed Up", Some(json!({"plan": "pro"}))).unwrap();
    client.identify("u1", Some(json!({"email": "a@example.com"}))).unwrap();
    client.group("u1", "g1", Some(json!({"name": "Acme"}))).unwrap();
    client.alias("anon-1", "u1").unwrap();
    client.page("u1", Some("Home"), None).unwrap();
    client.screen("u1", Some("Settings"), Some(json!({"tab": 2}))).unwrap();
    assert!(client.flush(SECS(10)).is_complete());

    let requests = receiver.requests();
    let req = &requests[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/v1/batch");
    assert_eq!(req.header("authorization"), Some("Bearer key-123"));
    assert_eq!(req.header("x-team"), Some("growth"));
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.header("idempotency-key").map(str::len), Some(32));
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert!(body["sentAt"].as_str().unwrap().ends_with('Z'));
    let events: Vec<serde_json::Value> = requests
        .iter()
        .flat_map(|r| {
            serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["batch"].as_array().unwrap().clone()
        })
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["track", "identify", "group", "alias", "page", "screen"]);
    assert_eq!(events[0]["messageId"], id.as_str());
    assert_eq!(events[0]["properties"]["plan"], "pro");
    assert_eq!(events[1]["traits"]["email"], "a@example.com");
    assert_eq!(events[2]["groupId"], "g1");
    assert_eq!(events[3]["previousId"], "anon-1");
    assert_eq!(events[4]["name"], "Home");
    assert_eq!(events[0]["context"]["library"]["name"], "outbox-rust");
}

#[test]
fn large_bodies_are_gzipped_and_small_ones_are_not() {
    let receiver = Receiver::start();
    let client = client(options(&receiver));
    client.track("u", "tiny", None).unwrap();
    client.flush(SECS(10));
    for i in 0..50 {
        client.track("u", "bulk", Some(json!({"i": i, "pad": "x".repeat(100)}))).unwrap();
    }
    client.flush(SECS(10));
    let requests = receiver.requests();
    assert!(!requests[0].gzip);
    assert!(requests.last().unwrap().gzip);
    assert_eq!(receiver.stats().unique_events, 51);
}

#[test]
fn basic_auth_for_segment_write_keys() {
    let receiver = Receiver::start();
    let mut opts = options(&receiver);
    opts.api_key = Some("writekey".into());
    opts.auth_scheme = outbox_engine::AuthScheme::Basic;
    let client = client(opts);
    client.track("u", "e", None).unwrap();
    client.flush(SECS(10));
    // base64("writekey:")
    assert_eq!(receiver.requests()[0].header("authorization"), Some("Basic d3JpdGVrZXk6"));
}

#[test]
fn a_lone_event_leaves_within_flush_interval() {
    let receiver = Receiver::start();
    let mut opts = options(&receiver);
    opts.flush_interval = Duration::from_millis(200);
    let client = client(opts);
    client.track("u", "lonely", None).unwrap();
    assert!(receiver.wait_for_unique(1, SECS(5)), "the interval must send a lone event without flush");
    let deadline = Instant::now() + SECS(5);
    while client.stats().delivered == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(client.stats().delivered, 1);
}

#[test]
fn bad_input_fails_at_the_call_site_and_loses_nothing_else() {
    let receiver = Receiver::start();
    let mut opts = options(&receiver);
    opts.max_event_bytes = 1_000;
    let client = client(opts);
    client.track("u", "before", None).unwrap();
    let too_big = client.track("u", "big", Some(json!({"blob": "x".repeat(2_000)}))).unwrap_err();
    assert!(matches!(too_big, Error::EventTooLarge { limit: 1_000, .. }), "{too_big}");
    let not_object = client.track("u", "e", Some(json!("just a string"))).unwrap_err();
    assert!(not_object.to_string().contains("properties must be a JSON object"));
    let invalid_json = outbox_engine::Json::parse("{\"unterminated\": ").unwrap_err();
    assert!(matches!(invalid_json, Error::InvalidJson(_)));
    let empty_name = client.track("u", "", None).unwrap_err();
    assert!(empty_name.to_string().contains("event name"));
    let batch_err = client.batch(&[Event::track("u", "ok"), Event::track("u", "")]).unwrap_err();
    assert!(batch_err.to_string().contains("event 1"), "{batch_err}");
    client.track("u", "after", None).unwrap();
    assert!(client.flush(SECS(10)).is_complete());
    let stats = client.stats();
    assert_eq!((stats.enqueued, stats.delivered), (2, 2), "refused calls are not enqueued; the others all arrive");
    assert_eq!(receiver.stats().unique_events, 2);
}

#[test]
fn endpoint_down_drops_exactly_the_overflow_and_stays_bounded() {
    let port = dead_port();
    let reports = Reports::default();
    let mut opts = Options {
        delivery: DeliveryOptions {
            max_queue_size: 10_000,
            shutdown_timeout: Duration::ZERO,
            retry_initial_backoff: Duration::from_millis(20),
            retry_max_backoff: Duration::from_millis(100),
            ..DeliveryOptions::for_client()
        },
        ..Options::new(format!("http://127.0.0.1:{port}"))
    };
    reports.install(&mut opts);
    let client = client(opts);
    for i in 0..1_000_000u32 {
        client.track("u", "e", Some(json!({ "i": i }))).unwrap();
    }
    let stats = client.stats();
    assert_eq!(stats.enqueued, 1_000_000);
    assert_eq!(stats.dropped(DropReason::QueueFull), 990_000);
    assert_eq!(stats.pending, 10_000);
    assert!(stats.balances());
    let result = client.shutdown(Duration::from_millis(200));
    assert_eq!(result.pending, 10_000);
    let stats = client.stats();
    assert_eq!(stats.dropped(DropReason::Shutdown), 10_000);
    assert_eq!(stats.pending, 0);
    assert!(stats.balances());
    // Every drop was reported, with exact counts.
    assert_eq!(reports.total(), 1_000_000);
}

#[test]
fn drop_newest_and_block_policies() {
    let port = dead_port();
    let base = Options {
        delivery: DeliveryOptions {
            max_queue_size: 5,
            shutdown_timeout: Duration::ZERO,
            ..DeliveryOptions::for_client()
        },
        ..Options::new(format!("http://127.0.0.1:{port}"))
    };
    let newest = client(Options {
        delivery: DeliveryOptions { on_full: OnFull::DropNewest, ..(base.clone()).delivery },
        ..base.clone()
    });
    let ids: Vec<String> = (0..8).map(|_| newest.track("u", "e", None).unwrap()).collect();
    assert_eq!(newest.stats().dropped(DropReason::QueueFull), 3);
    assert_eq!(newest.stats().pending, 5);
    assert_eq!(ids.len(), 8);

    let blocking = client(Options {
        delivery: DeliveryOptions { on_full: OnFull::Block(Duration::from_millis(100)), ..base.delivery },
        ..base
    });
    for _ in 0..5 {
        blocking.track("u", "e", None).unwrap();
    }
    let started = Instant::now();
    blocking.track("u", "e", None).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(100), "block waits for room up to its timeout");
    assert_eq!(blocking.stats().dropped(DropReason::QueueFull), 1);
}

#[test]
fn block_policy_proceeds_when_room_appears() {
    let receiver = Receiver::start();
    let opts = Options {
        flush_at: 5,
        delivery: DeliveryOptions {
            max_queue_size: 10,
            on_full: OnFull::Block(SECS(30)),
            ..options(&receiver).delivery
        },
        ..options(&receiver)
    };
    let client = client(opts);
    for _ in 0..500 {
        client.track("u", "e", None).unwrap();
    }
    assert!(client.flush(SECS(10)).is_complete());
    assert_eq!(client.stats().dropped_total(), 0);
    assert_eq!(receiver.stats().unique_events, 500);
}

#[test]
fn shutdown_is_idempotent_and_later_calls_fail_clearly() {
    let receiver = Receiver::start();
    let client = client(options(&receiver));
    client.track("u", "e", None).unwrap();
    let first = client.shutdown(SECS(5));
    assert_eq!((first.delivered, first.pending), (1, 0));
    assert_eq!(client.shutdown(SECS(5)), first);
    let err = client.track("u", "late", None).unwrap_err();
    assert_eq!(err, Error::Closed);
    assert!(err.to_string().contains("shut down"));
    assert_eq!(receiver.stats().unique_events, 1);
}

#[test]
fn a_panicking_on_error_never_stops_delivery() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(400));
    let mut opts = options(&receiver);
    opts.delivery.on_error = Some(Arc::new(|_e: &outbox_engine::DeliveryError| panic!("user callback bug")));
    let client = client(opts);
    client.track("u", "rejected", None).unwrap();
    client.flush(SECS(5));
    client.track("u", "fine", None).unwrap();
    assert!(client.flush(SECS(5)).is_complete());
    assert_eq!(client.stats().delivered, 1);
    assert_eq!(client.stats().dropped(DropReason::Rejected), 1);
}

#[test]
fn disabled_validates_but_sends_nothing() {
    let client = client(Options { disabled: true, ..Options::default() });
    assert!(client.track("u", "e", None).is_ok());
    assert!(client.track("u", "", None).is_err());
    assert_eq!(client.flush(SECS(1)), Default::default());
    assert_eq!(client.stats(), Default::default());
}

#[test]
fn test_mode_captures_what_would_be_sent() {
    let client = client(Options {
        delivery: DeliveryOptions { test_mode: true, ..DeliveryOptions::for_client() },
        ..Options::default()
    });
    let id = client.track("u", "Captured", Some(json!({"k": 1}))).unwrap();
    client.identify("u", None).unwrap();
    assert!(client.flush(SECS(5)).is_complete());
    let events = client.captured();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["messageId"], id.as_str());
    assert_eq!(events[0]["properties"]["k"], 1);
    client.clear_captured();
    assert!(client.captured().is_empty());
}

#[test]
fn deliver_sends_at_once_and_reports_the_outcome() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(503));
    let client = client(Options { flush_interval: SECS(3600), flush_at: 1000, ..options(&receiver) });
    let outcome = client.deliver(&[Event::track("u", "Payment Captured")], SECS(10)).unwrap();
    assert!(outcome.delivered, "{outcome:?}");
    assert_eq!(outcome.status, Some(200));
    assert_eq!(outcome.attempts, 2);
    assert_eq!(receiver.stats().unique_events, 1);

    receiver.push_fault(Fault::status(422));
    let rejected = client.deliver(&[Event::track("u", "x")], SECS(10)).unwrap();
    assert!(!rejected.delivered);
    assert_eq!((rejected.status, rejected.attempts), (Some(422), 1));
    assert!(client.deliver(&[], SECS(1)).is_err());
}

#[test]
fn flush_waits_for_requests_already_in_flight() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::kind(FaultKind::Delay { ms: 700 }));
    let client = client(Options { flush_at: 1, ..options(&receiver) });
    client.track("u", "slow", None).unwrap();
    // Let the dispatcher put the request in flight before flushing.
    std::thread::sleep(Duration::from_millis(150));
    let result = client.flush(SECS(10));
    assert_eq!((result.delivered, result.pending), (1, 0));
    assert_eq!(receiver.stats().unique_events, 1);
}

#[test]
fn shutdown_against_a_blackhole_returns_by_its_deadline() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::kind(FaultKind::Hang).forever());
    let reports = Reports::default();
    let mut opts = options(&receiver);
    opts.request_timeout = SECS(30);
    reports.install(&mut opts);
    let client = client(opts);
    for _ in 0..10 {
        client.track("u", "e", None).unwrap();
    }
    let started = Instant::now();
    let result = client.shutdown(SECS(2));
    let took = started.elapsed();
    assert!(took >= SECS(2) && took < SECS(4), "took {took:?}");
    assert_eq!(result.pending, 10);
    assert_eq!(client.stats().dropped(DropReason::Shutdown), 10);
    assert!(client.stats().balances());
    assert!(reports.all().iter().any(|r| r.reason == DropReason::Shutdown && r.count == 10));
}

#[test]
fn message_ids_are_unique_and_kept_when_given() {
    let receiver = Receiver::start();
    let client = client(options(&receiver));
    let ids: HashSet<String> = (0..1000).map(|_| client.track("u", "e", None).unwrap()).collect();
    assert_eq!(ids.len(), 1000);
    let mine = client.capture(Event::track("u", "e").message_id("order-42-paid")).unwrap();
    assert_eq!(mine, "order-42-paid");
    client.flush(SECS(10));
    assert!(receiver.message_ids().contains(&"order-42-paid".to_string()));
}

#[test]
fn flush_reports_everything_delivered_since_the_previous_flush() {
    let receiver = Receiver::start();
    let client = client(Options { flush_at: 10, ..options(&receiver) });
    for _ in 0..1000 {
        client.track("u", "e", None).unwrap();
    }
    // Most of these leave before the flush starts; it still reports them all.
    assert!(receiver.wait_for_unique(900, SECS(10)));
    assert_eq!(client.flush(SECS(10)), outbox_engine::FlushResult { delivered: 1000, failed: 0, pending: 0 });
    client.track("u", "e", None).unwrap();
    assert_eq!(client.flush(SECS(10)).delivered, 1);
}

/// `flush_interval` zero is no timer (Whisperr's `flushIntervalMs: 0`): a
/// lone event waits for `flush_at`, a flush or the exit.
#[test]
fn a_zero_flush_interval_sends_only_at_flush_at_or_on_flush() {
    let receiver = Receiver::start();
    let client = client(Options { flush_interval: Duration::ZERO, flush_at: 3, ..options(&receiver) });
    client.track("u", "one", None).unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(receiver.stats().unique_events, 0, "no timer sent it");
    client.track("u", "two", None).unwrap();
    client.track("u", "three", None).unwrap();
    assert!(client.flush(Duration::from_secs(5)).is_complete());
    assert_eq!(receiver.stats().unique_events, 3);
    client.track("u", "four", None).unwrap();
    assert_eq!(client.flush(Duration::from_secs(5)).delivered, 1);
    assert_eq!(receiver.stats().unique_events, 4);
}
