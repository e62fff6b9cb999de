"""Process lifecycle hooks: exit, fork, and debug logging.

* At interpreter exit (``atexit``), every open client and webhook sender is
  shut down at once, each within its ``shutdown_timeout`` (0 skips it), so a
  script that never calls ``flush()`` still delivers and exit never hangs
  past that deadline.
* A child made by ``multiprocessing`` with the fork start method leaves
  through ``os._exit``, which skips ``atexit``; the same hook is registered
  with multiprocessing's own exit handling there.
* Fork safety itself lives in the engine (``pthread_atfork``): after a fork
  the child gets a fresh queue and background thread; events queued before
  the fork stay the parent's.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys

from . import _outbox

atexit.register(_outbox._at_exit)

_multiprocessing_hooked = False


class _Token:
    """Anything weak-referenceable and alive for the life of the process."""


_TOKEN = _Token()


def _before_fork() -> None:
    global _multiprocessing_hooked
    util = sys.modules.get("multiprocessing.util")
    if util is not None and not _multiprocessing_hooked:
        # Runs in each multiprocessing child after its finalizer registry
        # was reset, so the registration below is the child's own.
        util.register_after_fork(_TOKEN, _in_multiprocessing_child)
        _multiprocessing_hooked = True


def _in_multiprocessing_child(_token: object) -> None:
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        util.Finalize(None, _outbox._at_exit, exitpriority=0)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_child=_outbox._after_fork_in_child)


def enable_debug_logging() -> None:
    """``debug=True``: logger ``outbox`` at DEBUG, printing to stderr unless
    the application configured logging itself."""
    logger = logging.getLogger("outbox")
    logger.setLevel(logging.DEBUG)
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
