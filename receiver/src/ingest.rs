//! Ingest requests: decode, extract event ids, apply the fault, answer.

use std::borrow::Cow;
use std::io::Read;
use std::time::Duration;

use flate2::read::MultiGzDecoder;
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::faults::FaultKind;
use crate::http::{self, Conn, Head, HttpError, MAX_BODY};
use crate::state::{Outcome, RequestCtx, Shared};

/// What the connection loop should do after a request was handled.
pub(crate) enum Next {
    /// A response was written; keep serving unless the client asked to close.
    Continue,
    /// Close the connection (orderly).
    Close,
    /// Abort the connection with RST.
    Reset,
    /// Hold the connection open without answering.
    Hang,
    /// The head of a 200 with a chunked body was written: keep sending
    /// chunks, `ms` apart, and never end the body.
    EndlessBody { ms: u64 },
}

const OK_BODY: &[u8] = br#"{"ok":true}"#;

pub(crate) async fn handle(
    conn: &mut Conn,
    head: &Head,
    shared: &Shared,
    seq: u64,
    at_ms: u64,
) -> Result<Next, HttpError> {
    let fault = shared.take_fault(head.path());
    let ctx = RequestCtx { seq, at_ms, head, fault: fault.as_ref().map(FaultKind::name) };
    let close = head.wants_close();
    // Without a matching rule, a non-2xx default answer (`Hooks::status`)
    // behaves as a `status` fault, though none is recorded.
    let answer = shared.answer_status();
    let fault = fault.or_else(|| {
        (!(200..300).contains(&answer)).then_some(FaultKind::Status {
            status: answer,
            retry_after: None,
            body: None,
            location: None,
        })
    });

    if fault == Some(FaultKind::ResetBeforeBody) {
        shared.finish(&ctx, not_stored(&[], &[], None));
        return Ok(Next::Reset);
    }

    if head.expects_continue() {
        conn.write_all(http::CONTINUE).await?;
    }
    let raw = conn.read_body(head).await?;
    // Err keeps the raw bytes, so a broken gzip body can still be recorded.
    let decoded: Result<Vec<u8>, Vec<u8>> = if head.is_gzip() { gunzip(&raw).ok_or(raw) } else { Ok(raw) };
    let body: &[u8] = match &decoded {
        Ok(b) | Err(b) => b,
    };
    let fault = fault.or_else(|| {
        let status = shared.refuses(body)?;
        Some(FaultKind::Status {
            status,
            retry_after: None,
            body: Some(r#"{"error":"the batch holds an event this receiver refuses"}"#.into()),
            location: None,
        })
    });
    let webhook_id = head.header("webhook-id");

    // Ids of requests that are not stored are still worth recording: tests
    // compare them across retries.
    let recorded_ids = || -> Vec<Cow<'_, str>> {
        match &decoded {
            Ok(b) if shared.builds_records() => extract_ids(b, webhook_id).unwrap_or_default(),
            _ => Vec::new(),
        }
    };

    match fault {
        Some(FaultKind::Hang) => {
            let ids = recorded_ids();
            shared.finish(&ctx, not_stored(body, &ids, None));
            Ok(Next::Hang)
        }
        Some(FaultKind::ResetAfterBody) => {
            let ids = recorded_ids();
            shared.finish(&ctx, not_stored(body, &ids, None));
            Ok(Next::Reset)
        }
        Some(FaultKind::Status { status, retry_after, body: answer_body, location }) => {
            let ids = recorded_ids();
            shared.finish(&ctx, not_stored(body, &ids, Some(status)));
            let mut headers = Vec::new();
            let default_body = format!(r#"{{"error":"injected status {status}"}}"#);
            let answer_body = answer_body.unwrap_or(default_body);
            let looks_json = answer_body.trim_start().starts_with(['{', '[']);
            headers.push(("Content-Type", if looks_json { "application/json" } else { "text/plain; charset=utf-8" }));
            if let Some(v) = &retry_after {
                headers.push(("Retry-After", v.as_str()));
            }
            if let Some(v) = &location {
                headers.push(("Location", v.as_str()));
            }
            let resp = http::response(status, &headers, answer_body.as_bytes(), close);
            conn.write_all(&resp).await?;
            Ok(after_response(close))
        }
        Some(FaultKind::CommitThenFail { status }) => {
            let answer = commit(&ctx, shared, &decoded, webhook_id, Some(status));
            respond(conn, answer, status, close).await
        }
        Some(FaultKind::CommitThenReset) => match commit(&ctx, shared, &decoded, webhook_id, None) {
            Ok(()) => Ok(Next::Reset),
            Err(e) => respond(conn, Err(e), 0, close).await,
        },
        Some(FaultKind::EndlessBody { ms }) => match commit(&ctx, shared, &decoded, webhook_id, Some(200)) {
            Ok(()) => {
                conn.write_all(http::ENDLESS_HEAD).await?;
                Ok(Next::EndlessBody { ms })
            }
            Err(e) => respond(conn, Err(e), 0, close).await,
        },
        Some(FaultKind::Delay { ms }) => {
            // Stored after the delay: a client that times out meanwhile still
            // gets its events committed, as with a slow real server.
            tokio::time::sleep(Duration::from_millis(ms)).await;
            let answer = commit(&ctx, shared, &decoded, webhook_id, Some(200));
            respond(conn, answer, 200, close).await
        }
        Some(FaultKind::ResetBeforeBody) | None => {
            let committed = commit(&ctx, shared, &decoded, webhook_id, Some(answer));
            let resp = match committed {
                // `answer` is 2xx here (200 unless `Hooks::status` says otherwise).
                Ok(()) => http::json(answer, OK_BODY, close),
                Err(msg) => http::json(400, format!(r#"{{"error":"{msg}"}}"#).as_bytes(), close),
            };
            conn.write_all(&resp).await?;
            Ok(after_response(close))
        }
    }
}

fn not_stored<'a>(body: &'a [u8], ids: &'a [Cow<'a, str>], status: Option<u16>) -> Outcome<'a> {
    Outcome { body, ids, status, store: false, bad: false }
}

