"""Websocket URL wiring: the one place portal names the other apps' consumers."""

websocket_urlpatterns: list = []

try:
    from incidents.routing import websocket_urlpatterns as incident_patterns
except ImportError:  # the incidents app has no room yet
    incident_patterns = []

websocket_urlpatterns += incident_patterns
