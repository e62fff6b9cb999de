//! How many events per second the test receiver (a separate process) takes
//! in, so the cross-language comparison can show it is not the bottleneck.
//!
//! usage: receiver_capacity --url URL --pid PID [--events N] [--gzip on|off]
//!
//! Sends N events (about 330 bytes each, in batches of 1,000 built before
//! the clock starts) over 2 keep-alive connections and prints one JSON line:
//! events/s (wall, with this sender sharing the machine) and events per
//! receiver CPU-second (from /proc/PID/stat). Resets the receiver before
//! and after.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use flate2::{write::GzEncoder, Compression};

const CONNS: usize = 2;
const PER_BATCH: usize = 1000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: &str| -> String {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_owned())
    };
    let url = arg("--url", "");
    let pid: u32 = arg("--pid", "0").parse().expect("--pid PID");
    let events: usize = arg("--events", "400000").parse().expect("--events N");
    let gzip = arg("--gzip", "off") == "on";
    let addr = url.trim_start_matches("http://").to_owned();
    assert!(!addr.is_empty() && pid > 0, "usage: receiver_capacity --url URL --pid PID [--events N] [--gzip on|off]");

    let batches = events / PER_BATCH / CONNS;
    let bodies: Vec<Vec<Vec<u8>>> = (0..CONNS).map(|c| (0..batches).map(|b| body(c, b, gzip)).collect()).collect();
    let bytes_per_event = body(0, 0, false).len() / PER_BATCH;
    post(&addr, "/_control/reset", b"");

    let barrier = std::sync::Arc::new(std::sync::Barrier::new(CONNS + 1));
    let threads: Vec<_> = bodies
        .into_iter()
        .map(|bodies| {
            let (addr, barrier) = (addr.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(&addr).expect("connect");
                s.set_nodelay(true).ok();
                let mut r = BufReader::new(s.try_clone().expect("clone"));
                barrier.wait();
                for b in &bodies {
                    let enc = if gzip { "Content-Encoding: gzip\r\n" } else { "" };
                    write!(s, "POST /v1/batch HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{enc}Content-Length: {}\r\n\r\n", b.len()).expect("write");
                    s.write_all(b).expect("write body");
                    assert_eq!(read_response(&mut r), 200);
                }
            })
        })
        .collect();
    barrier.wait();
    let cpu0 = process_cpu_seconds(pid);
    let t = Instant::now();
    for th in threads {
        th.join().expect("sender");
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds(pid) - cpu0;
    let stats = String::from_utf8_lossy(&get(&addr, "/_control/stats")).into_owned();
    let sent = batches * CONNS * PER_BATCH;
    assert!(stats.contains(&format!(r#""unique_events":{sent}"#)), "receiver did not count {sent} events: {stats}");
    post(&addr, "/_control/reset", b"");
    println!(
        r#"{{"events":{sent},"bytes_per_event":{bytes_per_event},"gzip":{gzip},"seconds":{secs:.3},"events_per_s":{:.0},"receiver_cpu_s":{cpu:.2},"events_per_receiver_cpu_s":{:.0}}}"#,
        sent as f64 / secs,
        sent as f64 / cpu.max(0.01)
    );
}

fn body(conn: usize, batch: usize, gzip: bool) -> Vec<u8> {
    let mut s = String::with_capacity(PER_BATCH * 340);
    s.push_str(r#"{"batch":["#);
    for i in 0..PER_BATCH {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            r#"{{"type":"track","event":"Order Completed","userId":"user-1234567","properties":{{"order_id":"ord-7f3a","plan":"pro","seats":12,"amount":129.99,"currency":"EUR","coupon":null,"items":[{{"sku":"sku-1","qty":2}}]}},"timestamp":"2024-05-01T12:00:00.000Z","context":{{"library":{{"name":"outbox","version":"0.1.0"}}}},"messageId":"{conn:02}-{batch:06}-{i:06}-0000-000000000000"}}"#
        ));
    }
    s.push_str(r#"],"sentAt":"2024-05-01T12:00:00.000Z"}"#);
    if !gzip {
        return s.into_bytes();
    }
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(s.as_bytes()).expect("gzip");
    enc.finish().expect("gzip")
}

/// Reads one response (status line, headers, Content-Length body); returns the status.
fn read_response(r: &mut BufReader<TcpStream>) -> u16 {
    let mut line = String::new();
    r.read_line(&mut line).expect("status line");
    let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut len = 0usize;
    loop {
        line.clear();
        r.read_line(&mut line).expect("header");
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).expect("body");
    status
}

fn request(addr: &str, method: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .expect("write");
    s.write_all(body).expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok();
    let at = out.windows(4).position(|w| w == b"\r\n\r\n").map_or(out.len(), |p| p + 4);
    out.split_off(at)
}

fn get(addr: &str, path: &str) -> Vec<u8> {
    request(addr, "GET", path, b"")
}

fn post(addr: &str, path: &str, body: &[u8]) {
    request(addr, "POST", path, body);
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
