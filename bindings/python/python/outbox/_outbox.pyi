"""Type stubs of the native module ``outbox._outbox`` (import from ``outbox``)."""

import asyncio
import datetime
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, Optional, Union, final

from typing_extensions import disjoint_base

__version__: str
CORE_VERSION: str
# Every stable error code (``OutboxError.code``), as in every language Outbox serves.
ERROR_CODES: tuple[str, ...]
__all__ = [
    "CORE_VERSION",
    "ERROR_CODES",
    "Client",
    "DeliverOutcome",
    "DeliveryError",
    "Endpoint",
    "FlushResult",
    "Stats",
    "WebhookSender",
    "__version__",
    "_after_fork_in_child",
    "_at_exit",
    "_to_json",
    "sign",
    "user_hash",
    "verify",
    "verify_user_hash",
]

# A duration in seconds (float("inf") where "no limit" is allowed).
_Seconds = Union[int, float, datetime.timedelta]

# A user, anonymous, group or previous id; ints are sent as their digits.
_Id = Union[str, int]

# An aware datetime (naive ones are taken as UTC) or RFC 3339 text.
_Timestamp = Union[datetime.datetime, str]

# A dict (or dataclass, or Mapping) of JSON-convertible values; see docs/python.md.
_JsonObject = Any

_Headers = Union[Mapping[str, str], Iterable[tuple[str, str]]]
_Body = Union[bytes, bytearray, memoryview, str]

_DropReason = Literal["queue_full", "rejected", "too_large", "retries_exhausted", "shutdown", "endpoint_gone"]

@final
class FlushResult:
    """What ``flush()`` or ``shutdown()`` achieved for the events queued before the call.

    ``delivered`` and ``failed`` count events settled while the call waited;
    ``pending`` counts events queued before the call that were still neither
    delivered nor given up when it returned (for ``shutdown`` these were
    dropped with reason ``"shutdown"``). Truthy when complete.
    """

    def __new__(cls, delivered: int = 0, failed: int = 0, pending: int = 0) -> FlushResult: ...
    @property
    def delivered(self) -> int:
        """Events delivered while the call waited."""
    @property
    def failed(self) -> int:
        """Events given up (any reason) while the call waited."""
    @property
    def pending(self) -> int:
        """Events queued before the call and still unsettled when it returned."""
    @property
    def complete(self) -> bool:
        """True when nothing queued before the call is still pending."""
    def __bool__(self) -> bool: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class Stats:
    """A client's counters. ``enqueued == delivered + dropped + pending`` always holds."""

    @property
    def enqueued(self) -> int:
        """Events accepted by capture calls."""
    @property
    def delivered(self) -> int:
        """Events the receiver acknowledged."""
    @property
    def pending(self) -> int:
        """Events queued or in flight."""
    @property
    def requests(self) -> int:
        """HTTP requests sent, retries included."""
    @property
    def retries(self) -> int:
        """Attempts that failed transiently and were retried."""
    @property
    def split_requests(self) -> int:
        """Requests (counted in ``requests`` too) that were halves of a batch split to isolate refused events."""
    @property
    def spool_errors(self) -> int:
        """Spool writes that failed (disk full, I/O error); events accepted meanwhile live in memory only."""
    @property
    def last_error(self) -> Optional[str]:
        """The last failed attempt (``"HTTP 503"``, ``"connection refused"``...), or None."""
    @property
    def last_success(self) -> Optional[datetime.datetime]:
        """When the receiver last acknowledged a request (aware UTC), or None."""
    @property
    def consecutive_failures(self) -> int:
        """Transient failures in a row, since the receiver last answered."""
    @property
    def dropped(self) -> int:
        """Events given up, all reasons together."""
    @property
    def dropped_by_reason(self) -> dict[_DropReason, int]:
        """Events given up, by reason (every reason present)."""
    def as_dict(self) -> dict[str, Any]:
        """Every counter in a plain dict."""

