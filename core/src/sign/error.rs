//! Why signing or verification failed, with stable codes for bindings.

use std::fmt;

use crate::error::ErrorCode;

/// Why a signer could not be built. Messages never contain secret material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignError {
    /// No secret was given; at least one is needed.
    NoSecret,
    /// A secret is unusable (empty, or for Standard Webhooks not base64).
    /// The string says which one and why, without quoting it.
    InvalidSecret(String),
    /// [`Scheme::parse`](super::Scheme::parse) did not recognise the name (quoted, truncated).
    UnknownScheme(String),
    /// The sha256 scheme's header name is not a valid HTTP header name
    /// (quoted, truncated).
    InvalidHeaderName(String),
}

impl SignError {
    /// A stable snake_case code for bindings: `no_secret`, `invalid_secret`,
    /// `unknown_scheme`, `invalid_header_name`.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The code, as the engine's `ErrorCode`.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            SignError::NoSecret => ErrorCode::NoSecret,
            SignError::InvalidSecret(_) => ErrorCode::InvalidSecret,
            SignError::UnknownScheme(_) => ErrorCode::UnknownScheme,
            SignError::InvalidHeaderName(_) => ErrorCode::InvalidHeaderName,
        }
    }
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::NoSecret => f.write_str("no signing secret was given; at least one is required"),
            SignError::InvalidSecret(why) => write!(f, "invalid signing secret: {why}"),
            SignError::UnknownScheme(name) => write!(
                f,
                "unknown signature scheme \"{name}\"; expected \"standard-webhooks\" or \"hmac-sha256\""
            ),
            SignError::InvalidHeaderName(name) => write!(
                f,
                "invalid signature header name \"{name}\"; it must be a non-empty HTTP token such as X-Hub-Signature-256"
            ),
        }
    }
}

impl std::error::Error for SignError {}

/// Why a request failed verification. Each variant's [`code`](VerifyError::code)
/// is stable across languages. Quoted request values are truncated and never
/// include secret material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// A required header is absent (its name).
    MissingHeader(String),
    /// A required header is present but empty or only whitespace (its name).
    EmptyHeader(String),
    /// A signature entry does not have the scheme's shape (`v1,` with nothing
    /// after it, no comma, a signature that is not 32 bytes, not
    /// `sha256=` + 64 hex digits, ...). The string describes the problem.
    MalformedSignature(String),
    /// A `v1` signature is not valid standard base64.
    InvalidBase64,
    /// The signature header only has entries of versions other than `v1`
    /// (the versions seen, space-separated, truncated).
    UnknownVersion(String),
    /// `webhook-timestamp` is not a decimal number of unix seconds (quoted,
    /// truncated).
    InvalidTimestamp(String),
    /// The timestamp is further in the past than the tolerance.
    TimestampTooOld {
        /// How many seconds old the timestamp is.
        age_secs: i64,
    },
    /// The timestamp is further in the future than the tolerance.
    TimestampTooNew {
        /// How many seconds ahead of the clock the timestamp is.
        ahead_secs: i64,
    },
    /// The body is not UTF-8 (Standard Webhooks signs text).
    BodyNotUtf8,
    /// The signatures are well formed but none matches any secret.
    NoMatchingSignature,
    /// No secret was given to verify with.
    NoSecret,
    /// A secret is unusable (see [`SignError::InvalidSecret`]).
    InvalidSecret(String),
}

impl VerifyError {
    /// A stable snake_case code for bindings and test vectors:
    /// `missing_header`, `empty_header`, `malformed_signature`,
    /// `invalid_base64`, `unknown_version`, `invalid_timestamp`,
    /// `timestamp_too_old`, `timestamp_too_new`, `body_not_utf8`,
    /// `no_matching_signature`, `no_secret`, `invalid_secret`.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The code, as the engine's `ErrorCode`.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            VerifyError::MissingHeader(_) => ErrorCode::MissingHeader,
            VerifyError::EmptyHeader(_) => ErrorCode::EmptyHeader,
            VerifyError::MalformedSignature(_) => ErrorCode::MalformedSignature,
            VerifyError::InvalidBase64 => ErrorCode::InvalidBase64,
            VerifyError::UnknownVersion(_) => ErrorCode::UnknownVersion,
            VerifyError::InvalidTimestamp(_) => ErrorCode::InvalidTimestamp,
            VerifyError::TimestampTooOld { .. } => ErrorCode::TimestampTooOld,
            VerifyError::TimestampTooNew { .. } => ErrorCode::TimestampTooNew,
            VerifyError::BodyNotUtf8 => ErrorCode::BodyNotUtf8,
            VerifyError::NoMatchingSignature => ErrorCode::NoMatchingSignature,
            VerifyError::NoSecret => ErrorCode::NoSecret,
            VerifyError::InvalidSecret(_) => ErrorCode::InvalidSecret,
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::MissingHeader(name) => write!(f, "the {name} header is missing"),
            VerifyError::EmptyHeader(name) => write!(f, "the {name} header is empty"),
            VerifyError::MalformedSignature(why) => write!(f, "the signature is malformed: {why}"),
            VerifyError::InvalidBase64 => f.write_str("the v1 signature is not valid standard base64"),
            VerifyError::UnknownVersion(v) => {
                write!(f, "the signature header has no v1 signature, only unsupported versions ({v})")
            }
            VerifyError::InvalidTimestamp(raw) => {
                write!(f, "the webhook-timestamp header \"{raw}\" is not a whole number of unix seconds")
            }
            VerifyError::TimestampTooOld { age_secs } => {
                write!(f, "the message timestamp is {age_secs} seconds old, beyond the allowed tolerance")
            }
            VerifyError::TimestampTooNew { ahead_secs } => {
                write!(f, "the message timestamp is {ahead_secs} seconds in the future, beyond the allowed tolerance")
            }
            VerifyError::BodyNotUtf8 => {
                f.write_str("the body is not valid UTF-8, so it cannot carry a Standard Webhooks signature")
            }
            VerifyError::NoMatchingSignature => f.write_str("no signature matched any of the secrets"),
            VerifyError::NoSecret => f.write_str("no secret was given to verify with; at least one is required"),
            VerifyError::InvalidSecret(why) => write!(f, "invalid signing secret: {why}"),
        }
    }
}

impl std::error::Error for VerifyError {}

impl From<SignError> for VerifyError {
    /// Maps secret problems across. `UnknownScheme` and `InvalidHeaderName`
    /// cannot come out of verification; they map to `MalformedSignature`.
    fn from(e: SignError) -> Self {
        match e {
            SignError::NoSecret => VerifyError::NoSecret,
            SignError::InvalidSecret(why) => VerifyError::InvalidSecret(why),
            other => VerifyError::MalformedSignature(other.to_string()),
        }
    }
}
