//! Retry scheduling across an outage: one backoff step per round, a single
//! probe while the endpoint is down, a prompt resume, and deadlines that are
//! never sat out.

mod common;

use std::time::{Duration, Instant};

use common::*;
use outbox_test_receiver::ReceiverOptions;
use serde_json::json;

/// Options with the engine's default backoff (the thing under test) and
/// small batches, so several requests are in flight when the outage starts.
fn outage_options(receiver: &Receiver) -> outbox_engine::Options {
    outbox_engine::Options {
        flush_interval: Duration::from_millis(50),
        max_batch_size: 20,
        flush_at: 20,
        request_timeout: Duration::from_secs(5),
        ..outbox_engine::Options::new(receiver.url())
    }
}

fn track_n(client: &outbox_engine::Client, n: usize) -> Vec<String> {
    (0..n).map(|i| client.track("u", "e", Some(json!({ "i": i }))).unwrap()).collect()
}

#[test]
fn after_an_outage_delivery_resumes_promptly_and_probes_gently_meanwhile() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(503).forever());
    let client = client(outage_options(&receiver));
    let ids = track_n(&client, 400);
    std::thread::sleep(Duration::from_secs(6));
    let failed_requests = receiver.requests().len();
    receiver.clear_faults();
    let recovered = Instant::now();
    assert!(receiver.wait_for_unique(1, SECS(20)), "nothing arrived after recovery");
    let resumed_after = recovered.elapsed();
    assert!(client.flush(SECS(20)).is_complete());
    // The probe interval during an outage is 1-2 s (retry_max_backoff 2 s):
    // delivery resumes within one interval plus scheduling slack.
    assert!(resumed_after < Duration::from_millis(3_000), "resumed {resumed_after:?} after recovery");
    // About one probe per second once the backoff has grown (the first
    // round has up to 4 requests in flight, and the first steps are short).
    assert!(failed_requests <= 16, "{failed_requests} requests during a 6 s outage");
    let stats = receiver.stats();
    assert_eq!((stats.unique_events, stats.duplicate_events), (ids.len() as u64, 0));
}

#[test]
fn a_receiver_that_goes_away_and_comes_back_on_the_same_port() {
    let receiver = Receiver::start();
    let port = receiver.port();
    let client = client(outage_options(&receiver));
    track_n(&client, 100);
    assert!(client.flush(SECS(10)).is_complete());
    drop(receiver);
    let ids = track_n(&client, 200);
    std::thread::sleep(Duration::from_secs(4));
    let receiver = Receiver::start_with(ReceiverOptions { port, ..ReceiverOptions::default() }).unwrap();
    let recovered = Instant::now();
    assert!(receiver.wait_for_unique(ids.len() as u64, SECS(20)));
    assert!(
        recovered.elapsed() < Duration::from_millis(3_500),
        "all delivered {:?} after recovery",
        recovered.elapsed()
    );
    assert_eq!(receiver.stats().duplicate_events, 0);
}

#[test]
fn a_later_failure_never_shortens_a_servers_retry_after() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(429).retry_after("3"));
    receiver.push_fault(Fault::status(503).times(3));
    let mut opts = outage_options(&receiver);
    opts.flush_at = 1000;
    opts.max_batch_size = 10;
    let client = client(opts);
    track_n(&client, 40);
    assert!(client.flush(SECS(20)).is_complete());
    let requests = receiver.requests();
    let throttled_at = requests.iter().find(|r| r.status == Some(429)).unwrap().at_ms;
    let next =
        requests.iter().filter(|r| r.at_ms > throttled_at && r.status != Some(503)).map(|r| r.at_ms).min().unwrap();
    assert!(next - throttled_at >= 3000, "the next request came {} ms after Retry-After: 3", next - throttled_at);
}

#[test]
fn a_success_ends_the_backoff_at_once() {
    let receiver = Receiver::start();
    // One request is slow but succeeds; the other is told to wait 30 s.
    receiver.push_fault(Fault::kind(FaultKind::Delay { ms: 1000 }));
    receiver.push_fault(Fault::status(503).retry_after("30"));
    let mut opts = outage_options(&receiver);
    opts.flush_at = 1000;
    opts.max_batch_size = 10;
    let client = client(opts);
    track_n(&client, 20);
    let result = client.flush(SECS(10));
    assert!(result.is_complete(), "{result:?}: the success did not end the 30 s backoff");
    assert_eq!(receiver.stats().unique_events, 20);
}

