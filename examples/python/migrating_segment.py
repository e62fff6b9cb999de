"""From analytics-python (segment-analytics-python 2.4.0) to Outbox.

docs/migrating.md shows this file in parts; the tests run it against the test receiver.

OUTBOX_ENDPOINT=http://127.0.0.1:8080 python migrating_segment.py
"""

import os

import outbox

# analytics.write_key = ...; analytics.host = ...; analytics.on_error = ...
outbox.configure(
    os.environ.get("OUTBOX_ENDPOINT", "https://api.segment.io"),  # host (path "/v1/batch" is the default)
    api_key="my-write-key",  # write_key
    auth_scheme="basic",  # Authorization: Basic base64(write_key + ":"), as analytics-python sends it
    flush_at=100,  # upload_size
    flush_interval=0.5,  # upload_interval, in seconds in both
    max_queue_size=10_000,  # max_queue_size
    request_timeout=15,  # timeout
    max_retries=10,  # max_retries: retries after the first attempt, in both
    gzip=False,  # gzip (Outbox's default is True)
    on_error=lambda report: print("analytics:", report.count, "event(s) lost:", report.reason),
)

outbox.identify("user-42", {"email": "ada@example.com"})
outbox.track("user-42", "Order Completed", {"total": 99.5}, context={"ip": "203.0.113.7"})
outbox.group("user-42", "acme", {"seats": 12})
outbox.page("user-42", "Pricing", {"category": "Docs"})  # page(user_id, category, name, ...) had `category` first
outbox.alias("anon-7", "user-42")

result = outbox.flush(timeout=5)  # flush() returned nothing; this says what happened
print(result)
