"""The real ASGI app (Daphne, as in the browser tests) for the API fuzzer; no browser."""

import os
from pathlib import Path

import pytest
from django.db import connection

from tests.browser.appserver import AppServer

# The people and the room of tests/incidents, the provider and its reporter of tests/commitments
# (the secretariat is tests/conftest.py's).
from tests.commitments.conftest import catalogue, osp1, provider, reporter  # noqa: F401
from tests.incidents.conftest import (  # noqa: F401
    incident_with_two_orgs,
    provider_a,
    provider_b,
    responder_a,
    rooms,
)


@pytest.fixture(scope="session")
def api_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """Daphne on the test database. FUZZ_SERVER_PORT pins the port (default: any free one)."""
    workdir: Path = tmp_path_factory.mktemp("fuzz-server")
    with django_db_blocker.unblock():
        server = AppServer(database=connection.settings_dict, workdir=workdir)
    if os.environ.get("FUZZ_SERVER_PORT"):
        server.port = int(os.environ["FUZZ_SERVER_PORT"])
        server.url = f"http://127.0.0.1:{server.port}"
        server._env["SITE_URL"] = server.url
    server._env["DJANGO_SETTINGS_MODULE"] = "tests.fuzz.server_settings"
    server.start()
    try:
        yield server
    finally:
        server.stop()
