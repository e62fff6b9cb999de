//! The request a batch becomes: body, idempotency key, signature and
//! compression.

use std::time::{Duration, SystemTime};

use crate::body;
use crate::ids;
use crate::queue::Item;
use crate::sign::Signer;
use crate::time;
use crate::transport::HttpRequest;

/// How a batch of items becomes a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyShape {
    /// `{"batch": [...], "sentAt": ...}` (the ingest API).
    Envelope,
    /// The single item's JSON as it is (webhooks: one message per request).
    Single,
}

/// Where and how requests are sent.
pub struct Target {
    pub url: String,
    /// Sent with every request (content type, authorization, user headers).
    pub headers: Vec<(String, String)>,
    pub signer: Option<Signer>,
    pub gzip: bool,
    pub request_timeout: Duration,
    pub shape: BodyShape,
    /// 410 disables this pipeline (webhook endpoints).
    pub gone_disables: bool,
}

/// One attempt's request for `items`. Built per attempt: a retry carries
/// the same idempotency key and a fresh signature timestamp.
pub(super) fn build_request(target: &Target, items: &[Item]) -> HttpRequest {
    let (payload, id) = match target.shape {
        BodyShape::Envelope => (
            body::envelope(items, &time::rfc3339_millis(SystemTime::now())),
            ids::idempotency_key(items.iter().map(|i| i.payload.id_bytes())),
        ),
        BodyShape::Single => (
            items.first().map(|i| i.json().to_vec()).unwrap_or_default(),
            items.first().map(|i| i.id().to_owned()).unwrap_or_default(),
        ),
    };
    let mut headers = target.headers.clone();
    headers.push(("Idempotency-Key".into(), id.clone()));
    if let Some(signer) = &target.signer {
        // Signed per attempt: a fresh timestamp, the same id.
        headers.extend(signer.headers(&id, time::unix_now(), &payload));
    }
    let body = if target.gzip && payload.len() >= body::GZIP_MIN_BYTES {
        headers.push(("Content-Encoding".into(), "gzip".into()));
        body::gzip(&payload)
    } else {
        payload
    };
    HttpRequest { url: target.url.clone(), headers, body, timeout: target.request_timeout }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::Payload;
    use crate::sign::Scheme;

    fn target(shape: BodyShape, gzip: bool, signer: Option<Signer>) -> Target {
        Target {
            url: "http://127.0.0.1:1/in".into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            signer,
            gzip,
            request_timeout: Duration::from_secs(10),
            shape,
            gone_disables: false,
        }
    }

    fn item(seq: u64, json: &str) -> Item {
        Item { seq, payload: Payload::new(&format!("m{seq}"), json.into()), attempts: 0, sid: 0 }
    }

    fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
        request.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    #[test]
    fn a_batch_is_an_envelope_keyed_by_its_message_ids() {
        let items = [item(0, r#"{"a":1}"#), item(1, r#"{"b":2}"#)];
        let request = build_request(&target(BodyShape::Envelope, false, None), &items);
        let v: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(v["batch"][1]["b"], 2);
        assert_eq!(header(&request, "Idempotency-Key"), Some(ids::idempotency_key(["m0", "m1"]).as_str()));
        assert_eq!(header(&request, "Content-Type"), Some("application/json"));
        assert_eq!(request.timeout, Duration::from_secs(10));
        // The same events make the same key on every attempt.
        let again = build_request(&target(BodyShape::Envelope, false, None), &items);
        assert_eq!(header(&again, "Idempotency-Key"), header(&request, "Idempotency-Key"));
    }

    #[test]
    fn a_webhook_message_is_sent_as_it_is_and_signed() {
        let signer = Signer::new(Scheme::StandardWebhooks, &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]).unwrap();
        let request = build_request(&target(BodyShape::Single, false, Some(signer)), &[item(7, r#"{"x":1}"#)]);
        assert_eq!(request.body, br#"{"x":1}"#);
        assert_eq!(header(&request, "Idempotency-Key"), Some("m7"));
        assert_eq!(header(&request, "webhook-id"), Some("m7"));
        assert!(header(&request, "webhook-signature").is_some_and(|s| s.starts_with("v1,")));
    }

    #[test]
    fn only_bodies_worth_it_are_gzipped() {
        let small = build_request(&target(BodyShape::Envelope, true, None), &[item(0, "{}")]);
        assert_eq!(header(&small, "Content-Encoding"), None);
        let big_json = format!(r#"{{"s":"{}"}}"#, "x".repeat(body::GZIP_MIN_BYTES));
        let big = build_request(&target(BodyShape::Envelope, true, None), &[item(0, &big_json)]);
        assert_eq!(header(&big, "Content-Encoding"), Some("gzip"));
        let v: serde_json::Value = serde_json::from_slice(&body::gunzip(&big.body).unwrap()).unwrap();
        assert_eq!(v["batch"][0]["s"].as_str().map(str::len), Some(body::GZIP_MIN_BYTES));
    }
}
