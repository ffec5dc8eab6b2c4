"""The process layout: where pages open their websockets (docs/operations.md, "Process groups")."""

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

# Unset (the default; also behind nginx or a balancer that routes /ws/ to the ws group): pages open
# their sockets on their own origin. A port: on the page's own host at that port, where the ws
# process group listens (`make run-stack`, no proxy). The session cookie is per host, not per port,
# so it goes along; the page's origin must be SITE_URL or in CSRF_TRUSTED_ORIGINS (portal/ws/origin.py).
_port = env("WEBSOCKET_PORT", default="").strip()  # empty: unset (`WEBSOCKET_PORT= make run-stack`)
if _port and not (_port.isdigit() and 0 < int(_port) < 65536):
    raise ImproperlyConfigured(f"WEBSOCKET_PORT must be a TCP port (1-65535) or empty, not {_port!r}.")
WEBSOCKET_PORT = int(_port) if _port else None
