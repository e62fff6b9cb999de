//! `outbox send` against the test receiver (as a library, in this process).

mod common;

use common::{assert_exit, run, run_with, stderr, stdout, OTHER_SECRET, SECRET};
use outbox_engine::sign::{self, Scheme, VerifyOptions};
use outbox_test_receiver::{Fault, Receiver, RecordedRequest};
use serde_json::Value;

fn body(r: &RecordedRequest) -> Value {
    serde_json::from_slice(&r.body).expect("the body is JSON")
}

/// The single event of a one-event batch.
fn only_event(r: &RecordedRequest) -> Value {
    let b = body(r);
    let batch = b["batch"].as_array().expect("a batch");
    assert_eq!(batch.len(), 1, "{b}");
    batch[0].clone()
}

fn verifies(r: &RecordedRequest, scheme: &Scheme, secret: &str) -> bool {
    sign::verify(scheme, &r.body, &r.headers, &[secret], &VerifyOptions::default()).is_ok()
}

#[test]
fn track_with_flags_is_delivered_signed_and_authorised() {
    let rx = Receiver::start();
    let url = rx.url();
    let o = run(&[
        "send",
        "track",
        "user-42",
        "Order Completed",
        "-p",
        "total=99.5",
        "-p",
        "currency=EUR",
        "--properties",
        r#"{"items": 3, "total": 1}"#,
        "--endpoint",
        &url,
        "--api-key",
        "my-key",
        "--signing-secret",
        SECRET,
        "-H",
        "X-Tenant: acme",
        "--anonymous-id",
        "anon-1",
        "--message-id",
        "m-track-1",
        "--context",
        r#"{"ip": "10.0.0.1"}"#,
        "--timestamp",
        "2024-05-01T12:00:00.000Z",
    ]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("delivered track m-track-1"), "{}", stdout(&o));
    assert!(stdout(&o).contains("HTTP 200, 1 attempt"), "{}", stdout(&o));

    let reqs = rx.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.path, "/v1/batch");
    assert_eq!(r.header("authorization"), Some("Bearer my-key"));
    assert_eq!(r.header("x-tenant"), Some("acme"));
    assert!(verifies(r, &Scheme::StandardWebhooks, SECRET));
    let e = only_event(r);
    assert_eq!(e["type"], "track");
    assert_eq!(e["userId"], "user-42");
    assert_eq!(e["anonymousId"], "anon-1");
    assert_eq!(e["event"], "Order Completed");
    assert_eq!(e["messageId"], "m-track-1");
    assert_eq!(e["timestamp"], "2024-05-01T12:00:00.000Z");
    // KEY=VALUE pairs win over --properties; values are JSON when they parse.
    assert_eq!(e["properties"], serde_json::json!({"items": 3, "total": 99.5, "currency": "EUR"}));
    assert_eq!(e["context"]["ip"], "10.0.0.1");
    assert_eq!(e["context"]["library"]["name"], "outbox-cli");
}

