//! The two signing schemes, their names and their signature headers.

use std::fmt;
use std::str::FromStr;

use super::encoding::excerpt;
use super::{SignError, DEFAULT_HMAC_HEADER, WEBHOOK_SIGNATURE_HEADER};

/// A webhook signing scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Standard Webhooks v1: `webhook-id`, `webhook-timestamp` and
    /// `webhook-signature: v1,<base64>` headers; secrets are base64, with an
    /// optional `whsec_` prefix. The default scheme.
    StandardWebhooks,
    /// `<header>: sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the
    /// secret's UTF-8 bytes (GitHub's style).
    HmacSha256 {
        /// Name of the signature header, e.g. [`DEFAULT_HMAC_HEADER`]. It
        /// must be an HTTP token; [`Signer::new`](super::Signer::new) checks it.
        header: String,
    },
}

impl Scheme {
    /// The sha256 scheme with the default header, [`DEFAULT_HMAC_HEADER`].
    pub fn hmac_sha256() -> Scheme {
        Scheme::HmacSha256 { header: DEFAULT_HMAC_HEADER.to_string() }
    }

    /// The sha256 scheme with a custom header name (checked by
    /// [`Signer::new`](super::Signer::new), not here).
    pub fn hmac_sha256_with_header(header: impl Into<String>) -> Scheme {
        Scheme::HmacSha256 { header: header.into() }
    }

    /// Parses a scheme name, ignoring ASCII case and surrounding whitespace:
    /// `standard`, `standard-webhooks` or `standard_webhooks` give
    /// [`Scheme::StandardWebhooks`]; `hmac-sha256`, `hmac_sha256` or `sha256`
    /// give [`Scheme::hmac_sha256`] (default header). Anything else is
    /// [`SignError::UnknownScheme`].
    pub fn parse(name: &str) -> Result<Scheme, SignError> {
        let n = name.trim();
        let is = |candidates: &[&str]| candidates.iter().any(|c| n.eq_ignore_ascii_case(c));
        if is(&["standard", "standard-webhooks", "standard_webhooks"]) {
            Ok(Scheme::StandardWebhooks)
        } else if is(&["hmac-sha256", "hmac_sha256", "sha256"]) {
            Ok(Scheme::hmac_sha256())
        } else {
            Err(SignError::UnknownScheme(excerpt(n)))
        }
    }

    /// The canonical name: `"standard-webhooks"` or `"hmac-sha256"`.
    pub fn name(&self) -> &'static str {
        match self {
            Scheme::StandardWebhooks => "standard-webhooks",
            Scheme::HmacSha256 { .. } => "hmac-sha256",
        }
    }

    /// The name of the header that carries the signature(s).
    pub fn signature_header(&self) -> &str {
        match self {
            Scheme::StandardWebhooks => WEBHOOK_SIGNATURE_HEADER,
            Scheme::HmacSha256 { header } => header,
        }
    }
}

impl Default for Scheme {
    /// [`Scheme::StandardWebhooks`].
    fn default() -> Self {
        Scheme::StandardWebhooks
    }
}

impl FromStr for Scheme {
    type Err = SignError;

    /// Same as [`Scheme::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scheme::parse(s)
    }
}

impl fmt::Display for Scheme {
    /// Writes [`Scheme::name`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
