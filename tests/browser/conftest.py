"""The browser test harness: Debian's Chromium, driven by Playwright, against the
real ASGI app (Daphne, so websockets work) serving the test database from a
separate process.

Writing a journey:
- Mark the module `pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]`:
  the server only sees committed rows; the tables are flushed after each test.
- Build the background (users, organisations) with factories and services in the
  test; `page.goto("/path/")` is relative to the live server.
- `page` is one person's browser; `new_context().new_page()` opens another person's,
  with its own cookies.
- `mailbox.wait_for(address, subject_contains=...)` reads the mail the server sent
  (verification, invitations); steps.py has sign_up, sign_in (with TOTP), field, message.
- `browser_log.errors()` lists console errors, uncaught exceptions and 5xx answers;
  any 5xx answer fails the test even unasserted.
- On SQLite each process has its own in-memory channel layer: a broadcast made by the
  test process does not reach the server's websocket consumers (on Redis it does).
On failure the harness saves a screenshot of every open page, the pages' console
logs and the server's log under test-results/ and names them under the failure.
"""

import os
import re
import tempfile
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from . import server_settings
from .appserver import AppServer
from .console import BrowserLog

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Pages answer in milliseconds, yet a busy CI machine can stall one for seconds. A step
# that waits longer than this is stuck, and says so sooner than Playwright's 30 s.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)

LOG_KEY = pytest.StashKey[BrowserLog]()
SERVER_LOG_OFFSET_KEY = pytest.StashKey[int]()
SERVER_KEY = pytest.StashKey[AppServer]()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # Playwright's sync API keeps an event loop running on the main thread until the
    # session ends, which Django and pytest-asyncio refuse to share: browser tests run last.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents and item.get_closest_marker("browser") is None:
            raise pytest.UsageError(f"{item.nodeid} drives a browser: mark it with @pytest.mark.browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_app(django_db_setup, django_db_blocker):
    """The app served on a free port of 127.0.0.1, on the test database, mail to files."""
    # See the collection hook above: the tests' own ORM calls share the thread with Playwright's loop.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with tempfile.TemporaryDirectory(prefix="callportal-browser-") as workdir:
        with django_db_blocker.unblock():
            server = AppServer(database=connection.settings_dict, workdir=Path(workdir))
            server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_app):
    return {**browser_context_args, "base_url": live_app.url, "locale": "en-GB"}


@pytest.fixture(autouse=True)
def _fresh_server_state(request, live_app, settings):
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        pytest.fail("Browser tests need @pytest.mark.django_db(transaction=True): the server reads committed data.")
    live_app.reset()
    # Links built in this process (invitations made through services) point at the live server.
    settings.SITE_URL = live_app.url
    settings.PASSWORD_HASHERS = server_settings.PASSWORD_HASHERS
    request.node.stash[SERVER_KEY] = live_app
    request.node.stash[SERVER_LOG_OFFSET_KEY] = live_app.log_size()


@pytest.fixture
def mailbox(live_app):
    return live_app.mailbox


@pytest.fixture
def browser_log(request):
    """Console messages, page errors and failed responses of every page this test opens."""
    log = request.node.stash.setdefault(LOG_KEY, BrowserLog())
    return log


@pytest.fixture
def new_context(new_context, browser_log):
    def make(**kwargs):
        context = new_context(**kwargs)
        context.set_default_timeout(TIMEOUT_MS)
        browser_log.watch(context)
        return context

    yield make
    # No request may end in a server error, whatever the journey.
    assert not browser_log.server_errors(), f"the server failed: {browser_log.server_errors()}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and report.when in ("setup", "call") and LOG_KEY in item.stash:
        paths = _save_failure_artifacts(item)
        # Shown under the failure, with the captured output.
        report.sections.append(("browser artifacts", "\n".join(str(path) for path in paths)))
    return report


def _save_failure_artifacts(item) -> list[Path]:
    name = re.sub(r"[^\w.-]+", "-", item.nodeid).strip("-")[:200]
    folder = Path(item.config.getoption("--output")).absolute() / name
    folder.mkdir(parents=True, exist_ok=True)
    paths = item.stash[LOG_KEY].save(folder)
    server = item.stash.get(SERVER_KEY, None)
    if server is not None:
        server_log = folder / "server.log"
        server_log.write_text(server.log_since(item.stash[SERVER_LOG_OFFSET_KEY]))
        paths.append(server_log)
    return paths
