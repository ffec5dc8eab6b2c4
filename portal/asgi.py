"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from portal.routing import websocket_urlpatterns  # noqa: E402
from portal.ws_auth import TokenOrSessionAuthMiddlewareStack  # noqa: E402
from portal.ws_server_send import ServerSendMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            ServerSendMiddleware(TokenOrSessionAuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
