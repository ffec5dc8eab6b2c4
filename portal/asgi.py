"""ASGI entry point: HTTP through Django, websockets through Channels."""

import faulthandler
import gc
import os
import signal

from portal.request_threads import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# `kill -USR1 <pid>` writes every thread's stack to stderr: where a hung server waits
# (docs/operations.md). faulthandler does it from C, so it works while the event loop is stuck.
faulthandler.register(signal.SIGUSR1, all_threads=True)
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from portal.routing import websocket_urlpatterns  # noqa: E402
from portal.ws.auth import TokenOrSessionAuthMiddlewareStack  # noqa: E402
from portal.ws.origin import OriginValidator  # noqa: E402
from portal.ws.router import InPlaceURLRouter  # noqa: E402
from portal.ws.server_send import ServerSendMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginValidator(
            ServerSendMiddleware(TokenOrSessionAuthMiddlewareStack(InPlaceURLRouter(websocket_urlpatterns)))
        ),
    }
)

# Garbage collection in a long-lived server: everything loaded at start-up lives as long
# as the process, so it is left out of the collector's full passes (gc.freeze), and young
# objects are collected less often, so fewer short-lived ones (a frame in flight, a query)
# are promoted to the old generation. Full passes over a room of 500 connections paused
# the event loop for 100-500 ms (docs/performance.md).
GC_YOUNG_THRESHOLD = 20_000  # Python's default is 700
gc.freeze()
gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
