//! A deliberately small HTTP/1.1 server side: request heads, bodies by
//! `Content-Length` or chunked encoding, and plain responses.
//!
//! It is hand-rolled (no hyper) because the receiver must be able to misbehave
//! at the socket level: stop after the head, reset instead of answering, or
//! hold a connection open forever. Owning the socket makes that trivial.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest request head we accept; anything bigger is not a sane client.
pub const MAX_HEAD: usize = 64 * 1024;
/// Largest (decoded) body we accept. Far above any batch the SDK sends, low
/// enough that a runaway client cannot exhaust memory.
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// Longest chunk-size or trailer line in a chunked body.
const MAX_LINE: usize = 8 * 1024;
/// How much to ask the socket for at a time.
const READ_CHUNK: usize = 64 * 1024;

pub const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// The head of the `endless_body` fault's answer: a 200 whose chunked body
/// `Conn::stream_endless_body` never ends.
pub const ENDLESS_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

#[derive(Debug)]
pub enum HttpError {
    /// The socket failed or the peer went away: just drop the connection.
    Io,
    /// The peer sent something that is not HTTP/1.x.
    Malformed(&'static str),
    HeadTooLarge,
    BodyTooLarge,
}

impl From<io::Error> for HttpError {
    fn from(_: io::Error) -> Self {
        HttpError::Io
    }
}

impl HttpError {
    /// The status to answer before closing, or `None` when the peer is gone.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Io => None,
            HttpError::Malformed(_) => Some(400),
            HttpError::HeadTooLarge => Some(431),
            HttpError::BodyTooLarge => Some(413),
        }
    }

    pub fn message(&self) -> &'static str {
        match self {
            HttpError::Io => "connection error",
            HttpError::Malformed(m) => m,
            HttpError::HeadTooLarge => "request head too large",
            HttpError::BodyTooLarge => "request body too large",
        }
    }
}

/// A parsed request line plus headers (names lowercased).
#[derive(Debug, Clone)]
pub struct Head {
    pub method: String,
    /// The request target as sent: path plus any query string.
    pub target: String,
    pub http10: bool,
    pub headers: Vec<(String, String)>,
}

enum BodyKind {
    None,
    Length(usize),
    Chunked,
}

impl Head {
    /// The target without its query string.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// Value of a header; `name` must be lowercase. The last one wins, as a
    /// map built from the header list would have it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// HTTP/1.1 is persistent unless the client says `close`; HTTP/1.0 only
    /// when it asks for `keep-alive`.
    pub fn wants_close(&self) -> bool {
        if self.has_token("connection", "close") {
            return true;
        }
        self.http10 && !self.has_token("connection", "keep-alive")
    }

    pub fn expects_continue(&self) -> bool {
        self.header("expect").is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"))
    }

    pub fn is_gzip(&self) -> bool {
        self.header("content-encoding").is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("gzip") || v.eq_ignore_ascii_case("x-gzip")
        })
    }

    fn body_kind(&self) -> Result<BodyKind, HttpError> {
        // Chunked wins over Content-Length (RFC 9112 §6.3).
        if self.has_token("transfer-encoding", "chunked") {
            return Ok(BodyKind::Chunked);
        }
        match self.header("content-length") {
            None => Ok(BodyKind::None),
            Some(v) => {
                let n: usize = v.trim().parse().map_err(|_| HttpError::Malformed("invalid content-length"))?;
                if n > MAX_BODY {
                    Err(HttpError::BodyTooLarge)
                } else {
                    Ok(BodyKind::Length(n))
                }
            }
        }
    }
}

/// One client connection with its read buffer. Bytes the client pipelined
/// after the current request stay in the buffer for the next one.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Unconsumed data is `buf[pos..]`.
    pos: usize,
}

impl Conn {
    pub fn new(stream: TcpStream) -> Conn {
        Conn { stream, buf: Vec::with_capacity(READ_CHUNK), pos: 0 }
    }

