"""What every framework integration shares: calls bound to one request's
user and context, and configuring the default client from settings once."""

from __future__ import annotations

import threading
import urllib.parse
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional

from .. import _default
from .._errors import InvalidEventError
from .._outbox import Client

if TYPE_CHECKING:
    from .._outbox import _Id, _JsonObject, _Timestamp

# Where a request carries its anonymous id: the header a front end or
# another service sets, and the cookie Segment's analytics.js keeps in browsers.
ANONYMOUS_ID_HEADER = "X-Anonymous-Id"
ANONYMOUS_ID_COOKIE = "ajs_anonymous_id"
# A generated anonymous id is kept a year, as analytics.js keeps its own.
ANONYMOUS_ID_MAX_AGE = 365 * 24 * 3600


def clean_anonymous_id(raw: Optional[str]) -> Optional[str]:
    """The anonymous id in a header or cookie value, or None when empty.

    analytics.js stores the cookie JSON-quoted and URL-encoded (``%22id%22``).
    """
    if not raw:
        return None
    value = urllib.parse.unquote(raw).strip().strip('"')
    return value or None


def anonymous_id_of(header: Optional[str], cookie: Optional[str]) -> Optional[str]:
    """The anonymous id a request brings in the ``X-Anonymous-Id`` header or,
    failing that, the ``ajs_anonymous_id`` cookie (values as received)."""
    return clean_anonymous_id(header) or clean_anonymous_id(cookie)


def request_context(
    *, ip: Optional[str], user_agent: Optional[str], url: Optional[str], path: str, referrer: Optional[str]
) -> dict[str, Any]:
    """Segment's context fields for a request: ``ip``, ``userAgent`` and
    ``page`` (``url``, ``path``, ``referrer``), leaving out what is unknown."""
    context: dict[str, Any] = {}
    if ip:
        context["ip"] = ip
    if user_agent:
        context["userAgent"] = user_agent
    page = {"path": path}
    if url:
        page["url"] = url
    if referrer:
        page["referrer"] = referrer
    context["page"] = page
    return context


