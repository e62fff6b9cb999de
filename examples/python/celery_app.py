"""Outbox in Celery: tasks track with the default client; setup() delivers
at the end of each task and when a worker process exits (prefork safe).

    pip install celery outbox
    OUTBOX_ENDPOINT=http://127.0.0.1:8799 celery -A celery_app worker
"""

import os

import outbox
from celery import Celery
from outbox.integrations.celery import setup

app = Celery("celery_app", broker=os.environ.get("CELERY_BROKER_URL", "redis://localhost"))
outbox.configure(os.environ.get("OUTBOX_ENDPOINT", "http://127.0.0.1:8799"), api_key="my-write-key")
setup()


@app.task
def complete_order(user_id: str, total: float) -> None:
    outbox.track(user_id, "Order Completed", {"total": total})