    fn buffered(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Reads more bytes into the buffer; returns how many (0 = EOF).
    async fn fill(&mut self) -> io::Result<usize> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 0 && self.buf.capacity() - self.buf.len() < READ_CHUNK / 4 {
            // Compact instead of growing forever on a long keep-alive stream.
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.reserve(READ_CHUNK);
        self.stream.read_buf(&mut self.buf).await
    }

    /// Reads the next request head. `Ok(None)` means the client closed the
    /// connection cleanly between requests.
    pub async fn read_head(&mut self) -> Result<Option<Head>, HttpError> {
        // Offset (into the buffered data) before which we know there is no
        // terminator, so a slow client does not make the scan quadratic.
        let mut scanned = 0;
        loop {
            let avail = self.buffered();
            if let Some(end) = find(&avail[scanned..], b"\r\n\r\n").map(|i| i + scanned) {
                let raw = &avail[..end];
                // Stray CRLFs between requests are allowed (RFC 9112 §2.2).
                if raw.iter().all(|b| *b == b'\r' || *b == b'\n') {
                    self.pos += end + 4;
                    scanned = 0;
                    continue;
                }
                let head = parse_head(raw)?;
                self.pos += end + 4;
                return Ok(Some(head));
            }
            if avail.len() > MAX_HEAD {
                return Err(HttpError::HeadTooLarge);
            }
            scanned = avail.len().saturating_sub(3);
            if self.fill().await? == 0 {
                return if self.buffered().iter().all(u8::is_ascii_whitespace) { Ok(None) } else { Err(HttpError::Io) };
            }
        }
    }

    /// Reads the body that belongs to `head` (raw, still content-encoded).
    pub async fn read_body(&mut self, head: &Head) -> Result<Vec<u8>, HttpError> {
        match head.body_kind()? {
            BodyKind::None => Ok(Vec::new()),
            BodyKind::Length(n) => {
                let mut body = Vec::with_capacity(n);
                self.read_exact_into(n, &mut body).await?;
                Ok(body)
            }
            BodyKind::Chunked => self.read_chunked().await,
        }
    }

    async fn read_chunked(&mut self) -> Result<Vec<u8>, HttpError> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line().await?;
            let size = std::str::from_utf8(&line)
                .ok()
                .and_then(|s| s.split(';').next()) // chunk extensions are ignored
                .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
                .ok_or(HttpError::Malformed("invalid chunk size"))?;
            if size == 0 {
                // Trailer fields, if any, up to the empty line.
                while !self.read_line().await?.is_empty() {}
                return Ok(body);
            }
            if body.len() + size > MAX_BODY {
                return Err(HttpError::BodyTooLarge);
            }
            self.read_exact_into(size, &mut body).await?;
            if !self.read_line().await?.is_empty() {
                return Err(HttpError::Malformed("chunk not followed by CRLF"));
            }
        }
    }

    /// Reads one line (without its CRLF) for the chunked framing.
    async fn read_line(&mut self) -> Result<Vec<u8>, HttpError> {
        loop {
            if let Some(i) = self.buffered().iter().position(|b| *b == b'\n') {
                let line = &self.buffered()[..i];
                let line = line.strip_suffix(b"\r").unwrap_or(line).to_vec();
                self.pos += i + 1;
                return Ok(line);
            }
            if self.buffered().len() > MAX_LINE {
                return Err(HttpError::Malformed("line too long in chunked body"));
            }
            if self.fill().await? == 0 {
                return Err(HttpError::Io);
            }
        }
    }

    /// Appends exactly `n` body bytes to `out`: first what is buffered, then
    /// straight from the socket into `out` (no second copy for big bodies).
    async fn read_exact_into(&mut self, n: usize, out: &mut Vec<u8>) -> Result<(), HttpError> {
        let from_buf = n.min(self.buffered().len());
        out.extend_from_slice(&self.buffered()[..from_buf]);
        self.pos += from_buf;
        let rest = n - from_buf;
        if rest > 0 {
            let start = out.len();
            out.resize(start + rest, 0);
            self.stream.read_exact(&mut out[start..]).await?;
        }
        Ok(())
    }

    pub async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes).await
    }

    /// Aborts the connection with a TCP RST rather than an orderly FIN, which
    /// is what a crashed server or a middlebox dropping state looks like.
    pub fn reset(self) {
        // If SO_LINGER cannot be set the drop below still closes the socket;
        // a FIN is the best we can do then.
        let _ = self.stream.set_zero_linger();
        drop(self.stream);
    }

    /// Writes 16 KiB chunks of a body that never ends, `ms` milliseconds
    /// apart, until the client goes away (a write fails) or `max` passes.
    pub async fn stream_endless_body(mut self, ms: u64, max: Duration) {
        const CHUNK: usize = 16 * 1024;
        let mut chunk = format!("{CHUNK:x}\r\n").into_bytes();
        chunk.resize(chunk.len() + CHUNK, b'x');
        chunk.extend_from_slice(b"\r\n");
        let stream = async {
            while self.stream.write_all(&chunk).await.is_ok() {
                if ms > 0 {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
            }
        };
        let _ = tokio::time::timeout(max, stream).await;
    }

    /// Never answers: keeps the socket open until the client gives up (EOF or
    /// error) or `max` passes, discarding anything it sends.
    pub async fn hold_open(mut self, max: Duration) {
        let drain = async {
            let mut scratch = [0u8; 4096];
            loop {
                match self.stream.read(&mut scratch).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        };
        let _ = tokio::time::timeout(max, drain).await;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(raw: &[u8]) -> Result<Head, HttpError> {
    let text = std::str::from_utf8(raw).map_err(|_| HttpError::Malformed("request head is not UTF-8"))?;
    let mut lines = text.trim_start_matches(['\r', '\n']).split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split_ascii_whitespace();
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) => (m, t, v),
        _ => return Err(HttpError::Malformed("invalid request line")),
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(HttpError::Malformed("unsupported HTTP version")),
    };
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':').ok_or(HttpError::Malformed("invalid header line"))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(HttpError::Malformed("empty header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    Ok(Head { method: method.to_string(), target: target.to_string(), http10, headers })
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Serializes a complete response. `headers` should not include framing
/// headers; Content-Length and Connection are added here.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8], close: bool) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::with_capacity(128 + body.len());
    // Writing into a Vec cannot fail.
    let _ = write!(out, "HTTP/1.1 {} {}\r\n", status, reason(status));
    for (name, value) in headers {
        let _ = write!(out, "{name}: {value}\r\n");
    }
    // 1xx, 204 and 304 responses carry no body and no length.
    let bodiless = status < 200 || status == 204 || status == 304;
    if !bodiless {
        let _ = write!(out, "Content-Length: {}\r\n", body.len());
    }
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !bodiless {
        out.extend_from_slice(body);
    }
    out
}

/// A JSON response.
pub fn json(status: u16, body: &[u8], close: bool) -> Vec<u8> {
    response(status, &[("Content-Type", "application/json")], body, close)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_request_head() {
        let h = parse_head(
            b"POST /v1/batch?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type:  application/json \r\nX-Two: 1\r\nx-two: 2",
        )
        .expect("valid head");
        assert_eq!(h.method, "POST");
        assert_eq!(h.path(), "/v1/batch");
        assert_eq!(h.query(), "x=1");
        assert_eq!(h.header("content-type"), Some("application/json"));
        assert_eq!(h.header("x-two"), Some("2"));
        assert!(!h.wants_close());
    }

    #[test]
    fn connection_semantics() {
        let h = parse_head(b"GET / HTTP/1.0\r\nHost: a").expect("valid");
        assert!(h.wants_close());
        let h = parse_head(b"GET / HTTP/1.0\r\nConnection: Keep-Alive").expect("valid");
        assert!(!h.wants_close());
        let h = parse_head(b"GET / HTTP/1.1\r\nConnection: foo, close").expect("valid");
        assert!(h.wants_close());
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_head(b"hello").is_err());
        assert!(parse_head(b"GET / SPDY/3").is_err());
        assert!(parse_head(b"GET / HTTP/1.1\r\nno colon").is_err());
    }

    #[test]
    fn bodiless_statuses_have_no_length() {
        let r = response(204, &[], b"ignored", false);
        assert_eq!(r, b"HTTP/1.1 204 No Content\r\n\r\n");
        let r = json(200, b"{}", true);
        assert_eq!(
            r,
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
        );
    }
}
