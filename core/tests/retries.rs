//! Retry policy end to end: the receiver injects faults, the client copes.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::*;
use outbox_engine::DropReason;
use serde_json::json;

#[test]
fn three_503s_then_200_delivers_each_event_once_with_growing_jittered_delays() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(503).times(3));
    let mut opts = options(&receiver);
    opts.delivery.retry_initial_backoff = Duration::from_millis(100);
    opts.delivery.retry_max_backoff = Duration::from_secs(5);
    opts.flush_at = 1000;
    let client = client(opts);
    for i in 0..20 {
        client.track("u", "e", Some(json!({ "i": i }))).unwrap();
    }
    let result = client.flush(SECS(20));
    assert_eq!((result.delivered, result.pending), (20, 0), "{result:?}");
    let requests = receiver.requests();
    assert_eq!(requests.len(), 4, "three failures, one success");
    assert_eq!(requests.iter().filter(|r| r.status == Some(503)).count(), 3);
    // Same events, same idempotency key on every attempt.
    let keys: Vec<_> = requests.iter().map(|r| r.header("idempotency-key").unwrap().to_owned()).collect();
    assert!(keys.windows(2).all(|w| w[0] == w[1]), "{keys:?}");
    let stats = receiver.stats();
    assert_eq!((stats.unique_events, stats.duplicate_events), (20, 0));
    // Equal jitter: the n-th wait lies in [cap/2, cap], cap = 100ms * 2^(n-1)
    // (plus request time and scheduling slack).
    let gaps: Vec<u64> = requests.windows(2).map(|w| w[1].at_ms - w[0].at_ms).collect();
    for (n, gap) in gaps.iter().enumerate() {
        let cap = 100u64 << n;
        assert!(*gap + 2 >= cap / 2 && *gap <= cap + 300, "wait {n} was {gap} ms, cap {cap} ms");
    }
    assert_eq!(client.stats().retries, 3);
    assert!(client.stats().balances());
}

#[test]
fn retry_after_is_honoured() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(429).retry_after("2"));
    let client = client(options(&receiver));
    client.track("u", "e", None).unwrap();
    assert!(client.flush(SECS(10)).is_complete());
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    let waited = requests[1].at_ms - requests[0].at_ms;
    assert!(waited >= 2000, "the retry came after {waited} ms, before Retry-After: 2");
}

#[test]
fn retry_after_as_an_http_date() {
    let receiver = Receiver::start();
    let at = std::time::SystemTime::now() + Duration::from_secs(2);
    receiver.push_fault(Fault::status(503).retry_after(&httpdate::fmt_http_date(at)));
    let client = client(options(&receiver));
    client.track("u", "e", None).unwrap();
    assert!(client.flush(SECS(10)).is_complete());
    let requests = receiver.requests();
    let waited = requests[1].at_ms - requests[0].at_ms;
    // HTTP dates have whole-second precision.
    assert!(waited >= 1000, "waited {waited} ms");
}

#[test]
fn a_400_on_one_event_is_never_retried_and_is_reported_with_its_status() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(400));
    let reports = Reports::default();
    let mut opts = options(&receiver);
    reports.install(&mut opts);
    let client = client(opts);
    let id = client.track("u", "e", None).unwrap();
    let result = client.flush(SECS(10));
    assert_eq!((result.delivered, result.failed, result.pending), (0, 1, 0));
    assert_eq!(receiver.requests().len(), 1);
    let stats = client.stats();
    assert_eq!(stats.dropped(DropReason::Rejected), 1);
    assert!(stats.balances());
    // on_error has run by the time flush returns.
    let all = reports.all();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].reason, DropReason::Rejected);
    assert_eq!(all[0].status, Some(400));
    assert_eq!(all[0].message_ids, vec![id]);
}

