//! The HTTP transport against hostile or mistaken input: what it cannot
//! send is refused up front (H1), response bodies are capped (S3), and no
//! secret reaches an error, a report or `Debug` output (S5). Findings of
//! the reliability review, issue 12.

mod common;

use outbox_engine::options::DeliveryOptions;
use std::time::{Duration, Instant};

use common::*;
use outbox_engine::options::MAX_DURATION;
use outbox_engine::sign::{Scheme, Signer};
use outbox_engine::transport::{HttpSettings, HttpTransport};
use outbox_engine::webhook::{Endpoint, WebhookOptions, WebhookSender};
use outbox_engine::{Client, DropReason, Error, HttpRequest, OnFull, Options, Transport, TransportError};
use serde_json::json;

fn invalid_option(result: Result<impl Sized, Error>) -> String {
    match result {
        Err(Error::InvalidOption(m)) => m.to_string(),
        Err(other) => panic!("expected InvalidOption, got {other}"),
        Ok(_) => panic!("expected InvalidOption, got Ok"),
    }
}

fn http_transport() -> HttpTransport {
    HttpTransport::new(&HttpSettings { connect_timeout: SECS(5), proxy: None }).expect("transport")
}

fn send(
    transport: &HttpTransport,
    url: &str,
    headers: &[(&str, &str)],
) -> Result<outbox_engine::HttpResponse, TransportError> {
    let request = HttpRequest {
        url: url.into(),
        headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        body: b"{}".to_vec(),
        timeout: SECS(5),
    };
    outbox_engine::runtime::handle().block_on(transport.send(request))
}

// ---- H1: what the HTTP client refuses is refused when the client is created

#[test]
fn a_client_with_a_header_the_http_client_refuses_is_not_created() {
    let receiver = Receiver::start();
    let message = invalid_option(Client::new(Options {
        headers: vec![("X-Trace(id)".into(), "1".into())],
        ..options(&receiver)
    }));
    assert!(message.contains("header name \"X-Trace(id)\""), "{message}");
    let message = invalid_option(Client::new(Options {
        headers: vec![("X-Color".into(), "\x1b[31mred".into())],
        ..options(&receiver)
    }));
    assert!(message.contains("header \"X-Color\""), "{message}");
}

#[test]
fn a_client_with_an_endpoint_or_proxy_the_http_client_refuses_is_not_created() {
    for (endpoint, needle) in [("http://exa mple.com", "endpoint"), ("https://collector:99999", "invalid port number")]
    {
        let message = invalid_option(Client::new(Options::new(endpoint)));
        assert!(message.contains(needle), "{message}");
    }
    let receiver = Receiver::start();
    let message = invalid_option(Client::new(Options {
        delivery: DeliveryOptions { proxy: Some("socks5://proxy:1080".into()), ..options(&receiver).delivery },
        ..options(&receiver)
    }));
    assert!(message.starts_with("proxy "), "{message}");
}

#[test]
fn a_webhook_sender_with_a_bad_header_url_or_proxy_is_not_created() {
    let receiver = Receiver::start();
    let good = || Endpoint::new(receiver.url());
    let with_header = |name: &str, value: &str| Endpoint { headers: vec![(name.into(), value.into())], ..good() };
    let cases: Vec<(WebhookOptions, &str)> = vec![
        (webhook_options(vec![good(), with_header("X-A[1]", "v")]), "endpoint 1 "),
        (webhook_options(vec![with_header("X-Ok", "a\x7fb")]), "header \"X-Ok\""),
        (webhook_options(vec![Endpoint::new("https://hooks.example.com:70000/x")]), "invalid port number"),
        (webhook_options(vec![Endpoint::new("http://ho st/x")]), "not a valid URL"),
        (
            WebhookOptions {
                delivery: DeliveryOptions {
                    proxy: Some("ftp://proxy".into()),
                    ..(webhook_options(vec![good()])).delivery
                },
                ..webhook_options(vec![good()])
            },
            "proxy",
        ),
    ];
    for (opts, needle) in cases {
        let message = invalid_option(WebhookSender::new(opts));
        assert!(message.contains(needle), "{message:?} should mention {needle:?}");
    }
}

