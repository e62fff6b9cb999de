use std::time::Duration;

use outbox_engine::{Client, Options};
use serde_json::json;

fn main() -> Result<(), outbox_engine::Error> {
    // A local receiver stands in for your collector.
    let receiver = outbox_test_receiver::Receiver::start();

    let client = Client::new(Options { api_key: Some("my-write-key".into()), ..Options::new(receiver.url()) })?;
    let id = client.track("user-42", "Order Completed", Some(json!({"total": 99.5})))?;
    client.identify("user-42", Some(json!({"plan": "pro"})))?;

    let result = client.flush(Duration::from_secs(5));
    println!("{id}: delivered {}, pending {}", result.delivered, result.pending);
    assert_eq!(receiver.stats().unique_events, 2);
    Ok(())
}