class RequestOutbox:
    """``track``, ``identify``, ``group``, ``page``, ``screen`` and ``alias``
    bound to one request: the user id, the anonymous id and the request's
    context (ip, user agent, page) are filled in, and each call goes to the
    default client (``outbox.configure``). Nothing is created per request but
    this small object.

    The user is resolved when a call is made, so a login earlier in the same
    request counts. Set ``user_id`` to override it (e.g. from a FastAPI
    dependency that authenticated the caller).

    When a call has neither a user id nor an anonymous id from the request,
    a random one (UUID 4) is made, kept for the rest of the request in
    ``new_anonymous_id``, and the integration sets it as the
    ``ajs_anonymous_id`` cookie on the response so the visitor keeps it.
    """

    def __init__(
        self,
        *,
        user_id: Callable[[], Optional[_Id]],
        anonymous_id: Optional[str],
        context: Callable[[], dict[str, Any]],
    ) -> None:
        self._resolve_user_id = user_id
        self._request_anonymous_id = anonymous_id
        self._request_context = context
        self._user_id: Optional[_Id] = None
        self._user_id_set = False
        self.new_anonymous_id: Optional[str] = None

    @property
    def client(self) -> Client:
        """The default client, which every call goes to."""
        return _default.default_client()

    @property
    def user_id(self) -> Optional[_Id]:
        """The request's user id (None for a visitor who is not logged in)."""
        return self._user_id if self._user_id_set else self._resolve_user_id()

    @user_id.setter
    def user_id(self, value: Optional[_Id]) -> None:
        self._user_id, self._user_id_set = value, True

    @property
    def anonymous_id(self) -> str:
        """The request's anonymous id, made up (and kept) when it has none."""
        if self._request_anonymous_id is not None:
            return self._request_anonymous_id
        if self.new_anonymous_id is None:
            self.new_anonymous_id = str(uuid.uuid4())
        return self.new_anonymous_id

    def _ids(self) -> tuple[Optional[_Id], Optional[str]]:
        user_id = self.user_id
        if user_id is None:
            return None, self.anonymous_id
        return user_id, self._request_anonymous_id

    def _context(self, context: Optional[_JsonObject]) -> Optional[_JsonObject]:
        """The request's context under the caller's (whose keys win)."""
        if context is None:
            return self._request_context()
        if isinstance(context, Mapping):
            return {**self._request_context(), **context}
        return context

    def track(
        self,
        event: str,
        properties: Optional[_JsonObject] = None,
        *,
        timestamp: Optional[_Timestamp] = None,
        context: Optional[_JsonObject] = None,
        message_id: Optional[str] = None,
        integrations: Optional[_JsonObject] = None,
    ) -> str:
        """Queues a ``track`` event for the request's user; returns its message id."""
        user_id, anonymous_id = self._ids()
        return self.client.track(
            user_id,
            event,
            properties,
            anonymous_id=anonymous_id,
            timestamp=timestamp,
            context=self._context(context),
            message_id=message_id,
            integrations=integrations,
        )

    def identify(
        self,
        traits: Optional[_JsonObject] = None,
        *,
        timestamp: Optional[_Timestamp] = None,
        context: Optional[_JsonObject] = None,
        message_id: Optional[str] = None,
        integrations: Optional[_JsonObject] = None,
    ) -> str:
        """Queues an ``identify`` event for the request's user."""
        user_id, anonymous_id = self._ids()
        return self.client.identify(
            user_id,
            traits,
            anonymous_id=anonymous_id,
            timestamp=timestamp,
            context=self._context(context),
            message_id=message_id,
            integrations=integrations,
        )

    def group(
        self,
        group_id: _Id,
        traits: Optional[_JsonObject] = None,
        *,
        timestamp: Optional[_Timestamp] = None,
        context: Optional[_JsonObject] = None,
        message_id: Optional[str] = None,
        integrations: Optional[_JsonObject] = None,
    ) -> str:
        """Queues a ``group`` event joining the request's user to ``group_id``."""
        user_id, anonymous_id = self._ids()
        return self.client.group(
            user_id,
            group_id,
            traits,
            anonymous_id=anonymous_id,
            timestamp=timestamp,
            context=self._context(context),
            message_id=message_id,
            integrations=integrations,
        )

    def page(
        self,
        name: Optional[str] = None,
        properties: Optional[_JsonObject] = None,
        *,
        timestamp: Optional[_Timestamp] = None,
        context: Optional[_JsonObject] = None,
        message_id: Optional[str] = None,
        integrations: Optional[_JsonObject] = None,
    ) -> str:
        """Queues a ``page`` event for the request's user."""
        user_id, anonymous_id = self._ids()
        return self.client.page(
            user_id,
            name,
            properties,
            anonymous_id=anonymous_id,
            timestamp=timestamp,
            context=self._context(context),
            message_id=message_id,
            integrations=integrations,
        )

    def screen(
        self,
        name: Optional[str] = None,
        properties: Optional[_JsonObject] = None,
        *,
        timestamp: Optional[_Timestamp] = None,
        context: Optional[_JsonObject] = None,
        message_id: Optional[str] = None,
        integrations: Optional[_JsonObject] = None,
    ) -> str:
        """Queues a ``screen`` event for the request's user."""
        user_id, anonymous_id = self._ids()
        return self.client.screen(
            user_id,
            name,
            properties,
            anonymous_id=anonymous_id,
            timestamp=timestamp,
            context=self._context(context),
            message_id=message_id,
            integrations=integrations,
        )

    def alias(
        self,
        previous_id: Optional[_Id] = None,
        *,
        timestamp: Optional[_Timestamp] = None,
        context: Optional[_JsonObject] = None,
        message_id: Optional[str] = None,
        integrations: Optional[_JsonObject] = None,
    ) -> str:
        """Links ``previous_id`` (default: the request's anonymous id) to the
        request's user, typically right after sign-up or login."""
        user_id = self.user_id
        if user_id is None:
            raise InvalidEventError("alias() needs the request's user: log the user in first, or set user_id")
        return self.client.alias(
            self.anonymous_id if previous_id is None else previous_id,
            user_id,
            timestamp=timestamp,
            context=self._context(context),
            message_id=message_id,
            integrations=integrations,
        )


_configure_lock = threading.Lock()
_configured: Optional[tuple[dict[str, Any], Client]] = None


def configure_once(options: Mapping[str, Any]) -> Client:
    """Configures the default client with ``options`` (``Client``'s keyword
    arguments, from framework settings) the first time, and again only when
    the settings changed or someone else replaced the default client.

    Called on each request, so a worker forked before its first request
    creates its client itself; one created before a fork is safe too (the
    engine gives the child a fresh queue).
    """
    global _configured
    done = _configured
    if done is not None and done[1] is _default._client and done[0] == options:
        return done[1]
    with _configure_lock:
        done = _configured
        if done is not None and done[1] is _default._client and done[0] == options:
            return done[1]
        client = _default.configure(**options)
        _configured = (dict(options), client)
        return client
