use std::time::Duration;

use outbox_engine::{Client, Options};
use serde_json::json;

fn main() -> Result<(), outbox_engine::Error> {
    // Your collector's URL (`make test` points it at the local test receiver).
    let endpoint = std::env::var("OUTBOX_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:8799".into());

    let client = Client::new(Options { api_key: Some("my-write-key".into()), ..Options::new(endpoint) })?;
    let id = client.track("user-42", "Order Completed", Some(json!({"total": 99.5})))?;
    client.identify("user-42", Some(json!({"plan": "pro"})))?;

    let result = client.flush(Duration::from_secs(5));
    println!("{id}: delivered {}, pending {}", result.delivered, result.pending);
    Ok(())
}
