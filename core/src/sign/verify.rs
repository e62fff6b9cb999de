//! Verification: [`VerifyOptions`], signature entries, header lookup and the
//! timestamp tolerance.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::Mac;

use super::encoding::{decode_hex, excerpt};
use super::signer::standard_mac;
use super::{
    HmacSha256, VerifyError, DEFAULT_TOLERANCE_SECS, MAC_LEN, SHA256_PREFIX, WEBHOOK_ID_HEADER,
    WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER,
};

/// Version tag of Standard Webhooks symmetric signatures.
const V1: &str = "v1";

/// Options of [`verify`](fn@super::verify).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Largest allowed distance, in seconds, between `webhook-timestamp` and
    /// `now`, in either direction (Standard Webhooks only). Default
    /// [`DEFAULT_TOLERANCE_SECS`].
    pub tolerance_secs: u64,
    /// The current time in unix seconds; `None` reads the system clock.
    /// Set it in tests, or to verify a stored request later.
    pub now: Option<i64>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions { tolerance_secs: DEFAULT_TOLERANCE_SECS, now: None }
    }
}

impl VerifyOptions {
    /// These options with `tolerance_secs` set.
    pub fn with_tolerance_secs(mut self, tolerance_secs: u64) -> Self {
        self.tolerance_secs = tolerance_secs;
        self
    }

    /// These options with the clock fixed at `now` (unix seconds).
    pub fn with_now(mut self, now: i64) -> Self {
        self.now = Some(now);
        self
    }
}

