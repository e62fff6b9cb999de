//! What `outbox listen` and `outbox demo` show for each request that
//! arrives: a readable summary (or one JSON object), the signature check, and
//! running counts.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use outbox_engine::sign::{self, Scheme, VerifyError, VerifyOptions, DEFAULT_HMAC_HEADER, WEBHOOK_SIGNATURE_HEADER};
use outbox_test_receiver::RecordedRequest;
use serde_json::{json, Map, Value};

use crate::paint::{out_or_exit, Paint};

/// How requests are verified.
#[derive(Debug, Clone)]
pub struct Verifier {
    pub secrets: Vec<String>,
    /// `None`: by the headers of each request.
    pub scheme: Option<Scheme>,
    /// The hmac-sha256 scheme's header.
    pub hmac_header: String,
    pub tolerance_secs: u64,
}

impl Verifier {
    pub fn new(
        secrets: Vec<String>,
        scheme: Option<Scheme>,
        hmac_header: Option<String>,
        tolerance_secs: u64,
    ) -> Verifier {
        let hmac_header = hmac_header.unwrap_or_else(|| match &scheme {
            Some(Scheme::HmacSha256 { header }) => header.clone(),
            _ => DEFAULT_HMAC_HEADER.to_owned(),
        });
        let scheme = scheme.map(|s| match s {
            Scheme::HmacSha256 { .. } => Scheme::hmac_sha256_with_header(hmac_header.clone()),
            other => other,
        });
        Verifier { secrets, scheme, hmac_header, tolerance_secs }
    }

    /// The scheme a request uses: the configured one, else the one whose
    /// signature header it carries.
    pub fn scheme_for(&self, headers: &[(String, String)]) -> Option<Scheme> {
        if let Some(s) = &self.scheme {
            return Some(s.clone());
        }
        let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        if has(WEBHOOK_SIGNATURE_HEADER) {
            Some(Scheme::StandardWebhooks)
        } else if has(&self.hmac_header) {
            Some(Scheme::hmac_sha256_with_header(self.hmac_header.clone()))
        } else {
            None
        }
    }

    /// Whether the request carries a signature header of either scheme.
    pub fn is_signed(&self, headers: &[(String, String)]) -> bool {
        headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(WEBHOOK_SIGNATURE_HEADER) || n.eq_ignore_ascii_case(&self.hmac_header))
    }

    pub fn check(&self, headers: &[(String, String)], body: &[u8]) -> Check {
        let scheme = self.scheme_for(headers);
        if self.secrets.is_empty() {
            return match scheme {
                Some(s) => Check::NotChecked { scheme: s.name() },
                None => Check::Unsigned,
            };
        }
        let Some(scheme) = scheme else {
            return Check::Failed {
                scheme: "any",
                code: "missing_header",
                message: format!(
                    "the request is not signed (no {WEBHOOK_SIGNATURE_HEADER} or {} header)",
                    self.hmac_header
                ),
            };
        };
        let opts = VerifyOptions::default().with_tolerance_secs(self.tolerance_secs);
        match sign::verify(&scheme, body, headers, &self.secrets, &opts) {
            Ok(()) => Check::Verified { scheme: scheme.name() },
            Err(e) => Check::failed(scheme.name(), &e),
        }
    }

    pub fn describe(&self) -> String {
        let n = self.secrets.len();
        let secrets = if n == 1 { "1 secret".to_owned() } else { format!("{n} secrets") };
        match &self.scheme {
            Some(Scheme::StandardWebhooks) => {
                format!("verifying standard-webhooks signatures with {secrets}")
            }
            Some(Scheme::HmacSha256 { header }) => {
                format!("verifying hmac-sha256 signatures ({header}) with {secrets}")
            }
            None => format!(
                "verifying signatures with {secrets} (standard-webhooks, or hmac-sha256 in {})",
                self.hmac_header
            ),
        }
    }
}

/// The outcome of checking one request's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// No secret configured and no signature header.
    Unsigned,
    /// Signed, but no secret to check it with.
    NotChecked {
        scheme: &'static str,
    },
    Verified {
        scheme: &'static str,
    },
    Failed {
        scheme: &'static str,
        code: &'static str,
        message: String,
    },
}

impl Check {
    fn failed(scheme: &'static str, e: &VerifyError) -> Check {
        Check::Failed { scheme, code: e.code(), message: e.to_string() }
    }
}

/// Running counts over the requests seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub requests: u64,
    /// Events in requests answered 2xx (duplicates included).
    pub events: u64,
    /// Requests answered something else than 2xx (or nothing).
    pub refused: u64,
    pub verified: u64,
    pub failed: u64,
}