fn after_response(close: bool) -> Next {
    if close {
        Next::Close
    } else {
        Next::Continue
    }
}

/// Writes the answer to a committed request: `status` on success, 400 with
/// the error otherwise.
async fn respond(
    conn: &mut Conn,
    committed: Result<(), &'static str>,
    status: u16,
    close: bool,
) -> Result<Next, HttpError> {
    let resp = match committed {
        Ok(()) if status == 200 => http::json(200, OK_BODY, close),
        Ok(()) => {
            let body = format!(r#"{{"error":"injected status {status} after commit"}}"#);
            http::json(status, body.as_bytes(), close)
        }
        Err(msg) => http::json(400, format!(r#"{{"error":"{msg}"}}"#).as_bytes(), close),
    };
    conn.write_all(&resp).await?;
    Ok(after_response(close))
}

/// Stores the request's events and records it with `status`, or records it
/// as a bad request (status 400) when the body cannot be read.
fn commit(
    ctx: &RequestCtx<'_>,
    shared: &Shared,
    decoded: &Result<Vec<u8>, Vec<u8>>,
    webhook_id: Option<&str>,
    status: Option<u16>,
) -> Result<(), &'static str> {
    let (body, ids) = match decoded {
        Err(raw) => (raw, Err("invalid gzip")),
        Ok(body) => (body, extract_ids(body, webhook_id).ok_or("invalid json")),
    };
    match ids {
        Ok(ids) => {
            shared.finish(ctx, Outcome { body, ids: &ids, status, store: true, bad: false });
            Ok(())
        }
        Err(msg) => {
            shared.finish(ctx, Outcome { body, ids: &[], status: Some(400), store: false, bad: true });
            Err(msg)
        }
    }
}

/// Decodes a gzip body (possibly several members); `None` if it is not valid
/// gzip or inflates past the body limit.
fn gunzip(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len().saturating_mul(4).min(MAX_BODY));
    MultiGzDecoder::new(raw).take(MAX_BODY as u64 + 1).read_to_end(&mut out).ok()?;
    (out.len() <= MAX_BODY).then_some(out)
}

// Only `messageId` (and PostHog's `uuid`, its event id) is deserialized;
// every other field is skipped by serde without allocating. Generic over the string type: the borrowed `&str` pass
// is the fast path, the owned pass handles ids containing JSON escapes.
#[derive(Deserialize)]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
struct Envelope<S> {
    #[serde(default)]
    batch: Option<Vec<Item<S>>>,
    #[serde(default, rename = "messageId")]
    message_id: Option<S>,
    #[serde(default)]
    uuid: Option<S>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
struct Item<S> {
    #[serde(default, rename = "messageId")]
    message_id: Option<S>,
    /// PostHog's SDKs identify events by `uuid` and send no `messageId`.
    #[serde(default)]
    uuid: Option<S>,
}

/// The event ids carried by a decoded body, or `None` if it is not JSON.
///
/// - `{"batch": [...]}`: each element's `messageId`, else its `uuid` (PostHog's
///   event id), else "";
/// - `{"messageId": "..."}` (or, without `messageId`, `{"uuid": "..."}`): that id;
/// - any other JSON (or an empty body): one event, identified by the
///   `webhook-id` header if present, else by "".
///
/// A body whose `batch` or `messageId` has an unexpected type (say, a numeric
/// id) is still JSON and falls into the last case.
pub(crate) fn extract_ids<'a>(body: &'a [u8], webhook_id: Option<&'a str>) -> Option<Vec<Cow<'a, str>>> {
    let single = || vec![Cow::Borrowed(webhook_id.unwrap_or(""))];
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => return Some(single()),
        // Only objects can be envelopes; serde would also accept an array
        // as a struct, which we do not want.
        Some(b'{') => {}
        Some(_) => return serde_json::from_slice::<IgnoredAny>(body).ok().map(|_| single()),
    }
    if let Ok(env) = serde_json::from_slice::<Envelope<&str>>(body) {
        return Some(ids_of(env, single, Cow::Borrowed));
    }
    if let Ok(env) = serde_json::from_slice::<Envelope<String>>(body) {
        return Some(ids_of(env, single, Cow::Owned));
    }
    serde_json::from_slice::<IgnoredAny>(body).ok().map(|_| single())
}

fn ids_of<'a, S>(
    env: Envelope<S>,
    single: impl FnOnce() -> Vec<Cow<'a, str>>,
    to_cow: impl Fn(S) -> Cow<'a, str>,
) -> Vec<Cow<'a, str>> {
    match env {
        Envelope { batch: Some(items), .. } => {
            items.into_iter().map(|i| i.message_id.or(i.uuid).map_or(Cow::Borrowed(""), &to_cow)).collect()
        }
        Envelope { message_id: Some(id), .. } | Envelope { message_id: None, uuid: Some(id), .. } => vec![to_cow(id)],
        _ => single(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(body: &str, hook: Option<&str>) -> Option<Vec<String>> {
        extract_ids(body.as_bytes(), hook).map(|v| v.into_iter().map(String::from).collect())
    }

    #[test]
    fn batch_ids() {
        let body = r#"{"batch":[{"type":"track","messageId":"a","properties":{"messageId":"nested"}},{"messageId":"b"},{"event":"x"}],"sentAt":"now"}"#;
        assert_eq!(ids(body, Some("w")), Some(vec!["a".into(), "b".into(), "".into()]));
    }

    #[test]
    fn escaped_ids_take_the_owned_path() {
        let body = r#"{"batch":[{"messageId":"a\"b"},{"messageId":"\u0063"}]}"#;
        assert_eq!(ids(body, None), Some(vec!["a\"b".into(), "c".into()]));
    }

    #[test]
    fn single_and_fallbacks() {
        assert_eq!(ids(r#"{"messageId":"m1","type":"track"}"#, Some("w")), Some(vec!["m1".into()]));
        assert_eq!(ids(r#"{"hello":1}"#, Some("wh_1")), Some(vec!["wh_1".into()]));
        assert_eq!(ids(r#"{"hello":1}"#, None), Some(vec!["".into()]));
        assert_eq!(ids(r#"[{"messageId":"x"}]"#, None), Some(vec!["".into()]));
        assert_eq!(ids(r#"{"messageId":5}"#, None), Some(vec!["".into()]));
        assert_eq!(ids("", Some("w")), Some(vec!["w".into()]));
        assert_eq!(ids("  ", None), Some(vec!["".into()]));
    }

    #[test]
    fn posthog_uuid_when_no_message_id() {
        // PostHog's /batch/ body: `api_key`, events with `uuid`, `sent_at`.
        let body = r#"{"api_key":"k","batch":[{"event":"e","uuid":"u1","properties":{"uuid":"nested"}},{"uuid":"u2","messageId":"m2"},{"event":"x"}],"sent_at":"now"}"#;
        assert_eq!(ids(body, Some("w")), Some(vec!["u1".into(), "m2".into(), "".into()]));
        assert_eq!(ids(r#"{"uuid":"u\u0031","event":"e"}"#, None), Some(vec!["u1".into()]));
        assert_eq!(ids(r#"{"uuid":"u1","messageId":"m1"}"#, None), Some(vec!["m1".into()]));
        assert_eq!(ids(r#"{"uuid":7}"#, Some("w")), Some(vec!["w".into()]));
    }

    #[test]
    fn invalid_json() {
        assert_eq!(ids("{nope", None), None);
        assert_eq!(ids("hello", Some("w")), None);
        assert_eq!(ids(r#"{"batch":[1,2}"#, None), None);
    }

    #[test]
    fn gunzip_roundtrip_and_garbage() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"hello gzip").expect("write to Vec");
        let gz = enc.finish().expect("finish");
        assert_eq!(gunzip(&gz).as_deref(), Some(&b"hello gzip"[..]));
        assert_eq!(gunzip(b"not gzip"), None);
    }
}
