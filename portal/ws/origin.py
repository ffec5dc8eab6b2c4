"""Where a websocket handshake may come from.

Browsers always send `Origin`, and a cookie-authenticated handshake from another site is
cross-site websocket hijacking. The Origin must be this site's own, compared as browsers
compare origins (scheme, host *and* port): the origin the handshake itself was made to
(its Host header, on a host in ALLOWED_HOSTS, with the scheme of the connection or of a
trusted proxy's X-Forwarded-Proto), SITE_URL's, or one of CSRF_TRUSTED_ORIGINS. Another
port on the same host is another site (a different application on the same machine).

An API client that authenticates with `Authorization: Token` carries a credential no other
site can make a browser send, and often sends no `Origin` at all: it may connect without one.
A foreign `Origin` is refused either way.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin or URL, lower-cased, with the scheme's default port."""
    try:
        parts = urlsplit(origin.strip())
        scheme, host, port = parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def _own_origin(scope, headers) -> tuple[str, str, int] | None:
    host_header = headers.get(b"host", b"").decode("latin-1")
    host, _port = split_domain_port(host_header)
    if not host or not validate_host(host, settings.ALLOWED_HOSTS):
        return None
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header and proxy_header[0] == "HTTP_X_FORWARDED_PROTO":
        forwarded = headers.get(b"x-forwarded-proto", b"").decode("latin-1").split(",")[0].strip().lower()
        scheme = "https" if forwarded == proxy_header[1] else scheme
    return normalise(f"{scheme}://{host_header}")


def allowed_origins(scope, headers) -> set[tuple[str, str, int]]:
    listed = [getattr(settings, "SITE_URL", ""), *getattr(settings, "CSRF_TRUSTED_ORIGINS", [])]
    origins = {normalise(value) for value in listed if value and "*" not in value}
    origins.add(_own_origin(scope, headers))
    origins.discard(None)
    return origins


def origin_allowed(scope) -> bool:
    headers = dict(scope.get("headers") or [])
    origin = headers.get(b"origin")
    if origin is None:
        return headers.get(b"authorization", b"").lower().startswith(b"token ")
    wanted = normalise(origin.decode("latin-1"))
    return wanted is not None and wanted in allowed_origins(scope, headers)


class OriginValidator:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.app(scope, receive, send)
