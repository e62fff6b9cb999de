//! on_error runs off the engine's worker thread, and calling back into the
//! client from inside it completes instead of hanging.

mod common;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::*;
use outbox_engine::{Client, DeliveryError, Event};

/// A client whose events are all refused (400), so on_error runs for each
/// flush, and whose callback is `callback(client)`.
fn refused_client(
    receiver: &Receiver,
    callback: impl Fn(&Client, &DeliveryError) + Send + Sync + 'static,
) -> Arc<Client> {
    receiver.push_fault(Fault::status(400).forever().on_path("/v1/batch"));
    let slot: Arc<OnceLock<std::sync::Weak<Client>>> = Arc::new(OnceLock::new());
    let mut opts = options(receiver);
    let inner = slot.clone();
    opts.delivery.on_error = Some(Arc::new(move |e: &DeliveryError| {
        if let Some(client) = inner.get().and_then(std::sync::Weak::upgrade) {
            callback(&client, e);
        }
    }));
    let client = Arc::new(common::client(opts));
    let _ = slot.set(Arc::downgrade(&client));
    client
}

#[test]
fn a_slow_callback_does_not_hold_up_another_clients_deliveries() {
    let slow_receiver = Receiver::start();
    let slow = refused_client(&slow_receiver, |_, _| std::thread::sleep(Duration::from_secs(6)));
    slow.track("u", "e", None).unwrap();
    // Let the slow callback start.
    std::thread::sleep(Duration::from_millis(500));
    let receiver = Receiver::start();
    let other = client(options(&receiver));
    other.track("u", "e", None).unwrap();
    let result = other.flush(SECS(4));
    assert!(result.is_complete(), "{result:?}: delivery waited behind another client's callback");
}

#[test]
fn flush_inside_on_error_completes() {
    let receiver = Receiver::start();
    let inner: Arc<Mutex<Option<(bool, Duration)>>> = Arc::default();
    let seen = inner.clone();
    let client = refused_client(&receiver, move |client, _| {
        let started = Instant::now();
        let result = client.flush(SECS(8));
        *seen.lock().unwrap() = Some((result.is_complete(), started.elapsed()));
    });
    client.track("u", "e", None).unwrap();
    client.flush(SECS(20));
    let (complete, took) = inner.lock().unwrap().expect("on_error ran");
    assert!(complete && took < SECS(4), "flush inside on_error: complete={complete} after {took:?}");
}

#[test]
fn deliver_inside_on_error_works() {
    let receiver = Receiver::start();
    let outcome: Arc<Mutex<Option<String>>> = Arc::default();
    let seen = outcome.clone();
    let client = refused_client(&receiver, move |client, _| {
        let result = client.deliver(&[Event::track("u", "from the callback")], SECS(5));
        *seen.lock().unwrap() = Some(format!("{result:?}"));
    });
    client.track("u", "e", None).unwrap();
    client.flush(SECS(20));
    let outcome = outcome.lock().unwrap().clone().expect("on_error ran to the end");
    // The refused path is /v1/batch: deliver goes there too and is refused,
    // which is an answer, not a panic or a hang.
    assert!(outcome.contains("status: Some(400)"), "{outcome}");
}

#[test]
fn shutdown_inside_on_error_completes() {
    let receiver = Receiver::start();
    let done: Arc<Mutex<bool>> = Arc::default();
    let seen = done.clone();
    let client = refused_client(&receiver, move |client, _| {
        client.shutdown(SECS(5));
        *seen.lock().unwrap() = true;
    });
    client.track("u", "e", None).unwrap();
    let started = Instant::now();
    client.flush(SECS(20));
    assert!(*done.lock().unwrap());
    assert!(started.elapsed() < SECS(10));
}