#[test]
fn every_event_type_and_the_environment() {
    let rx = Receiver::start();
    let url = rx.url();
    let env = [
        ("OUTBOX_ENDPOINT", url.as_str()),
        ("OUTBOX_API_KEY", "segment-write-key"),
        ("OUTBOX_AUTH_SCHEME", "basic"),
        ("OUTBOX_SIGNING_SECRET", "github-style-secret"),
        ("OUTBOX_SIGNATURE_SCHEME", "hmac-sha256"),
        ("OUTBOX_PATH", "/ingest"),
    ];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["identify", "user-1", "-t", "plan=pro", "--traits", r#"{"logins": 3}"#], "identify"),
        (vec!["group", "user-1", "acme", "-t", "seats=12"], "group"),
        (vec!["alias", "anon-7", "user-1"], "alias"),
        (vec!["page", "user-1", "Pricing", "-p", "path=/pricing"], "page"),
        (vec!["screen", "user-1", "Settings"], "screen"),
        (vec!["track", "", "Anonymous Thing", "--anonymous-id", "anon-9"], "track"),
    ];
    for (args, kind) in &cases {
        let mut full = vec!["send"];
        full.extend(args);
        full.push("--json");
        let o = run_with(&full, &env, b"");
        assert_exit(&o, 0);
        let out: Value = serde_json::from_str(stdout(&o).trim()).expect("--json prints one object");
        assert_eq!(out["delivered"], true);
        assert_eq!(out["type"], *kind);
        assert_eq!(out["status"], 200);
        assert_eq!(out["attempts"], 1);
    }
    let reqs = rx.requests();
    assert_eq!(reqs.len(), cases.len());
    for r in &reqs {
        assert_eq!(r.path, "/ingest");
        // base64("segment-write-key:")
        assert_eq!(r.header("authorization"), Some("Basic c2VnbWVudC13cml0ZS1rZXk6"));
        assert!(verifies(r, &Scheme::hmac_sha256(), "github-style-secret"));
    }
    let events: Vec<Value> = reqs.iter().map(only_event).collect();
    assert_eq!(events[0]["traits"], serde_json::json!({"logins": 3, "plan": "pro"}));
    assert_eq!(events[1]["groupId"], "acme");
    assert_eq!(events[1]["traits"]["seats"], 12);
    assert_eq!((events[2]["previousId"].as_str(), events[2]["userId"].as_str()), (Some("anon-7"), Some("user-1")));
    assert_eq!(events[3]["name"], "Pricing");
    assert_eq!(events[3]["properties"]["path"], "/pricing");
    assert_eq!(events[4]["type"], "screen");
    // '' as the user id leaves it out: an anonymous event.
    assert!(events[5].get("userId").is_none(), "{}", events[5]);
    assert_eq!(events[5]["anonymousId"], "anon-9");
}

#[test]
fn retried_failures_are_delivered_and_reported_attempts_are_exact() {
    let rx = Receiver::start();
    rx.push_fault(Fault::status(503).times(2));
    let o = run(&["send", "track", "u", "Retried", "--endpoint", &rx.url(), "--json"]);
    assert_exit(&o, 0);
    let out: Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(out["attempts"], 3);
    assert_eq!(out["status"], 200);
    // Three attempts of the same event, the same id each time.
    let ids: Vec<Vec<String>> = rx.requests().iter().map(|r| r.ids.clone()).collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|i| i == &ids[0]));
}

#[test]
fn a_refused_event_exits_1_with_the_status() {
    let rx = Receiver::start();
    rx.push_fault(Fault::status(400).forever());
    let o = run(&["send", "track", "u", "Refused", "--endpoint", &rx.url()]);
    assert_exit(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("was not delivered") && err.contains("HTTP 400"), "{err}");
    assert!(err.contains("1 attempt"), "{err}");
    assert_eq!(rx.requests().len(), 1, "a 400 is never retried");
}

#[test]
fn a_failure_that_outlasts_the_timeout_exits_1() {
    let rx = Receiver::start();
    rx.push_fault(Fault::status(503).forever());
    let o = run(&["send", "identify", "u", "--endpoint", &rx.url(), "--timeout", "600ms"]);
    assert_exit(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("HTTP 503"), "{err}");
    assert!(!rx.requests().is_empty());

    let o = run(&["send", "identify", "u", "--endpoint", &rx.url(), "--max-retries", "0", "--json"]);
    assert_exit(&o, 1);
    let out: Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!((out["delivered"].as_bool(), out["attempts"].as_u64()), (Some(false), Some(1)));
}

#[test]
fn nobody_listening_exits_1() {
    // Bind and drop to find a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let url = format!("http://127.0.0.1:{port}");
    let o = run(&["send", "track", "u", "Nowhere", "--endpoint", &url, "--timeout", "300ms"]);
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("not delivered"), "{}", stderr(&o));
}

