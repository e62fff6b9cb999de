//! Fault rules: what they are, how they are chosen, and their JSON form for
//! the control API.

use serde_json::Value;

/// What the receiver does to an ingest request instead of (or besides)
/// accepting it normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer this status (plus `Retry-After` / `Location` when given) without
    /// storing the events.
    Status { status: u16, retry_after: Option<String>, body: Option<String>, location: Option<String> },
    /// Wait, then behave normally (store + 200).
    Delay { ms: u64 },
    /// Read the whole request and never answer; the socket stays open until
    /// the client closes it (or 120 s pass).
    Hang,
    /// Read the head only, then reset the connection (TCP RST).
    ResetBeforeBody,
    /// Read the body, store nothing, reset.
    ResetAfterBody,
    /// Store the events (they count as received), then answer `status`: the
    /// "server committed but the client saw an error" case that makes
    /// idempotency keys necessary.
    CommitThenFail { status: u16 },
    /// Store the events, then reset without answering.
    CommitThenReset,
    /// Store the events, answer 200 with a chunked body that never ends:
    /// 16 KiB chunks with `ms` milliseconds between them, until the client
    /// goes away (or 120 s pass). A hostile endpoint for response-size limits.
    EndlessBody { ms: u64 },
}

impl FaultKind {
    /// Short name, the same as the `kind` of the control API's rule JSON.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Status { .. } => "status",
            FaultKind::Delay { .. } => "delay",
            FaultKind::Hang => "hang",
            FaultKind::ResetBeforeBody => "reset_before_body",
            FaultKind::ResetAfterBody => "reset_after_body",
            FaultKind::CommitThenFail { .. } => "commit_then_fail",
            FaultKind::CommitThenReset => "commit_then_reset",
            FaultKind::EndlessBody { .. } => "endless_body",
        }
    }
}

/// A fault rule. `path: None` matches every ingest path; `times: None` applies
/// until the rules are cleared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub path: Option<String>,
    pub kind: FaultKind,
    pub times: Option<u32>,
}

impl Fault {
    /// Answer `status` once, on any path.
    pub fn status(status: u16) -> Fault {
        Fault::kind(FaultKind::Status { status, retry_after: None, body: None, location: None })
    }

    /// Apply `kind` once, on any path.
    pub fn kind(kind: FaultKind) -> Fault {
        Fault { path: None, kind, times: Some(1) }
    }

    pub fn times(mut self, n: u32) -> Fault {
        self.times = Some(n);
        self
    }

    pub fn forever(mut self) -> Fault {
        self.times = None;
        self
    }

    pub fn on_path(mut self, p: &str) -> Fault {
        self.path = Some(p.to_string());
        self
    }

    /// Sets `Retry-After`; only meaningful for `Status` (ignored otherwise).
    pub fn retry_after(mut self, v: &str) -> Fault {
        if let FaultKind::Status { retry_after, .. } = &mut self.kind {
            *retry_after = Some(v.to_string());
        }
        self
    }

    /// Sets the response body; only meaningful for `Status`.
    pub fn body(mut self, v: &str) -> Fault {
        if let FaultKind::Status { body, .. } = &mut self.kind {
            *body = Some(v.to_string());
        }
        self
    }

    /// Sets `Location`; only meaningful for `Status` (redirect tests).
    pub fn location(mut self, v: &str) -> Fault {
        if let FaultKind::Status { location, .. } = &mut self.kind {
            *location = Some(v.to_string());
        }
        self
    }