@final
class DeliveryError:
    """A group of events that will never be delivered, as passed to ``on_error``.

    A report, not an exception: Outbox never raises it.
    """

    @property
    def reason(self) -> _DropReason:
        """Why the events were given up."""
    @property
    def status(self) -> Optional[int]:
        """The HTTP status that caused it, or None."""
    @property
    def message(self) -> str:
        """A human-readable explanation."""
    @property
    def count(self) -> int:
        """Exact number of events lost."""
    @property
    def message_ids(self) -> list[str]:
        """Their message ids (at most 1,000; ``count`` is always exact)."""
    @property
    def endpoint(self) -> Optional[str]:
        """For webhook senders: the endpoint URL concerned; else None."""

@final
class DeliverOutcome:
    """The outcome of ``deliver()``: one request sent at once, outside the queue."""

    @property
    def delivered(self) -> bool:
        """True when the receiver acknowledged the request."""
    @property
    def status(self) -> Optional[int]:
        """The last HTTP status received, or None."""
    @property
    def attempts(self) -> int:
        """Requests made (1 + retries)."""
    @property
    def error(self) -> Optional[str]:
        """Why it was not delivered, or None."""
    def __bool__(self) -> bool: ...

@disjoint_base
class Client:
    """Sends analytics events to a Segment-compatible collector, in the background.

    Every option is a keyword argument, checked at construction: a wrong type
    raises ``TypeError``, a bad value ``outbox.InvalidOptionError``. Durations
    are seconds. See docs/python.md for each option, its default and why.
    """

    def __new__(
        cls,
        endpoint: Optional[str] = None,
        api_key: Optional[str] = None,
        *,
        # generated:client:pyi (from the option schema)
        path: Optional[str] = "/v1/batch",
        auth_scheme: Literal["bearer", "basic"] = "bearer",
        signing_secrets: Union[str, Sequence[str], None] = None,
        signature_scheme: Literal["standard-webhooks", "hmac-sha256"] = "standard-webhooks",
        signature_header: Optional[str] = "X-Hub-Signature-256",
        flush_at: int = 100,
        flush_interval: _Seconds = 0.5,
        max_batch_size: int = 1_000,
        max_batch_bytes: int = 500_000,
        max_event_bytes: int = 32_000,
        request_timeout: _Seconds = 10.0,
        gzip: bool = True,
        headers: Optional[_Headers] = None,
        disabled: bool = False,
        spool_dir: Union[str, os.PathLike[str], None] = None,
        spool_sync: Literal["batch", "event"] = "batch",
        max_queue_size: int = 200_000,
        max_queue_bytes: int = 64 << 20,
        on_full: Literal["drop_oldest", "drop_newest", "block"] = "drop_oldest",
        block_timeout: _Seconds = 1.0,
        max_retries: Optional[int] = None,
        retry_initial_backoff: _Seconds = 0.1,
        retry_max_backoff: _Seconds = 2.0,
        max_concurrent_requests: int = 4,
        connect_timeout: _Seconds = 5.0,
        proxy: Optional[str] = None,
        on_error: Optional[Callable[[DeliveryError], object]] = None,
        shutdown_timeout: _Seconds = 5.0,
        debug: bool = False,
        test_mode: bool = False,
        # /generated
    ) -> Client: ...
    def track(
        self,
        user_id: Optional[_Id],
        event: str,
        properties: Optional[_JsonObject] = None,
        *,
        anonymous_id: Optional[_Id] = None,
        timestamp: Optional[_Timestamp] = None,
        context: Optional[_JsonObject] = None,
        message_id: Optional[str] = None,
        integrations: Optional[_JsonObject] = None,
    ) -> str:
        """Queues a ``track`` event (a user did something); returns its message id."""
    def identify(
        self,
        user_id: Optional[_Id],
        traits: Optional[_JsonObject] = None,
        *,
        anonymous_id: Optional[_Id] = None,
        timestamp: Optional[_Timestamp] = None,
        context: Optional[_JsonObject] = None,
        message_id: Optional[str] = None,
        integrations: Optional[_JsonObject] = None,
    ) -> str:
        """Queues an ``identify`` event (who the user is); returns its message id."""
    def group(
        self,
        user_id: Optional[_Id],
        group_id: _Id,
        traits: Optional[_JsonObject] = None,
        *,
        anonymous_id: Optional[_Id] = None,
        timestamp: Optional[_Timestamp] = None,
        context: Optional[_JsonObject] = None,
        message_id: Optional[str] = None,
        integrations: Optional[_JsonObject] = None,
    ) -> str:
        """Queues a ``group`` event (the user belongs to a group); returns its message id."""
    def alias(
        self,
        previous_id: _Id,
        user_id: _Id,
        *,
        anonymous_id: Optional[_Id] = None,
        timestamp: Optional[_Timestamp] = None,
        context: Optional[_JsonObject] = None,
        message_id: Optional[str] = None,
        integrations: Optional[_JsonObject] = None,
    ) -> str:
        """Queues an ``alias`` event (``previous_id`` is now ``user_id``); returns its message id."""
    def page(
        self,
        user_id: Optional[_Id],
        name: Optional[str] = None,
        properties: Optional[_JsonObject] = None,
        *,
        anonymous_id: Optional[_Id] = None,
        timestamp: Optional[_Timestamp] = None,
        context: Optional[_JsonObject] = None,
        message_id: Optional[str] = None,
        integrations: Optional[_JsonObject] = None,
    ) -> str:
        """Queues a ``page`` event (a web page view); returns its message id."""
    def screen(
        self,
        user_id: Optional[_Id],
        name: Optional[str] = None,
        properties: Optional[_JsonObject] = None,
        *,
        anonymous_id: Optional[_Id] = None,
        timestamp: Optional[_Timestamp] = None,
        context: Optional[_JsonObject] = None,
        message_id: Optional[str] = None,
        integrations: Optional[_JsonObject] = None,
    ) -> str:
        """Queues a ``screen`` event (a mobile screen view); returns its message id."""
    def batch(self, events: Iterable[Mapping[str, Any]]) -> list[str]:
        """Queues many events (dicts in Segment's shape), all or nothing; returns their ids."""
    def flush(self, timeout: Optional[_Seconds] = None) -> FlushResult:
        """Waits until everything queued before the call is delivered or given up (None: no deadline)."""
    def shutdown(self, timeout: Optional[_Seconds] = None) -> FlushResult:
        """Flushes for up to ``timeout`` (None: ``shutdown_timeout``), gives up the rest, stops."""
    def aflush(self, timeout: Optional[_Seconds] = None) -> asyncio.Future[FlushResult]:
        """``flush`` on asyncio's default executor: ``await client.aflush()``."""
    def ashutdown(self, timeout: Optional[_Seconds] = None) -> asyncio.Future[FlushResult]:
        """``shutdown`` on asyncio's default executor: ``await client.ashutdown()``."""
    def stats(self) -> Stats:
        """The client's counters."""
    def deliver(
        self, events: Union[Mapping[str, Any], Iterable[Mapping[str, Any]]], timeout: Optional[_Seconds] = None
    ) -> DeliverOutcome:
        """Sends one event (or a list) in one request now, bypassing the queue."""
    def adeliver(
        self, events: Union[Mapping[str, Any], Iterable[Mapping[str, Any]]], timeout: Optional[_Seconds] = None
    ) -> asyncio.Future[DeliverOutcome]:
        """``deliver`` on asyncio's default executor."""
    def captured(self) -> list[dict[str, Any]]:
        """In ``test_mode``: every event "sent" so far, as dicts, in order."""
    def clear_captured(self) -> None:
        """In ``test_mode``: forget what was captured."""
    def _shutdown_for_exit(self) -> None: ...
    def __enter__(self) -> Client: ...
    def __exit__(self, *_exc: object) -> bool: ...
    def __aenter__(self) -> asyncio.Future[Client]: ...
    def __aexit__(self, *_exc: object) -> asyncio.Future[None]: ...

