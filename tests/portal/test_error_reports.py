"""Error reports to Sentry (portal/error_reports.py): off without SENTRY_DSN; with it, a view's
unhandled exception reaches the DSN's server, without cookies or credentials, and the visitor
still gets the site's own 500 page."""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import sentry_sdk

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, os
import django
os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'
django.setup()
import sentry_sdk
from django.test import Client, override_settings
with override_settings(ROOT_URLCONF='tests.helpers.failing_urls', DEBUG=False):
    client = Client(raise_request_exception=False, SERVER_NAME='127.0.0.1')
    client.cookies['csrftoken'] = 'cookie-that-must-not-leave'
    response = client.get('/fail/?q=1', headers={'Authorization': 'Token credential-that-must-not-leave'})
sentry_sdk.flush(timeout=10)
print(json.dumps({'status': response.status_code, 'page': response.content.decode()}))
"""


class Receiver(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        elif self.headers.get("Content-Encoding") == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_no_dsn_no_reports():
    # The test settings have no SENTRY_DSN: nothing was initialised.
    assert not os.environ.get("SENTRY_DSN")
    assert not sentry_sdk.get_client().is_active()


def test_a_failing_page_is_reported_and_the_visitor_gets_the_500_page(sentry_server, tmp_path):
    port = sentry_server.server_address[1]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42",
        SENTRY_ENVIRONMENT="drill",
        SENTRY_RELEASE="callportal@test",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 500 and "<h1>Something went wrong</h1>" in answer["page"]  # templates/500.html
    assert "error-report-test" not in answer["page"]
    envelopes = b"\n".join(Receiver.received)
    events = [json.loads(line) for line in envelopes.splitlines() if b'"exception"' in line]
    assert events, envelopes[:500]
    event = events[0]
    assert event["exception"]["values"][-1]["value"] == "error-report-test: the page failed"
    assert event["environment"] == "drill" and event["release"] == "callportal@test"
    assert b"cookie-that-must-not-leave" not in envelopes
    assert b"credential-that-must-not-leave" not in envelopes
