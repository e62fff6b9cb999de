//! What one attempt's result means, for the queue (`send`) and for
//! `deliver` alike.

use std::time::{Duration, SystemTime};

use crate::retry::{self, Outcome};
use crate::transport::{HttpResponse, TransportError};

/// One attempt, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Attempt {
    pub outcome: Outcome,
    /// The HTTP status, when a response came.
    pub status: Option<u16>,
    /// The response's `Retry-After`, when it had a readable one.
    pub retry_after: Option<Duration>,
    /// For logs and reports: `HTTP 503`, or the transport error.
    pub detail: String,
}

/// Classifies a transport result. `gone_disables`: 410 disables the
/// endpoint (webhooks); `now` reads a `Retry-After` given as a date.
pub(super) fn classify(result: &Result<HttpResponse, TransportError>, gone_disables: bool, now: SystemTime) -> Attempt {
    match result {
        Ok(r) => Attempt {
            outcome: retry::classify(r.status, gone_disables),
            status: Some(r.status),
            retry_after: r.retry_after.as_deref().and_then(|v| retry::parse_retry_after(v, now)),
            detail: format!("HTTP {}", r.status),
        },
        // A request that cannot even be built will never succeed.
        Err(e) if e.is_permanent() => failed(Outcome::Rejected, e),
        Err(e) => failed(Outcome::Transient, e),
    }
}

fn failed(outcome: Outcome, error: &TransportError) -> Attempt {
    Attempt { outcome, status: None, retry_after: None, detail: error.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, retry_after: Option<&str>) -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse { status, retry_after: retry_after.map(str::to_owned) })
    }

    #[test]
    fn a_response_gives_its_status_and_retry_after() {
        let now = SystemTime::now();
        let a = classify(&response(200, None), false, now);
        assert_eq!(
            a,
            Attempt { outcome: Outcome::Delivered, status: Some(200), retry_after: None, detail: "HTTP 200".into() }
        );
        let a = classify(&response(503, Some("7")), false, now);
        assert_eq!((a.outcome, a.status, a.retry_after), (Outcome::Transient, Some(503), Some(Duration::from_secs(7))));
        assert_eq!(a.detail, "HTTP 503");
        let a = classify(&response(429, Some("soon")), false, now);
        assert_eq!((a.outcome, a.retry_after), (Outcome::Transient, None));
    }

    #[test]
    fn gone_disables_only_where_asked() {
        let now = SystemTime::now();
        assert_eq!(classify(&response(410, None), true, now).outcome, Outcome::Gone);
        assert_eq!(classify(&response(410, None), false, now).outcome, Outcome::Rejected);
        assert_eq!(classify(&response(413, None), true, now).outcome, Outcome::TooLarge);
    }

    #[test]
    fn a_transport_error_is_transient_unless_the_request_is_invalid() {
        let now = SystemTime::now();
        let a = classify(&Err(TransportError::Timeout), false, now);
        assert_eq!(
            a,
            Attempt {
                outcome: Outcome::Transient,
                status: None,
                retry_after: None,
                detail: "request timed out".into()
            }
        );
        let a = classify(&Err(TransportError::Invalid("bad header".into())), false, now);
        assert_eq!((a.outcome, a.detail.as_str()), (Outcome::Rejected, "invalid request: bad header"));
    }
}
