"""Django: ``request.outbox`` bound to the request's user, the ``OUTBOX``
setting, and ``verify_webhook`` for views that receive signed webhooks.

settings.py::

    OUTBOX = {"endpoint": "https://collector.example.com", "api_key": "..."}
    MIDDLEWARE = [
        ...,
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "outbox.integrations.django.OutboxMiddleware",
    ]

a view::

    def checkout(request):
        request.outbox.track("Order Completed", {"total": 99.5})
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar, cast

from asgiref.sync import iscoroutinefunction
from django.apps import AppConfig  # type: ignore[import-untyped]
from django.core.exceptions import DisallowedHost, ImproperlyConfigured  # type: ignore[import-untyped]
from django.http import HttpRequest, HttpResponse, JsonResponse  # type: ignore[import-untyped]
from django.utils.deprecation import MiddlewareMixin  # type: ignore[import-untyped]

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

__all__ = ["OutboxConfig", "OutboxMiddleware", "configure_from_settings", "verify_webhook"]


def configure_from_settings() -> None:
    """Configures the default client from ``settings.OUTBOX`` (``Client``'s
    keyword arguments) once, and again if the setting changes. Without the
    setting it does nothing: the default client is then yours to configure.
    """
    # Imported here: a module global would be a lazy object that tools
    # inspecting this module (stubtest) would force to load the settings.
    from django.conf import settings  # type: ignore[import-untyped]

    options = getattr(settings, "OUTBOX", None)
    if options is None:
        return
    if not isinstance(options, Mapping):
        raise ImproperlyConfigured(
            "settings.OUTBOX must be a dict of outbox.Client arguments, "
            'e.g. {"endpoint": "https://...", "api_key": "..."}'
        )
    configure_once(options)


class OutboxConfig(AppConfig):  # type: ignore[misc]
    """For processes that serve no request (Celery workers, management
    commands): listed in ``INSTALLED_APPS`` as
    ``"outbox.integrations.django.OutboxConfig"``, it configures the default
    client from ``settings.OUTBOX`` when Django starts."""

    name = "outbox.integrations.django"
    label = "outbox_integrations"  # "outbox" is a likely name for a project's own app
    verbose_name = "Outbox"

    def ready(self) -> None:
        configure_from_settings()


class OutboxMiddleware(MiddlewareMixin):  # type: ignore[misc]
    """Sets ``request.outbox``, a :class:`RequestOutbox` for the request, and
    configures the default client from ``settings.OUTBOX`` on first use.

    The user id is ``request.user.pk`` when the user is authenticated
    (override :meth:`user_id_of` for another id); otherwise events carry the
    anonymous id of the ``X-Anonymous-Id`` header or ``ajs_anonymous_id``
    cookie, or a new one that the response sets as that cookie. Works in
    sync and async stacks (Django's ``MiddlewareMixin``).
    """

    def process_request(self, request: HttpRequest) -> None:
        configure_from_settings()
        request.outbox = RequestOutbox(
            user_id=lambda: self.user_id_of(request),
            anonymous_id=anonymous_id_of(
                request.headers.get(ANONYMOUS_ID_HEADER), request.COOKIES.get(ANONYMOUS_ID_COOKIE)
            ),
            context=lambda: context_of(request),
        )

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        bound = getattr(request, "outbox", None)
        if isinstance(bound, RequestOutbox) and bound.new_anonymous_id and ANONYMOUS_ID_COOKIE not in response.cookies:
            response.set_cookie(
                ANONYMOUS_ID_COOKIE,
                bound.new_anonymous_id,
                max_age=ANONYMOUS_ID_MAX_AGE,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    def user_id_of(self, request: HttpRequest) -> Optional[_Id]:
        """``request.user.pk`` of an authenticated user, else None.

        Evaluated at the first call, so in an async view (where that would
        query the session synchronously) set ``request.outbox.user_id =
        (await request.auser()).pk`` first.
        """
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        pk = user.pk
        return pk if isinstance(pk, (str, int)) else str(pk)


def context_of(request: HttpRequest) -> dict[str, Any]:
    """ip (``REMOTE_ADDR``: behind a proxy, have it set from the forwarded
    header), user agent and page of a Django request."""
    try:
        url: Optional[str] = request.build_absolute_uri()
    except DisallowedHost:
        url = None
    return request_context(
        ip=request.META.get("REMOTE_ADDR"),
        user_agent=request.headers.get("User-Agent"),
        url=url,
        path=request.path,
        referrer=request.headers.get("Referer"),
    )


def verify_webhook(
    secret: Secret,
    *,
    scheme: str = "standard-webhooks",
    header: Optional[str] = None,
    tolerance: Optional[_Seconds] = None,
) -> Callable[[_View], _View]:
    """Decorates a view that receives signed webhooks: ``outbox.verify``
    over the raw ``request.body``, and a 401 JSON answer (``error``,
    ``code``, ``message``) when it fails, before the view runs. The view is
    exempt from CSRF checks: the signature authenticates the sender.
    Works on sync and async views."""

    def answer(request: HttpRequest) -> Optional[HttpResponse]:
        refused = rejection(request.body, request.headers, secret, scheme=scheme, header=header, tolerance=tolerance)
        return None if refused is None else JsonResponse(refused, status=401)

    def decorate(view: _View) -> _View:
        if iscoroutinefunction(view):

            async def checked_async(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                refused = answer(request)
                return refused if refused is not None else await view(request, *args, **kwargs)

            checked: Callable[..., Any] = checked_async
        else:

            def checked_sync(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                refused = answer(request)
                return refused if refused is not None else view(request, *args, **kwargs)

            checked = checked_sync
        checked = functools.wraps(view)(checked)
        # What django.views.decorators.csrf.csrf_exempt sets, for every Django version.
        checked.csrf_exempt = True  # type: ignore[attr-defined]
        return cast(_View, checked)

    return decorate
