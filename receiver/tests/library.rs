//! The receiver driven as a library, over real sockets.

mod common;

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use common::{batch, gzip, Client};
use outbox_test_receiver::{Fault, FaultKind, Receiver, ReceiverOptions};

#[test]
fn counts_batches_and_duplicates() {
    let rx = Receiver::start();
    let mut c = Client::connect(rx.port());
    let r = c.post_json("/v1/batch", &batch(&["a", "b", "c"]));
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), r#"{"ok":true}"#);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let r = c.post_json("/v1/batch", &batch(&["c", "d"]));
    assert_eq!(r.status, 200);

    let s = rx.stats();
    assert_eq!((s.requests, s.events, s.unique_events, s.duplicate_events), (2, 5, 4, 1));
    assert_eq!(s.bad_requests, 0);
    assert_eq!(s.bytes as usize, batch(&["a", "b", "c"]).len() + batch(&["c", "d"]).len());
    assert_eq!(rx.message_ids(), ["a", "b", "c", "c", "d"]);

    let reqs = rx.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, "/v1/batch");
    assert_eq!(reqs[0].ids, ["a", "b", "c"]);
    assert_eq!(reqs[0].status, Some(200));
    assert_eq!(reqs[0].fault, None);
    assert!(!reqs[0].gzip);
    assert_eq!(reqs[0].body, batch(&["a", "b", "c"]).as_bytes());
    // Names are stored lowercase; lookup is case-insensitive.
    assert!(reqs[0].headers.iter().any(|(n, v)| n == "content-type" && v == "application/json"));
    assert_eq!(reqs[0].header("Content-Type"), Some("application/json"));
    assert!(reqs[0].at_ms <= reqs[1].at_ms);
}

