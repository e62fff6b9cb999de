//! `outbox demo`: a short story told through the real engine and a real
//! receiver on a free loopback port, which prints and verifies every request
//! as it arrives (the same view as `outbox listen`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use outbox_engine::webhook::{Endpoint, WebhookOptions, WebhookSender};
use outbox_engine::{Client, DeliveryError, Event, Library, Options};
use outbox_test_receiver::{Fault, Hooks, OnRequest, Receiver, ReceiverOptions, RecordedRequest};
use serde_json::json;

use crate::args::ColorWhen;
use crate::error::{CliResult, Fail};
use crate::monitor::{Monitor, Verifier};
use crate::paint::{out, Paint};
use crate::reports::{ErrorLog, REPORT_WAIT};

/// The demo's signing secret (the Standard Webhooks reference secret).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// A key the receiver does not know, for the forged request.
const WRONG_SECRET: &str = "whsec_bm90IHRoZSBzZWNyZXQgeW91IGFyZSBsb29raW5nIGZvcg==";
const MARGIN: &str = "   ";

pub fn run(color: ColorWhen) -> CliResult {
    let p = Paint::stdout(color);
    let verifier = Verifier::new(vec![SECRET.into()], None, None, 300);
    let monitor = Arc::new(Monitor::new(p, false, verifier, 5).quiet_totals(MARGIN));
    let hook: OnRequest = {
        let m = monitor.clone();
        Arc::new(move |r: &RecordedRequest| m.observe(r))
    };
    let receiver =
        Receiver::start_with_hooks(ReceiverOptions::default(), Hooks { on_request: Some(hook), status: None })
            .map_err(|e| Fail::failed(format!("cannot start the demo receiver on 127.0.0.1: {e}")))?;
    let url = receiver.url();

    out(&format!(
        "{}\n{}\n",
        p.bold("Outbox demo: events travel through the engine to a local receiver"),
        p.dim(&format!(
            "The receiver on {url} prints each request as it arrives and checks its signature\n\
             (Standard Webhooks, secret {SECRET})."
        ))
    ));

    let reports = Arc::new(ErrorLog::default());
    let sink = reports.clone();
    let client = Client::new(Options {
        signing_secrets: vec![SECRET.into()],
        library: Library { name: "outbox-cli".into(), version: env!("CARGO_PKG_VERSION").into() },
        delivery: outbox_engine::DeliveryOptions {
            retry_initial_backoff: Duration::from_millis(200),
            on_error: Some(Arc::new(move |e: &DeliveryError| sink.push(e))),
            ..outbox_engine::DeliveryOptions::for_client()
        },
        ..Options::new(url.clone())
    })
    .map_err(|e| Fail::failed(format!("demo client: {e}")))?;
    let mut problems = Vec::new();
    let step = |n: u32, title: &str, detail: &str| {
        out(&format!("\n{} {}\n{}\n", p.bold(&format!("{n}.")), p.bold(title), p.dim(&format!("{MARGIN}{detail}"))));
    };
    let note = |text: &str| out(&format!("{MARGIN}{} {text}\n", p.yellow("→")));
    let demo_err = |e: outbox_engine::Error| Fail::failed(format!("demo: {e}"));

    // 1. A batch.
    step(
        1,
        "track, identify and group",
        "Each call validates the event and queues it without touching the network; they leave together in one batch.",
    );
    client.track("user-42", "Signed Up", Some(json!({"plan": "pro"}))).map_err(demo_err)?;
    client.identify("user-42", Some(json!({"email": "ada@example.com", "name": "Ada"}))).map_err(demo_err)?;
    client.group("user-42", "acme", Some(json!({"seats": 12}))).map_err(demo_err)?;
    let r = client.flush(Duration::from_secs(5));
    note(&format!("flush: delivered {}, failed {}, pending {}", r.delivered, r.failed, r.pending));
    if r.delivered != 3 {
        problems.push(format!("step 1 delivered {} of 3 events", r.delivered));
    }

    // 2. Retries.
    step(
        2,
        "a retried failure",
        "The receiver answers 503 twice. The engine backs off (exponential, with jitter) and sends the same batch again: same messageId, same Idempotency-Key.",
    );
    receiver.push_fault(Fault::status(503).times(2));
    let retries_before = client.stats().retries;
    let started = Instant::now();
    client.track("user-42", "Checkout Started", Some(json!({"cart": 3}))).map_err(demo_err)?;
    let r = client.flush(Duration::from_secs(15));
    let retries = client.stats().retries - retries_before;
    note(&format!("delivered {} after {retries} retries, {:.1} s later", r.delivered, started.elapsed().as_secs_f64()));
    if r.delivered != 1 || retries < 2 {
        problems.push(format!("step 2 delivered {} with {retries} retries", r.delivered));
    }

    // 3. A permanent failure.
    step(
        3,
        "a permanent failure",
        "A 400 means the event itself is wrong: it is reported to on_error and never retried.",
    );
    receiver.push_fault(Fault::status(400).body(r#"{"error":"event rejected by the demo"}"#));
    let (seen, seen_events) = (reports.all().len(), reports.events());
    client.track("user-42", "Bad Event", None).map_err(demo_err)?;
    let r = client.flush(Duration::from_secs(5));
    reports.wait_for_events(seen_events + 1, REPORT_WAIT);
    for e in reports.all().iter().skip(seen) {
        note(&format!("on_error: {e}"));
    }
    note(&format!("flush: delivered {}, failed {}", r.delivered, r.failed));
    if r.failed != 1 {
        problems.push(format!("step 3 failed {} events instead of 1", r.failed));
    }

    // 4. deliver().
    step(
        4,
        "deliver(): the caller waits for the outcome",
        "For transactional events and serverless handlers: sent now, bypassing the queue, retried within a deadline.",
    );
    let outcome = client
        .deliver(&[Event::track("user-42", "Password Reset Requested")], Duration::from_secs(5))
        .map_err(demo_err)?;
    note(&format!(
        "deliver: delivered={}, HTTP {}, {} attempt{}",
        outcome.delivered,
        outcome.status.map_or_else(|| "-".into(), |s| s.to_string()),
        outcome.attempts,
        crate::monitor::plural(outcome.attempts as usize)
    ));
    if !outcome.delivered {
        problems.push(format!("step 4 deliver failed: {:?}", outcome.error));
    }

    // 5. Webhooks.
    step(
        5,
        "signed webhooks to two endpoints",
        "/hooks/old answers 410 Gone: that endpoint is disabled and reported; /hooks/new gets every message.",
    );
    receiver.push_fault(Fault::status(410).on_path("/hooks/old"));
    let hook_reports = Arc::new(ErrorLog::default());
    let hook_sink = hook_reports.clone();
    let hooks = WebhookSender::new(WebhookOptions {
        endpoints: vec![
            Endpoint::new(format!("{url}/hooks/old")).secret(SECRET),
            Endpoint::new(format!("{url}/hooks/new")).secret(SECRET),
        ],
        delivery: outbox_engine::DeliveryOptions {
            on_error: Some(Arc::new(move |e: &DeliveryError| hook_sink.push(e))),
            ..outbox_engine::DeliveryOptions::for_webhooks()
        },
        ..WebhookOptions::default()
    })
    .map_err(|e| Fail::failed(format!("demo webhooks: {e}")))?;
    hooks.send("invoice.paid", json!({"invoice": "in_1", "amount": 990})).map_err(demo_err)?;
    hooks.flush(Duration::from_secs(5));
    hooks.send("invoice.paid", json!({"invoice": "in_2", "amount": 120})).map_err(demo_err)?;
    hooks.flush(Duration::from_secs(5));
    hook_reports.wait_for_events(2, REPORT_WAIT);
    for e in hook_reports.all() {
        note(&format!("on_error: {e}"));
    }
    let per_endpoint = hooks.endpoint_stats();
    let new_delivered = per_endpoint.get(1).map_or(0, |s| s.delivered);
    note(&format!("/hooks/new received {new_delivered} of 2 messages"));
    if new_delivered != 2 {
        problems.push(format!("step 5 delivered {new_delivered} of 2 webhooks"));
    }

    // 6. A forgery.
    step(
        6,
        "a forged signature",
        "A sender that does not hold the secret signs with another key: the receiver flags the request.",
    );
    let forger = Client::new(Options { signing_secrets: vec![WRONG_SECRET.into()], ..Options::new(url.clone()) })
        .map_err(|e| Fail::failed(format!("demo client: {e}")))?;
    forger.track("mallory", "Refund Issued", Some(json!({"amount": 1_000_000}))).map_err(demo_err)?;
    forger.flush(Duration::from_secs(5));
    forger.shutdown(Duration::from_secs(1));

    // 7. The accounts.
    step(7, "the accounts", "Every event is delivered, dropped (and reported) or pending: nothing is lost silently.");
    let s = client.stats();
    note(&format!(
        "client: enqueued {} = delivered {} + dropped {} + pending {} ({} requests, {} retries)",
        s.enqueued,
        s.delivered,
        s.dropped_total(),
        s.pending,
        s.requests,
        s.retries
    ));
    if !s.balances() {
        problems.push("the client's accounting does not balance".into());
    }
    let c = monitor.counts();
    note(&format!(
        "receiver: {} requests, {} events accepted, {} signatures verified, {} failed verification",
        c.requests, c.events, c.verified, c.failed
    ));
    if c.failed != 1 || c.verified + 1 != c.requests {
        problems.push(format!(
            "expected every request but the forged one to verify: {} verified, {} failed of {}",
            c.verified, c.failed, c.requests
        ));
    }
    client.shutdown(Duration::from_secs(2));
    hooks.shutdown(Duration::from_secs(2));
    drop(receiver);

    if problems.is_empty() {
        out(&format!(
            "\n{} every genuine request carried a valid signature; the forged one was caught.\n{}\n",
            p.bold_green("Demo finished:"),
            p.dim("Next: `outbox listen` in one terminal, `outbox send track user-42 'Signed Up' --endpoint http://127.0.0.1:8799` in another.")
        ));
        Ok(())
    } else {
        Err(Fail::failed(format!("the demo did not go as expected: {}", problems.join("; "))))
    }
}
