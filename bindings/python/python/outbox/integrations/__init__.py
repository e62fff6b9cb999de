"""Framework integrations: request-bound calls, settings-driven setup, flush
hooks and webhook verification for the frameworks Python services run on.

Each lives in its own module and imports its framework only when imported:

* ``outbox.integrations.django``: ``OutboxMiddleware`` (``request.outbox``),
  the ``OUTBOX`` setting, ``verify_webhook`` for views.
* ``outbox.integrations.flask``: the ``Outbox(app)`` extension (``g.outbox``),
  ``OUTBOX_*`` config keys, ``verify_webhook`` for views.
* ``outbox.integrations.asgi``: ``OutboxMiddleware`` for Starlette and FastAPI
  (``request.state.outbox``), ``lifespan``, ``verify_webhook`` dependency.
* ``outbox.integrations.celery``: ``setup()`` flushes at task end and shuts
  down at worker exit.

They deliver, validate and verify nothing themselves: every call goes to the
default client (``outbox.configure``) and to ``outbox.verify``.
"""

from __future__ import annotations

from ._request import ANONYMOUS_ID_COOKIE, ANONYMOUS_ID_HEADER, RequestOutbox

__all__ = ["ANONYMOUS_ID_COOKIE", "ANONYMOUS_ID_HEADER", "RequestOutbox"]
