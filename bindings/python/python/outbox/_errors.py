"""The exceptions Outbox raises. Every one derives from :class:`OutboxError`."""

from __future__ import annotations


class OutboxError(Exception):
    """Base class of every exception Outbox raises."""


class InvalidEventError(OutboxError, ValueError):
    """The event is malformed and was not queued.

    Raised at the call site: a missing user id, an empty event name, properties
    that are not a dict, a value with no JSON form (NaN, a circular reference,
    a string with a lone surrogate), and so on. The message says which field.
    """


class EventTooLargeError(InvalidEventError):
    """The serialized event exceeds ``max_event_bytes`` and was not queued.

    ``size`` is the event's size in bytes once serialized, ``limit`` the limit.
    """

    def __init__(self, message: str, size: int = 0, limit: int = 0) -> None:
        super().__init__(message)
        self.size = size
        self.limit = limit


class InvalidOptionError(OutboxError, ValueError):
    """An option has an unusable value (raised by the constructor)."""


class ClosedError(OutboxError, RuntimeError):
    """The client was shut down and accepts no more events."""


class SigningError(OutboxError, ValueError):
    """A signature could not be made: no secret, a bad secret, an unknown scheme.

    ``code`` is stable across languages: ``no_secret``, ``invalid_secret``,
    ``unknown_scheme`` or ``invalid_header_name``.
    """

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class WebhookVerificationError(OutboxError, ValueError):
    """A received webhook failed verification: do not trust its body.

    ``code`` is stable across languages, e.g. ``missing_header``,
    ``no_matching_signature``, ``timestamp_too_old``, ``timestamp_too_new``,
    ``malformed_signature``, ``invalid_secret``.
    """

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code
