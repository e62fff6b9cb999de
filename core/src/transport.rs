//! Sending one HTTP request. Behind a trait so tests, `test_mode` and users
//! can put something else in place of the network.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

/// One request, fully built (headers, signed, compressed). Its `Debug`
/// shows the URL redacted and the header names only: values such as
/// `Authorization` are secrets.
#[derive(Clone)]
pub struct HttpRequest {
    /// Where it goes.
    pub url: String,
    /// Its headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body, exactly as sent (gzipped when `Content-Encoding` says so).
    pub body: Vec<u8>,
    /// The deadline for the whole exchange.
    pub timeout: Duration,
}

impl HttpRequest {
    /// Case-insensitive header lookup.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("url", &redact_url(&self.url))
            .field("headers", &HeaderNames(&self.headers))
            .field("body_bytes", &self.body.len())
            .field("timeout", &self.timeout)
            .finish()
    }
}

pub use crate::http_values::redact_url;
pub(crate) use crate::http_values::HeaderNames;

/// What came back: the status and the headers the retry policy reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` header, as the server wrote it.
    pub retry_after: Option<String>,
}

/// Why no response arrived. All are transient except `Invalid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// No answer within the request timeout.
    Timeout,
    /// No connection (refused, unreachable, TLS failed).
    Connect(String),
    /// Anything else that broke the exchange.
    Other(String),
    /// The request cannot be built (a URL or header the HTTP client
    /// refuses). Sending it again can never succeed.
    Invalid(String),
}

impl TransportError {
    /// True when retrying cannot help: the events are to be given up (and
    /// reported), not retried.
    pub fn is_permanent(&self) -> bool {
        matches!(self, TransportError::Invalid(_))
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Timeout => write!(f, "request timed out"),
            TransportError::Connect(m) => write!(f, "connection failed: {m}"),
            TransportError::Other(m) => write!(f, "request failed: {m}"),
            TransportError::Invalid(m) => write!(f, "invalid request: {m}"),
        }
    }
}

/// What `Transport::send` returns.
pub type SendFuture = Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send>>;

/// Sends requests. Called from the background runtime; must not block.
pub trait Transport: Send + Sync + 'static {
    /// Sends one request; called on the engine's runtime.
    fn send(&self, request: HttpRequest) -> SendFuture;
}

/// Settings of the HTTP transport.
#[derive(Clone)]
pub struct HttpSettings {
    /// Deadline of opening a connection.
    pub connect_timeout: Duration,
    /// Proxy URL; `None` reads `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`.
    pub proxy: Option<String>,
}

impl fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSettings")
            .field("connect_timeout", &self.connect_timeout)
            // A proxy URL may carry credentials.
            .field("proxy", &self.proxy.as_deref().map(redact_url))
            .finish()
    }
}

/// The most of a response body read. Outbox only needs the status; reading
/// a small body lets the connection be reused, and the cap keeps a hostile
/// endpoint (one streaming without end) from growing memory: past it the
/// connection is dropped.
pub const MAX_RESPONSE_BODY: usize = 64 * 1024;

/// The real transport: reqwest over rustls (ring), no OpenSSL. Redirects are
/// never followed (a signed request must reach the URL it was signed for).
/// Proxies come from the `proxy` option, else from `HTTPS_PROXY`,
/// `HTTP_PROXY` and `NO_PROXY`.
pub struct HttpTransport {
    client: reqwest::Client,
}

impl HttpTransport {
    /// An HTTP client with these settings (rustls, ring, the platform verifier).
    pub fn new(settings: &HttpSettings) -> Result<HttpTransport, String> {
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.connect_timeout)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("outbox/", env!("CARGO_PKG_VERSION")));
        if let Some(url) = &settings.proxy {
            builder = builder.proxy(crate::http_values::parse_proxy(url)?);
        }
        let client =
            builder.build().map_err(|e| format!("cannot build the HTTP client: {}", error_chain(&e.without_url())))?;
        Ok(HttpTransport { client })
    }
}

/// TLS with an explicit provider (ring), never the process-wide default: a
/// host program may install its own (or none), and Outbox must neither
/// depend on that nor change it. The trust roots are the platform's (the
/// verifier reqwest uses by default); ALPN offers HTTP/1.1, the only
/// version this build speaks.
fn tls_config() -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
        .map_err(|e| format!("cannot load the platform's TLS trust roots: {e}"))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot configure TLS: {e}"))?
        .dangerous() // Not a shortcut: the platform verifier checks certificates fully.
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

impl Transport for HttpTransport {
    fn send(&self, request: HttpRequest) -> SendFuture {
        // Built before anything is sent: a request that cannot be built is a
        // permanent failure, never a retry.
        let built = build_request(&self.client, request);
        let client = self.client.clone();
        Box::pin(async move {
            let mut response = client.execute(built?).await.map_err(classify_error)?;
            let retry_after =
                response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let status = response.status().as_u16();
            drain_body(&mut response).await;
            Ok(HttpResponse { status, retry_after })
        })
    }
}

fn build_request(client: &reqwest::Client, request: HttpRequest) -> Result<reqwest::Request, TransportError> {
    let url = crate::http_values::parse_http_url(&request.url).map_err(TransportError::Invalid)?;
    let mut builder = client.post(url).timeout(request.timeout);
    for (name, value) in &request.headers {
        let (name, mut value) = crate::http_values::parse_header(name, value).map_err(TransportError::Invalid)?;
        if name == reqwest::header::AUTHORIZATION || name == reqwest::header::PROXY_AUTHORIZATION {
            value.set_sensitive(true);
        }
        builder = builder.header(name, value);
    }
    builder.body(request.body).build().map_err(classify_error)
}