#[test]
fn bad_usage_exits_2_with_a_clear_message() {
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["send", "track", "u", "E"], "no endpoint"),
        (vec!["send", "track", "u", "", "--endpoint", "http://127.0.0.1:9"], "event name"),
        (vec!["send", "track", "", "E", "--endpoint", "http://127.0.0.1:9"], "user_id or an anonymous_id"),
        (vec!["send", "track", "u", "E", "--endpoint", "ftp://x"], "http://"),
        (vec!["send", "track", "u", "E", "--endpoint", "http://x", "--properties", "[1]"], "JSON object"),
        (vec!["send", "track", "u", "E", "--endpoint", "http://x", "--properties", "{nope"], "not valid JSON"),
        (vec!["send", "track", "u", "E", "--endpoint", "http://x", "-p", "novalue"], "KEY=VALUE"),
        (vec!["send", "track", "u", "E", "--endpoint", "http://x", "-H", "no colon"], "Name: value"),
        (vec!["send", "track", "u", "E", "--endpoint", "http://x", "--timeout", "soon"], "--timeout"),
        (
            vec!["send", "track", "u", "E", "--endpoint", "http://x", "--signing-secret", "not base64!"],
            "signing_secrets",
        ),
        (
            vec!["send", "track", "u", "E", "--endpoint", "http://x", "--properties", "@/nonexistent/file"],
            "cannot read",
        ),
        (vec!["send", "track", "u"], "EVENT"),
        (vec!["send", "explode"], "unrecognized subcommand"),
    ];
    for (args, needle) in cases {
        let o = run(&args);
        assert_exit(&o, 2);
        assert!(stderr(&o).contains(needle), "{args:?}: {:?} should mention {needle:?}", stderr(&o));
    }
}

