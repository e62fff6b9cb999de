//! Signing schemes, verification and user hashes. Pure functions: no I/O,
//! no panics on any input.
//!
//! Two webhook signing schemes are supported:
//!
//! * [`Scheme::StandardWebhooks`] ([Standard Webhooks] v1, as used by Svix):
//!   three headers, `webhook-id`, `webhook-timestamp` and
//!   `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
//!   The key is the base64 decoding of the secret, after an optional `whsec_`
//!   prefix.
//! * [`Scheme::HmacSha256`] (GitHub's style): one header,
//!   `X-Hub-Signature-256: sha256=<lowercase hex HMAC-SHA256(secret, body)>`,
//!   whose name is configurable. The secret's UTF-8 bytes are the key.
//!
//! Several secrets sign at once, for key rotation: the signature header then
//! carries one space-separated entry per secret, and [`verify`] accepts a
//! request when any well-formed entry matches any of its secrets.
//!
//! [`user_hash`] computes the hex HMAC-SHA256 of a user id, for front-end
//! identity verification (Intercom-style), and [`verify_user_hash`] checks one
//! in constant time; [`user_hash_with`] also offers the plain SHA-256 form
//! some widgets expect ([`UserHashAlgorithm`]).
//!
//! All comparisons of secret-derived values are constant time and
//! length-checked ([`hmac::Mac::verify_slice`], `subtle` for user hashes).
//!
//! ```
//! use outbox_engine::sign::{sign, verify, Scheme, VerifyOptions};
//!
//! let secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"];
//! let body = br#"{"test": 2432232314}"#;
//! let headers = sign(&Scheme::StandardWebhooks, &secrets, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)?;
//! assert_eq!(headers[2].1, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
//!
//! let opts = VerifyOptions { now: Some(1614265330), ..VerifyOptions::default() };
//! assert!(verify(&Scheme::StandardWebhooks, body, &headers, &secrets, &opts).is_ok());
//! # Ok::<(), outbox_engine::sign::SignError>(())
//! ```
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com/

mod encoding;
mod error;
mod scheme;
mod signer;
mod user_hash;
mod verify;

#[cfg(test)]
mod tests;

use hmac::Hmac;
use sha2::Sha256;

pub use error::{SignError, VerifyError};
pub use scheme::Scheme;
pub use signer::Signer;
pub use user_hash::{
    user_hash, user_hash_with, verify_user_hash, verify_user_hash_with, UnknownAlgorithm, UserHashAlgorithm,
};
pub use verify::VerifyOptions;

/// The MAC of both schemes.
type HmacSha256 = Hmac<Sha256>;

/// Default clock tolerance of Standard Webhooks verification, in seconds,
/// applied both to the past (replays) and to the future (clock skew).
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

/// Default signature header of the [`Scheme::HmacSha256`] scheme (GitHub's).
pub const DEFAULT_HMAC_HEADER: &str = "X-Hub-Signature-256";

/// Message id header of the Standard Webhooks scheme.
pub const WEBHOOK_ID_HEADER: &str = "webhook-id";

/// Timestamp header (unix seconds, decimal) of the Standard Webhooks scheme.
pub const WEBHOOK_TIMESTAMP_HEADER: &str = "webhook-timestamp";

/// Signature header of the Standard Webhooks scheme.
pub const WEBHOOK_SIGNATURE_HEADER: &str = "webhook-signature";

/// Prefix of each entry of the sha256 scheme's header.
const SHA256_PREFIX: &str = "sha256=";
/// Length in bytes of an HMAC-SHA256 tag.
const MAC_LEN: usize = 32;

/// Signs one request: [`Signer::new`] then [`Signer::headers`]. Build a
/// [`Signer`] once instead when signing many requests with the same secrets.
pub fn sign(
    scheme: &Scheme,
    secrets: &[impl AsRef<str>],
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<Vec<(String, String)>, SignError> {
    Ok(Signer::new(scheme.clone(), secrets)?.headers(id, timestamp, body))
}

/// Verifies a received webhook.
///
/// `body` is the raw body as received (before any JSON parsing), `headers`
/// the request headers as name/value pairs (names compared ignoring ASCII
/// case; values trimmed of surrounding spaces and tabs), `secrets` one or
/// several secrets (rotation: any may match).
///
/// Checks, in this order, each failing with its own [`VerifyError`]:
/// 1. the secrets (`NoSecret`, `InvalidSecret`);
/// 2. Standard Webhooks: `webhook-id`, `webhook-timestamp`,
///    `webhook-signature` present (`MissingHeader`) and not blank
///    (`EmptyHeader`); the timestamp is digits only (`InvalidTimestamp`) and
///    within `opts.tolerance_secs` of `opts.now` (`TimestampTooOld`,
///    `TimestampTooNew`). sha256: the scheme's header present and not blank;
/// 3. the signature entries (space-separated). An entry that is not
///    well formed (`MalformedSignature`, `InvalidBase64`) or of an unknown
///    version is skipped; if no usable entry remains, the first entry
///    problem is returned, or `UnknownVersion` when all entries were of
///    other versions;
/// 4. Standard Webhooks: the body is UTF-8 (`BodyNotUtf8`);
/// 5. some entry matches some secret, compared in constant time; otherwise
///    the first entry problem, if any, else `NoMatchingSignature`.
///
/// When a header occurs several times, the first `webhook-id` and
/// `webhook-timestamp` are used and the entries of every signature header
/// are considered.
pub fn verify(
    scheme: &Scheme,
    body: &[u8],
    headers: &[(impl AsRef<str>, impl AsRef<str>)],
    secrets: &[impl AsRef<str>],
    opts: &VerifyOptions,
) -> Result<(), VerifyError> {
    Signer::build(scheme.clone(), secrets)?.verify(body, headers, opts)
}