/// A request that still cannot be built at send time (a transport used
/// directly, or one built by a custom path) is a permanent failure, never a
/// transient one to retry forever.
#[test]
fn a_request_that_cannot_be_built_is_a_permanent_error() {
    let receiver = Receiver::start();
    let transport = http_transport();
    let url = format!("{}/x", receiver.url());
    for (url, headers) in [
        (url.as_str(), vec![("X-Trace(id)", "1")]),
        (url.as_str(), vec![("X-Ctl", "a\x01b")]),
        ("http://exa mple.com/x", vec![]),
        ("ftp://example.com/x", vec![]),
    ] {
        let error = send(&transport, url, &headers).expect_err("cannot be sent");
        assert!(error.is_permanent(), "{error:?}");
        assert!(error.to_string().starts_with("invalid request: "), "{error}");
    }
    assert_eq!(receiver.stats().requests, 0, "nothing invalid reached the wire");
    let ok = send(&transport, &url, &[("X-Ok", "v")]).expect("a valid request is sent");
    assert_eq!(ok.status, 200);
}

// ---- S3: response bodies are capped

fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    let kib: u64 = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("VmRSS in kB");
    kib * 1024
}

/// A webhook endpoint that answers 200 and then streams a body without end
/// (4 MB/s per connection here) neither grows the sender's memory nor holds the request
/// until its timeout: the sender reads 64 KiB, drops the connection and
/// counts the message delivered.
#[test]
fn an_endless_response_body_is_cut_off() {
    let receiver = Receiver::start();
    receiver.push_fault(Fault::kind(FaultKind::EndlessBody { ms: 4 }).forever());
    let endpoint = Endpoint { timeout: SECS(60), ..Endpoint::new(format!("{}/hooks", receiver.url())) };
    let sender = WebhookSender::new(webhook_options(vec![endpoint])).unwrap();
    let before = resident_bytes();
    let started = Instant::now();
    for i in 0..3 {
        sender.send("endless", json!({"i": i})).unwrap();
    }
    let result = sender.flush(SECS(20));
    let grown = resident_bytes().saturating_sub(before);
    assert_eq!((result.delivered, result.pending), (3, 0), "{result:?}, after {:?}", started.elapsed());
    assert!(grown < 32 << 20, "memory grew by {grown} bytes while draining endless bodies");
    assert_eq!(receiver.stats().requests, 3, "each message was sent once");
}

// ---- S5: no secret in errors, reports or Debug output

#[test]
fn a_failed_request_reports_no_credentials_or_query() {
    let port = dead_port();
    let reports = Reports::default();
    let mut opts = Options {
        path: "/x?token=abc".into(),
        delivery: DeliveryOptions { max_retries: Some(0), ..DeliveryOptions::for_client() },
        ..Options::new(format!("http://user:pass@127.0.0.1:{port}"))
    };
    reports.install(&mut opts);
    let client = client(opts);
    client.track("u", "e", None).unwrap();
    client.flush(SECS(10));
    let all = reports.all();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].reason, DropReason::RetriesExhausted);
    let text = format!("{} {:?}", all[0], all[0]);
    assert!(!text.contains("pass") && !text.contains("abc"), "{text}");

    let error = send(&http_transport(), &format!("http://user:pass@127.0.0.1:{port}/x?token=abc"), &[]).unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(!text.contains("pass") && !text.contains("abc"), "{text}");
}

#[test]
fn debug_of_webhook_endpoints_options_and_signers_prints_no_secret() {
    let endpoint = Endpoint {
        headers: vec![("Authorization".into(), "Bearer SECRET1".into())],
        ..Endpoint::new("https://user:SECRET2@hooks.example.com/in?token=SECRET3").secret("whsec_U0VDUkVUNA==")
    };
    let opts = WebhookOptions {
        delivery: DeliveryOptions {
            proxy: Some("http://u:SECRET5@proxy:3128".into()),
            ..(webhook_options(vec![endpoint.clone()])).delivery
        },
        ..webhook_options(vec![endpoint.clone()])
    };
    let signer = Signer::new(Scheme::hmac_sha256(), &["SECRET6"]).unwrap();
    let text = format!("{endpoint:?} {opts:?} {signer:?} {opts:#?}");
    assert!(!text.contains("SECRET") && !text.contains("U0VDUkVUNA"), "{text}");
    assert!(text.contains("hooks.example.com") && text.contains("Authorization"), "{text}");
}

