//! `outbox listen` as a child process, fed by `outbox send`, by the engine
//! and by hand-made requests.

mod common;

use common::{assert_exit, header_lines, post, run, run_with, stderr, stdout, Listen, OTHER_SECRET, SECRET};
use serde_json::Value;

fn json_lines(l: &Listen) -> Vec<Value> {
    l.lines().iter().filter_map(|s| serde_json::from_str(s).ok()).collect()
}

/// Waits for the JSON line of request number `n`.
fn request_n(l: &Listen, n: u64) -> Value {
    let line = l.wait_line(&format!("request {n}"), |s| serde_json::from_str::<Value>(s).is_ok_and(|v| v["n"] == n));
    serde_json::from_str(&line).expect("json line")
}

#[test]
fn signed_sends_verify_and_a_wrong_key_is_shown_failing() {
    let l = Listen::start(&["--secret", SECRET]);
    assert!(l.lines()[0].contains("receiving on http://127.0.0.1:"), "{:?}", l.lines());

    let o = run(&[
        "send",
        "track",
        "user-42",
        "Signed Up",
        "-p",
        "plan=pro",
        "--endpoint",
        &l.url,
        "--signing-secret",
        SECRET,
    ]);
    assert_exit(&o, 0);
    let line = l.wait_line("the track request", |s| s.contains("POST /v1/batch 200"));
    assert!(line.contains("200") && line.contains("batch of 1 event"), "{line}");
    assert!(line.contains("✓ signature verified (standard-webhooks)"), "{line}");
    l.wait_line("the event", |s| {
        s.contains("track") && s.contains("user-42") && s.contains("\"Signed Up\"") && s.contains(r#"{"plan":"pro"}"#)
    });
    l.wait_line("running counts", |s| s.contains("1 request · 1 event accepted · 1 verified · 0 failed verification"));

    // Signed with a key the receiver does not hold.
    let o = run(&["send", "identify", "mallory", "--endpoint", &l.url, "--signing-secret", OTHER_SECRET]);
    assert_exit(&o, 0);
    let line = l.wait_line("the forged request", |s| s.contains("FAILED"));
    assert!(
        line.contains("✗ signature FAILED no_matching_signature: no signature matched any of the secrets"),
        "{line}"
    );
    l.wait_line("running counts", |s| {
        s.contains("2 requests · 2 events accepted · 1 verified · 1 failed verification")
    });

    // Not signed at all.
    let o = run(&["send", "group", "u", "acme", "--endpoint", &l.url]);
    assert_exit(&o, 0);
    let line = l.wait_line("the unsigned request", |s| s.contains("missing_header"));
    assert!(line.contains("the request is not signed"), "{line}");
}

#[test]
fn a_tampered_body_fails_verification_in_json_mode() {
    let l = Listen::start(&["--secret", SECRET, "--json"]);
    let banner: Value = serde_json::from_str(&l.lines()[0]).expect("the banner is JSON");
    assert_eq!(banner["verifying"], true);

    // Sign a body with `outbox sign`, then post it untouched and tampered.
    let body = br#"{"type":"order.paid","data":{"amount":100}}"#;
    let o = run_with(&["sign", "--secret", SECRET], &[], body);
    assert_exit(&o, 0);
    let headers = header_lines(&stdout(&o));
    assert_eq!(headers.len(), 3);
    assert_eq!(post(&format!("{}/hooks", l.url), &headers, body), 200);
    let tampered = br#"{"type":"order.paid","data":{"amount":999}}"#;
    assert_eq!(post(&format!("{}/hooks", l.url), &headers, tampered), 200);

    let first = request_n(&l, 1);
    assert_eq!(first["verified"], true);
    assert_eq!(first["kind"], "webhook");
    assert_eq!(first["path"], "/hooks");
    assert_eq!(first["body"]["data"]["amount"], 100);
    let second = request_n(&l, 2);
    assert_eq!(second["verified"], false);
    assert_eq!(second["signed"], true);
    assert_eq!(second["error"]["code"], "no_matching_signature");
    assert_eq!(second["totals"]["verified"], 1);
    assert_eq!(second["totals"]["failed"], 1);
    assert_eq!(json_lines(&l).len(), 3, "the banner and one line per request");
}

#[test]
fn gzip_batches_are_decoded_and_verified() {
    let l = Listen::start(&["--secret", SECRET, "--json"]);
    // Big enough that the engine compresses the batch.
    let input: String = (0..40)
        .map(|i| format!("{{\"type\":\"track\",\"userId\":\"u{i}\",\"event\":\"Gzip Test\",\"properties\":{{\"text\":\"{}\"}}}}\n", "x".repeat(60)))
        .collect();
    let o = run_with(&["send", "batch", "--endpoint", &l.url, "--signing-secret", SECRET], &[], input.as_bytes());
    assert_exit(&o, 0);
    let first = request_n(&l, 1);
    assert_eq!(first["gzip"], true);
    assert_eq!(first["verified"], true, "{first}");
    assert_eq!(first["kind"], "batch");
    let events: u64 = json_lines(&l).iter().filter_map(|v| v["body"]["batch"].as_array().map(|b| b.len() as u64)).sum();
    assert_eq!(events, 40);
}

#[test]
fn hmac_sha256_with_a_custom_header() {
    let l = Listen::start(&["--scheme", "hmac-sha256", "--header", "X-Signature", "--secret", "plain-secret"]);
    assert!(l.lines().iter().any(|s| s.contains("hmac-sha256 signatures (X-Signature)")), "{:?}", l.lines());
    let o = run(&[
        "send",
        "webhook",
        "ping",
        "--url",
        &format!("{}/gh", l.url),
        "--signing-secret",
        "plain-secret",
        "--scheme",
        "hmac-sha256",
        "--signature-header",
        "X-Signature",
    ]);
    assert_exit(&o, 0);
    let line = l.wait_line("the webhook", |s| s.contains("POST /gh"));
    assert!(line.contains("webhook ping") && line.contains("✓ signature verified (hmac-sha256)"), "{line}");
}

#[test]
fn status_makes_clients_retry_and_exit_after_reports_failures() {
    let l = Listen::start(&["--status", "503", "--exit-after", "2"]);
    let o = run(&["send", "track", "u", "Retry Me", "--endpoint", &l.url, "--max-retries", "1"]);
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("HTTP 503"), "{}", stderr(&o));
    let (code, lines) = l.wait_exit();
    assert_eq!(code, Some(0), "nothing failed verification (none was asked)");
    let text = lines.join("\n");
    assert!(text.contains("POST /v1/batch 503"), "{text}");
    assert!(text.contains("retry: ids seen before"), "the second attempt is marked as a retry: {text}");
    assert!(text.contains("stopped after 2 requests · 0 events accepted · 2 refused"), "{text}");
}

