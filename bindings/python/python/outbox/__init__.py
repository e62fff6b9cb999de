"""Outbox: server-side event delivery with one native engine.

Queue analytics events (``track``, ``identify``, ``group``, ``alias``,
``page``, ``screen``) and signed webhooks without blocking; Outbox batches
them, delivers them over HTTP in the background, retries what failed and
tells you exactly what happened to every event.

>>> import outbox
>>> client = outbox.Client("https://collector.example.com", api_key="...")  # doctest: +SKIP
>>> client.track("user-42", "Order Completed", {"total": 99.5})  # doctest: +SKIP
'0f8c...'

Or, as with analytics-python and posthog, one default client for the process:

>>> outbox.configure("https://collector.example.com", api_key="...")  # doctest: +SKIP
>>> outbox.track("user-42", "Order Completed", {"total": 99.5})  # doctest: +SKIP

See ``docs/python.md`` for every option and behaviour.
"""

from __future__ import annotations

from . import _lifecycle  # noqa: F401  (registers the exit and fork hooks)
from ._default import (
    alias,
    batch,
    configure,
    default_client,
    deliver,
    flush,
    group,
    identify,
    page,
    screen,
    shutdown,
    stats,
    track,
)
from ._errors import (
    ClosedError,
    EventTooLargeError,
    InvalidEventError,
    InvalidOptionError,
    OutboxError,
    SigningError,
    WebhookVerificationError,
)
from ._outbox import (
    CORE_VERSION,
    ERROR_CODES,
    Client,
    DeliverOutcome,
    DeliveryError,
    Endpoint,
    FlushResult,
    Stats,
    WebhookSender,
    __version__,
    sign,
    user_hash,
    verify,
    verify_user_hash,
)

__all__ = [
    "CORE_VERSION",
    "ERROR_CODES",
    "Client",
    "ClosedError",
    "DeliverOutcome",
    "DeliveryError",
    "Endpoint",
    "EventTooLargeError",
    "FlushResult",
    "InvalidEventError",
    "InvalidOptionError",
    "OutboxError",
    "SigningError",
    "Stats",
    "WebhookSender",
    "WebhookVerificationError",
    "__version__",
    "alias",
    "batch",
    "configure",
    "default_client",
    "deliver",
    "flush",
    "group",
    "identify",
    "page",
    "screen",
    "shutdown",
    "sign",
    "stats",
    "track",
    "user_hash",
    "verify",
    "verify_user_hash",
]