// ---- C4: durations are bounded for webhook senders too

#[test]
fn webhook_durations_are_bounded() {
    let over = MAX_DURATION + Duration::from_secs(1);
    let endpoint = || Endpoint::new("http://127.0.0.1:9/x");
    type Set = fn(&mut WebhookOptions, Duration);
    let fields: [(&str, Set); 5] = [
        ("retry_initial_backoff", |o, d| o.delivery.retry_initial_backoff = d),
        ("retry_max_backoff", |o, d| o.delivery.retry_max_backoff = d),
        ("connect_timeout", |o, d| o.delivery.connect_timeout = d),
        ("shutdown_timeout", |o, d| o.delivery.shutdown_timeout = d),
        ("timeout", |o, d| o.endpoints[0].timeout = d),
    ];
    for (name, set) in fields {
        for too_long in [over, Duration::MAX] {
            let mut opts = webhook_options(vec![endpoint()]);
            set(&mut opts, too_long);
            let message = invalid_option(WebhookSender::new(opts));
            assert!(message.contains(&format!("{name} must be at most one day")), "{message}");
        }
    }
    let message = invalid_option(WebhookSender::new(WebhookOptions {
        delivery: DeliveryOptions { connect_timeout: Duration::ZERO, ..(webhook_options(vec![endpoint()])).delivery },
        ..webhook_options(vec![endpoint()])
    }));
    assert!(message.contains("connect_timeout must be greater than zero"), "{message}");
    let block = |d| WebhookOptions {
        delivery: DeliveryOptions {
            on_full: OnFull::Block(d),
            test_mode: true,
            ..(webhook_options(vec![endpoint()])).delivery
        },
        ..webhook_options(vec![endpoint()])
    };
    assert!(WebhookSender::new(block(Duration::MAX)).is_ok(), "Duration::MAX blocks without limit");
    assert!(invalid_option(WebhookSender::new(block(over))).contains("block_timeout"));
}

/// `Duration::MAX` used to be accepted and then panicked inside the
/// background dispatcher (`Instant + Duration`), which stalled the client
/// for good with no error anywhere.
#[test]
fn a_client_refuses_duration_max_instead_of_stalling() {
    let receiver = Receiver::start();
    let message = invalid_option(Client::new(Options { flush_interval: Duration::MAX, ..options(&receiver) }));
    assert!(message.contains("flush_interval must be at most one day"), "{message}");
    let message = invalid_option(Client::new(Options {
        delivery: DeliveryOptions {
            retry_initial_backoff: Duration::MAX,
            retry_max_backoff: Duration::MAX,
            ..options(&receiver).delivery
        },
        ..options(&receiver)
    }));
    assert!(message.contains("retry_initial_backoff"), "{message}");
}

/// A transport whose every request fails to build (what reqwest reports as
/// a builder error).
struct Unbuildable;

impl outbox_engine::Transport for Unbuildable {
    fn send(&self, _: outbox_engine::HttpRequest) -> outbox_engine::transport::SendFuture {
        Box::pin(async { Err(outbox_engine::TransportError::Invalid("header value has a line break".into())) })
    }
}

#[test]
fn a_request_that_cannot_be_built_is_rejected_and_reported_never_retried() {
    let reports = Reports::default();
    let mut opts = Options::new("http://127.0.0.1:9");
    opts.delivery.transport = Some(std::sync::Arc::new(Unbuildable));
    opts.flush_interval = Duration::from_millis(20);
    reports.install(&mut opts);
    let client = outbox_engine::Client::new(opts).unwrap();
    client.track("u", "e", None).unwrap();
    let result = client.flush(SECS(10));
    assert_eq!((result.failed, result.pending), (1, 0), "{result:?}");
    assert_eq!(client.stats().requests, 1, "never retried");
    let all = reports.all();
    assert_eq!(all[0].reason, outbox_engine::DropReason::Rejected);
    assert!(all[0].message.contains("invalid request"), "{}", all[0].message);
}
