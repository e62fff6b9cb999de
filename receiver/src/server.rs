//! Accept loop and per-connection request loop.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::control;
use crate::http::{self, Conn};
use crate::ingest::{self, Next};
use crate::state::Shared;

/// How long a `Hang` or `EndlessBody` fault keeps a connection open at most.
const HANG_MAX: Duration = Duration::from_secs(120);

/// Serves until `shutdown` fires (or its sender is dropped).
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, mut shutdown: oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Small responses on keep-alive connections must not wait
                    // for Nagle's algorithm.
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(connection(stream, shared.clone()));
                }
                // Usually out of file descriptors: back off briefly and keep
                // serving the connections we have.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

/// Handles requests on one connection until it closes. Any error ends only
/// this connection.
async fn connection(stream: TcpStream, shared: Arc<Shared>) {
    let mut conn = Conn::new(stream);
    loop {
        let head = match conn.read_head().await {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(e) => return fail(conn, e).await,
        };
        let result = if head.path().starts_with("/_control/") {
            control::handle(&mut conn, &head, &shared).await
        } else {
            let (seq, at_ms) = shared.arrival();
            ingest::handle(&mut conn, &head, &shared, seq, at_ms).await
        };
        match result {
            Ok(Next::Continue) => continue,
            Ok(Next::Close) => return,
            Ok(Next::Reset) => return conn.reset(),
            Ok(Next::Hang) => return conn.hold_open(HANG_MAX).await,
            Ok(Next::EndlessBody { ms }) => return conn.stream_endless_body(ms, HANG_MAX).await,
            Err(e) => return fail(conn, e).await,
        }
    }
}

/// Answers a protocol error (when the peer is still there) and closes.
async fn fail(mut conn: Conn, e: http::HttpError) {
    if let Some(status) = e.status() {
        let body = format!(r#"{{"error":"{}"}}"#, e.message());
        let _ = conn.write_all(&http::json(status, body.as_bytes(), true)).await;
    }
}
