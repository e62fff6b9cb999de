//! Micro-benchmarks of the engine's hot paths: `cargo bench -p outbox-bench`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use outbox_engine::body;
use outbox_engine::event::{Encoder, Event, Library};
use outbox_engine::queue::{Queue, WhenFull};
use outbox_engine::sign::{Scheme, Signer};
use outbox_engine::{Client, HttpRequest, HttpResponse, Options, Transport};
use serde_json::json;

/// A realistic event: ~300 bytes once serialized.
fn typical_properties() -> serde_json::Value {
    json!({
        "plan": "pro", "seats": 12, "amount": 129.99, "currency": "EUR",
        "coupon": null, "source": "checkout", "experiment": "pricing-v3", "items": 3
    })
}

fn typical_event() -> Event {
    Event::track("user-1234567", "Order Completed").properties(typical_properties())
}

/// Answers 200 to everything without looking: isolates the caller's cost.
struct Discard;

impl Transport for Discard {
    fn send(&self, _request: HttpRequest) -> outbox_engine::transport::SendFuture {
        Box::pin(async { Ok(HttpResponse { status: 200, retry_after: None }) })
    }
}

fn enqueue(c: &mut Criterion) {
    let mut group = c.benchmark_group("enqueue");
    group.throughput(Throughput::Elements(1));
    // The real queue and dispatcher, delivering to a receiver that answers at once.
    let client = Client::new(Options {
        gzip: false,
        delivery: outbox_engine::DeliveryOptions {
            transport: Some(std::sync::Arc::new(Discard)),
            ..outbox_engine::DeliveryOptions::for_client()
        },
        ..Options::default()
    })
    .unwrap();
    let props = outbox_engine::Json::from(typical_properties());
    group.bench_function("capture (prebuilt properties)", |b| {
        b.iter(|| {
            let mut e = Event::track("user-1234567", "Order Completed");
            e.properties = Some(props.clone());
            black_box(client.capture(e).unwrap())
        })
    });
    group.bench_function("track (serde_json::Value properties)", |b| {
        b.iter(|| black_box(client.track("user-1234567", "Order Completed", Some(typical_properties())).unwrap()))
    });
    client.shutdown(Duration::from_secs(5));
    group.finish();
}

fn encode(c: &mut Criterion) {
    let encoder = Encoder::new(&Library::default(), 32_000);
    let event = typical_event();
    let size = encoder.encode(&event).unwrap().json().len();
    let mut group = c.benchmark_group("encode");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(format!("typical event ({size} bytes)"), |b| {
        b.iter(|| black_box(encoder.encode(black_box(&event)).unwrap()))
    });
    group.finish();
}

fn batches(c: &mut Criterion) {
    let encoder = Encoder::new(&Library::default(), 32_000);
    let mut queue = Queue::new(10_000, 1 << 30);
    for _ in 0..1000 {
        let e = encoder.encode(&typical_event()).unwrap();
        queue.push(e.into_payload(), WhenFull::DropOldest);
    }
    let items = queue.take_batch(1000, usize::MAX).unwrap().items;
    let envelope = body::envelope(&items, "2024-01-01T00:00:00.000Z");
    let mut group = c.benchmark_group("batch of 1000");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("envelope", |b| b.iter(|| black_box(body::envelope(&items, "2024-01-01T00:00:00.000Z"))));
    group.bench_function("envelope + gzip", |b| {
        b.iter(|| black_box(body::gzip(&body::envelope(&items, "2024-01-01T00:00:00.000Z"))))
    });
    group.bench_function("queue push + take", |b| {
        b.iter_batched(
            || items.iter().map(|i| i.payload.clone()).collect::<Vec<_>>(),
            |fresh| {
                let mut q = Queue::new(10_000, 1 << 30);
                for payload in fresh {
                    q.push(payload, WhenFull::DropOldest);
                }
                black_box(q.take_batch(1000, usize::MAX))
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();

    let signer = Signer::new(Scheme::StandardWebhooks, &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]).unwrap();
    let mut group = c.benchmark_group("sign");
    group.throughput(Throughput::Bytes(envelope.len() as u64));
    group.bench_function(format!("standard webhooks, {} KB body", envelope.len() / 1000), |b| {
        b.iter(|| black_box(signer.headers("msg_1", 1_700_000_000, &envelope)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = enqueue, encode, batches
}
criterion_main!(benches);
