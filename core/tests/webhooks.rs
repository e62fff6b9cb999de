//! Signed requests and webhook delivery over real HTTP.

mod common;

use outbox_engine::options::DeliveryOptions;
use std::time::Duration;

use common::*;
use outbox_engine::sign::{self, Scheme, VerifyOptions};
use outbox_engine::webhook::{Endpoint, WebhookOptions, WebhookSender};
use outbox_engine::{DropReason, Options};
use serde_json::json;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ROTATED: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn endpoint(receiver: &Receiver, path: &str) -> Endpoint {
    Endpoint::new(format!("{}{path}", receiver.url())).secret(SECRET)
}

#[test]
fn signed_ingest_requests_verify_after_the_receiver_decodes_gzip() {
    let receiver = Receiver::start();
    let mut opts = options(&receiver);
    opts.signing_secrets = vec![ROTATED.into(), SECRET.into()];
    let client = client(opts);
    for i in 0..40 {
        client.track("u", "Signed", Some(json!({"i": i, "pad": "p".repeat(50)}))).unwrap();
    }
    assert!(client.flush(SECS(10)).is_complete());
    let requests = receiver.requests();
    assert!(requests.iter().any(|r| r.gzip), "the body was large enough to compress");
    for req in &requests {
        // The receiver hands us the decoded body: the signature covers it.
        for secret in [SECRET, ROTATED] {
            sign::verify(&Scheme::StandardWebhooks, &req.body, &req.headers, &[secret], &VerifyOptions::default())
                .unwrap_or_else(|e| panic!("signature did not verify with {secret}: {e}"));
        }
        let sig = req.header("webhook-signature").unwrap();
        assert_eq!(sig.split(' ').count(), 2, "one signature per secret");
        assert_eq!(req.header("webhook-id"), req.header("idempotency-key"));
    }
}

#[test]
fn webhooks_carry_the_standard_envelope_and_verify() {
    let receiver = Receiver::start();
    let sender = WebhookSender::new(webhook_options(vec![endpoint(&receiver, "/hooks/a")])).unwrap();
    let id = sender.send("invoice.paid", json!({"invoice": "in_1", "amount": 4200})).unwrap();
    assert!(id.starts_with("msg_"));
    assert!(sender.flush(SECS(10)).is_complete());
    let req = &receiver.requests()[0];
    assert_eq!(req.path, "/hooks/a");
    assert!(!req.gzip);
    assert_eq!(req.header("webhook-id"), Some(id.as_str()));
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["type"], "invoice.paid");
    assert_eq!(body["data"]["amount"], 4200);
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    sign::verify(&Scheme::StandardWebhooks, &req.body, &req.headers, &[SECRET], &VerifyOptions::default()).unwrap();
}

#[test]
fn raw_bodies_and_the_sha256_scheme() {
    let receiver = Receiver::start();
    let ep = Endpoint::new(format!("{}/gh", receiver.url()))
        .secret("It's a Secret to Everybody")
        .scheme(Scheme::hmac_sha256());
    let sender = WebhookSender::new(webhook_options(vec![ep])).unwrap();
    let raw = outbox_engine::Json::parse(r#"{"action":"opened","number":7}"#).unwrap();
    sender.send_raw(&raw).unwrap();
    assert!(sender.flush(SECS(10)).is_complete());
    let req = &receiver.requests()[0];
    assert_eq!(req.body, br#"{"action":"opened","number":7}"#);
    let header = req.header("x-hub-signature-256").unwrap();
    assert!(header.starts_with("sha256=") && header.len() == 71);
    sign::verify(
        &Scheme::hmac_sha256(),
        &req.body,
        &req.headers,
        &["It's a Secret to Everybody"],
        &VerifyOptions::default(),
    )
    .unwrap();
    assert!(req.header("webhook-signature").is_none());
}

#[test]
fn a_retried_webhook_keeps_its_id_and_is_signed_afresh() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(503).retry_after("1"));
    let sender = WebhookSender::new(webhook_options(vec![endpoint(&receiver, "/hooks/a")])).unwrap();
    sender.send("user.created", json!({"id": 1})).unwrap();
    assert!(sender.flush(SECS(10)).is_complete());
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    let (first, second) = (&requests[0], &requests[1]);
    assert_eq!(first.header("webhook-id"), second.header("webhook-id"));
    let ts = |r: &outbox_test_receiver::RecordedRequest| r.header("webhook-timestamp").unwrap().parse::<i64>().unwrap();
    assert!(ts(second) > ts(first), "each attempt is signed with a fresh timestamp");
    assert_ne!(first.header("webhook-signature"), second.header("webhook-signature"));
    for r in [first, second] {
        sign::verify(&Scheme::StandardWebhooks, &r.body, &r.headers, &[SECRET], &VerifyOptions::default()).unwrap();
    }
}

