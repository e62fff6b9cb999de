//! Options of a webhook sender and of each of its endpoints.

use std::fmt;
use std::time::Duration;

use super::{check_duration, check_header, parse_http_url, DeliveryOptions};
use crate::error::Error;
use crate::http_values::{redact_url, HeaderNames};
use crate::sign::{Scheme, Signer};

/// One destination.
#[derive(Clone)]
pub struct Endpoint {
    /// An `http://` or `https://` URL the HTTP client accepts.
    pub url: String,
    /// Signing secrets (several during rotation). Empty sends unsigned.
    pub secrets: Vec<String>,
    /// How messages are signed. Default Standard Webhooks.
    pub scheme: Scheme,
    /// Deadline of one delivery attempt. Default 5 s: webhook receivers are
    /// expected to answer fast and work asynchronously. Above zero, at most
    /// one day.
    pub timeout: Duration,
    /// Extra headers (checked as `options::check_header` does).
    pub headers: Vec<(String, String)>,
}

/// Prints no secret: the URL without credentials or query, the number of
/// secrets, header names without values.
impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &redact_url(&self.url))
            .field("secrets", &format!("<{} redacted>", self.secrets.len()))
            .field("scheme", &self.scheme)
            .field("timeout", &self.timeout)
            .field("headers", &HeaderNames(&self.headers))
            .finish()
    }
}

impl Endpoint {
    /// An endpoint at `url`, unsigned until a secret is added, with every default.
    pub fn new(url: impl Into<String>) -> Endpoint {
        Endpoint {
            url: url.into(),
            secrets: Vec::new(),
            scheme: Scheme::StandardWebhooks,
            timeout: Duration::from_secs(5),
            headers: Vec::new(),
        }
    }

    /// Adds a signing secret (several during rotation).
    pub fn secret(mut self, secret: impl Into<String>) -> Endpoint {
        self.secrets.push(secret.into());
        self
    }

    /// Signs with `scheme`.
    pub fn scheme(mut self, scheme: Scheme) -> Endpoint {
        self.scheme = scheme;
        self
    }

    /// Checks the URL, timeout, headers and secrets.
    pub(crate) fn check(&self) -> Result<(), String> {
        let url = self.url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "{} must start with http:// or https://, got {:?}",
                crate::names::option("url"),
                redact_url(url)
            ));
        }
        parse_http_url(url)?;
        check_duration("timeout", self.timeout, false)?;
        for (name, value) in &self.headers {
            check_header(name, value)?;
        }
        if !self.secrets.is_empty() {
            Signer::new(self.scheme.clone(), &self.secrets).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Options of a webhook sender; queue and retry settings apply per endpoint.
/// Every duration is at most one day (`options::MAX_DURATION`); only the
/// block timeout of `OnFull::Block` may be unlimited.
#[derive(Clone)]
pub struct WebhookOptions {
    /// Where every message goes.
    pub endpoints: Vec<Endpoint>,
    /// Largest message body accepted. Default 256 KB.
    pub max_message_bytes: usize,
    /// Queue, retries and lifecycle, per endpoint (defaults:
    /// `DeliveryOptions::for_webhooks`).
    pub delivery: DeliveryOptions,
}

/// Prints no secret (see `Endpoint`; the proxy without credentials).
impl fmt::Debug for WebhookOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookOptions")
            .field("endpoints", &self.endpoints)
            .field("max_message_bytes", &self.max_message_bytes)
            .field("max_queue_size", &self.delivery.max_queue_size)
            .field("on_full", &self.delivery.on_full)
            .field("max_retries", &self.delivery.max_retries)
            .field("proxy", &self.delivery.proxy.as_deref().map(redact_url))
            .field("test_mode", &self.delivery.test_mode)
            .finish_non_exhaustive()
    }
}

impl Default for WebhookOptions {
    fn default() -> WebhookOptions {
        WebhookOptions { endpoints: Vec::new(), max_message_bytes: 256_000, delivery: DeliveryOptions::for_webhooks() }
    }
}

impl WebhookOptions {
    /// Checks every option; the first problem found is reported.
    pub fn validate(&self) -> Result<(), Error> {
        self.check().map_err(Error::invalid_option)
    }

    fn check(&self) -> Result<(), String> {
        if self.endpoints.is_empty() {
            return Err(format!(
                "a webhook sender needs at least one endpoint ({})",
                crate::names::option("endpoints")
            ));
        }
        if self.max_message_bytes == 0 {
            return Err(format!("{} must be at least 1", crate::names::option("max_message_bytes")));
        }
        self.delivery.check()?;
        if self.max_message_bytes > self.delivery.max_queue_bytes {
            return Err(format!(
                "{} must not exceed {}",
                crate::names::option("max_message_bytes"),
                crate::names::option("max_queue_bytes")
            ));
        }
        for (i, endpoint) in self.endpoints.iter().enumerate() {
            endpoint.check().map_err(|e| format!("endpoint {i} ({}): {e}", redact_url(&endpoint.url)))?;
        }
        Ok(())
    }
}
