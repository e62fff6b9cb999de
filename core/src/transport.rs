//! Sending one HTTP request. Behind a trait so tests, `test_mode` and users
//! can put something else in place of the network.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

/// One request, fully built (headers, signed, compressed).
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
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

/// What came back: the status and the headers the retry policy reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub retry_after: Option<String>,
}

/// Why no response arrived. All of these are transient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    Timeout,
    Connect(String),
    Other(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Timeout => write!(f, "request timed out"),
            TransportError::Connect(m) => write!(f, "connection failed: {m}"),
            TransportError::Other(m) => write!(f, "request failed: {m}"),
        }
    }
}

pub type SendFuture = Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send>>;

/// Sends requests. Called from the background runtime; must not block.
pub trait Transport: Send + Sync + 'static {
    fn send(&self, request: HttpRequest) -> SendFuture;
}

/// Settings of the HTTP transport.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub connect_timeout: Duration,
    pub proxy: Option<String>,
}

/// The real transport: reqwest over rustls (ring), no OpenSSL. Redirects are
/// never followed (a signed request must reach the URL it was signed for).
/// Proxies come from the `proxy` option, else from `HTTPS_PROXY`,
/// `HTTP_PROXY` and `NO_PROXY`.
pub struct HttpTransport {
    client: reqwest::Client,
}

impl HttpTransport {
    pub fn new(settings: &HttpSettings) -> Result<HttpTransport, String> {
        // Another library in the process may have installed a provider already; fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.connect_timeout)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("outbox/", env!("CARGO_PKG_VERSION")));
        if let Some(url) = &settings.proxy {
            let proxy = reqwest::Proxy::all(url).map_err(|e| format!("proxy {url:?}: {e}"))?;
            builder = builder.proxy(proxy);
        }
        let client = builder.build().map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(HttpTransport { client })
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: HttpRequest) -> SendFuture {
        let client = self.client.clone();
        Box::pin(async move {
            let mut builder = client.post(&request.url).timeout(request.timeout);
            for (name, value) in &request.headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            let response = builder.body(request.body).send().await.map_err(classify_error)?;
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let status = response.status().as_u16();
            // Read (and discard) the body so the connection can be reused.
            let _ = response.bytes().await;
            Ok(HttpResponse { status, retry_after })
        })
    }
}

fn classify_error(e: reqwest::Error) -> TransportError {
    if e.is_timeout() {
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

/// A request the memory transport received.
#[derive(Debug, Clone)]
pub struct CapturedRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// The body as sent, gzip-decoded when it was compressed.
    pub body: Vec<u8>,
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
                    crate::batch::gunzip(&request.body).unwrap_or(request.body)
                } else {
                    request.body
                };
                state.requests.push(CapturedRequest { url: request.url, headers: request.headers, body });
            }
            Ok(HttpResponse { status, retry_after: None })
        })
    }
}