    /// Parses one rule of the control API:
    /// `{"kind": "status", "status": 503, "retry_after": "2", "path": "/x", "times": 3}`.
    /// `times` omitted means 1; `"times": null` or `"forever": true` means forever.
    pub(crate) fn from_json(v: &Value) -> Result<Fault, String> {
        let obj = v.as_object().ok_or("a fault rule must be a JSON object")?;
        let kind_name = obj.get("kind").and_then(Value::as_str).ok_or("a fault rule needs a string \"kind\"")?;
        let status = || -> Option<u16> {
            obj.get("status").and_then(Value::as_u64).filter(|s| (100..=999).contains(s)).map(|s| s as u16)
        };
        let text = |key: &str| -> Result<Option<String>, String> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                // `"retry_after": 2` is the natural way to write seconds.
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(_) => Err(format!("\"{key}\" must be a string")),
            }
        };
        let kind = match kind_name {
            "status" => FaultKind::Status {
                status: status().ok_or("a \"status\" fault needs \"status\" in 100..=999")?,
                retry_after: text("retry_after")?,
                body: text("body")?,
                location: text("location")?,
            },
            "delay" => FaultKind::Delay {
                ms: obj
                    .get("ms")
                    .and_then(Value::as_u64)
                    .ok_or("a \"delay\" fault needs a non-negative integer \"ms\"")?,
            },
            "hang" => FaultKind::Hang,
            "reset_before_body" => FaultKind::ResetBeforeBody,
            "reset_after_body" => FaultKind::ResetAfterBody,
            "commit_then_fail" => FaultKind::CommitThenFail {
                status: match obj.get("status") {
                    None => 500,
                    Some(_) => status().ok_or("\"status\" must be in 100..=999")?,
                },
            },
            "commit_then_reset" => FaultKind::CommitThenReset,
            "endless_body" => FaultKind::EndlessBody {
                ms: match obj.get("ms") {
                    None => 0,
                    Some(v) => {
                        v.as_u64().ok_or("\"ms\" of an \"endless_body\" fault must be a non-negative integer")?
                    }
                },
            },
            other => return Err(format!("unknown fault kind {other:?}")),
        };
        let path = text("path")?;
        let forever = obj.get("forever").and_then(Value::as_bool) == Some(true);
        let times = match obj.get("times") {
            _ if forever => None,
            None => Some(1),
            Some(Value::Null) => None,
            Some(t) => Some(
                t.as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or("\"times\" must be a non-negative integer or null")?,
            ),
        };
        Ok(Fault { path, kind, times })
    }
}

/// The FIFO list of pending rules.
#[derive(Debug, Default)]
pub(crate) struct FaultList {
    rules: Vec<Fault>,
}

impl FaultList {
    pub fn push(&mut self, f: Fault) {
        // A rule that may apply zero times would never apply; drop it now so
        // it cannot shadow anything.
        if f.times != Some(0) {
            self.rules.push(f);
        }
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// Takes the first rule matching `path`, using up one of its times.
    pub fn take(&mut self, path: &str) -> Option<FaultKind> {
        let i = self.rules.iter().position(|f| f.path.as_deref().is_none_or(|p| p == path))?;
        let kind = self.rules[i].kind.clone();
        if let Some(left) = &mut self.rules[i].times {
            *left -= 1;
            if *left == 0 {
                self.rules.remove(i);
            }
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn first_matching_rule_wins_and_is_used_up() {
        let mut l = FaultList::default();
        l.push(Fault::status(503).on_path("/a").times(2));
        l.push(Fault::kind(FaultKind::Hang));
        l.push(Fault::status(0).times(0)); // never applies
        assert_eq!(l.take("/b"), Some(FaultKind::Hang));
        assert_eq!(l.take("/b"), None);
        assert_eq!(l.take("/a").map(|k| k.name()), Some("status"));
        assert_eq!(l.take("/a").map(|k| k.name()), Some("status"));
        assert_eq!(l.take("/a"), None);
    }

    #[test]
    fn forever_rules_stay() {
        let mut l = FaultList::default();
        l.push(Fault::status(500).forever());
        for _ in 0..10 {
            assert!(l.take("/x").is_some());
        }
        l.clear();
        assert!(l.take("/x").is_none());
    }

    #[test]
    fn parses_control_json() {
        let f = Fault::from_json(&json!({"kind": "status", "status": 429, "retry_after": 2})).expect("valid");
        assert_eq!(f, Fault::status(429).retry_after("2"));
        let f = Fault::from_json(&json!({"kind": "delay", "ms": 50, "path": "/p", "times": null})).expect("valid");
        assert_eq!(f, Fault::kind(FaultKind::Delay { ms: 50 }).on_path("/p").forever());
        let f = Fault::from_json(&json!({"kind": "commit_then_fail", "forever": true, "times": 3})).expect("valid");
        assert_eq!(f, Fault::kind(FaultKind::CommitThenFail { status: 500 }).forever());
        let f = Fault::from_json(&json!({"kind": "endless_body", "ms": 5})).expect("valid");
        assert_eq!(f, Fault::kind(FaultKind::EndlessBody { ms: 5 }));
        let f = Fault::from_json(&json!({"kind": "endless_body"})).expect("valid");
        assert_eq!(f, Fault::kind(FaultKind::EndlessBody { ms: 0 }));
        assert!(Fault::from_json(&json!({"kind": "endless_body", "ms": "x"})).is_err());
        let f = Fault::from_json(&json!({"kind": "reset_before_body", "times": 4})).expect("valid");
        assert_eq!(f, Fault::kind(FaultKind::ResetBeforeBody).times(4));
        assert!(Fault::from_json(&json!({"kind": "status"})).is_err());
        assert!(Fault::from_json(&json!({"kind": "explode"})).is_err());
        assert!(Fault::from_json(&json!({"kind": "hang", "times": -1})).is_err());
        assert!(Fault::from_json(&json!([1])).is_err());
    }
}
