"""The one answer every integration gives a webhook that fails verification."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Optional, Union

from .._errors import WebhookVerificationError
from .._outbox import verify

if TYPE_CHECKING:
    from .._outbox import _Body, _Headers, _Seconds

Secret = Union[str, Sequence[str]]

# The receiver's own configuration is wrong, not the sender's request: these
# are server errors (500), never a 401 that would hide the misconfiguration.
_SERVER_SIDE = ("no_secret", "invalid_secret")


def rejection(
    body: _Body,
    headers: _Headers,
    secret: Secret,
    *,
    scheme: str = "standard-webhooks",
    header: Optional[str] = None,
    tolerance: Optional[_Seconds] = None,
) -> Optional[dict[str, str]]:
    """None when the webhook verifies (``outbox.verify``); otherwise the JSON
    body of the 401 answer: ``{"error", "code", "message"}``, as Node's
    ``verifyWebhook`` answers. A bad secret on our side raises."""
    try:
        verify(body, headers, secret, scheme=scheme, header=header, tolerance=tolerance)
    except WebhookVerificationError as e:
        if e.code in _SERVER_SIDE:
            raise
        return {"error": "invalid webhook signature", "code": e.code, "message": str(e)}
    return None