#[test]
fn one_refused_event_never_takes_the_good_ones_with_it() {
    let receiver = Receiver::start();
    receiver.refuse_events_containing("poison", 400);
    let reports = Reports::default();
    let mut opts = options(&receiver);
    opts.flush_at = 1000;
    reports.install(&mut opts);
    let client = client(opts);
    let mut good = Vec::new();
    let mut bad = String::new();
    for i in 0..100 {
        let name = if i == 37 { "poison" } else { "fine" };
        let id = client.track("u", name, Some(json!({ "i": i }))).unwrap();
        if i == 37 {
            bad = id;
        } else {
            good.push(id);
        }
    }
    let result = client.flush(SECS(20));
    assert_eq!((result.delivered, result.failed, result.pending), (99, 1, 0), "{result:?}");
    let mut arrived = receiver.message_ids();
    arrived.sort();
    good.sort();
    assert_eq!(arrived, good, "every good event arrives, once");
    let all = reports.all();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(
        (all[0].reason, all[0].status, all[0].message_ids.clone()),
        (DropReason::Rejected, Some(400), vec![bad])
    );
    // Halving down to the bad one, 100 -> 50 -> 25 -> 13 -> 6 -> 3 -> 1: six
    // splits of two requests each.
    let stats = client.stats();
    assert_eq!(stats.split_requests, 12, "{stats:?}");
    assert_eq!(stats.requests, 13);
    assert!(stats.balances());
}

#[test]
fn a_receiver_refusing_everything_costs_a_logarithmic_number_of_requests() {
    let receiver = Receiver::start();
    receiver.refuse_events_containing("\"type\":\"track\"", 422);
    let mut opts = options(&receiver);
    opts.flush_at = 10_000;
    opts.max_batch_size = 1000;
    let client = client(opts);
    for i in 0..1000 {
        client.track("u", "e", Some(json!({ "i": i }))).unwrap();
    }
    let result = client.flush(SECS(20));
    assert_eq!((result.delivered, result.failed), (0, 1000));
    let stats = client.stats();
    // The budget for 1,000 events is 4 * ceil(log2(1000)) = 40 extra requests.
    assert!(stats.split_requests <= 40, "{stats:?}");
    assert_eq!(stats.requests, 1 + stats.split_requests);
    assert_eq!(stats.dropped(DropReason::Rejected), 1000);
}

#[test]
fn credentials_errors_reject_the_whole_batch_without_splitting() {
    for status in [401, 403] {
        let receiver = Receiver::start();
        receiver.push_fault(Fault::status(status));
        let mut opts = options(&receiver);
        opts.flush_at = 1000;
        let client = client(opts);
        for _ in 0..10 {
            client.track("u", "e", None).unwrap();
        }
        let result = client.flush(SECS(10));
        assert_eq!((result.delivered, result.failed), (0, 10), "{status}");
        assert_eq!(receiver.requests().len(), 1, "{status}");
        assert_eq!(client.stats().split_requests, 0);
    }
}

#[test]
fn parts_of_a_split_that_were_never_sent_are_not_charged_a_retry() {
    let receiver = Receiver::start();
    // 413 splits 8 into 4 + 4; the first 4 meet a 503; the second 4 were
    // never sent and must not count as an attempt.
    receiver.push_fault(Fault::status(413));
    receiver.push_fault(Fault::status(503));
    let reports = Reports::default();
    let mut opts = options(&receiver);
    opts.flush_at = 1000;
    opts.delivery.max_retries = Some(0);
    reports.install(&mut opts);
    let client = client(opts);
    for i in 0..8 {
        client.track("u", "e", Some(json!({ "i": i }))).unwrap();
    }
    let result = client.flush(SECS(10));
    assert_eq!((result.delivered, result.failed, result.pending), (4, 4, 0), "{result:?}");
    assert_eq!(client.stats().dropped(DropReason::RetriesExhausted), 4);
    assert_eq!(receiver.stats().unique_events, 4);
}

#[test]
fn redirects_are_not_followed() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::kind(FaultKind::Status {
        status: 307,
        retry_after: None,
        body: None,
        location: Some(format!("{}/elsewhere", receiver.url())),
    }));
    let client = client(options(&receiver));
    client.track("u", "e", None).unwrap();
    let result = client.flush(SECS(10));
    assert_eq!(result.failed, 1);
    assert_eq!(receiver.requests().len(), 1, "the Location was not followed");
}

