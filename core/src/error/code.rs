//! The stable code of every error a face raises.

use std::fmt;

/// Stable snake_case codes of every error a face raises at a call site:
/// the C status's `outbox_last_error_code`, Node's `error.code` and Python's
/// `error.code` all come from here, so they cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// An option has an unusable value.
    InvalidOption,
    /// An event is malformed.
    InvalidEvent,
    /// An event (or webhook message) is over its size limit.
    EventTooLarge,
    /// Text handed over as JSON does not parse.
    InvalidJson,
    /// The client or sender was shut down.
    Closed,
    /// Signing or verifying needs at least one secret.
    NoSecret,
    /// A signing secret is unusable.
    InvalidSecret,
    /// A signature scheme name nobody knows.
    UnknownScheme,
    /// A signature header name HTTP does not allow.
    InvalidHeaderName,
    /// A signature did not verify (the C status's code; each reason below has its own).
    VerifyFailed,
    /// Verification: a signature header is missing.
    MissingHeader,
    /// Verification: a signature header is empty.
    EmptyHeader,
    /// Verification: a signature is not in the scheme's form.
    MalformedSignature,
    /// Verification: a signature is not base64.
    InvalidBase64,
    /// Verification: no signature of a version this library knows.
    UnknownVersion,
    /// Verification: the timestamp header is not a number.
    InvalidTimestamp,
    /// Verification: the timestamp is older than the tolerance.
    TimestampTooOld,
    /// Verification: the timestamp is further ahead than the tolerance.
    TimestampTooNew,
    /// Verification: the body is not UTF-8 text.
    BodyNotUtf8,
    /// Verification: no signature matches any secret.
    NoMatchingSignature,
    /// A required pointer argument was NULL (C).
    NullArgument,
    /// A string argument was not UTF-8 (C).
    InvalidUtf8,
    /// An argument of the right type but an unusable value (C).
    InvalidArgument,
    /// An output buffer was too small (C).
    BufferTooSmall,
    /// `deliver` could not deliver its events.
    NotDelivered,
    /// Outbox panicked; the call did nothing (a bug: please report it).
    Panic,
    /// Outbox failed in a way that is its own fault (a bug: please report it).
    Internal,
}

impl ErrorCode {
    /// Every code, in a stable order.
    pub const ALL: [ErrorCode; 27] = [
        ErrorCode::InvalidOption,
        ErrorCode::InvalidEvent,
        ErrorCode::EventTooLarge,
        ErrorCode::InvalidJson,
        ErrorCode::Closed,
        ErrorCode::NoSecret,
        ErrorCode::InvalidSecret,
        ErrorCode::UnknownScheme,
        ErrorCode::InvalidHeaderName,
        ErrorCode::VerifyFailed,
        ErrorCode::MissingHeader,
        ErrorCode::EmptyHeader,
        ErrorCode::MalformedSignature,
        ErrorCode::InvalidBase64,
        ErrorCode::UnknownVersion,
        ErrorCode::InvalidTimestamp,
        ErrorCode::TimestampTooOld,
        ErrorCode::TimestampTooNew,
        ErrorCode::BodyNotUtf8,
        ErrorCode::NoMatchingSignature,
        ErrorCode::NullArgument,
        ErrorCode::InvalidUtf8,
        ErrorCode::InvalidArgument,
        ErrorCode::BufferTooSmall,
        ErrorCode::NotDelivered,
        ErrorCode::Panic,
        ErrorCode::Internal,
    ];

    /// The stable name every face uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidOption => "invalid_option",
            ErrorCode::InvalidEvent => "invalid_event",
            ErrorCode::EventTooLarge => "event_too_large",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::Closed => "closed",
            ErrorCode::NoSecret => "no_secret",
            ErrorCode::InvalidSecret => "invalid_secret",
            ErrorCode::UnknownScheme => "unknown_scheme",
            ErrorCode::InvalidHeaderName => "invalid_header_name",
            ErrorCode::VerifyFailed => "verify_failed",
            ErrorCode::MissingHeader => "missing_header",
            ErrorCode::EmptyHeader => "empty_header",
            ErrorCode::MalformedSignature => "malformed_signature",
            ErrorCode::InvalidBase64 => "invalid_base64",
            ErrorCode::UnknownVersion => "unknown_version",
            ErrorCode::InvalidTimestamp => "invalid_timestamp",
            ErrorCode::TimestampTooOld => "timestamp_too_old",
            ErrorCode::TimestampTooNew => "timestamp_too_new",
            ErrorCode::BodyNotUtf8 => "body_not_utf8",
            ErrorCode::NoMatchingSignature => "no_matching_signature",
            ErrorCode::NullArgument => "null_argument",
            ErrorCode::InvalidUtf8 => "invalid_utf8",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::BufferTooSmall => "buffer_too_small",
            ErrorCode::NotDelivered => "not_delivered",
            ErrorCode::Panic => "panic",
            ErrorCode::Internal => "internal",
        }
    }

    /// A reason a received webhook failed verification (its own family of
    /// codes in the typings; `no_secret` and `invalid_secret` belong to both).
    pub fn is_verification(self) -> bool {
        matches!(
            self,
            ErrorCode::MissingHeader
                | ErrorCode::EmptyHeader
                | ErrorCode::MalformedSignature
                | ErrorCode::InvalidBase64
                | ErrorCode::UnknownVersion
                | ErrorCode::InvalidTimestamp
                | ErrorCode::TimestampTooOld
                | ErrorCode::TimestampTooNew
                | ErrorCode::BodyNotUtf8
                | ErrorCode::NoMatchingSignature
                | ErrorCode::NoSecret
                | ErrorCode::InvalidSecret
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