#[test]
fn shutdown_never_sits_out_a_backoff_past_its_deadline() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(429).retry_after("60"));
    let mut opts = outage_options(&receiver);
    opts.flush_at = 1000;
    let client = client(opts);
    let ids = track_n(&client, 50);
    std::thread::sleep(Duration::from_millis(300));
    let result = client.shutdown(SECS(3));
    assert_eq!((result.delivered, result.pending), (ids.len() as u64, 0), "{result:?}");
    assert_eq!(receiver.stats().unique_events, ids.len() as u64);
}

#[test]
fn a_short_blip_then_exit_without_flush_delivers_everything() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(503).forever());
    let opts = outage_options(&receiver);
    let client = client(opts);
    let ids = track_n(&client, 200);
    std::thread::sleep(Duration::from_secs(2));
    receiver.clear_faults();
    // Dropping the client is a Rust program's exit: it waits up to
    // shutdown_timeout (5 s by default).
    drop(client);
    let stats = receiver.stats();
    assert_eq!((stats.unique_events, stats.duplicate_events), (ids.len() as u64, 0));
}

#[test]
fn a_flush_with_a_deadline_makes_a_last_attempt_before_it() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(503).retry_after("60"));
    let client = client(outage_options(&receiver));
    client.track("u", "e", None).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let result = client.flush(SECS(3));
    assert!(result.is_complete(), "{result:?}");
}

/// Log lines of one client, through its own sink.
fn recorded_log(
    options: &mut outbox_engine::Options,
) -> std::sync::Arc<std::sync::Mutex<Vec<(outbox_engine::logger::Level, String)>>> {
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = lines.clone();
    options.delivery.log_sink = Some(std::sync::Arc::new(move |level, line: &str| {
        sink.lock().unwrap().push((level, line.to_owned()));
    }));
    lines
}

#[test]
fn a_failing_endpoint_is_visible_in_health_and_one_warning_that_names_it() {
    let receiver = Receiver::start();
    let mut options = outage_options(&receiver);
    options.delivery.retry_initial_backoff = Duration::from_millis(10);
    options.delivery.retry_max_backoff = Duration::from_millis(50);
    let log = recorded_log(&mut options);
    let client = outbox_engine::Client::new(options).unwrap();
    assert_eq!(client.health(), outbox_engine::Health::default());
    receiver.push_fault(Fault::status(503).forever());
    track_n(&client, 1);
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.health().consecutive_failures < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let failing = client.health();
    assert!(failing.consecutive_failures >= 3, "{failing:?}");
    assert_eq!(failing.last_error.as_deref(), Some("HTTP 503"));
    assert!(failing.last_error_at.is_some() && failing.last_success_at.is_none());

    receiver.clear_faults();
    assert!(client.flush(Duration::from_secs(20)).is_complete());
    let healthy = client.health();
    assert_eq!(healthy.consecutive_failures, 0);
    assert!(healthy.last_success_at >= failing.last_error_at, "{healthy:?}");
    assert_eq!(healthy.last_error.as_deref(), Some("HTTP 503"), "the last error stays visible");

    let lines = log.lock().unwrap().clone();
    let warnings: Vec<&String> =
        lines.iter().filter(|(l, _)| *l == outbox_engine::logger::Level::Warn).map(|(_, s)| s).collect();
    assert_eq!(warnings.len(), 1, "one warning per 10 s, not one per failure: {lines:?}");
    assert!(
        warnings[0].starts_with(&format!("{}/v1/batch: ", receiver.url()))
            && warnings[0].contains("requests in a row failed; last: HTTP 503"),
        "{}",
        warnings[0]
    );
    assert!(
        lines.iter().any(|(l, s)| *l == outbox_engine::logger::Level::Info && s.ends_with("delivering again")),
        "{lines:?}"
    );
    assert!(lines.iter().all(|(l, _)| *l != outbox_engine::logger::Level::Debug), "no debug lines without debug");
}

#[test]
fn shutdown_says_why_events_were_still_pending() {
    let receiver = Receiver::start();
    let reports = Reports::default();
    let mut options = outage_options(&receiver);
    options.delivery.retry_initial_backoff = Duration::from_millis(10);
    options.delivery.retry_max_backoff = Duration::from_millis(20);
    reports.install(&mut options);
    let client = outbox_engine::Client::new(options).unwrap();
    receiver.push_fault(Fault::status(503).forever());
    track_n(&client, 5);
    std::thread::sleep(Duration::from_millis(300));
    let result = client.shutdown(Duration::from_millis(200));
    assert_eq!(result.pending, 5);
    let shutdown = reports.all().into_iter().find(|r| r.reason == outbox_engine::DropReason::Shutdown).unwrap();
    assert!(
        shutdown.message.contains("the endpoint was failing") && shutdown.message.contains("HTTP 503"),
        "{}",
        shutdown.message
    );
}