#[test]
fn gone_disables_one_endpoint_while_the_others_keep_delivering() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(410).on_path("/gone"));
    let reports = Reports::default();
    let mut base = Options::default();
    reports.install(&mut base);
    let mut opts = webhook_options(vec![endpoint(&receiver, "/gone"), endpoint(&receiver, "/ok")]);
    opts.delivery.on_error = base.delivery.on_error;
    let sender = WebhookSender::new(opts).unwrap();
    sender.send("a", json!({})).unwrap();
    sender.flush(SECS(10));
    for i in 0..5 {
        sender.send("b", json!({ "i": i })).unwrap();
    }
    sender.flush(SECS(10));
    let to_gone = receiver.requests().iter().filter(|r| r.path == "/gone").count();
    let to_ok = receiver.requests().iter().filter(|r| r.path == "/ok").count();
    assert_eq!((to_gone, to_ok), (1, 6), "nothing more goes to a 410 endpoint");
    let per = sender.endpoint_stats();
    assert_eq!(per[0].dropped(DropReason::EndpointGone), 6);
    assert_eq!(per[1].delivered, 6);
    assert!(per.iter().all(|s| s.balances()));
    std::thread::sleep(Duration::from_millis(100));
    let gone = reports.all().into_iter().find(|r| r.reason == DropReason::EndpointGone).unwrap();
    assert_eq!(gone.status, Some(410));
    assert_eq!(gone.endpoint.as_deref(), Some(format!("{}/gone", receiver.url()).as_str()));
}

#[test]
fn a_failing_endpoint_never_holds_back_the_others() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(503).on_path("/down").forever());
    let mut opts = webhook_options(vec![endpoint(&receiver, "/down"), endpoint(&receiver, "/up")]);
    opts.delivery.shutdown_timeout = Duration::ZERO;
    let sender = WebhookSender::new(opts).unwrap();
    for i in 0..20 {
        sender.send("tick", json!({ "i": i })).unwrap();
    }
    assert!(receiver.wait_for_unique(20, SECS(10)), "the healthy endpoint got everything");
    let per = sender.endpoint_stats();
    assert_eq!(per[0].delivered, 0);
    assert!(per[0].retries > 0);
    let result = sender.shutdown(Duration::from_millis(200));
    assert_eq!(result.pending, 20);
}

#[test]
fn a_full_endpoint_under_on_full_block_does_not_delay_the_others() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::kind(FaultKind::Hang).on_path("/stuck").forever());
    let mut opts = webhook_options(vec![endpoint(&receiver, "/stuck"), endpoint(&receiver, "/up")]);
    opts.delivery.max_queue_size = 1;
    opts.delivery.on_full = outbox_engine::OnFull::Block(Duration::from_secs(3));
    opts.delivery.shutdown_timeout = Duration::ZERO;
    let sender = std::sync::Arc::new(WebhookSender::new(opts).unwrap());
    sender.send("first", json!({})).unwrap();
    assert!(receiver.wait_for_unique(1, SECS(5)));
    // /stuck holds its one message in flight: its queue is full.
    let started = std::time::Instant::now();
    let second = {
        let sender = sender.clone();
        std::thread::spawn(move || sender.send("second", json!({})))
    };
    assert!(receiver.wait_for_unique(2, SECS(10)));
    let arrived = started.elapsed();
    assert!(arrived < Duration::from_millis(2_500), "the healthy endpoint waited {arrived:?} behind the full one");
    second.join().unwrap().unwrap();
}

#[test]
fn redirects_fail_webhooks_without_being_followed() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(301).location("http://127.0.0.1:9/elsewhere"));
    let sender = WebhookSender::new(webhook_options(vec![endpoint(&receiver, "/r")])).unwrap();
    sender.send("x", json!({})).unwrap();
    let result = sender.flush(SECS(10));
    assert_eq!(result.failed, 1);
    assert_eq!(sender.stats().dropped(DropReason::Rejected), 1);
    assert_eq!(receiver.requests().len(), 1);
}

#[test]
fn bad_webhook_options_and_input_fail_clearly() {
    let err = |o: WebhookOptions| WebhookSender::new(o).err().unwrap().to_string();
    assert!(err(webhook_options(vec![])).contains("at least one endpoint"));
    assert!(err(webhook_options(vec![Endpoint::new("ftp://x")])).contains("http://"));
    assert!(err(webhook_options(vec![Endpoint::new("http://x").secret("whsec_!!!")])).contains("secret"));
    let sender = WebhookSender::new(WebhookOptions {
        max_message_bytes: 100,
        delivery: DeliveryOptions { test_mode: true, ..(webhook_options(vec![Endpoint::new("http://x")])).delivery },
        ..webhook_options(vec![Endpoint::new("http://x")])
    })
    .unwrap();
    assert!(sender.send("", json!({})).is_err());
    assert!(sender.send("big", json!({"x": "y".repeat(200)})).is_err());
    sender.send("ok", json!({"x": 1})).unwrap();
    sender.flush(SECS(5));
    assert_eq!(sender.captured().len(), 1);
}
