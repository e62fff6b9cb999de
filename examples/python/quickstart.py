import outbox

client = outbox.Client("http://127.0.0.1:8799", api_key="my-write-key")
message_id = client.track("user-42", "Order Completed", {"total": 99.5})
print(message_id, client.flush(timeout=5))
