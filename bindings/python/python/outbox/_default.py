"""The module-level default client, for code written the analytics-python or
posthog way::

    import outbox

    outbox.configure("https://collector.example.com", api_key="...")
    outbox.track("user-42", "Signed Up", {"plan": "pro"})
    outbox.flush()

``configure`` takes exactly ``Client``'s arguments; every module function
takes exactly the arguments of the ``Client`` method of the same name and
calls it on the default client. Nothing here delivers anything itself.
"""

from __future__ import annotations

import inspect
import threading
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

from ._outbox import Client

if TYPE_CHECKING:
    from typing_extensions import Concatenate, ParamSpec

    _P = ParamSpec("_P")
    _R = TypeVar("_R")

_lock = threading.Lock()
_client: Optional[Client] = None


def _like(constructor: Callable[_P, Client]) -> Callable[[Callable[..., Client]], Callable[_P, Client]]:
    """Gives ``configure`` the signature of ``Client()`` for type checkers."""

    def adopt(f: Callable[..., Client]) -> Callable[_P, Client]:
        f.__signature__ = inspect.signature(constructor)  # type: ignore[attr-defined]
        return f

    return adopt


@_like(Client)
def configure(*args: Any, **kwargs: Any) -> Client:
    """Creates the default client that ``outbox.track()`` and the other module
    functions use, with ``Client``'s arguments, and returns it.

    Calling it again replaces the default client: the previous one is shut
    down first (bounded by its ``shutdown_timeout``), so nothing it queued is
    lost. A bad option raises here, and the previous client stays in place.
    """
    global _client
    client = Client(*args, **kwargs)
    with _lock:
        previous, _client = _client, client
    if previous is not None:
        previous.shutdown()
    return client


def default_client() -> Client:
    """The client made by the last ``outbox.configure()``.

    Raises ``RuntimeError`` when ``configure`` has not been called.
    """
    client = _client
    if client is None:
        raise RuntimeError(
            "outbox has no default client: call outbox.configure(endpoint, api_key=...) "
            "first, or create an outbox.Client and call its methods"
        )
    return client


def _on_default(method: Callable[Concatenate[Client, _P], _R]) -> Callable[_P, _R]:
    """A module function that calls ``method`` on the default client, with
    the method's name, docstring and signature (``self`` left out)."""

    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        return method(default_client(), *args, **kwargs)

    call.__name__ = call.__qualname__ = method.__name__
    call.__doc__ = method.__doc__
    signature = inspect.signature(method)
    call.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])  # type: ignore[attr-defined]
    return call


track = _on_default(Client.track)
identify = _on_default(Client.identify)
group = _on_default(Client.group)
alias = _on_default(Client.alias)
page = _on_default(Client.page)
screen = _on_default(Client.screen)
batch = _on_default(Client.batch)
deliver = _on_default(Client.deliver)
flush = _on_default(Client.flush)
shutdown = _on_default(Client.shutdown)
stats = _on_default(Client.stats)
