//! Runs the real `outbox` binary as a child process.

#![allow(dead_code)] // each test binary uses a different subset

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const OTHER_SECRET: &str = "whsec_bm90IHRoZSBzZWNyZXQgeW91IGFyZSBsb29raW5nIGZvcg==";

/// Every variable the command reads, removed so the caller's shell cannot
/// change what a test sees.
const ENV: &[&str] = &[
    "OUTBOX_ENDPOINT",
    "OUTBOX_PATH",
    "OUTBOX_API_KEY",
    "OUTBOX_AUTH_SCHEME",
    "OUTBOX_SIGNING_SECRET",
    "OUTBOX_SIGNATURE_SCHEME",
    "OUTBOX_SIGNATURE_HEADER",
    "OUTBOX_NO_GZIP",
    "OUTBOX_TIMEOUT",
    "OUTBOX_REQUEST_TIMEOUT",
    "OUTBOX_MAX_RETRIES",
    "OUTBOX_PROXY",
    "OUTBOX_WEBHOOK_URL",
    "OUTBOX_IDENTITY_SECRET",
    "OUTBOX_LISTEN_PORT",
    "NO_COLOR",
];

pub fn outbox() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_outbox"));
    for v in ENV {
        c.env_remove(v);
    }
    c
}

/// Runs `outbox ARGS` with `stdin` as its input and waits for it.
pub fn run_with(args: &[&str], envs: &[(&str, &str)], stdin: &[u8]) -> Output {
    let mut cmd = outbox();
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn outbox");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    // Write from a thread: a large input must not deadlock against output.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait for outbox");
    let _ = writer.join();
    out
}

pub fn run(args: &[&str]) -> Output {
    run_with(args, &[], b"")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the exit status, showing the output when it differs.
#[track_caller]
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "exit status\n--- stdout\n{}\n--- stderr\n{}", stdout(o), stderr(o));
}

/// A running `outbox listen`; its stdout lines are collected as they come.
pub struct Listen {
    child: Child,
    pub url: String,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Listen {
    /// Starts `outbox listen --port 0 ARGS` and waits for its banner.
    pub fn start(args: &[&str]) -> Listen {
        let mut cmd = outbox();
        cmd.arg("listen").arg("--port").arg("0").args(args);
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn outbox listen");
        let stdout: ChildStdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        reader.read_line(&mut first).expect("banner");
        let url = first
            .split(|c: char| c == '"' || c.is_whitespace())
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in the banner {first:?}"))
            .to_owned();
        let mut banner = vec![first.trim_end().to_owned()];
        if !first.starts_with('{') {
            // The text banner ends with a blank line.
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).expect("banner") == 0 || line.trim().is_empty() {
                    break;
                }
                banner.push(line.trim_end().to_owned());
            }
        }
        let lines = Arc::new(Mutex::new(banner));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in reader.lines() {
                match line {
                    Ok(l) => sink.lock().expect("lock").push(l),
                    Err(_) => break,
                }
            }
        });
        Listen { child, url, lines, reader: Some(reader) }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("lock").clone()
    }

    /// Waits until some line satisfies `pred` (up to 20 s) and returns it.
    #[track_caller]
    pub fn wait_line(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(l) = self.lines().into_iter().find(|l| pred(l)) {
                return l;
            }
            if Instant::now() > deadline {
                panic!("outbox listen never printed {what}; it printed:\n{}", self.lines().join("\n"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the process to exit by itself (`--exit-after`).
    pub fn wait_exit(mut self) -> (Option<i32>, Vec<String>) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("outbox listen did not exit; it printed:\n{}", self.lines().join("\n"));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        (status.code(), self.lines())
    }
}

impl Drop for Listen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Posts `body` with `headers` to `url` over a plain socket (no engine):
/// how a test forges or tampers with a request. Returns the status.
pub fn post(url: &str, headers: &[(String, String)], body: &[u8]) -> u16 {
    use std::io::Read;
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let mut req =
        format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("write head");
    s.write_all(body).expect("write body");
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    resp.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// Parses `name: value` lines, as `outbox sign` prints them.
pub fn header_lines(text: &str) -> Vec<(String, String)> {
    text.lines().filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())).collect()
}
