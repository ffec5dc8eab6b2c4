from django.conf import settings

from . import permissions


def portal(request):
    user = getattr(request, "user", None)
    return {
        "is_secretariat": permissions.is_secretariat(user),
        "HTMX_AVAILABLE": settings.HTMX_AVAILABLE,
        "WEBSOCKET_PORT": settings.WEBSOCKET_PORT,
    }
