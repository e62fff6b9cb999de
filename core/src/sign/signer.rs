//! [`Signer`]: validated keys that sign (and verify) many requests.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{KeyInit, Mac};

use super::encoding::{decode_secret, excerpt, is_http_token, push_hex};
use super::verify::{verify_sha256, verify_standard};
use super::{
    HmacSha256, Scheme, SignError, VerifyError, VerifyOptions, SHA256_PREFIX, WEBHOOK_ID_HEADER,
    WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER,
};

/// Validated, decoded keys, built once per sender so signing each request does
/// no base64 work (the HMAC key schedule is precomputed too).
///
/// Its `Debug` output shows the scheme and the number of secrets, never key
/// material.
#[derive(Clone)]
pub struct Signer {
    scheme: Scheme,
    /// One keyed HMAC state per secret, in the order given; never empty.
    macs: Vec<HmacSha256>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("scheme", &self.scheme)
            .field("secrets", &self.macs.len())
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Validates and decodes `secrets` (at least one) for `scheme`.
    ///
    /// Standard Webhooks secrets are standard base64 (padding optional) after
    /// an optional `whsec_` prefix; whitespace is not trimmed and makes the
    /// secret invalid. sha256 secrets are used as raw UTF-8 bytes and must
    /// not be empty. For the sha256 scheme the header name must be an HTTP
    /// token.
    pub fn new(scheme: Scheme, secrets: &[impl AsRef<str>]) -> Result<Signer, SignError> {
        if let Scheme::HmacSha256 { header } = &scheme {
            if !is_http_token(header) {
                return Err(SignError::InvalidHeaderName(excerpt(header)));
            }
        }
        Signer::build(scheme, secrets)
    }

    /// [`Signer::new`] without the header-name check (used by
    /// [`verify`](fn@super::verify), where a bad name simply never matches a
    /// request header).
    pub(super) fn build(scheme: Scheme, secrets: &[impl AsRef<str>]) -> Result<Signer, SignError> {
        if secrets.is_empty() {
            return Err(SignError::NoSecret);
        }
        let mut macs = Vec::with_capacity(secrets.len());
        for (index, secret) in secrets.iter().enumerate() {
            let key = decode_secret(&scheme, index, secret.as_ref())?;
            let mac = HmacSha256::new_from_slice(&key).map_err(|_| {
                SignError::InvalidSecret(format!("the secret at index {index} cannot be used as an HMAC key"))
            })?;
            macs.push(mac);
        }
        Ok(Signer { scheme, macs })
    }

    /// The scheme this signer signs with.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// How many secrets (signatures per request) this signer has.
    pub fn secret_count(&self) -> usize {
        self.macs.len()
    }

    /// Headers to add to one attempt, names as sent.
    ///
    /// Standard Webhooks: `webhook-id: {id}`, `webhook-timestamp: {timestamp}`
    /// and `webhook-signature` with one `v1,<base64>` entry per secret,
    /// space-separated, over the bytes `{id}.{timestamp}.{body}`, where
    /// `timestamp` is unix seconds in decimal (use a non-negative value:
    /// [`verify`](fn@super::verify) only accepts digits). The receiver's
    /// [`verify`](fn@super::verify) rejects non-UTF-8 bodies under this
    /// scheme, so send text. `id` must be a valid header value (no CR/LF); the engine's
    /// ids are.
    ///
    /// sha256: one header (the scheme's name) with one `sha256=<hex>` entry
    /// per secret, space-separated. `id` and `timestamp` are ignored. Note
    /// that receivers that compare the header as a whole string only accept
    /// a single secret.
    #[must_use]
    pub fn headers(&self, id: &str, timestamp: i64, body: &[u8]) -> Vec<(String, String)> {
        match &self.scheme {
            Scheme::StandardWebhooks => {
                let ts = timestamp.to_string();
                let mut value = String::with_capacity(self.macs.len() * 48);
                for mac in &self.macs {
                    let tag = standard_mac(mac, id, &ts, body).finalize().into_bytes();
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str("v1,");
                    STANDARD.encode_string(tag, &mut value);
                }
                vec![
                    (WEBHOOK_ID_HEADER.to_string(), id.to_string()),
                    (WEBHOOK_TIMESTAMP_HEADER.to_string(), ts),
                    (WEBHOOK_SIGNATURE_HEADER.to_string(), value),
                ]
            }
            Scheme::HmacSha256 { header } => {
                let mut value = String::with_capacity(self.macs.len() * 72);
                for mac in &self.macs {
                    let mut m = mac.clone();
                    m.update(body);
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str(SHA256_PREFIX);
                    push_hex(&mut value, &m.finalize().into_bytes());
                }
                vec![(header.clone(), value)]
            }
        }
    }
    /// Verifies one request with this signer's secrets. See
    /// [`verify`](fn@super::verify).
    pub fn verify(
        &self,
        body: &[u8],
        headers: &[(impl AsRef<str>, impl AsRef<str>)],
        opts: &VerifyOptions,
    ) -> Result<(), VerifyError> {
        match &self.scheme {
            Scheme::StandardWebhooks => verify_standard(&self.macs, body, headers, opts),
            Scheme::HmacSha256 { header } => verify_sha256(&self.macs, header, body, headers),
        }
    }
}

/// HMAC state fed with the Standard Webhooks signed content.
pub(super) fn standard_mac(mac: &HmacSha256, id: &str, ts: &str, body: &[u8]) -> HmacSha256 {
    let mut m = mac.clone();
    m.update(id.as_bytes());
    m.update(b".");
    m.update(ts.as_bytes());
    m.update(b".");
    m.update(body);
    m
}