#[test]
fn single_event_and_webhook_ids() {
    let rx = Receiver::start();
    let mut c = Client::connect(rx.port());
    assert_eq!(c.post_json("/v1/track", r#"{"type":"track","messageId":"m1"}"#).status, 200);
    let r = c.request("POST", "/hooks", &[("webhook-id", "msg_1")], br#"{"type":"user.created"}"#);
    assert_eq!(r.status, 200);
    assert_eq!(c.request("POST", "/hooks", &[("Webhook-Id", "msg_1")], b"{}").status, 200);
    assert_eq!(c.request("POST", "/other", &[], br#"{"x":1}"#).status, 200);
    assert_eq!(rx.message_ids(), ["m1", "msg_1", "msg_1", ""]);
    let s = rx.stats();
    assert_eq!((s.events, s.unique_events, s.duplicate_events), (4, 3, 1));
}

#[test]
fn posthog_batches_are_counted_by_uuid() {
    // PostHog's SDKs POST `{"api_key", "batch": [...], "sent_at"}` to /batch/
    // and identify each event by `uuid` (no `messageId`).
    let rx = Receiver::start_with(ReceiverOptions { record_bodies: false, port: 0 }).expect("start");
    let mut c = Client::connect(rx.port());
    let body = |ids: &[&str]| {
        let events: Vec<String> = ids
            .iter()
            .map(|id| format!(r#"{{"event":"e","distinct_id":"u","uuid":"{id}","properties":{{}}}}"#))
            .collect();
        format!(r#"{{"api_key":"k","batch":[{}],"sent_at":"now"}}"#, events.join(","))
    };
    assert_eq!(c.post_json("/batch/", &body(&["p1", "p2"])).status, 200);
    assert_eq!(c.post_json("/batch/", &body(&["p2", "p3"])).status, 200);
    // A `messageId` still wins over a `uuid`.
    assert_eq!(c.post_json("/v1/batch", r#"{"batch":[{"messageId":"m1","uuid":"p9"}]}"#).status, 200);
    let s = rx.stats();
    assert_eq!((s.requests, s.events, s.unique_events, s.duplicate_events), (3, 5, 4, 1));
    assert_eq!(rx.message_ids(), ["p1", "p2", "p2", "p3", "m1"]);
}

#[test]
fn invalid_json_is_a_bad_request_and_the_connection_survives() {
    let rx = Receiver::start();
    let mut c = Client::connect(rx.port());
    let r = c.post_json("/v1/batch", "{not json");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid json");
    assert_eq!(c.post_json("/v1/batch", &batch(&["ok"])).status, 200);
    let s = rx.stats();
    assert_eq!((s.requests, s.bad_requests, s.events), (2, 1, 1));
    assert_eq!(rx.requests()[0].status, Some(400));
}

#[test]
fn gzip_bodies_are_decoded() {
    let rx = Receiver::start();
    let mut c = Client::connect(rx.port());
    let plain = batch(&["g1", "g2"]);
    let r = c.request(
        "POST",
        "/v1/batch",
        &[("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
        &gzip(plain.as_bytes()),
    );
    assert_eq!(r.status, 200);
    assert_eq!(rx.message_ids(), ["g1", "g2"]);
    let req = &rx.requests()[0];
    assert!(req.gzip);
    assert_eq!(req.body, plain.as_bytes());
    assert_eq!(rx.stats().bytes as usize, plain.len());

    let r = c.request("POST", "/v1/batch", &[("Content-Encoding", "gzip")], b"not gzip at all");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid gzip");
    assert_eq!(rx.stats().bad_requests, 1);
}

#[test]
fn chunked_bodies() {
    let rx = Receiver::start();
    let mut c = Client::connect(rx.port());
    let body = batch(&["c1", "c2", "c3"]);
    let (a, b) = body.split_at(10);
    let req = format!(
        "POST /v1/batch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:X};ext=1\r\n{b}\r\n0\r\nX-Trailer: t\r\n\r\n",
        a.len(),
        b.len()
    );
    c.write_raw(req.as_bytes()).expect("write");
    assert_eq!(c.read_response().expect("response").status, 200);
    assert_eq!(rx.message_ids(), ["c1", "c2", "c3"]);
    assert_eq!(rx.requests()[0].body, body.as_bytes());
    // The connection is still in sync afterwards.
    assert_eq!(c.post_json("/v1/batch", &batch(&["c4"])).status, 200);
    assert_eq!(rx.stats().unique_events, 4);
}

#[test]
fn keep_alive_pipelining_and_connection_close() {
    let rx = Receiver::start();
    let mut c = Client::connect(rx.port());
    // Two requests written back to back on one connection.
    let mut both = common::request("POST", "/v1/batch", &[], batch(&["k1"]).as_bytes());
    both.extend(common::request("POST", "/v1/batch", &[], batch(&["k2"]).as_bytes()));
    c.write_raw(&both).expect("write");
    assert_eq!(c.read_response().expect("first").status, 200);
    assert_eq!(c.read_response().expect("second").status, 200);
    // A third, then one that asks to close.
    assert_eq!(c.post_json("/v1/batch", &batch(&["k3"])).status, 200);
    let r = c.request("POST", "/v1/batch", &[("Connection", "close")], batch(&["k4"]).as_bytes());
    assert_eq!(r.status, 200);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.is_closed());
    assert_eq!(rx.message_ids(), ["k1", "k2", "k3", "k4"]);
}

#[test]
fn expect_100_continue() {
    let rx = Receiver::start();
    let mut c = Client::connect(rx.port());
    let body = batch(&["e1"]);
    let head =
        format!("POST /v1/batch HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n", body.len());
    c.write_raw(head.as_bytes()).expect("write head");
    assert_eq!(c.read_one().expect("interim").status, 100);
    c.write_raw(body.as_bytes()).expect("write body");
    assert_eq!(c.read_response().expect("final").status, 200);
    assert_eq!(rx.message_ids(), ["e1"]);
}

#[test]
fn status_fault_with_retry_after_stores_nothing() {
    let rx = Receiver::start();
    rx.push_fault(Fault::status(429).retry_after("3"));
    let mut c = Client::connect(rx.port());
    let r = c.post_json("/v1/batch", &batch(&["s1"]));
    assert_eq!(r.status, 429);
    assert_eq!(r.header("Retry-After"), Some("3"));
    assert_eq!(rx.stats().events, 0);
    // Used up: the retry succeeds.
    let r = c.post_json("/v1/batch", &batch(&["s1"]));
    assert_eq!(r.status, 200);
    assert_eq!(rx.message_ids(), ["s1"]);

    let reqs = rx.requests();
    assert_eq!(reqs[0].fault.as_deref(), Some("status"));
    assert_eq!(reqs[0].status, Some(429));
    assert_eq!(reqs[0].ids, ["s1"], "ids of unstored requests are still recorded");
    assert_eq!(reqs[1].fault, None);
    assert_eq!(rx.stats().requests, 2);
}

#[test]
fn status_fault_with_body_and_location() {
    let rx = Receiver::start();
    rx.push_fault(Fault::status(307).location("http://127.0.0.1:1/elsewhere").body("moved"));
    let mut c = Client::connect(rx.port());
    let r = c.post_json("/v1/batch", &batch(&["l1"]));
    assert_eq!(r.status, 307);
    assert_eq!(r.header("location"), Some("http://127.0.0.1:1/elsewhere"));
    assert_eq!(r.text(), "moved");
}

fn assert_reset(c: &mut Client) {
    match c.read_response() {
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "expected RST, got {e:?}"),
        Ok(r) => panic!("expected a reset, got status {}", r.status),
    }
}

#[test]
fn reset_before_body() {
    let rx = Receiver::start();
    rx.push_fault(Fault::kind(FaultKind::ResetBeforeBody));
    let mut c = Client::connect(rx.port());
    // Head only: the receiver must reset without waiting for the body.
    c.write_raw(b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n").expect("write");
    assert_reset(&mut c);
    assert_eq!(rx.stats().events, 0);
    let req = &rx.requests()[0];
    assert_eq!(req.fault.as_deref(), Some("reset_before_body"));
    assert_eq!(req.status, None);
    assert!(req.body.is_empty());
    // The server itself is fine.
    assert_eq!(Client::connect(rx.port()).post_json("/v1/batch", &batch(&["r"])).status, 200);
}

#[test]
fn reset_after_body_stores_nothing() {
    let rx = Receiver::start();
    rx.push_fault(Fault::kind(FaultKind::ResetAfterBody));
    let mut c = Client::connect(rx.port());
    c.send("POST", "/v1/batch", &[], batch(&["ra"]).as_bytes()).expect("send");
    assert_reset(&mut c);
    assert_eq!(rx.stats().events, 0);
    let req = &rx.requests()[0];
    assert_eq!(req.fault.as_deref(), Some("reset_after_body"));
    assert_eq!(req.ids, ["ra"]);
    assert_eq!(req.status, None);
}

#[test]
fn hang_is_a_read_timeout() {
    let rx = Receiver::start();
    rx.push_fault(Fault::kind(FaultKind::Hang));
    let mut c = Client::connect(rx.port());
    c.set_read_timeout(Duration::from_millis(300));
    c.send("POST", "/v1/batch", &[], batch(&["h1"]).as_bytes()).expect("send");
    let err = c.read_response().err().expect("no answer while hanging");
    assert!(matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut), "expected a timeout, got {err:?}");
    assert_eq!(rx.stats().events, 0);
    assert_eq!(rx.requests()[0].fault.as_deref(), Some("hang"));
    assert_eq!(rx.requests()[0].status, None);
    // Other connections are served meanwhile.
    assert_eq!(Client::connect(rx.port()).post_json("/v1/batch", &batch(&["h1"])).status, 200);
}

#[test]
fn delay_then_success() {
    let rx = Receiver::start();
    rx.push_fault(Fault::kind(FaultKind::Delay { ms: 200 }));
    let mut c = Client::connect(rx.port());
    let t = Instant::now();
    let r = c.post_json("/v1/batch", &batch(&["d1"]));
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(200));
    assert_eq!(rx.message_ids(), ["d1"]);
    assert_eq!(rx.requests()[0].fault.as_deref(), Some("delay"));
}

#[test]
fn commit_then_fail_stores_ids() {
    let rx = Receiver::start();
    rx.push_fault(Fault::kind(FaultKind::CommitThenFail { status: 500 }));
    let mut c = Client::connect(rx.port());
    assert_eq!(c.post_json("/v1/batch", &batch(&["x1", "x2"])).status, 500);
    assert_eq!(rx.message_ids(), ["x1", "x2"]);
    // The client retries the same batch: duplicates are visible.
    assert_eq!(c.post_json("/v1/batch", &batch(&["x1", "x2"])).status, 200);
    let s = rx.stats();
    assert_eq!((s.events, s.unique_events, s.duplicate_events), (4, 2, 2));
    assert_eq!(rx.requests()[0].status, Some(500));
    assert_eq!(rx.requests()[0].fault.as_deref(), Some("commit_then_fail"));
}

#[test]
fn commit_then_reset_stores_ids() {
    let rx = Receiver::start();
    rx.push_fault(Fault::kind(FaultKind::CommitThenReset));
    let mut c = Client::connect(rx.port());
    c.send("POST", "/v1/batch", &[], batch(&["y1"]).as_bytes()).expect("send");
    assert_reset(&mut c);
    assert_eq!(rx.message_ids(), ["y1"]);
    assert_eq!(rx.requests()[0].status, None);
}

#[test]
fn path_scoped_counted_and_forever_rules() {
    let rx = Receiver::start();
    rx.push_fault(Fault::status(503).on_path("/a").times(2));
    rx.push_fault(Fault::status(502).on_path("/b").forever());
    let mut c = Client::connect(rx.port());
    let mut post = |path: &str| c.post_json(path, &batch(&["p"])).status;
    assert_eq!(post("/c"), 200);
    assert_eq!(post("/a"), 503);
    assert_eq!(post("/b"), 502);
    assert_eq!(post("/a"), 503);
    assert_eq!(post("/a"), 200);
    for _ in 0..5 {
        assert_eq!(post("/b"), 502);
    }
    rx.clear_faults();
    assert_eq!(post("/b"), 200);
    // The query string does not take part in path matching.
    rx.push_fault(Fault::status(418).on_path("/q"));
    assert_eq!(post("/q?x=1"), 418);
    assert_eq!(rx.requests().last().map(|r| r.path.clone()).as_deref(), Some("/q?x=1"));
}

#[test]
fn rules_apply_first_in_first_out() {
    let rx = Receiver::start();
    rx.push_fault(Fault::status(500));
    rx.push_fault(Fault::status(503));
    let mut c = Client::connect(rx.port());
    assert_eq!(c.post_json("/v1/batch", &batch(&["f"])).status, 500);
    assert_eq!(c.post_json("/v1/batch", &batch(&["f"])).status, 503);
    assert_eq!(c.post_json("/v1/batch", &batch(&["f"])).status, 200);
}

#[test]
fn wait_for_unique_wakes_up_and_times_out() {
    let rx = Receiver::start();
    let port = rx.port();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        Client::connect(port).post_json("/v1/batch", &batch(&["w1", "w2"])).status
    });
    assert!(rx.wait_for_unique(2, Duration::from_secs(5)));
    assert_eq!(sender.join().expect("sender"), 200);
    let t = Instant::now();
    assert!(!rx.wait_for_unique(3, Duration::from_millis(150)));
    assert!(t.elapsed() >= Duration::from_millis(150));
}

#[test]
fn reset_forgets_everything() {
    let rx = Receiver::start();
    let mut c = Client::connect(rx.port());
    c.post_json("/v1/batch", &batch(&["z"]));
    rx.push_fault(Fault::status(500).forever());
    rx.reset();
    assert_eq!(rx.stats().requests, 0);
    assert!(rx.requests().is_empty());
    assert!(rx.message_ids().is_empty());
    assert_eq!(c.post_json("/v1/batch", &batch(&["z"])).status, 200);
    assert_eq!(rx.stats().unique_events, 1);
}

#[test]
fn no_record_mode_keeps_counters_and_ids_only() {
    let rx = Receiver::start_with(ReceiverOptions { record_bodies: false, port: 0 }).expect("start");
    let mut c = Client::connect(rx.port());
    c.post_json("/v1/batch", &batch(&["n1", "n2"]));
    c.post_json("/v1/batch", &batch(&["n2"]));
    assert!(rx.requests().is_empty());
    assert_eq!(rx.message_ids(), ["n1", "n2", "n2"]);
    let s = rx.stats();
    assert_eq!((s.requests, s.events, s.unique_events), (2, 3, 2));
}

#[test]
fn malformed_requests_end_only_their_connection() {
    let rx = Receiver::start();
    let mut bad = Client::connect(rx.port());
    bad.write_raw(b"this is not http\r\n\r\n").expect("write");
    assert_eq!(bad.read_response().expect("answer").status, 400);
    assert!(bad.is_closed());

    // A client that vanishes mid-body.
    let mut gone = Client::connect(rx.port());
    gone.write_raw(b"POST /v1/batch HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{\"batch\":").expect("write");
    drop(gone);

    let mut c = Client::connect(rx.port());
    assert_eq!(c.post_json("/v1/batch", &batch(&["fine"])).status, 200);
    assert_eq!(rx.stats().unique_events, 1);
}

#[test]
fn concurrent_keep_alive_connections() {
    let rx = Receiver::start();
    let port = rx.port();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                let mut c = Client::connect(port);
                for b in 0..20 {
                    let ids: Vec<String> = (0..250).map(|i| format!("t{t}-b{b}-{i}")).collect();
                    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                    assert_eq!(c.post_json("/v1/batch", &batch(&refs)).status, 200);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("client thread");
    }
    let s = rx.stats();
    assert_eq!((s.requests, s.events, s.unique_events), (80, 20_000, 20_000));
}

#[test]
fn drop_stops_the_server() {
    let rx = Receiver::start();
    let port = rx.port();
    let mut idle = Client::connect(port);
    assert_eq!(idle.post_json("/v1/batch", &batch(&["q"])).status, 200);
    drop(rx);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    // Open connections are closed too.
    idle.set_read_timeout(Duration::from_secs(2));
    let mut b = [0u8; 1];
    let n = std::io::Read::read(&mut idle.stream(), &mut b);
    assert!(matches!(n, Ok(0)) || matches!(&n, Err(e) if e.kind() == ErrorKind::ConnectionReset));
}

#[test]
fn works_inside_another_tokio_runtime() {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    rt.block_on(async {
        let rx = Receiver::start();
        let port = rx.port();
        let status = std::thread::spawn(move || Client::connect(port).post_json("/v1/batch", &batch(&["rt"])).status)
            .join()
            .expect("client");
        assert_eq!(status, 200);
        drop(rx); // must not panic inside an async context
    });
}