@final
class Endpoint:
    """One webhook destination: its URL, signing secret(s) and scheme."""

    def __new__(
        cls,
        url: str,
        secret: Union[str, Sequence[str], None] = None,
        *,
        scheme: str = "standard-webhooks",
        header: Optional[str] = None,
        timeout: Optional[_Seconds] = None,
        headers: Optional[_Headers] = None,
    ) -> Endpoint: ...
    @property
    def url(self) -> str:
        """The URL messages are posted to."""
    @property
    def scheme(self) -> Literal["standard-webhooks", "hmac-sha256"]:
        """The signing scheme."""

@disjoint_base
class WebhookSender:
    """Sends signed webhooks to one or more endpoints, in the background."""

    def __new__(
        cls,
        endpoints: Union[Endpoint, str, Mapping[str, Any], Sequence[Union[Endpoint, str, Mapping[str, Any]]]],
        *,
        # generated:webhook:pyi (from the option schema)
        max_message_bytes: int = 256_000,
        max_queue_size: int = 10_000,
        max_queue_bytes: int = 64 << 20,
        on_full: Literal["drop_oldest", "drop_newest", "block"] = "drop_oldest",
        block_timeout: _Seconds = 1.0,
        max_retries: Optional[int] = None,
        retry_initial_backoff: _Seconds = 0.5,
        retry_max_backoff: _Seconds = 60.0,
        max_concurrent_requests: int = 4,
        connect_timeout: _Seconds = 5.0,
        proxy: Optional[str] = None,
        on_error: Optional[Callable[[DeliveryError], object]] = None,
        shutdown_timeout: _Seconds = 5.0,
        debug: bool = False,
        test_mode: bool = False,
        # /generated
    ) -> WebhookSender: ...
    def send(self, type: str, data: Any) -> str:
        """Queues ``{"type", "timestamp", "data"}`` to every endpoint; returns the message id."""
    def send_raw(self, body: _Body) -> str:
        """Queues a JSON body you built yourself, as is; returns the message id."""
    def flush(self, timeout: Optional[_Seconds] = None) -> FlushResult:
        """Waits until everything queued before the call is delivered or given up at every endpoint."""
    def shutdown(self, timeout: Optional[_Seconds] = None) -> FlushResult:
        """Flushes every endpoint for up to ``timeout`` (None: ``shutdown_timeout``), then stops."""
    def aflush(self, timeout: Optional[_Seconds] = None) -> asyncio.Future[FlushResult]:
        """``flush`` without blocking the event loop."""
    def ashutdown(self, timeout: Optional[_Seconds] = None) -> asyncio.Future[FlushResult]:
        """``shutdown`` without blocking the event loop."""
    def stats(self) -> Stats:
        """Counters summed over endpoints."""
    def endpoint_stats(self) -> dict[str, Stats]:
        """Endpoint URL to its counters."""
    def captured(self) -> list[dict[str, Any]]:
        """In ``test_mode``: the requests that would have been sent."""
    def __enter__(self) -> WebhookSender: ...
    def __exit__(self, *_exc: object) -> bool: ...

