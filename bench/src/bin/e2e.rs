//! End-to-end throughput of the engine from Rust: N `track` calls in a
//! tight loop to the test receiver (a separate process), then a flush.
//!
//! usage: e2e [--events N] [--runs R] [--gzip on|off] [--spool off|batch|event] [--receiver PATH]
//! Prints one line per run and the median; see docs/performance.md.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use outbox_engine::{Client, Event, Json, Options};
use serde_json::json;

struct Run {
    enqueue_ns: f64,
    /// CPU time of the calling thread per call: the cost to the caller,
    /// whatever else the machine is doing.
    enqueue_cpu_ns: f64,
    total_s: f64,
    cpu_s: f64,
    receiver_cpu_s: f64,
    delivered: u64,
    duplicates: u64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: &str| -> String {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_owned())
    };
    let events: u64 = arg("--events", "1000000").parse().expect("--events N");
    let runs: usize = arg("--runs", "3").parse().expect("--runs R");
    let gzip = arg("--gzip", "off") == "on";
    let spool = match arg("--spool", "off").as_str() {
        "off" => None,
        mode => Some(outbox_engine::options::SpoolSync::parse(mode).expect("--spool off|batch|event")),
    };
    let receiver_bin = arg(
        "--receiver",
        &std::env::var("OUTBOX_RECEIVER_BIN")
            .unwrap_or_else(|_| "target/x86_64-unknown-linux-gnu/release/outbox-test-receiver".into()),
    );

    let mut results = Vec::new();
    for run in 0..runs {
        let (mut child, url) = start_receiver(&receiver_bin);
        let r = one_run(&url, events, gzip, spool, child.id());
        println!(
            "run {run}: enqueue {:.0} ns/call ({:.0} ns CPU), {:.2} s to delivered, {:.0} events/s, client CPU {:.2} s, receiver CPU {:.2} s, delivered {}/{events}, duplicates {}",
            r.enqueue_ns, r.enqueue_cpu_ns, r.total_s, events as f64 / r.total_s, r.cpu_s, r.receiver_cpu_s, r.delivered, r.duplicates
        );
        let _ = child.kill();
        let _ = child.wait();
        results.push(r);
    }
    let median = |f: &dyn Fn(&Run) -> f64| {
        let mut v: Vec<f64> = results.iter().map(f).collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        (v[v.len() / 2], v[0], v[v.len() - 1])
    };
    let (enq, enq_min, enq_max) = median(&|r| r.enqueue_ns);
    let (enq_cpu, _, _) = median(&|r| r.enqueue_cpu_ns);
    let (eps, eps_min, eps_max) = median(&|r| events as f64 / r.total_s);
    let (cpu, _, _) = median(&|r| r.cpu_s);
    println!(
        "median of {runs} (gzip {}, spool {}): enqueue {enq:.0} ns/call [{enq_min:.0}-{enq_max:.0}] ({enq_cpu:.0} ns CPU), {eps:.0} events/s [{eps_min:.0}-{eps_max:.0}], client CPU {cpu:.2} s, peak RSS {} MB",
        if gzip { "on" } else { "off" },
        arg("--spool", "off"),
        peak_rss_kb() / 1024
    );
}

fn one_run(
    url: &str,
    events: u64,
    gzip: bool,
    spool: Option<outbox_engine::options::SpoolSync>,
    receiver_pid: u32,
) -> Run {
    let spool_dir = std::env::temp_dir().join(format!("outbox-bench-spool-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool_dir);
    let client = Client::new(Options {
        gzip,
        spool_dir: spool.map(|_| spool_dir.clone()),
        spool_sync: spool.unwrap_or_default(),
        delivery: outbox_engine::DeliveryOptions {
            max_queue_size: events as usize,
            max_queue_bytes: 1 << 30,
            ..outbox_engine::DeliveryOptions::for_client()
        },
        ..Options::new(url)
    })
    .unwrap();
    let props =
        json!({"plan": "pro", "seats": 12, "amount": 129.99, "currency": "EUR", "source": "checkout", "items": 3});
    let props = Json::from(props);
    let cpu_before = cpu_seconds();
    let receiver_before = process_cpu_seconds(receiver_pid);
    let started = Instant::now();
    let thread_cpu_before = thread_cpu_seconds();
    for _ in 0..events {
        let mut e = Event::track("user-1234567", "Order Completed");
        e.properties = Some(props.clone());
        client.capture(e).unwrap();
    }
    let enqueued = started.elapsed();
    let enqueue_cpu = thread_cpu_seconds() - thread_cpu_before;
    let result = client.flush(Duration::from_secs(600));
    let total = started.elapsed();
    assert_eq!(result.pending, 0, "flush did not complete");
    drop(client);
    let _ = std::fs::remove_dir_all(&spool_dir);
    let stats = control_get(url, "/_control/stats");
    let field = |k: &str| stats[k].as_u64().unwrap_or(0);
    Run {
        enqueue_ns: enqueued.as_nanos() as f64 / events as f64,
        enqueue_cpu_ns: enqueue_cpu * 1e9 / events as f64,
        total_s: total.as_secs_f64(),
        cpu_s: cpu_seconds() - cpu_before,
        receiver_cpu_s: process_cpu_seconds(receiver_pid) - receiver_before,
        delivered: field("unique_events"),
        duplicates: field("duplicate_events"),
    }
}

fn start_receiver(bin: &str) -> (Child, String) {
    let mut child = Command::new(bin).arg("--no-record").stdout(Stdio::piped()).spawn().unwrap_or_else(|e| {
        panic!("cannot start the receiver {bin}: {e} (build it: cargo build --release -p outbox-test-receiver)")
    });
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("LISTENING ").expect("receiver banner").to_owned();
    (child, url)
}

fn control_get(url: &str, path: &str) -> serde_json::Value {
    let addr = url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("{}");
    serde_json::from_str(body).unwrap_or_default()
}

fn cpu_seconds() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn peak_rss_kb() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage.ru_maxrss
}

fn thread_cpu_seconds() -> f64 {
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// utime + stime of another process, from /proc.
fn process_cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks(11) + ticks(12)) / hz
}
