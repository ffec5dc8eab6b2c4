import re

import pytest
from django.conf import settings


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/accounts/login/"])
def test_pages_carry_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"  # no unsafe-inline scripts
    assert directives["frame-ancestors"] == "'none'"
    # Our own origin only (which covers the room's same-host websocket), never any ws:/wss: host.
    assert directives["connect-src"] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_room_script_opens_its_websocket_on_the_page_s_own_host():
    """connect-src 'self' only lets the room connect while it connects back to the same host (or,
    with WEBSOCKET_PORT, to that port of it, which the policy then names: test_process_layout.py)."""
    room_js = (settings.BASE_DIR / "incidents" / "static" / "incidents" / "room.js").read_text()
    opened = re.findall(r"new WebSocket\((.*?)\);", room_js)
    assert opened and all(arg.startswith("proto + host + ") for arg in opened)
    assert 'var host = wsPort ? location.hostname + ":" + wsPort.content : location.host;' in room_js
    assert re.search(
        r'data-ws-path="/ws/', (settings.BASE_DIR / "incidents/templates/incidents/detail.html").read_text()
    )
