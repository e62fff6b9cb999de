//! The control API under `/_control/`, used by the Python, Node and C suites
//! that run the receiver as a separate process. Never faulted, never counted.

use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::faults::Fault;
use crate::http::{self, Conn, Head, HttpError};
use crate::ingest::Next;
use crate::state::{RecordedRequest, Shared};

/// Default and ceiling for `/_control/wait?timeout_ms=`.
const WAIT_DEFAULT: Duration = Duration::from_secs(10);
const WAIT_MAX: Duration = Duration::from_secs(600);

pub(crate) async fn handle(conn: &mut Conn, head: &Head, shared: &Shared) -> Result<Next, HttpError> {
    if head.expects_continue() {
        conn.write_all(http::CONTINUE).await?;
    }
    let body = conn.read_body(head).await?;
    let (status, answer) = route(head, &body, shared).await;
    let close = head.wants_close();
    let bytes = serde_json::to_vec(&answer).unwrap_or_default();
    conn.write_all(&http::json(status, &bytes, close)).await?;
    Ok(if close { Next::Close } else { Next::Continue })
}

async fn route(head: &Head, body: &[u8], shared: &Shared) -> (u16, Value) {
    let endpoint = head.path().trim_start_matches("/_control/");
    match (head.method.as_str(), endpoint) {
        ("GET", "stats") => (200, json!(shared.stats())),
        ("GET", "requests") => {
            let reqs: Vec<Value> = shared.requests().iter().map(request_json).collect();
            (200, Value::Array(reqs))
        }
        ("GET", "ids") => (200, json!(shared.message_ids())),
        ("POST", "faults") => match parse_faults(body) {
            Ok(faults) => {
                let added = faults.len();
                shared.push_faults(faults);
                (200, json!({"ok": true, "added": added}))
            }
            Err(e) => (400, json!({"error": e})),
        },
        ("POST", "clear_faults") => {
            shared.clear_faults();
            (200, json!({"ok": true}))
        }
        ("POST", "reset") => {
            shared.reset();
            (200, json!({"ok": true}))
        }
        ("GET", "wait") => {
            let (unique, timeout) = match wait_params(head.query()) {
                Ok(p) => p,
                Err(e) => return (400, json!({"error": e})),
            };
            let ok = shared.wait_for_unique_async(unique, timeout).await;
            (200, json!({"ok": ok, "stats": shared.stats()}))
        }
        _ => (404, json!({"error": format!("no control endpoint {} {}", head.method, head.path())})),
    }
}

/// A JSON array of rules (a single rule object is accepted too). All or
/// nothing: one bad rule rejects the whole post.
fn parse_faults(body: &[u8]) -> Result<Vec<Fault>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("invalid json: {e}"))?;
    match &v {
        Value::Array(rules) => rules.iter().map(Fault::from_json).collect(),
        Value::Object(_) => Ok(vec![Fault::from_json(&v)?]),
        _ => Err("expected a JSON array of fault rules".into()),
    }
}

fn wait_params(query: &str) -> Result<(u64, Duration), String> {
    let mut unique = 0;
    let mut timeout = WAIT_DEFAULT;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let n: u64 = v.parse().map_err(|_| format!("{k} must be a non-negative integer"))?;
        match k {
            "unique" => unique = n,
            "timeout_ms" => timeout = Duration::from_millis(n).min(WAIT_MAX),
            _ => return Err(format!("unknown parameter {k:?}")),
        }
    }
    Ok((unique, timeout))
}

fn request_json(r: &RecordedRequest) -> Value {
    let mut headers = Map::new();
    for (name, value) in &r.headers {
        headers.insert(name.clone(), Value::String(value.clone())); // last wins
    }
    json!({
        "method": r.method,
        "path": r.path,
        "headers": headers,
        "body": String::from_utf8_lossy(&r.body),
        "body_base64": base64(&r.body),
        "gzip": r.gzip,
        "fault": r.fault,
        "status": r.status,
        "at_ms": r.at_ms,
        "ids": r.ids,
    })
}

/// Standard base64 with padding (RFC 4648 §4); small enough not to warrant a
/// dependency.
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = u32::from(chunk[0]) << 16 | u32::from(b1) << 8 | u32::from(b2);
        let sextet = |shift: u32| ALPHABET[((n >> shift) & 63) as usize] as char;
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_vectors() {
        // RFC 4648 §10.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn wait_query() {
        assert_eq!(wait_params("unique=5&timeout_ms=100"), Ok((5, Duration::from_millis(100))));
        assert_eq!(wait_params(""), Ok((0, WAIT_DEFAULT)));
        assert!(wait_params("unique=x").is_err());
        assert!(wait_params("bogus=1").is_err());
    }
}
