import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)


# Where machines call: answered in JSON, never redirected to a page (the REST API, TAXII).
API_PREFIXES = ("/api/", "/taxii2/")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def page_redirect(request, location: str) -> HttpResponse:
    """A redirect a middleware answers in place of a page: htmx would follow a plain redirect
    inside the page, so an htmx request gets HX-Redirect, on which it navigates."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = location
        return response
    return HttpResponseRedirect(location)


def method_not_allowed_page(get_response):
    """Django's 405 is a blank page: a person who followed or typed the address of a form's
    action sees what it is and where to go instead. The API keeps its own JSON answer."""

    def middleware(request):
        response = get_response(request)
        if response.status_code == 405 and not response.content and not request.path.startswith("/api/"):
            # The same response, so its headers (Allow, Cache-Control: no-store) stay.
            response.content = render_to_string("405.html", request=request)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response

    return middleware


class UserLocaleMiddleware(LocaleMiddleware):
    """The language follows the signed-in user's saved preference, then the
    cookie set by the switcher, then the browser's Accept-Language.
    Runs after AuthenticationMiddleware so that it can read the user."""

    def process_request(self, request):
        if not use_saved_language(request, getattr(request, "user", None)):
            super().process_request(request)


def use_saved_language(request, user) -> bool:
    """Speak the user's saved language for the rest of the request, if they saved one. Also what an
    API token's request does once DRF has authenticated it (after the middleware ran)."""
    if user is None or not user.is_authenticated or not user.language:
        return False
    translation.activate(user.language)
    request.LANGUAGE_CODE = translation.get_language()
    return True


# A database, Redis or another service that is away, not a bug: the request may simply be
# tried again. Deliberately not DatabaseError (IntegrityError, DataError) nor RedisError
# (ResponseError) nor every OSError (FileNotFoundError): those are bugs or bad input, a 500.
OUTAGE_ERRORS = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,  # includes BusyLoadingError: Redis restarting
    RedisTimeoutError,
    ConnectionError,  # the socket level: refused, reset, broken pipe
    TimeoutError,
)
RETRY_AFTER_SECONDS = 5


class ServiceUnavailableMiddleware:
    """Answers 503 with Retry-After, not a 500, while the database or Redis is unreachable:
    JSON for the API and TAXII (is_api_path), a short page (which needs no database) otherwise. The one place for
    this answer: views and the API let outages propagate to it.

    Placed right after AuthenticationMiddleware: Django turns an exception raised in a
    later middleware into a 500 before it reaches this one, so the first query of most
    requests (the session's user, read lazily) is made here; errors from views arrive
    through process_exception."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            getattr(request, "user", None) and request.user.is_authenticated
        except OUTAGE_ERRORS as error:
            return self.unavailable(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OUTAGE_ERRORS):
            return self.unavailable(request, exception)
        return None

    def unavailable(self, request, error):
        logger.warning("%s %s: service unavailable: %s", request.method, request.path, error)
        detail = _("The service is briefly unavailable. Please try again in a few seconds.")
        if is_api_path(request.path):
            response = JsonResponse({"detail": str(detail)}, status=503)
        else:
            response = HttpResponse(
                render_to_string("503.html", {"detail": detail}),
                status=503,
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def sync_boundary(get_response):
    """Last in MIDDLEWARE, so that every middleware above it runs in sync mode, in the request's
    thread. Django runs a middleware that can be async in async mode whenever the handler below
    it is async, and then hops to a thread and back for each of its sync hooks. With async-capable
    ones at the bottom of the list (Prometheus, allauth, X-Frame-Options) a request made 9 trips
    to a thread and back; with this one, 6: Django's own (tests/portal/test_middleware_modes.py)."""

    def middleware(request):
        return get_response(request)

    return middleware
