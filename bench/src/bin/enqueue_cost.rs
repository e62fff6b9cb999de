//! Instructions per `capture` on the calling threads, for a load-independent
//! figure (run by `bench/instructions.py`, see docs/performance.md).
//!
//! usage: enqueue_cost [N] [--threads T]
//!
//! T threads (default 1) make N `capture` calls in all (test mode), each in
//! `capture_loop`, which callgrind counts alone with
//! `--toggle-collect='*capture_loop*' --separate-threads=yes`. A call
//! includes building the `Event` it consumes (two `String`s and a copy of
//! the properties), as a caller pays. Without valgrind it prints the wall
//! and CPU time per call, which show contention between the threads.

use std::hint::black_box;
use std::time::{Duration, Instant};

use outbox_engine::{Client, Event, Json, Options};
use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let threads: u64 = args
        .iter()
        .position(|a| a == "--threads")
        .and_then(|i| args.get(i + 1))
        .map(|t| t.parse().expect("--threads T"))
        .unwrap_or(1)
        .max(1);
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
    let cpu_ns: u64 = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads).map(|_| s.spawn(|| capture_loop(&client, &props, n / threads))).collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    let took = started.elapsed();
    let result = client.flush(Duration::from_secs(60));
    assert_eq!(result.pending, 0, "flush did not complete");
    let calls = n / threads * threads;
    println!(
        "{calls} captures on {threads} thread(s): {:.0} ns/call wall, {:.0} ns/call CPU (all calling threads)",
        took.as_nanos() as f64 / calls as f64,
        cpu_ns as f64 / calls as f64
    );
}

/// `n` captures of the typical event; returns this thread's CPU time in ns.
#[inline(never)]
fn capture_loop(client: &Client, props: &Json, n: u64) -> u64 {
    let before = thread_cpu_ns();
    for _ in 0..n {
        let mut e = Event::track("user-1234567", "Order Completed");
        e.properties = Some(props.clone());
        black_box(client.capture(e).unwrap());
    }
    thread_cpu_ns() - before
}

fn thread_cpu_ns() -> u64 {
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}
