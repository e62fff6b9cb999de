"""ASGI (Starlette, FastAPI): ``OutboxMiddleware`` (``request.state.outbox``
bound to the request), ``lifespan`` (delivers what is queued at app
shutdown) and ``verify_webhook`` (a dependency that verifies the raw body).

::

    outbox.configure("https://collector.example.com", api_key="...")
    app = FastAPI(lifespan=lifespan)
    app.add_middleware(OutboxMiddleware)

    @app.post("/checkout")
    async def checkout(request: Request):
        request.state.outbox.track("Order Completed", {"total": 99.5})
"""

from __future__ import annotations

import contextlib
import http.cookies
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Any, Callable, Optional

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import _default
from ._request import (
    ANONYMOUS_ID_COOKIE,
    ANONYMOUS_ID_HEADER,
    ANONYMOUS_ID_MAX_AGE,
    RequestOutbox,
    anonymous_id_of,
    request_context,
)
from ._webhooks import Secret, rejection

if TYPE_CHECKING:
    from .._outbox import _Id, _Seconds

__all__ = ["FLUSH_TIMEOUT", "OutboxMiddleware", "lifespan", "request_outbox", "verify_webhook"]

# How long app shutdown waits for delivery: the clients' default shutdown_timeout.
FLUSH_TIMEOUT = 5.0


def user_of(connection: HTTPConnection) -> Optional[_Id]:
    """The user Starlette's ``AuthenticationMiddleware`` put in the scope:
    its ``identity``, else its ``display_name``; None when not authenticated."""
    user = connection.scope.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        identity: Optional[_Id] = user.identity
    except NotImplementedError:  # Starlette's SimpleUser has only a display name
        identity = user.display_name
    return identity


def context_of(connection: HTTPConnection) -> dict[str, Any]:
    """ip (the ASGI client address: behind a proxy, run the server with its
    proxy-headers option), user agent and page of a request."""
    return request_context(
        ip=connection.client.host if connection.client else None,
        user_agent=connection.headers.get("user-agent"),
        url=str(connection.url),
        path=connection.url.path,
        referrer=connection.headers.get("referer"),
    )


def anonymous_id_cookie(value: str, *, secure: bool) -> str:
    """The ``Set-Cookie`` value that keeps a new anonymous id for a year."""
    cookie: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
    cookie[ANONYMOUS_ID_COOKIE] = value
    morsel = cookie[ANONYMOUS_ID_COOKIE]
    morsel["max-age"] = ANONYMOUS_ID_MAX_AGE
    morsel["path"] = "/"
    morsel["samesite"] = "Lax"
    if secure:
        morsel["secure"] = True
    return morsel.OutputString()


class OutboxMiddleware:
    """Puts a :class:`RequestOutbox` for each HTTP request in
    ``request.state.outbox`` (``scope["state"]["outbox"]``); its calls go to
    the default client (``outbox.configure``).

    ``user_id(connection)`` returns the request's user id; by default the
    user of Starlette's ``AuthenticationMiddleware``. With FastAPI, where
    authentication is usually a dependency, set ``request.state.outbox.user_id``
    there. A visitor's anonymous id comes from the ``X-Anonymous-Id`` header or
    the ``ajs_anonymous_id`` cookie; a new one is set as that cookie.
    """

    def __init__(self, app: ASGIApp, *, user_id: Optional[Callable[[HTTPConnection], Optional[_Id]]] = None) -> None:
        self.app = app
        self.user_id = user_id or user_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        user_id = self.user_id
        bound = RequestOutbox(
            user_id=lambda: user_id(connection),
            anonymous_id=anonymous_id_of(
                connection.headers.get(ANONYMOUS_ID_HEADER), connection.cookies.get(ANONYMOUS_ID_COOKIE)
            ),
            context=lambda: context_of(connection),
        )
        # Servers give each request its own copy of "state", as Request.state expects.
        scope.setdefault("state", {})["outbox"] = bound

        async def send_keeping_anonymous_id(message: Message) -> None:
            if message["type"] == "http.response.start" and bound.new_anonymous_id:
                secure = connection.url.scheme == "https"
                MutableHeaders(scope=message).append(
                    "set-cookie", anonymous_id_cookie(bound.new_anonymous_id, secure=secure)
                )
            await send(message)

        await self.app(scope, receive, send_keeping_anonymous_id)


def request_outbox(request: Request) -> RequestOutbox:
    """The request's :class:`RequestOutbox`, as a FastAPI dependency:
    ``outbox: RequestOutbox = Depends(request_outbox)``."""
    bound = request.scope.get("state", {}).get("outbox")
    if not isinstance(bound, RequestOutbox):
        raise RuntimeError("no outbox on this request: add outbox.integrations.asgi.OutboxMiddleware to the app")
    return bound


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """An app lifespan that, at shutdown, waits up to ``FLUSH_TIMEOUT`` for
    the default client to deliver what it queued: ``FastAPI(lifespan=lifespan)``,
    ``Starlette(lifespan=lifespan)``, or ``async with lifespan(app):`` inside
    your own. It flushes rather than shuts down, so an app started again in
    the same process (tests, reloads) keeps its client; interpreter exit
    shuts it down."""
    yield
    client = _default._client
    if client is not None:
        await client.aflush(FLUSH_TIMEOUT)


def verify_webhook(
    secret: Secret,
    *,
    scheme: str = "standard-webhooks",
    header: Optional[str] = None,
    tolerance: Optional[_Seconds] = None,
) -> Callable[[Request], Awaitable[bytes]]:
    """A FastAPI dependency that returns the raw body once ``outbox.verify``
    accepts it, and raises ``HTTPException(401)`` (detail: ``invalid webhook
    signature: <code>``) otherwise::

        @app.post("/webhooks")
        async def receive(body: bytes = Depends(verify_webhook(SECRET))): ...

    In Starlette, ``body = await verify_webhook(SECRET)(request)``.
    """

    async def verified_body(request: Request) -> bytes:
        body = await request.body()
        refused = rejection(body, request.headers, secret, scheme=scheme, header=header, tolerance=tolerance)
        if refused is not None:
            raise HTTPException(401, detail=f"{refused['error']}: {refused['code']}")
        return body

    return verified_body
