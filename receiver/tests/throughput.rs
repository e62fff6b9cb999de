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
    let rx = Receiver::start_with(ReceiverOptions { record_bodies: false, port: 0 }).expect("start");
    let port = rx.port();
    let start = std::sync::Arc::new(std::sync::Barrier::new(CONNS + 1));
    let threads: Vec<_> = (0..CONNS)
        .map(|c| {
            let start = start.clone();
            std::thread::spawn(move || {
                let mut client = Client::connect(port);
                let mut bodies = Vec::new();
                for b in 0..BATCHES {
                    let mut body = String::with_capacity(PER_BATCH * 320);
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
                    bodies.push(body);
                }
                // Bodies are built before the clock matters to the server.
                start.wait();
                for body in &bodies {
                    assert_eq!(client.post_json("/v1/batch", body).status, 200);
                }
            })
        })
        .collect();
    start.wait();
    let cpu0 = receiver_cpu_secs();
    let t = Instant::now();
    for th in threads {
        th.join().expect("client");
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu = receiver_cpu_secs() - cpu0;
    let s = rx.stats();
    assert_eq!(s.unique_events as usize, CONNS * BATCHES * PER_BATCH);
    println!(
        "{} events ({} bytes/event) in {secs:.2}s: {:.0} events/s, client and server sharing this machine; \
         receiver threads used {cpu:.2}s CPU = {:.0} events per receiver CPU-second",
        s.events,
        s.bytes / s.events,
        s.events as f64 / secs,
        s.events as f64 / cpu.max(0.01),
    );
}

/// CPU time (user + system) of the receiver's worker threads, from /proc
/// (Linux only; 0 elsewhere). Coarse: clock ticks.
fn receiver_cpu_secs() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    let mut ticks = 0u64;
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ..."; utime and stime are fields 14 and 15.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if !head.contains("(outbox-test-rec") {
            continue;
        }
        let fields: Vec<&str> = rest.split_whitespace().collect();
        ticks += fields.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        ticks += fields.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    }
    ticks as f64 / 100.0
}