#[test]
fn a_413_splits_the_batch_until_it_fits() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(413).times(2));
    let mut opts = options(&receiver);
    opts.flush_at = 1000;
    let client = client(opts);
    for i in 0..8 {
        client.track("u", "e", Some(json!({ "i": i }))).unwrap();
    }
    let result = client.flush(SECS(10));
    assert_eq!((result.delivered, result.pending), (8, 0));
    let sizes: Vec<usize> = receiver.requests().iter().map(|r| r.ids.len()).collect();
    // 8 refused, then its first half (4) refused, then 2 + 2, then the other 4.
    assert_eq!(sizes.iter().skip(2).sum::<usize>(), 8, "{sizes:?}");
    assert_eq!(receiver.stats().duplicate_events, 0);
}

#[test]
fn a_single_event_refused_as_too_large_is_dropped_and_reported() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(413));
    let client = client(options(&receiver));
    client.track("u", "e", None).unwrap();
    let result = client.flush(SECS(10));
    assert_eq!(result.failed, 1);
    assert_eq!(client.stats().dropped(DropReason::TooLarge), 1);
}

#[test]
fn commit_then_reset_delivers_every_id_and_duplicates_share_ids() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::kind(FaultKind::CommitThenReset).times(2));
    receiver.push_fault(Fault::kind(FaultKind::CommitThenFail { status: 500 }));
    let mut opts = options(&receiver);
    opts.flush_at = 1000;
    let client = client(opts);
    let ids: Vec<String> = (0..50).map(|i| client.track("u", "e", Some(json!({ "i": i }))).unwrap()).collect();
    let result = client.flush(SECS(20));
    assert_eq!((result.delivered, result.pending), (50, 0));
    let seen = receiver.message_ids();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for id in &seen {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    for id in &ids {
        assert!(counts.contains_key(id.as_str()), "{id} never arrived");
    }
    // Each failed-after-commit attempt stored the same ids again: duplicates, never new ids.
    assert_eq!(counts.len(), 50);
    assert_eq!(seen.len(), 200);
    assert_eq!(receiver.stats().duplicate_events, 150);
}

#[test]
fn resets_before_the_body_are_retried() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::kind(FaultKind::ResetBeforeBody));
    receiver.push_fault(Fault::kind(FaultKind::ResetAfterBody));
    let client = client(options(&receiver));
    client.track("u", "e", None).unwrap();
    assert!(client.flush(SECS(10)).is_complete());
    assert_eq!(receiver.stats().unique_events, 1);
    assert_eq!(client.stats().retries, 2);
}

#[test]
fn accept_then_hang_ends_each_attempt_at_request_timeout() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::kind(FaultKind::Hang).times(2));
    let mut opts = options(&receiver);
    opts.request_timeout = Duration::from_millis(500);
    opts.delivery.retry_initial_backoff = Duration::from_millis(1);
    opts.delivery.retry_max_backoff = Duration::from_millis(2);
    let client = client(opts);
    client.track("u", "e", None).unwrap();
    assert!(client.flush(SECS(10)).is_complete());
    let requests = receiver.requests();
    assert_eq!(requests.len(), 3);
    for pair in requests.windows(2) {
        let gap = pair[1].at_ms - pair[0].at_ms;
        assert!((450..2000).contains(&gap), "an attempt lasted {gap} ms with a 500 ms timeout");
    }
}

#[test]
fn max_retries_gives_up_with_retries_exhausted() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(503).forever());
    let reports = Reports::default();
    let mut opts = options(&receiver);
    opts.delivery.max_retries = Some(2);
    reports.install(&mut opts);
    let client = client(opts);
    client.track("u", "e", None).unwrap();
    let result = client.flush(SECS(10));
    assert_eq!((result.failed, result.pending), (1, 0));
    assert_eq!(receiver.requests().len(), 3, "one attempt and two retries");
    assert_eq!(client.stats().dropped(DropReason::RetriesExhausted), 1);
}
