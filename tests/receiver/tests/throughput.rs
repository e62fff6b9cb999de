//! Rough throughput check, ignored by default (run it in release:
//! `cargo test --release -p outbox-test-receiver --test throughput -- --ignored --nocapture`).

mod common;

use std::time::Instant;

use common::Client;
use outbox_test_receiver::{Receiver, ReceiverOptions};

#[test]
#[ignore]
fn throughput() {
    const CONNS: usize = 2;
    const BATCHES: usize = 250;
    const PER_BATCH: usize = 1000;
    let rx = Receiver::start_with(ReceiverOptions {
        record_bodies: false,
        port: 0,
    })
    .expect("start");
    let port = rx.port();
    let t = Instant::now();
    let threads: Vec<_> = (0..CONNS)
        .map(|c| {
            std::thread::spawn(move || {
                let mut client = Client::connect(port);
                let mut body = String::with_capacity(PER_BATCH * 320);
                for b in 0..BATCHES {
                    body.clear();
                    body.push_str(r#"{"batch":["#);
                    for i in 0..PER_BATCH {
                        if i > 0 {
                            body.push(',');
                        }
                        body.push_str(r#"{"type":"track","event":"Order Completed","userId":"user-123456","timestamp":"2024-05-01T12:00:00.000Z","properties":{"revenue":42.5,"currency":"EUR","items":3,"coupon":null},"context":{"library":{"name":"outbox","version":"0.1.0"}},"messageId":""#);
                        body.push_str(&format!("{c:02}-{b:06}-{i:06}-0000-000000000000"));
                        body.push_str(r#""}"#);
                    }
                    body.push_str(r#"],"sentAt":"2024-05-01T12:00:00.000Z"}"#);
                    assert_eq!(client.post_json("/v1/batch", &body).status, 200);
                }
            })
        })
        .collect();
    for th in threads {
        th.join().expect("client");
    }
    let secs = t.elapsed().as_secs_f64();
    let s = rx.stats();
    assert_eq!(s.unique_events as usize, CONNS * BATCHES * PER_BATCH);
    println!(
        "{} events ({} bytes/event) in {secs:.2}s: {:.0} events/s, client and server sharing this machine",
        s.events,
        s.bytes / s.events,
        s.events as f64 / secs
    );
}
