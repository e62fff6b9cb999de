//! `make demo`: events travel through the engine to a local receiver that
//! fails on purpose, and every signature is checked on arrival.

use std::sync::Arc;
use std::time::{Duration, Instant};

use outbox_engine::sign::{self, Scheme, VerifyOptions};
use outbox_engine::webhook::{Endpoint, WebhookOptions, WebhookSender};
use outbox_engine::{Client, DeliveryError, DeliveryOptions, Options};
use outbox_test_receiver::{Fault, Receiver};
use serde_json::json;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn main() {
    let receiver = Receiver::start();
    println!("receiver listening on {}", receiver.url());

    let client = Client::new(Options {
        signing_secrets: vec![SECRET.into()],
        delivery: DeliveryOptions {
            retry_initial_backoff: Duration::from_millis(200),
            on_error: Some(Arc::new(|e: &DeliveryError| println!("  on_error: {e}"))),
            ..DeliveryOptions::for_client()
        },
        ..Options::new(receiver.url())
    })
    .expect("valid options");

    println!("\n1. track, identify and group, then flush");
    client.track("user-42", "Signed Up", Some(json!({"plan": "pro"}))).unwrap();
    client.identify("user-42", Some(json!({"email": "ada@example.com"}))).unwrap();
    client.group("user-42", "acme", Some(json!({"seats": 12}))).unwrap();
    let r = client.flush(Duration::from_secs(5));
    println!("  delivered {}, failed {}, pending {}", r.delivered, r.failed, r.pending);

    println!("\n2. the receiver answers 503 twice: the engine backs off and retries");
    receiver.push_fault(Fault::status(503).times(2));
    let started = Instant::now();
    client.track("user-42", "Checkout Started", None).unwrap();
    let r = client.flush(Duration::from_secs(10));
    println!("  delivered {} after {:?} and {} retries", r.delivered, started.elapsed(), client.stats().retries);

    println!("\n3. a 400 is permanent: reported, never retried");
    receiver.push_fault(Fault::status(400));
    client.track("user-42", "Bad Event", None).unwrap();
    client.flush(Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(100));

    println!("\n4. signed webhooks to two endpoints; one answers 410 Gone and is disabled");
    receiver.push_fault(Fault::status(410).on_path("/hooks/old"));
    let hooks = WebhookSender::new(WebhookOptions {
        endpoints: vec![
            Endpoint::new(format!("{}/hooks/old", receiver.url())).secret(SECRET),
            Endpoint::new(format!("{}/hooks/new", receiver.url())).secret(SECRET),
        ],
        delivery: DeliveryOptions {
            on_error: Some(Arc::new(|e: &DeliveryError| println!("  on_error: {e}"))),
            ..DeliveryOptions::for_webhooks()
        },
        ..WebhookOptions::default()
    })
    .expect("valid webhook options");
    hooks.send("invoice.paid", json!({"invoice": "in_1"})).unwrap();
    hooks.flush(Duration::from_secs(5));
    hooks.send("invoice.paid", json!({"invoice": "in_2"})).unwrap();
    hooks.flush(Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(100));

    println!("\n5. what arrived");
    let mut verified = 0;
    for req in receiver.requests().iter().filter(|r| r.status == Some(200)) {
        sign::verify(&Scheme::StandardWebhooks, &req.body, &req.headers, &[SECRET], &VerifyOptions::default())
            .expect("every delivered request is signed");
        verified += 1;
    }
    let stats = client.stats();
    println!("  {verified} requests delivered, every signature verified");
    println!(
        "  client: enqueued {} = delivered {} + dropped {} + pending {}",
        stats.enqueued,
        stats.delivered,
        stats.dropped_total(),
        stats.pending
    );
    assert!(stats.balances());
    client.shutdown(Duration::from_secs(2));
    hooks.shutdown(Duration::from_secs(2));
    println!("\ndemo finished");
}
