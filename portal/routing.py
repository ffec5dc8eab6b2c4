"""Websocket URL wiring: the one place portal names the other apps' consumers.

Imported plainly: a broken import fails start-up rather than dropping the room's route."""

from incidents.routing import websocket_urlpatterns as incident_patterns

from .notifications.routing import websocket_urlpatterns as notification_patterns

websocket_urlpatterns: list = [*incident_patterns, *notification_patterns]
