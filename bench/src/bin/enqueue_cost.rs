//! Instructions per `capture` on the caller's thread, for a load-independent
//! figure: `valgrind --tool=callgrind --separate-threads=yes` on this binary
//! (see docs/performance.md). Without valgrind it prints wall time too.

use std::time::{Duration, Instant};

use outbox_engine::{Client, Event, Json, Options};
use serde_json::json;

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let client = Client::new(Options {
        delivery: outbox_engine::DeliveryOptions {
            test_mode: true,
            max_queue_size: n as usize,
            max_queue_bytes: 1 << 30,
            ..outbox_engine::DeliveryOptions::for_client()
        },
        ..Options::default()
    })
    .unwrap();
    let props = Json::from(
        json!({"plan": "pro", "seats": 12, "amount": 129.99, "currency": "EUR", "source": "checkout", "items": 3}),
    );
    let started = Instant::now();
    for _ in 0..n {
        let mut e = Event::track("user-1234567", "Order Completed");
        e.properties = Some(props.clone());
        client.capture(e).unwrap();
    }
    let took = started.elapsed();
    client.flush(Duration::from_secs(60));
    println!("{n} captures, {:.0} ns/call wall", took.as_nanos() as f64 / n as f64);
}
