//! The whole client's cost per delivered event, every thread counted: N
//! `capture` calls of the typical event to the test receiver (a separate
//! process, not counted), gzip on, then a flush. Under
//! `valgrind --tool=callgrind` the process's instruction count over N is the
//! figure (run by `bench/instructions.py`, see docs/performance.md); it
//! includes starting and stopping the client, a few million instructions.
//!
//! usage: client_cost [N] [--receiver PATH] [--gzip on|off]
//!        client_cost --ratio   (what gzip makes of a batch of 1,000 events)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use outbox_engine::body;
use outbox_engine::event::{Encoder, Library};
use outbox_engine::queue::Item;
use outbox_engine::{Client, Event, Json, Options};
use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: &str| -> String {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_owned())
    };
    let n: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let receiver = arg("--receiver", "target/x86_64-unknown-linux-gnu/release/outbox-test-receiver");
    let gzip = arg("--gzip", "on") == "on";
    let props = Json::from(
        json!({"plan": "pro", "seats": 12, "amount": 129.99, "currency": "EUR", "source": "checkout", "items": 3}),
    );
    if args.iter().any(|a| a == "--ratio") {
        println!("{}", compression_ratio(&props));
        return;
    }

    let mut child = Command::new(&receiver)
        .arg("--no-record")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the receiver {receiver}: {e}"));
    let mut banner = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut banner).expect("banner");
    let url = banner.trim().strip_prefix("LISTENING ").expect("receiver banner").to_owned();

    let client = Client::new(Options {
        gzip,
        delivery: outbox_engine::DeliveryOptions {
            max_queue_size: n as usize,
            max_queue_bytes: 1 << 30,
            ..outbox_engine::DeliveryOptions::for_client()
        },
        ..Options::new(&url)
    })
    .expect("client");
    for _ in 0..n {
        let mut e = Event::track("user-1234567", "Order Completed");
        e.properties = Some(props.clone());
        client.capture(e).expect("capture");
    }
    let result = client.flush(Duration::from_secs(600));
    drop(client);
    let stats = control_get(&url, "/_control/stats");
    let _ = child.kill();
    let _ = child.wait();
    let unique = stats["unique_events"].as_u64().unwrap_or(0);
    let duplicates = stats["duplicate_events"].as_u64().unwrap_or(0);
    println!(
        "{n} events, gzip {}: delivered {} (receiver: {unique} unique, {duplicates} duplicates)",
        if gzip { "on" } else { "off" },
        result.delivered
    );
    assert_eq!((result.delivered, unique, duplicates), (n, n, 0), "every event delivered exactly once");
}

/// What gzip makes of a batch of 1,000 of these events (the deflate
/// backends differ in speed and in size).
fn compression_ratio(props: &Json) -> String {
    let encoder = Encoder::new(&Library::default(), 32_000);
    let items: Vec<Item> = (0..1000)
        .map(|seq| {
            let mut e = Event::track("user-1234567", "Order Completed");
            e.properties = Some(props.clone());
            Item { seq, payload: encoder.encode(&e).expect("encode").into_payload(), attempts: 0, sid: 0 }
        })
        .collect();
    let plain = body::envelope(&items, "2024-01-01T00:00:00.000Z");
    let packed = body::gzip(&plain);
    format!(
        "gzip of 1,000 events: {} -> {} bytes ({:.1}x)",
        plain.len(),
        packed.len(),
        plain.len() as f64 / packed.len() as f64
    )
}

fn control_get(url: &str, path: &str) -> serde_json::Value {
    let addr = url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).expect("receiver");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("request");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("response");
    serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap_or("{}")).unwrap_or_default()
}
