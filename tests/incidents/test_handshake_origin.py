"""Handshake origins on the real ASGI app (portal.ws.origin): a browser's foreign Origin is
refused; an API client with a token may leave Origin out, a cookie-only one may not."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from portal.services import create_api_token
from tests.portal.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 5
OWN = (b"origin", b"http://127.0.0.1:8000")
FOREIGN = (b"origin", b"https://evil.example")


async def handshake(incident, headers) -> bool:
    from portal.asgi import application

    communicator = WebsocketCommunicator(application, f"/ws/incidents/{incident.pk}/", headers=headers)
    connected, _ = await communicator.connect(timeout=WAIT)
    if connected:
        assert (await communicator.receive_json_from(timeout=WAIT))["type"] == "presence"
    await communicator.disconnect()
    return connected


async def test_a_token_client_may_leave_origin_out_but_not_send_a_foreign_one(incident_with_two_orgs, responder_a):
    _token, key = await sync_to_async(create_api_token)(user=responder_a, name="script")
    token = (b"authorization", f"Token {key}".encode())
    assert await handshake(incident_with_two_orgs, [token])
    assert await handshake(incident_with_two_orgs, [token, OWN])
    assert not await handshake(incident_with_two_orgs, [token, FOREIGN])


async def test_a_cookie_handshake_needs_our_own_origin(incident_with_two_orgs, responder_a):
    def sign_in():
        client = Client()
        assert client.login(email=responder_a.email, password=PASSWORD)
        return client.cookies["sessionid"].value

    cookie = (b"cookie", f"sessionid={await sync_to_async(sign_in)()}".encode())
    assert await handshake(incident_with_two_orgs, [cookie, OWN])
    assert not await handshake(incident_with_two_orgs, [cookie])
    assert not await handshake(incident_with_two_orgs, [cookie, FOREIGN])


async def test_a_page_on_the_web_port_may_open_its_socket_on_the_ws_port(incident_with_two_orgs, responder_a, settings):
    """Without a proxy the ws group listens on a port of its own (WEBSOCKET_PORT): the page's
    origin (another port, so another origin) is accepted when it is the site's (SITE_URL or
    CSRF_TRUSTED_ORIGINS, which `make run-stack` sets)."""

    def sign_in():
        client = Client()
        assert client.login(email=responder_a.email, password=PASSWORD)
        return client.cookies["sessionid"].value

    cookie = (b"cookie", f"sessionid={await sync_to_async(sign_in)()}".encode())
    ws_port = (b"host", b"127.0.0.1:8001")
    settings.SITE_URL, settings.CSRF_TRUSTED_ORIGINS = "https://portal.example.org", []
    assert not await handshake(incident_with_two_orgs, [cookie, ws_port, OWN])
    settings.CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1:8000"]
    assert await handshake(incident_with_two_orgs, [cookie, ws_port, OWN])
    assert not await handshake(incident_with_two_orgs, [cookie, ws_port, (b"origin", b"http://127.0.0.1:8002")])
