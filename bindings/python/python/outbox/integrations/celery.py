"""Celery: ``setup()`` connects the worker signals that deliver what tasks
tracked: a flush when each task ends (``task_postrun``) and a shutdown of
the default client when a worker process exits (``worker_process_shutdown``
for prefork children, which leave without running ``atexit``, and
``worker_shutdown`` for the main process).

In the module that defines the Celery app::

    outbox.configure("https://collector.example.com", api_key="...")
    outbox.integrations.celery.setup()

Prefork is safe: a client configured before the pool forks gives each child
its own queue (the engine's fork handling).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from celery import signals  # type: ignore[import-untyped]

from .. import _default

if TYPE_CHECKING:
    from .._outbox import _Seconds

__all__ = ["FLUSH_TIMEOUT", "setup"]

# The longest a task's end waits for delivery: the clients' default shutdown_timeout.
FLUSH_TIMEOUT = 5.0

_flush_after_task_end = True
_flush_timeout: _Seconds = FLUSH_TIMEOUT


def setup(*, flush_after_task: bool = True, timeout: _Seconds = FLUSH_TIMEOUT) -> None:
    """Connects the hooks (calling it again only changes the settings).

    ``flush_after_task``: wait, up to ``timeout`` seconds, at the end of each
    task until the default client delivered what was queued (what analytics
    libraries advise for Celery). ``False`` leaves delivery to the background
    and to the worker's exit, and adds no latency to tasks.
    """
    global _flush_after_task_end, _flush_timeout
    _flush_after_task_end, _flush_timeout = flush_after_task, timeout
    signals.task_postrun.connect(_flush_after_task, weak=False, dispatch_uid="outbox.flush_after_task")
    signals.worker_process_shutdown.connect(_shut_down, weak=False, dispatch_uid="outbox.worker_process_shutdown")
    signals.worker_shutdown.connect(_shut_down, weak=False, dispatch_uid="outbox.worker_shutdown")


def _flush_after_task(**_signal: Any) -> None:
    client = _default._client
    if client is not None and _flush_after_task_end:
        client.flush(_flush_timeout)


def _shut_down(**_signal: Any) -> None:
    # Bounded by the client's shutdown_timeout; what is left goes to on_error.
    client = _default._client
    if client is not None:
        client.shutdown()