struct State {
    counts: Counts,
    /// "path id" of every earlier request (to spot retries).
    attempted: HashSet<String>,
    /// Ids of events accepted before (to spot duplicates).
    accepted: HashSet<String>,
}

/// Bounds the id sets of a long-running `listen`.
const MAX_REMEMBERED_IDS: usize = 1_000_000;

/// Prints requests as they arrive and keeps the counts.
pub struct Monitor {
    paint: Paint,
    json: bool,
    verifier: Verifier,
    max_events: usize,
    /// Left margin of every line (the demo indents).
    margin: &'static str,
    /// Print the running totals after each request.
    totals: bool,
    state: Mutex<State>,
    changed: Condvar,
}

impl Monitor {
    pub fn new(paint: Paint, json: bool, verifier: Verifier, max_events: usize) -> Monitor {
        Monitor {
            paint,
            json,
            verifier,
            max_events,
            margin: "",
            totals: true,
            state: Mutex::new(State { counts: Counts::default(), attempted: HashSet::new(), accepted: HashSet::new() }),
            changed: Condvar::new(),
        }
    }

    /// Indents every line and leaves the totals out (for the demo).
    pub fn quiet_totals(mut self, margin: &'static str) -> Monitor {
        self.margin = margin;
        self.totals = false;
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn counts(&self) -> Counts {
        self.lock().counts.clone()
    }

    /// Waits until `n` requests were seen or `timeout` passes.
    pub fn wait_for_requests(&self, n: u64, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = self.lock();
        loop {
            if state.counts.requests >= n {
                return true;
            }
            let wait = match deadline {
                None => Duration::from_secs(3600),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return false;
                    }
                    d - now
                }
            };
            state = self.changed.wait_timeout(state, wait).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    /// Called by the receiver for every request.
    pub fn observe(&self, r: &RecordedRequest) {
        let check = self.verifier.check(&r.headers, &r.body);
        let body: Option<Value> = serde_json::from_slice(&r.body).ok();
        let accepted = r.status.is_some_and(|s| (200..300).contains(&s));
        let ids: Vec<&str> = r.ids.iter().map(String::as_str).filter(|id| !id.is_empty()).collect();
        // A retry is the same ids sent to the same path again (a webhook
        // fanned out to two endpoints is not a retry).
        let path = r.path.split('?').next().unwrap_or("");
        let attempt_keys: Vec<String> = ids.iter().map(|id| format!("{path} {id}")).collect();

        let (counts, retry, duplicates) = {
            let mut st = self.lock();
            let retry = !attempt_keys.is_empty() && attempt_keys.iter().all(|k| st.attempted.contains(k));
            let duplicates = if accepted { ids.iter().filter(|id| st.accepted.contains(**id)).count() } else { 0 };
            if st.attempted.len() > MAX_REMEMBERED_IDS {
                st.attempted.clear();
                st.accepted.clear();
            }
            for key in attempt_keys {
                st.attempted.insert(key);
            }
            if accepted {
                for id in &ids {
                    st.accepted.insert((*id).to_owned());
                }
            }
            let c = &mut st.counts;
            c.requests += 1;
            if accepted {
                c.events += r.ids.len() as u64;
            } else {
                c.refused += 1;
            }
            match check {
                Check::Verified { .. } => c.verified += 1,
                Check::Failed { .. } => c.failed += 1,
                _ => {}
            }
            (c.clone(), retry, duplicates)
        };

        let text = if self.json {
            self.render_json(r, &check, body, retry, duplicates, &counts)
        } else {
            self.render_text(r, &check, body.as_ref(), retry, duplicates, &counts)
        };
        out_or_exit(&text);
        self.changed.notify_all();
    }

    fn render_json(
        &self,
        r: &RecordedRequest,
        check: &Check,
        body: Option<Value>,
        retry: bool,
        duplicates: usize,
        c: &Counts,
    ) -> String {
        let signed = self.verifier.is_signed(&r.headers);
        let (verified, scheme, error) = match check {
            Check::Unsigned => (Value::Null, Value::Null, Value::Null),
            Check::NotChecked { scheme } => (Value::Null, json!(scheme), Value::Null),
            Check::Verified { scheme } => (json!(true), json!(scheme), Value::Null),
            Check::Failed { scheme, code, message } => {
                (json!(false), json!(scheme), json!({"code": code, "message": message}))
            }
        };
        let mut headers = Map::new();
        for (n, v) in &r.headers {
            headers.insert(n.clone(), Value::String(v.clone()));
        }
        let body = body.unwrap_or_else(|| Value::String(String::from_utf8_lossy(&r.body).into_owned()));
        let line = json!({
            "n": c.requests,
            "time": outbox_engine::bindings::rfc3339_millis(SystemTime::now()),
            "method": r.method,
            "path": r.path,
            "status": r.status,
            "fault": r.fault,
            "gzip": r.gzip,
            "bytes": r.body.len(),
            "kind": kind(&body, r),
            "ids": r.ids,
            "retry": retry,
            "duplicates": duplicates,
            "signed": signed,
            "verified": verified,
            "scheme": scheme,
            "error": error,
            "headers": headers,
            "body": body,
            "totals": totals_json(c, !self.verifier.secrets.is_empty()),
        });
        format!("{line}\n")
    }

    fn render_text(
        &self,
        r: &RecordedRequest,
        check: &Check,
        body: Option<&Value>,
        retry: bool,
        duplicates: usize,
        c: &Counts,
    ) -> String {
        let p = &self.paint;
        let m = self.margin;
        let mut s = String::new();
        let now = outbox_engine::bindings::rfc3339_millis(SystemTime::now());
        let clock = now.get(11..23).unwrap_or(&now);

        let status = match r.status {
            Some(code @ 200..=299) => p.bold_green(&code.to_string()),
            Some(code @ (408 | 429 | 500..=599)) => p.bold(&p.yellow(&code.to_string())),
            Some(code) => p.bold_red(&code.to_string()),
            None => p.bold_red(r.fault.as_deref().map_or("no answer", fault_words)),
        };
        let what = match body {
            Some(v) => describe_body(v, r),
            None if r.body.is_empty() => "empty body".to_owned(),
            None => "not JSON".to_owned(),
        };
        let mut size = human_bytes(r.body.len());
        if r.gzip {
            size.push_str(" gzip");
        }
        let mut notes = Vec::new();
        if retry {
            notes.push(p.yellow("retry: ids seen before"));
        }
        if duplicates > 0 {
            notes.push(p.yellow(&format!("{duplicates} duplicate{}", plural(duplicates))));
        }
        if let Some(f) = &r.fault {
            if r.status.is_some() {
                notes.push(p.dim(&format!("injected {}", fault_words(f))));
            }
        }
        let verdict = match check {
            Check::Unsigned => p.dim("unsigned"),
            Check::NotChecked { scheme } => p.dim(&format!("signed ({scheme}; pass --secret to verify)")),
            Check::Verified { scheme } => p.green(&format!("✓ signature verified ({scheme})")),
            Check::Failed { code, message, .. } => p.bold_red(&format!("✗ signature FAILED {code}: {message}")),
        };
        let _ = write!(
            s,
            "{m}{} {} {} {}  {} {}  {}",
            p.dim(clock),
            p.bold(&r.method),
            p.cyan(&r.path),
            status,
            what,
            p.dim(&format!("({size})")),
            verdict
        );
        for n in notes {
            let _ = write!(s, " · {n}");
        }
        s.push('\n');

        // The content, one line per event.
        let inner = format!("{m}    ");
        match body {
            Some(Value::Object(o)) if o.get("batch").is_some_and(Value::is_array) => {
                let events = o.get("batch").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
                for e in events.iter().take(self.max_events) {
                    let _ = writeln!(s, "{inner}{}", event_line(p, e));
                }
                if events.len() > self.max_events {
                    let _ = writeln!(s, "{inner}{}", p.dim(&format!("… and {} more", events.len() - self.max_events)));
                }
            }
            Some(Value::Object(o)) if is_webhook(o, r) => {
                let data = o.get("data").map_or_else(|| compact(&Value::Object(o.clone()), 160), |d| compact(d, 160));
                let _ = writeln!(s, "{inner}{} {}", p.dim(short_id(r.header("webhook-id").unwrap_or(""))), data);
            }
            Some(v) => {
                if let Some(obj) = v.as_object().filter(|o| o.contains_key("type")) {
                    let _ = writeln!(s, "{inner}{}", event_line(p, &Value::Object(obj.clone())));
                } else {
                    let _ = writeln!(s, "{inner}{}", compact(v, 160));
                }
            }
            None if !r.body.is_empty() => {
                let text = String::from_utf8_lossy(&r.body);
                let _ = writeln!(s, "{inner}{}", p.dim(&truncate(text.trim(), 160)));
            }
            None => {}
        }
        if self.totals {
            let _ = writeln!(s, "{m}  {}", p.dim(&format!("─ {}", totals_text(c, !self.verifier.secrets.is_empty()))));
        }
        s
    }
}

pub fn totals_text(c: &Counts, verifying: bool) -> String {
    let mut t = format!(
        "{} request{} · {} event{} accepted",
        c.requests,
        plural(c.requests as usize),
        c.events,
        plural(c.events as usize)
    );
    if c.refused > 0 {
        let _ = write!(t, " · {} refused", c.refused);
    }
    if verifying {
        let _ = write!(t, " · {} verified · {} failed verification", c.verified, c.failed);
    }
    t
}

pub fn totals_json(c: &Counts, verifying: bool) -> Value {
    json!({
        "requests": c.requests,
        "events": c.events,
        "refused": c.refused,
        "verified": if verifying { json!(c.verified) } else { Value::Null },
        "failed": if verifying { json!(c.failed) } else { Value::Null },
    })
}

fn kind(body: &Value, r: &RecordedRequest) -> &'static str {
    match body {
        Value::Object(o) if o.get("batch").is_some_and(Value::is_array) => "batch",
        Value::Object(o) if is_webhook(o, r) => "webhook",
        Value::Object(o) if o.contains_key("type") => "event",
        Value::String(_) if !r.body.is_empty() && serde_json::from_slice::<Value>(&r.body).is_err() => "not_json",
        _ => "json",
    }
}

