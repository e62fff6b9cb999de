"""The exceptions Outbox raises. Every one derives from :class:`OutboxError`."""

from __future__ import annotations


class OutboxError(Exception):
    """Base class of every exception Outbox raises.

    ``code`` is a stable snake_case name, the same in every language Outbox
    serves (Node's ``error.code``, C's ``outbox_last_error_code()``): for
    example ``invalid_option``, ``invalid_event``, ``event_too_large``,
    ``closed``. ``outbox.ERROR_CODES`` lists them all.
    """

    code: str = ""

    def __init__(self, message: str = "", code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class InvalidEventError(OutboxError, ValueError):
    """The event is malformed and was not queued.

    Raised at the call site: a missing user id, an empty event name, properties
    that are not a dict, a value with no JSON form (NaN, a circular reference,
    a string with a lone surrogate), and so on. The message says which field.
    """

    code = "invalid_event"


class EventTooLargeError(InvalidEventError):
    """The serialized event exceeds ``max_event_bytes`` and was not queued.

    ``size`` is the event's size in bytes once serialized, ``limit`` the limit.
    """

    code = "event_too_large"

    def __init__(self, message: str = "", size: int = 0, limit: int = 0, code: str | None = None) -> None:
        super().__init__(message, code)
        self.size = size
        self.limit = limit


class InvalidOptionError(OutboxError, ValueError):
    """An option has an unusable value (raised by the constructor)."""

    code = "invalid_option"


class ClosedError(OutboxError, RuntimeError):
    """The client was shut down and accepts no more events."""

    code = "closed"


class SigningError(OutboxError, ValueError):
    """A signature could not be made: no secret, a bad secret, an unknown scheme.

    ``code`` is stable across languages: ``no_secret``, ``invalid_secret``,
    ``unknown_scheme`` or ``invalid_header_name``.
    """


class WebhookVerificationError(OutboxError, ValueError):
    """A received webhook failed verification: do not trust its body.

    ``code`` is stable across languages, e.g. ``missing_header``,
    ``no_matching_signature``, ``timestamp_too_old``, ``timestamp_too_new``,
    ``malformed_signature``, ``invalid_secret``.
    """
