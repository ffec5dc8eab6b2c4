"""The websocket routes: portal.routing names the incident room's and the notification stream's,
and an incidents routing that fails to import fails start-up instead of leaving the site without its room."""

import importlib
import sys

import pytest

import portal.routing
from incidents.routing import websocket_urlpatterns as incident_patterns
from portal.notifications.routing import websocket_urlpatterns as notification_patterns


def test_the_room_and_notification_routes_are_wired():
    assert portal.routing.websocket_urlpatterns == [*incident_patterns, *notification_patterns]
    assert any("notifications" in str(pattern.pattern) for pattern in portal.routing.websocket_urlpatterns)
    assert any("incidents" in str(pattern.pattern) for pattern in portal.routing.websocket_urlpatterns)


def test_a_broken_incidents_routing_fails_the_import(monkeypatch):
    monkeypatch.setitem(sys.modules, "incidents.routing", None)  # any import of it now raises ImportError
    try:
        with pytest.raises(ImportError):
            importlib.reload(portal.routing)
    finally:
        monkeypatch.undo()
        importlib.reload(portal.routing)
    assert portal.routing.websocket_urlpatterns == [*incident_patterns, *notification_patterns]
