//! One run of the cross-language workload from Rust (started by
//! bench/compare.py; the same as bench/python/workload.py and friends).
//!
//! usage: workload --url URL [--n N] [--mode loop|outage|exit]
//!
//! Creates a client pointed at the receiver (defaults otherwise), prints
//! READY, makes N `track` calls of the same event in a tight loop (the
//! properties are one `serde_json::Value`, cloned per call as a caller
//! holding its own value would), then:
//!
//! - loop, outage: `flush`, then waits (at most 2 s more) for the receiver to
//!   count N events, and prints one JSON line;
//! - exit: prints the JSON line and returns from `main` without flushing;
//!   the client's `Drop` delivers what it can within `shutdown_timeout`
//!   (`std::process::exit`, or a client kept in a `static`, skips that).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use outbox_engine::{Client, Options};
use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: &str| -> String {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_owned())
    };
    let url = arg("--url", "");
    let n: u64 = arg("--n", "100000").parse().expect("--n N");
    let mode = arg("--mode", "loop");
    assert!(!url.is_empty(), "usage: workload --url URL [--n N] [--mode loop|outage|exit]");

    let client = Client::new(Options { api_key: Some("bench-key".into()), ..Options::new(&url) }).expect("client");
    // The same properties in every language (bench/python/workload.py).
    let props = json!({
        "order_id": "ord-7f3a", "plan": "pro", "seats": 12, "amount": 129.99, "currency": "EUR",
        "coupon": null, "items": [{"sku": "sku-1", "qty": 2}]
    });
    let rss_before = rss_kb();
    println!("READY");
    std::io::stdout().flush().ok();

    let cpu0 = thread_cpu_ns();
    let t0 = Instant::now();
    for _ in 0..n {
        client.track("user-1234567", "Order Completed", Some(props.clone())).expect("track");
    }
    let enqueued = t0.elapsed();
    let cpu = thread_cpu_ns() - cpu0;
    let mut out = format!(
        r#"{{"version":"{}","enqueue_wall_ns":{:.1},"enqueue_cpu_ns":{:.1},"rss_before_kb":{rss_before},"rss_after_loop_kb":{}"#,
        env!("CARGO_PKG_VERSION"),
        enqueued.as_nanos() as f64 / n as f64,
        cpu / n as f64,
        rss_kb()
    );
    if mode != "exit" {
        client.flush(Duration::from_secs(300));
        let flushed = t0.elapsed();
        let reached = control_get(&url, &format!("/_control/wait?unique={n}&timeout_ms=2000")).contains(r#""ok":true"#);
        let total = t0.elapsed();
        out.push_str(&format!(r#","flush_s":{:.6},"total_s":"#, flushed.as_secs_f64()));
        out.push_str(&if reached { format!("{:.6}", total.as_secs_f64()) } else { "null".into() });
    }
    println!("{out}}}");
    std::io::stdout().flush().ok();
}

fn control_get(url: &str, path: &str) -> String {
    let addr = url.trim_start_matches("http://");
    let mut text = String::new();
    if let Ok(mut s) = TcpStream::connect(addr) {
        let _ = write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        let _ = s.read_to_string(&mut text);
    }
    text
}

fn thread_cpu_ns() -> f64 {
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
