"""The language of a websocket connection, decided as pages decide it (portal.middleware.
UserLocaleMiddleware): the user's saved preference, then the switcher's cookie, then the
browser's Accept-Language, then the site's default."""

from http.cookies import CookieError, SimpleCookie

from django.conf import settings
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return None


def connection_language(scope) -> str:
    user = scope.get("user")
    saved = _supported(getattr(user, "language", "") if user is not None else "")
    if saved:
        return saved
    headers = dict(scope.get("headers") or ())
    try:
        cookies = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1"))
    except CookieError:  # a malformed Cookie header is no preference, not an error
        cookies = {}
    cookie = cookies.get(settings.LANGUAGE_COOKIE_NAME)
    chosen = _supported(cookie.value if cookie else None)
    if chosen:
        return chosen
    for code, _quality in parse_accept_lang_header(headers.get(b"accept-language", b"").decode("latin-1")):
        if code != "*" and (found := _supported(code)):
            return found
    return settings.LANGUAGE_CODE