/// Reads and discards up to `MAX_RESPONSE_BODY` bytes so a small body
/// leaves the connection reusable; stops there (dropping the response then
/// closes the connection). Errors reading it do not matter: the status is
/// the outcome. The request timeout still bounds the time spent here.
async fn drain_body(response: &mut reqwest::Response) {
    let mut read = 0;
    while read < MAX_RESPONSE_BODY {
        match response.chunk().await {
            Ok(Some(chunk)) => read += chunk.len(),
            Ok(None) | Err(_) => return,
        }
    }
}

fn classify_error(e: reqwest::Error) -> TransportError {
    // reqwest's text names the URL, which may carry credentials or a token.
    let e = e.without_url();
    if e.is_builder() {
        TransportError::Invalid(error_chain(&e))
    } else if e.is_timeout() {
        TransportError::Timeout
    } else if e.is_connect() {
        TransportError::Connect(error_chain(&e))
    } else {
        TransportError::Other(error_chain(&e))
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A request the memory transport received. Its `Debug`, like
/// `HttpRequest`'s, hides header values and URL secrets.
#[derive(Clone)]
pub struct CapturedRequest {
    /// Where it went.
    pub url: String,
    /// Its headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body as sent, gzip-decoded when it was compressed.
    pub body: Vec<u8>,
}

impl fmt::Debug for CapturedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CapturedRequest")
            .field("url", &redact_url(&self.url))
            .field("headers", &HeaderNames(&self.headers))
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// Keeps requests in memory and answers them with a programmable status
/// (200 by default). Backs `test_mode`; usable directly in tests.
#[derive(Default, Clone)]
pub struct MemoryTransport {
    inner: Arc<Mutex<MemoryState>>,
}

#[derive(Default)]
struct MemoryState {
    requests: Vec<CapturedRequest>,
    scripted: std::collections::VecDeque<u16>,
}

impl MemoryTransport {
    /// An empty in-memory transport: every request is answered 200.
    pub fn new() -> MemoryTransport {
        MemoryTransport::default()
    }

    /// Answers the next requests with these statuses, in order, then 200.
    pub fn respond_with(&self, statuses: &[u16]) {
        self.inner.lock().scripted.extend(statuses.iter().copied());
    }

    /// Requests answered with 2xx so far.
    pub fn requests(&self) -> Vec<CapturedRequest> {
        self.inner.lock().requests.clone()
    }

    /// Forgets every request captured so far.
    pub fn clear(&self) {
        self.inner.lock().requests.clear();
    }
}

impl Transport for MemoryTransport {
    fn send(&self, request: HttpRequest) -> SendFuture {
        let inner = self.inner.clone();
        Box::pin(async move {
            let mut state = inner.lock();
            let status = state.scripted.pop_front().unwrap_or(200);
            if (200..300).contains(&status) {
                let body = if request.header("content-encoding") == Some("gzip") {
                    crate::body::gunzip(&request.body).unwrap_or(request.body)
                } else {
                    request.body
                };
                state.requests.push(CapturedRequest { url: request.url, headers: request.headers, body });
            }
            Ok(HttpResponse { status, retry_after: None })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_keeps_scheme_host_port_and_path() {
        let cases = [
            ("http://user:pass@127.0.0.1:1/x?token=abc", "http://***@127.0.0.1:1/x?***"),
            ("https://key@collector.example.com/v1/batch", "https://***@collector.example.com/v1/batch"),
            ("https://h/p?api_key=abc#frag", "https://h/p?***"),
            ("https://h:8443/p#frag", "https://h:8443/p"),
            ("http://h/", "http://h/"),
            ("https://hooks.example.com/a/b", "https://hooks.example.com/a/b"),
            // Not valid URLs: still no credential or query.
            ("http://user:pass@exa mple.com/?token=abc", "http://***@exa mple.com/?***"),
            ("user:pass@host:1/x", "***@host:1/x"),
            ("no url at all", "no url at all"),
            ("", ""),
        ];
        for (url, redacted) in cases {
            assert_eq!(redact_url(url), redacted, "{url}");
        }
    }

    #[test]
    fn only_invalid_requests_are_permanent() {
        assert!(TransportError::Invalid("x".into()).is_permanent());
        assert_eq!(TransportError::Invalid("bad header".into()).to_string(), "invalid request: bad header");
        for transient in
            [TransportError::Timeout, TransportError::Connect("c".into()), TransportError::Other("o".into())]
        {
            assert!(!transient.is_permanent(), "{transient}");
        }
    }

    #[test]
    fn debug_of_requests_and_settings_prints_no_secret() {
        let headers = vec![
            ("Authorization".to_owned(), "Bearer SECRET1".to_owned()),
            ("webhook-signature".to_owned(), "v1,SECRET2".to_owned()),
        ];
        let request = HttpRequest {
            url: "https://u:SECRET3@h/p?token=SECRET4".into(),
            headers: headers.clone(),
            body: b"{}".to_vec(),
            timeout: Duration::from_secs(1),
        };
        let captured = CapturedRequest { url: request.url.clone(), headers, body: Vec::new() };
        let settings =
            HttpSettings { connect_timeout: Duration::from_secs(1), proxy: Some("http://u:SECRET5@proxy:1".into()) };
        let text = format!("{request:?} {captured:?} {settings:?} {request:#?}");
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("Authorization") && text.contains("proxy:1"), "{text}");
    }
}
