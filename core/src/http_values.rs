//! What the HTTP client accepts (URLs, proxies, header names and values),
//! checked with its own parsers, and how URLs and headers are shown without
//! their secrets. A leaf: options check with it, the transport builds with it.

use std::fmt;

use reqwest::header::{HeaderName, HeaderValue};

/// Checks one extra HTTP header with the HTTP client's own parsers, so a
/// header that passes can always be sent. The message names the header,
/// never its value (which may be a secret).
pub fn check_header(name: &str, value: &str) -> Result<(), String> {
    parse_header(name, value).map(|_| ())
}

/// The header as the HTTP client takes it (the one place headers are checked).
pub(crate) fn parse_header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), String> {
    let parsed_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        format!("header name {name:?} is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)")
    })?;
    let parsed_value = HeaderValue::from_str(value).map_err(|_| {
        format!("header {name:?} has a line break or another control character (such as NUL or DEL) in its value")
    })?;
    Ok((parsed_name, parsed_value))
}

/// An `http://` or `https://` URL as the HTTP client parses it. The message
/// shows the URL without credentials or query.
pub(crate) fn parse_http_url(url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| format!("{} is not a valid URL: {e}", redact_url(url)))?;
    if !matches!(parsed.scheme(), "http" | "https") || !parsed.has_host() {
        return Err(format!("{} must be an http:// or https:// URL with a host", redact_url(url)));
    }
    Ok(parsed)
}

/// The `proxy` option as the HTTP client takes it. Only `http://` and
/// `https://` proxies work in this build (the client would ignore other
/// schemes silently and connect directly); like the client, a URL without
/// a scheme is taken as `http://`.
pub(crate) fn parse_proxy(proxy: &str) -> Result<reqwest::Proxy, String> {
    let refused = || {
        format!(
            "proxy {} is not a proxy URL the HTTP client accepts (e.g. \"http://proxy.internal:3128\")",
            redact_url(proxy)
        )
    };
    let url = reqwest::Url::parse(proxy)
        .ok()
        .filter(reqwest::Url::has_host)
        .or_else(|| reqwest::Url::parse(&format!("http://{proxy}")).ok())
        .ok_or_else(refused)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("proxy {} must be an http:// or https:// URL", redact_url(proxy)));
    }
    reqwest::Proxy::all(proxy).map_err(|_| refused())
}

/// Prints header names and hides their values.
pub(crate) struct HeaderNames<'a>(pub(crate) &'a [(String, String)]);

impl fmt::Debug for HeaderNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.iter().map(|(name, _)| (name, "***"))).finish()
    }
}

/// `url` without its secrets, for errors, logs and `Debug`: credentials
/// (userinfo) and the query become `***` and the fragment is dropped, so
/// `https://user:pw@host:8443/p?key=1` prints as `https://***@host:8443/p?***`.
/// Text that is not a valid URL is redacted too, more bluntly.
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) if parsed.has_host() => redact_parsed(parsed),
        _ => redact_text(url),
    }
}

fn redact_parsed(mut url: reqwest::Url) -> String {
    if !url.username().is_empty() || url.password().is_some() {
        // Cannot fail: the URL has a host.
        let _ = url.set_password(None);
        let _ = url.set_username("***");
    }
    if url.query().is_some() {
        url.set_query(Some("***"));
    }
    url.set_fragment(None);
    url.to_string()
}

/// Everything before the last `@` of the part up to `?`/`#` may be a
/// credential; everything after `?` or `#` may be a token.
fn redact_text(text: &str) -> String {
    let (before, after) = match text.find(['?', '#']) {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    let mut out = match (before.find("://"), before.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}***{}", &before[..s + 3], &before[at..]),
        (None, Some(at)) => format!("***{}", &before[at..]),
        _ => before.to_owned(),
    };
    if let Some(mark) = after.chars().next() {
        out.push(mark);
        out.push_str("***");
    }
    out
}
