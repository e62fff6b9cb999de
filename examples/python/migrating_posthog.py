"""From posthog (Python, 7.91.1) to Outbox, for code moving to a Segment-compatible collector.

docs/migrating.md shows this file in parts; the tests run it against the test receiver.

OUTBOX_ENDPOINT=http://127.0.0.1:8080 python migrating_posthog.py
"""

import os

import outbox

# posthog.api_key = ...; posthog.host = ...
outbox.configure(
    os.environ.get("OUTBOX_ENDPOINT", "https://collector.example.com"),  # host
    api_key="my-project-api-key",  # project_api_key, sent as a Bearer token
    flush_at=100,  # flush_at
    flush_interval=5.0,  # flush_interval, in seconds in both
    max_queue_size=10_000,  # max_queue_size
    max_retries=3,  # max_retries
    request_timeout=15,  # timeout
    on_error=lambda report: print("analytics:", report.count, "event(s) lost:", report.reason),
)

# posthog.capture("Order Completed", distinct_id="user-42", properties={...})
outbox.track("user-42", "Order Completed", {"total": 99.5})
# posthog.set(distinct_id="user-42", properties={...})
outbox.identify("user-42", {"email": "ada@example.com"})
# posthog.group_identify("company", "acme", {...}, distinct_id="user-42")
outbox.group("user-42", "acme", {"name": "Acme"})
# posthog.alias("anon-7", "user-42")
outbox.alias("anon-7", "user-42")

# super_properties: no client-level default; merge them yourself.
SUPER_PROPERTIES = {"app": "web"}
outbox.track("user-42", "Plan Upgraded", {**SUPER_PROPERTIES, "plan": "pro"})

print(outbox.shutdown(timeout=5))  # posthog.shutdown()