/// [`Signer::verify`](super::Signer::verify) under Standard Webhooks:
/// [`verify`](fn@super::verify) explains the checks and their order.
pub(super) fn verify_standard(
    macs: &[HmacSha256],
    body: &[u8],
    headers: &[(impl AsRef<str>, impl AsRef<str>)],
    opts: &VerifyOptions,
) -> Result<(), VerifyError> {
    let id = required_header(headers, WEBHOOK_ID_HEADER)?;
    let ts_raw = required_header(headers, WEBHOOK_TIMESTAMP_HEADER)?;
    let sig_values = signature_values(headers, WEBHOOK_SIGNATURE_HEADER)?;

    let ts = parse_timestamp(ts_raw)?;
    check_tolerance(ts, opts)?;

    // Parse every entry; remember the first problem, keep going so that a
    // valid entry elsewhere in the header can still match.
    let mut first_error: Option<VerifyError> = None;
    let mut unknown_versions: Vec<&str> = Vec::new();
    let mut candidates: Vec<Vec<u8>> = Vec::new();
    for entry in signature_entries(&sig_values) {
        match parse_v1_entry(entry) {
            Ok(Entry::V1(sig)) => candidates.push(sig),
            Ok(Entry::OtherVersion(v)) => {
                if unknown_versions.len() < 4 && !unknown_versions.contains(&v) {
                    unknown_versions.push(v);
                }
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if candidates.is_empty() {
        return Err(first_error.unwrap_or_else(|| VerifyError::UnknownVersion(excerpt(&unknown_versions.join(" ")))));
    }
    if std::str::from_utf8(body).is_err() {
        return Err(VerifyError::BodyNotUtf8);
    }
    for mac in macs {
        let state = standard_mac(mac, id, ts_raw, body);
        if any_matches(&state, &candidates) {
            return Ok(());
        }
    }
    Err(first_error.unwrap_or(VerifyError::NoMatchingSignature))
}

/// [`Signer::verify`](super::Signer::verify) under the sha256 scheme.
pub(super) fn verify_sha256(
    macs: &[HmacSha256],
    header: &str,
    body: &[u8],
    headers: &[(impl AsRef<str>, impl AsRef<str>)],
) -> Result<(), VerifyError> {
    let values = signature_values(headers, header)?;
    let mut first_error: Option<VerifyError> = None;
    let mut candidates: Vec<Vec<u8>> = Vec::new();
    for entry in signature_entries(&values) {
        match parse_sha256_entry(entry) {
            Ok(sig) => candidates.push(sig),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if candidates.is_empty() {
        // Values are non-empty, so at least one entry was seen and failed.
        return Err(first_error.unwrap_or(VerifyError::NoMatchingSignature));
    }
    for mac in macs {
        let mut state = mac.clone();
        state.update(body);
        if any_matches(&state, &candidates) {
            return Ok(());
        }
    }
    Err(first_error.unwrap_or(VerifyError::NoMatchingSignature))
}

/// The space-separated entries of signature header values. A header sent
/// on several lines arrives joined with ", " in some frameworks (Node's
/// `IncomingMessage`), so a trailing comma is not part of an entry: neither
/// base64 nor hex contains one.
fn signature_entries<'a>(values: &'a [impl AsRef<str>]) -> impl Iterator<Item = &'a str> + 'a {
    values.iter().flat_map(|v| v.as_ref().split_ascii_whitespace()).map(|e| match e.trim_end_matches(',') {
        // Nothing but commas: keep it, so it is reported as malformed.
        "" => e,
        trimmed => trimmed,
    })
}

/// A parsed Standard Webhooks signature entry.
enum Entry<'a> {
    /// A well-formed `v1` signature (32 bytes).
    V1(Vec<u8>),
    /// A syntactically plausible entry of another version (`v1a`, `v2`, ...).
    OtherVersion(&'a str),
}

fn parse_v1_entry(entry: &str) -> Result<Entry<'_>, VerifyError> {
    let Some((version, sig)) = entry.split_once(',') else {
        return Err(VerifyError::MalformedSignature(format!(
            "entry \"{}\" is not of the form v1,<base64>",
            excerpt(entry)
        )));
    };
    if version.is_empty() {
        return Err(VerifyError::MalformedSignature(format!(
            "entry \"{}\" has no version before the comma",
            excerpt(entry)
        )));
    }
    if version != V1 {
        return Ok(Entry::OtherVersion(version));
    }
    if sig.is_empty() {
        return Err(VerifyError::MalformedSignature("a v1 entry has an empty signature".to_string()));
    }
    let bytes = STANDARD.decode(sig).map_err(|_| VerifyError::InvalidBase64)?;
    if bytes.len() != MAC_LEN {
        return Err(VerifyError::MalformedSignature(format!(
            "a v1 signature decodes to {} bytes instead of {MAC_LEN}",
            bytes.len()
        )));
    }
    Ok(Entry::V1(bytes))
}

fn parse_sha256_entry(entry: &str) -> Result<Vec<u8>, VerifyError> {
    let malformed = || {
        VerifyError::MalformedSignature(format!(
            "entry \"{}\" is not sha256= followed by 64 hex digits",
            excerpt(entry)
        ))
    };
    let hex = entry.strip_prefix(SHA256_PREFIX).ok_or_else(malformed)?;
    decode_hex(hex, MAC_LEN).ok_or_else(malformed)
}

/// Clones `state` (already fed the signed content) once per candidate and
/// checks it with the constant-time, length-checked `verify_slice`. Every
/// candidate is checked, so timing does not reveal which one matched.
fn any_matches(state: &HmacSha256, candidates: &[Vec<u8>]) -> bool {
    let mut matched = false;
    for sig in candidates {
        matched |= state.clone().verify_slice(sig).is_ok();
    }
    matched
}

/// Trims HTTP optional whitespace (spaces and tabs) around a header value.
fn trim_ows(value: &str) -> &str {
    value.trim_matches(|c| c == ' ' || c == '\t')
}

/// The first value of header `name`, trimmed; missing or blank is an error.
fn required_header<'a>(headers: &'a [(impl AsRef<str>, impl AsRef<str>)], name: &str) -> Result<&'a str, VerifyError> {
    let value = headers
        .iter()
        .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
        .map(|(_, v)| trim_ows(v.as_ref()))
        .ok_or_else(|| VerifyError::MissingHeader(name.to_string()))?;
    if value.is_empty() {
        return Err(VerifyError::EmptyHeader(name.to_string()));
    }
    Ok(value)
}

/// Every non-blank value of header `name`, trimmed; none present or all
/// blank is an error.
fn signature_values<'a>(
    headers: &'a [(impl AsRef<str>, impl AsRef<str>)],
    name: &str,
) -> Result<Vec<&'a str>, VerifyError> {
    let mut seen = false;
    let mut values = Vec::new();
    for (k, v) in headers {
        if k.as_ref().eq_ignore_ascii_case(name) {
            seen = true;
            let v = v.as_ref().trim_matches(|c: char| c.is_ascii_whitespace());
            if !v.is_empty() {
                values.push(v);
            }
        }
    }
    if !seen {
        return Err(VerifyError::MissingHeader(name.to_string()));
    }
    if values.is_empty() {
        return Err(VerifyError::EmptyHeader(name.to_string()));
    }
    Ok(values)
}

fn parse_timestamp(raw: &str) -> Result<i64, VerifyError> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::InvalidTimestamp(excerpt(raw)));
    }
    raw.parse::<i64>().map_err(|_| VerifyError::InvalidTimestamp(excerpt(raw)))
}

fn check_tolerance(ts: i64, opts: &VerifyOptions) -> Result<(), VerifyError> {
    let now = opts.now.unwrap_or_else(system_now);
    let diff = i128::from(now) - i128::from(ts);
    let tolerance = i128::from(opts.tolerance_secs);
    let clamp = |v: i128| i64::try_from(v).unwrap_or(i64::MAX);
    if diff > tolerance {
        Err(VerifyError::TimestampTooOld { age_secs: clamp(diff) })
    } else if -diff > tolerance {
        Err(VerifyError::TimestampTooNew { ahead_secs: clamp(-diff) })
    } else {
        Ok(())
    }
}

pub(super) fn system_now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map(|s| -s).unwrap_or(i64::MIN),
    }
}