#[test]
fn exit_after_exits_1_when_a_request_failed_verification() {
    let l = Listen::start(&["--secret", SECRET, "--exit-after", "2", "--json"]);
    assert_exit(&run(&["send", "track", "u", "Good", "--endpoint", &l.url, "--signing-secret", SECRET]), 0);
    assert_exit(&run(&["send", "track", "u", "Bad", "--endpoint", &l.url, "--signing-secret", OTHER_SECRET]), 0);
    let (code, lines) = l.wait_exit();
    assert_eq!(code, Some(1));
    let last: Value = serde_json::from_str(lines.last().expect("lines")).expect("json");
    assert_eq!(last["done"], true);
    assert_eq!(last["totals"]["failed"], 1);

    let l = Listen::start(&["--secret", SECRET, "--exit-after", "1"]);
    assert_exit(&run(&["send", "track", "u", "Good", "--endpoint", &l.url, "--signing-secret", SECRET]), 0);
    let (code, _) = l.wait_exit();
    assert_eq!(code, Some(0));
}

#[test]
fn unsigned_and_not_json_requests_are_shown() {
    let l = Listen::start(&[]);
    assert!(l.lines().iter().any(|s| s.contains("not verifying signatures")), "{:?}", l.lines());
    assert_eq!(post(&format!("{}/raw", l.url), &[], b"hello, not json"), 400);
    let line = l.wait_line("the bad request", |s| s.contains("POST /raw"));
    assert!(line.contains("400") && line.contains("not JSON") && line.contains("unsigned"), "{line}");
    l.wait_line("the body", |s| s.contains("hello, not json"));
}

#[test]
fn a_busy_port_and_bad_secrets_are_clear_errors() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let o = run(&["listen", "--port", &port]);
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("cannot listen on 127.0.0.1:") && stderr(&o).contains("--port"), "{}", stderr(&o));

    let o = run(&["listen", "--port", "0", "--scheme", "standard-webhooks", "--secret", "not base64!"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("invalid_secret"), "{}", stderr(&o));

    let o = run(&["listen", "--status", "100"]);
    assert_exit(&o, 2);
}