fn is_webhook(o: &Map<String, Value>, r: &RecordedRequest) -> bool {
    o.contains_key("data") || (r.header("webhook-id").is_some() && !o.contains_key("messageId"))
}

fn describe_body(v: &Value, r: &RecordedRequest) -> String {
    match v {
        Value::Object(o) if o.get("batch").is_some_and(Value::is_array) => {
            let n = o.get("batch").and_then(Value::as_array).map_or(0, Vec::len);
            format!("batch of {n} event{}", plural(n))
        }
        Value::Object(o) if is_webhook(o, r) => match o.get("type").and_then(Value::as_str) {
            Some(t) => format!("webhook {t}"),
            None => "webhook".to_owned(),
        },
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some(t) => format!("{t} event"),
            None => "JSON object".to_owned(),
        },
        _ => "JSON".to_owned(),
    }
}

/// `track     user-42   "Signed Up"  {"plan":"pro"}  6f1c2a3b`
fn event_line(p: &Paint, e: &Value) -> String {
    let get = |k: &str| {
        e.get(k).and_then(|v| v.as_str().map(str::to_owned).or_else(|| (!v.is_null()).then(|| v.to_string())))
    };
    let kind = get("type").unwrap_or_else(|| "?".into());
    let who = match (get("userId"), get("anonymousId")) {
        (Some(u), _) => u,
        (None, Some(a)) => format!("anon {a}"),
        (None, None) => "-".into(),
    };
    let what = match kind.as_str() {
        "track" => get("event").map(|n| format!("{n:?}")),
        "page" | "screen" => get("name").map(|n| format!("{n:?}")),
        "group" => get("groupId").map(|g| format!("→ {g}")),
        "alias" => get("previousId").map(|prev| format!("was {prev}")),
        _ => None,
    }
    .unwrap_or_default();
    let payload = ["properties", "traits"]
        .iter()
        .find_map(|k| e.get(*k).filter(|v| !v.is_null()))
        .map(|v| compact(v, 80))
        .unwrap_or_default();
    let id = get("messageId").map(|id| short_id(&id).to_owned()).unwrap_or_default();
    let mut parts = vec![p.blue(&format!("{kind:<8}")), p.bold(&who)];
    for extra in [what, payload] {
        if !extra.is_empty() {
            parts.push(extra);
        }
    }
    if !id.is_empty() {
        parts.push(p.dim(&id));
    }
    parts.join(" ")
}

/// Enough of an id to tell attempts apart: `msg_1a2b3c4d`, `6f1c2a3b`.
fn short_id(id: &str) -> &str {
    let keep = if id.starts_with("msg_") { 12 } else { 8 };
    match id.char_indices().nth(keep) {
        Some((i, _)) => &id[..i],
        None => id,
    }
}

fn compact(v: &Value, max: usize) -> String {
    truncate(&v.to_string(), max)
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

fn human_bytes(n: usize) -> String {
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    }
}

fn fault_words(kind: &str) -> &str {
    match kind {
        "status" => "status",
        "delay" => "delay",
        "hang" => "hang (no answer)",
        "reset_before_body" => "reset before the body",
        "reset_after_body" => "reset after the body",
        "commit_then_fail" => "failure after commit",
        "commit_then_reset" => "reset after commit",
        other => other,
    }
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
