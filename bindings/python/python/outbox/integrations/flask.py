"""Flask: the ``Outbox`` extension (``g.outbox`` bound to the request, the
``OUTBOX_*`` config keys) and ``verify_webhook`` for views that receive
signed webhooks.

::

    app = Flask(__name__)
    app.config["OUTBOX_ENDPOINT"] = "https://collector.example.com"
    app.config["OUTBOX_API_KEY"] = "..."
    Outbox(app)

    @app.post("/checkout")
    def checkout():
        g.outbox.track("Order Completed", {"total": 99.5})
        return "", 204
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar, cast

from flask import Flask, Request, Response, current_app, g, jsonify, request

from ._request import (
    ANONYMOUS_ID_COOKIE,
    ANONYMOUS_ID_HEADER,
    ANONYMOUS_ID_MAX_AGE,
    RequestOutbox,
    anonymous_id_of,
    configure_once,
    request_context,
)
from ._webhooks import Secret, rejection

if TYPE_CHECKING:
    from .._outbox import _Id, _Seconds

_View = TypeVar("_View", bound=Callable[..., Any])

__all__ = ["Outbox", "client_options", "verify_webhook"]

CONFIG_PREFIX = "OUTBOX_"


def client_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """``Client``'s keyword arguments from the ``OUTBOX_*`` config keys:
    ``OUTBOX_ENDPOINT`` is ``endpoint``, ``OUTBOX_FLUSH_AT`` is ``flush_at``,
    and so on (a misspelt key fails like a misspelt argument)."""
    return {key[len(CONFIG_PREFIX) :].lower(): value for key, value in config.items() if key.startswith(CONFIG_PREFIX)}


class Outbox:
    """Binds ``g.outbox``, a :class:`RequestOutbox`, to every request of the
    app, and configures the default client from the app's ``OUTBOX_*``
    config keys at its first request (when there are any; otherwise call
    ``outbox.configure`` yourself).

    ``user_id`` returns the id of the request's user, or None for a visitor
    (then the ``X-Anonymous-Id`` header, the ``ajs_anonymous_id`` cookie, or a
    new id set as that cookie is used). With Flask-Login::

        Outbox(app, user_id=lambda: current_user.get_id() if current_user.is_authenticated else None)

    Without it, set ``g.outbox.user_id`` in your own login code.
    """

    def __init__(self, app: Optional[Flask] = None, *, user_id: Optional[Callable[[], Optional[_Id]]] = None) -> None:
        self.user_id = user_id or (lambda: None)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Registers the extension on ``app`` (for application factories)."""
        app.extensions["outbox"] = self
        app.before_request(self._bind)
        app.after_request(self._keep_anonymous_id)

    def _bind(self) -> None:
        options = client_options(current_app.config)
        if options:
            configure_once(options)
        # The request object itself, not the proxy: a call made after the
        # request context is gone (a thread, a generator) still has its context.
        this_request = cast(Any, request)._get_current_object()
        g.outbox = RequestOutbox(
            user_id=self.user_id,
            anonymous_id=anonymous_id_of(
                request.headers.get(ANONYMOUS_ID_HEADER), request.cookies.get(ANONYMOUS_ID_COOKIE)
            ),
            context=lambda: context_of(this_request),
        )

    def _keep_anonymous_id(self, response: Response) -> Response:
        bound = g.get("outbox")
        if isinstance(bound, RequestOutbox) and bound.new_anonymous_id:
            response.set_cookie(
                ANONYMOUS_ID_COOKIE,
                bound.new_anonymous_id,
                max_age=ANONYMOUS_ID_MAX_AGE,
                samesite="Lax",
                secure=request.is_secure,
            )
        return response


def context_of(request: Request) -> dict[str, Any]:
    """ip (``remote_addr``: behind a proxy, use werkzeug's ``ProxyFix``), user
    agent and page of a Flask request."""
    return request_context(
        ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
        url=request.url,
        path=request.path,
        referrer=request.referrer,
    )


def verify_webhook(
    secret: Secret,
    *,
    scheme: str = "standard-webhooks",
    header: Optional[str] = None,
    tolerance: Optional[_Seconds] = None,
) -> Callable[[_View], _View]:
    """Decorates a view that receives signed webhooks: ``outbox.verify`` over
    the raw ``request.get_data()`` (kept for the view), and a 401 JSON answer
    (``error``, ``code``, ``message``) when it fails, before the view runs."""

    def decorate(view: _View) -> _View:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            refused = rejection(
                request.get_data(), request.headers, secret, scheme=scheme, header=header, tolerance=tolerance
            )
            if refused is not None:
                return jsonify(refused), 401
            return current_app.ensure_sync(view)(*args, **kwargs)

        return cast(_View, checked)

    return decorate