def sign(
    body: _Body,
    secret: Union[str, Sequence[str]],
    *,
    msg_id: Optional[str] = None,
    timestamp: Union[int, float, datetime.datetime, None] = None,
    scheme: str = "standard-webhooks",
    header: Optional[str] = None,
) -> dict[str, str]:
    """Signs one webhook body; returns the headers to send with it."""

def verify(
    body: _Body,
    headers: _Headers,
    secret: Union[str, Sequence[str]],
    *,
    scheme: str = "standard-webhooks",
    header: Optional[str] = None,
    tolerance: Optional[_Seconds] = None,
    now: Union[int, float, datetime.datetime, None] = None,
) -> None:
    """Verifies a received webhook from its raw body; raises WebhookVerificationError."""

def user_hash(secret: str, user_id: _Id, *, algorithm: Literal["hmac-sha256", "sha256"] = "hmac-sha256") -> str:
    """The hex HMAC-SHA256 of ``user_id`` keyed with ``secret``.

    ``algorithm="sha256"``: the hex SHA-256 of ``user_id + secret`` (Notifizz's user token).
    """

def verify_user_hash(
    secret: str, user_id: _Id, hash: str, *, algorithm: Literal["hmac-sha256", "sha256"] = "hmac-sha256"
) -> bool:
    """Whether ``hash`` is ``user_hash(secret, user_id, algorithm=algorithm)``, compared in constant time."""

def _at_exit() -> None: ...
def _after_fork_in_child() -> None: ...
def _to_json(value: Any) -> str: ...