#[test]
fn json_arguments_from_a_file_and_stdin() {
    let rx = Receiver::start();
    let dir = std::env::temp_dir().join(format!("outbox-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let file = dir.join("props.json");
    std::fs::write(&file, r#"{"from": "file"}"#).expect("write");
    let at_file = format!("@{}", file.display());
    let o = run(&["send", "track", "u", "A", "--endpoint", &rx.url(), "--properties", &at_file]);
    assert_exit(&o, 0);
    let o =
        run_with(&["send", "identify", "u", "--endpoint", &rx.url(), "--traits", "@-"], &[], br#"{"from": "stdin"}"#);
    assert_exit(&o, 0);
    let events: Vec<Value> = rx.requests().iter().map(only_event).collect();
    assert_eq!(events[0]["properties"]["from"], "file");
    assert_eq!(events[1]["traits"]["from"], "stdin");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn webhook_to_two_urls_signed() {
    let rx = Receiver::start();
    let a = format!("{}/hooks/a", rx.url());
    let b = format!("{}/hooks/b", rx.url());
    let o = run(&[
        "send",
        "webhook",
        "invoice.paid",
        "--url",
        &a,
        "--url",
        &b,
        "-d",
        "invoice=in_1",
        "-d",
        "amount=990",
        "--signing-secret",
        SECRET,
        "--signing-secret",
        OTHER_SECRET,
    ]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(out.contains(&format!("to {a}")) && out.contains(&format!("to {b}")), "{out}");
    let reqs = rx.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        let b = body(r);
        assert_eq!(b["type"], "invoice.paid");
        assert_eq!(b["data"], serde_json::json!({"invoice": "in_1", "amount": 990}));
        assert!(r.header("webhook-id").is_some_and(|id| id.starts_with("msg_")));
        // Rotation: both secrets sign.
        assert!(verifies(r, &Scheme::StandardWebhooks, SECRET));
        assert!(verifies(r, &Scheme::StandardWebhooks, OTHER_SECRET));
        assert!(!r.gzip, "webhooks are never compressed");
    }
}

#[test]
fn webhook_failures_exit_1_per_endpoint() {
    let rx = Receiver::start();
    rx.push_fault(Fault::status(410).on_path("/gone"));
    let gone = format!("{}/gone", rx.url());
    let ok = format!("{}/ok", rx.url());
    let o = run(&["send", "webhook", "ping", "--url", &gone, "--url", &ok, "--data", r#"{"n": 1}"#, "--json"]);
    assert_exit(&o, 1);
    let out: Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(out["delivered"], false);
    assert_eq!(out["endpoints"][0]["delivered"], false);
    assert!(out["endpoints"][0]["error"].as_str().is_some_and(|e| e.contains("endpoint_gone")), "{out}");
    assert_eq!(out["endpoints"][1]["delivered"], true);
    assert!(stderr(&o).contains("410"), "{}", stderr(&o));

    rx.push_fault(Fault::status(500).forever().on_path("/down"));
    let down = format!("{}/down", rx.url());
    let o = run(&["send", "webhook", "ping", "--url", &down, "--timeout", "700ms"]);
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("still failing"), "{}", stderr(&o));

    let o = run(&["send", "webhook", "ping"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("--url"), "{}", stderr(&o));
}

fn jsonl(n: usize) -> String {
    (0..n)
        .map(|i| format!("{{\"type\":\"track\",\"userId\":\"u{i}\",\"event\":\"Bulk\",\"messageId\":\"bulk-{i}\",\"properties\":{{\"i\":{i}}}}}\n"))
        .collect()
}

#[test]
fn batch_from_stdin_delivers_every_line() {
    let rx = Receiver::start();
    let mut input = jsonl(500);
    input.push_str("\n   \n"); // blank lines are skipped
    input.push_str(r#"{"type":"identify","userId":"u1","traits":{"plan":"pro"}}"#);
    let o = run_with(
        &["send", "batch", "--endpoint", &rx.url(), "--signing-secret", SECRET, "--json"],
        &[],
        input.as_bytes(),
    );
    assert_exit(&o, 0);
    let out: Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!((out["queued"].as_u64(), out["delivered"].as_u64()), (Some(501), Some(501)));
    assert_eq!((out["failed"].as_u64(), out["pending"].as_u64(), out["invalid"].as_u64()), (Some(0), Some(0), Some(0)));
    assert_eq!(rx.stats().unique_events, 501);
    for r in rx.requests() {
        assert!(verifies(&r, &Scheme::StandardWebhooks, SECRET));
    }
    // No terminal: no progress bar unless asked.
    assert!(!stderr(&o).contains('\r'));
}

#[test]
fn batch_reports_invalid_lines_and_exits_1() {
    let rx = Receiver::start();
    let input = format!(
        "{}not json\n{}\n{}\n",
        jsonl(3),
        r#"{"type":"track","event":"no user"}"#,
        r#"{"type":"explode","userId":"u"}"#
    );
    let file = std::env::temp_dir().join(format!("outbox-cli-batch-{}.jsonl", std::process::id()));
    std::fs::write(&file, &input).expect("write");
    let path = file.display().to_string();
    let o = run(&["send", "batch", &path, "--endpoint", &rx.url(), "--progress", "always"]);
    let _ = std::fs::remove_file(&file);
    assert_exit(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("line 4: not JSON"), "{err}");
    assert!(err.contains("line 5: invalid event"), "{err}");
    assert!(err.contains("line 6: invalid event: unknown event type"), "{err}");
    assert!(err.contains('\r') && err.contains("delivered"), "a progress bar was asked for: {err:?}");
    assert!(stdout(&o).contains("3 of 3 events delivered") && stdout(&o).contains("3 invalid lines"), "{}", stdout(&o));
    assert_eq!(rx.stats().unique_events, 3);
}

#[test]
fn batch_with_refused_events_exits_1() {
    let rx = Receiver::start();
    rx.push_fault(Fault::status(400).forever());
    let o = run_with(&["send", "batch", "-", "--endpoint", &rx.url()], &[], jsonl(5).as_bytes());
    assert_exit(&o, 1);
    assert!(stdout(&o).contains("0 of 5 events delivered") && stdout(&o).contains("5 refused"), "{}", stdout(&o));
    assert!(stderr(&o).contains("HTTP 400"), "{}", stderr(&o));

    let rx = Receiver::start();
    rx.push_fault(Fault::status(503).forever());
    let o =
        run_with(&["send", "batch", "--endpoint", &rx.url(), "--timeout", "500ms", "--json"], &[], jsonl(2).as_bytes());
    assert_exit(&o, 1);
    let out: Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(out["pending"], 2);
}

#[test]
fn batch_file_that_does_not_exist_exits_2() {
    let o = run(&["send", "batch", "/nonexistent/events.jsonl", "--endpoint", "http://127.0.0.1:9"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("cannot read /nonexistent/events.jsonl"), "{}", stderr(&o));
}
