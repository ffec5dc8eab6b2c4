"""A websocket connection's language, decided as pages decide it (portal.ws.language)."""

from types import SimpleNamespace

import pytest

from portal.ws.language import connection_language


def scope(*, language="", cookie=None, accept=None):
    headers = []
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))
    if accept is not None:
        headers.append((b"accept-language", accept.encode()))
    return {"user": SimpleNamespace(language=language), "headers": headers}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"language": "ar", "cookie": "django_language=fr", "accept": "fr"}, "ar"),
        ({"cookie": "django_language=fr", "accept": "ar"}, "fr"),
        ({"accept": "de-DE, ar;q=0.8"}, "ar"),
        ({"accept": "fr-CA"}, "fr"),
        ({"cookie": "django_language=xx; other", "accept": "*"}, "en"),
        ({"cookie": '"unbalanced', "accept": "zz"}, "en"),
        ({}, "en"),
    ],
)
def test_saved_preference_then_cookie_then_browser_then_default(kwargs, expected):
    assert connection_language(scope(**kwargs)) == expected


def test_an_anonymous_scope_has_the_default():
    assert connection_language({"headers": []}) == "en"
