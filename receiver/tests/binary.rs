//! The `outbox-test-receiver` binary and its `/_control/` API, driven the way
//! the Python, Node and C suites drive it.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{batch, gzip, Client};
use serde_json::{json, Value};

struct Proc {
    child: Child,
    port: u16,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(args: &[&str]) -> Proc {
    let mut child = Command::new(env!("CARGO_BIN_EXE_outbox-test-receiver"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn receiver");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read LISTENING line");
    let url = line.trim_end().strip_prefix("LISTENING ").unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let port = url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected url {url:?}"));
    Proc { child, port }
}

#[test]
fn control_api_end_to_end() {
    let p = spawn(&[]);
    let mut ctl = Client::connect(p.port);
    let mut c = Client::connect(p.port);

    let rules = json!([
        {"kind": "status", "status": 503, "retry_after": "2", "path": "/v1/batch"},
        {"kind": "commit_then_fail", "status": 500, "path": "/v1/batch"},
        {"kind": "status", "status": 429, "path": "/other", "times": null}
    ]);
    let r = ctl.post_json("/_control/faults", &rules.to_string());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["added"], 3);

    let r = c.post_json("/v1/batch", &batch(&["a", "b"]));
    assert_eq!(r.status, 503);
    assert_eq!(r.header("retry-after"), Some("2"));
    assert_eq!(c.post_json("/v1/batch", &batch(&["a", "b"])).status, 500);
    assert_eq!(c.post_json("/v1/batch", &batch(&["a", "b"])).status, 200);
    assert_eq!(c.post_json("/other", &batch(&["o"])).status, 429);
    assert_eq!(c.post_json("/other", &batch(&["o"])).status, 429);

    let stats = ctl.get("/_control/stats").json();
    assert_eq!(stats["requests"], 5);
    assert_eq!(stats["events"], 4);
    assert_eq!(stats["unique_events"], 2);
    assert_eq!(stats["duplicate_events"], 2);
    assert_eq!(stats["bad_requests"], 0);

    assert_eq!(ctl.get("/_control/ids").json(), json!(["a", "b", "a", "b"]));

    let reqs = ctl.get("/_control/requests").json();
    let reqs = reqs.as_array().expect("array");
    assert_eq!(reqs.len(), 5);
    assert_eq!(reqs[0]["fault"], "status");
    assert_eq!(reqs[0]["status"], 503);
    assert_eq!(reqs[0]["ids"], json!(["a", "b"]));
    assert_eq!(reqs[1]["fault"], "commit_then_fail");
    assert_eq!(reqs[2]["fault"], Value::Null);
    assert_eq!(reqs[2]["status"], 200);
    assert_eq!(reqs[2]["method"], "POST");
    assert_eq!(reqs[2]["path"], "/v1/batch");
    assert_eq!(reqs[2]["headers"]["content-type"], "application/json");
    assert_eq!(reqs[2]["body"], batch(&["a", "b"]));
    assert!(reqs[2]["at_ms"].is_u64());

    assert_eq!(ctl.request("POST", "/_control/clear_faults", &[], b"").status, 200);
    assert_eq!(c.post_json("/other", &batch(&["o"])).status, 200);

    assert_eq!(ctl.request("POST", "/_control/reset", &[], b"").status, 200);
    assert_eq!(ctl.get("/_control/stats").json()["requests"], 0);
    assert_eq!(ctl.get("/_control/requests").json(), json!([]));
}

#[test]
fn control_requests_body_base64_and_gzip() {
    let p = spawn(&[]);
    let mut c = Client::connect(p.port);
    let body = "{\"messageId\":\"\u{e9}t\u{e9}\"}";
    let r = c.request("POST", "/v1/track", &[("Content-Encoding", "gzip")], &gzip(body.as_bytes()));
    assert_eq!(r.status, 200);
    let reqs = c.get("/_control/requests").json();
    assert_eq!(reqs[0]["gzip"], true);
    assert_eq!(reqs[0]["body"], body);
    assert_eq!(reqs[0]["body_base64"], "eyJtZXNzYWdlSWQiOiLDqXTDqSJ9");
    assert_eq!(reqs[0]["ids"], json!(["\u{e9}t\u{e9}"]));
}

#[test]
fn control_wait() {
    let p = spawn(&[]);
    let port = p.port;
    let mut ctl = Client::connect(port);

    let t = Instant::now();
    let r = ctl.get("/_control/wait?unique=1&timeout_ms=150").json();
    assert_eq!(r["ok"], false);
    assert!(t.elapsed() >= Duration::from_millis(150));

    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        Client::connect(port).post_json("/v1/batch", &batch(&["w1", "w2", "w3"])).status
    });
    let r = ctl.get("/_control/wait?unique=3&timeout_ms=5000").json();
    assert_eq!(r["ok"], true);
    assert_eq!(r["stats"]["unique_events"], 3);
    assert_eq!(sender.join().expect("sender"), 200);
}

#[test]
fn control_errors_and_uncounted() {
    let p = spawn(&[]);
    let mut ctl = Client::connect(p.port);
    assert_eq!(ctl.get("/_control/nope").status, 404);
    assert_eq!(ctl.post_json("/_control/faults", "[{\"kind\":\"explode\"}]").status, 400);
    assert_eq!(ctl.post_json("/_control/faults", "not json").status, 400);
    assert_eq!(ctl.get("/_control/wait?unique=x").status, 400);
    // A rule list with one bad rule adds nothing.
    let r = ctl.post_json("/_control/faults", &json!([{"kind": "hang"}, {"kind": "status"}]).to_string());
    assert_eq!(r.status, 400);
    // Other kinds, a forever rule and a single-object post.
    let r = ctl.post_json(
        "/_control/faults",
        &json!({"kind": "reset_before_body", "forever": true, "path": "/r"}).to_string(),
    );
    assert_eq!(r.status, 200);
    for _ in 0..2 {
        let mut c = Client::connect(p.port);
        c.send("POST", "/r", &[], b"{}").expect("send");
        let e = c.read_response().err().expect("reset");
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset);
    }
    // Control traffic is never faulted nor counted.
    let stats = ctl.get("/_control/stats").json();
    assert_eq!(stats["requests"], 2);
    assert_eq!(stats["events"], 0);
}

#[test]
fn no_record_flag() {
    let p = spawn(&["--no-record"]);
    let mut c = Client::connect(p.port);
    assert_eq!(c.post_json("/v1/batch", &batch(&["n"])).status, 200);
    assert_eq!(c.get("/_control/requests").json(), json!([]));
    assert_eq!(c.get("/_control/ids").json(), json!(["n"]));
}

#[test]
fn exits_on_stdin_eof() {
    let mut p = spawn(&["--exit-on-stdin-eof"]);
    assert_eq!(Client::connect(p.port).post_json("/v1/batch", &batch(&["s"])).status, 200);
    drop(p.child.stdin.take()); // EOF
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = p.child.try_wait().expect("try_wait") {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(Instant::now() < deadline, "receiver did not exit on stdin EOF");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn fixed_port_and_bad_arguments() {
    let bin = env!("CARGO_BIN_EXE_outbox-test-receiver");
    let out = Command::new(bin).arg("--bogus").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(bin).args(["--port", "x"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));

    // A port that is already taken is an error, not a hang.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let out = Command::new(bin).args(["--port", &port.to_string()]).stdin(Stdio::null()).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    drop(taken);

    let p = spawn(&["--port", &port.to_string()]);
    assert_eq!(p.port, port);
}
