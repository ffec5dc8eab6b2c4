"""`python -m tests.browser.screenshots [OUT_DIR]`: pictures of the demo site for the docs.

Seeds a throw-away SQLite database with the demo community, serves it with Daphne as
the browser tests do, and saves screenshots of every main page to OUT_DIR
(docs/screenshots by default), in English and Arabic, on a desktop (1280 px wide) and a
phone (375 px wide): `<page>-<language>-<desktop|mobile>.png`, for example
`incident-room-ar-mobile.png`. Each page is opened as a person who may see it (a
visitor, the demo provider's reporter, its responder and the secretariat, the last two
signed in with the demo's TOTP secret). A page that does not answer 200 is reported and
left out, so the tool works while parts of the site are still being built.

Pictures are of the whole page down to a height limit: the top of a long page shows
its layout; the full length would only make the files large. A panel that the page's
picture would cut off (the acknowledgement board and its call tree, beside the room) is
pictured on its own as well.

`--only NAME,NAME` renders just those pictures (`make screenshots ONLY=acknowledgement-board`),
signing in only the people they need.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

LANGUAGES = ("en", "ar")
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "mobile": {"width": 375, "height": 740},
}
# The tallest picture kept, in CSS pixels, per viewport.
MAX_HEIGHT = {"desktop": 1600, "mobile": 2000}


@dataclass(frozen=True)
class Part:
    """One element of a page, pictured alone (`selector`), whole."""

    path: str
    selector: str


# Paths may name the demo's rows: {organisation}, {commitment}, {implementation}, {incident}.
VISITOR_PAGES = {
    "home": "/",
    "directory": "/organisations/",
    "organisation": "/organisations/{organisation}/",
    "sign-up": "/accounts/signup/",
    "login": "/accounts/login/",
    "dashboard": "/commitments/",
    "scorecard": "/commitments/organisations/{organisation}/",
    "commitment": "/commitments/{commitment}/",
}
REPORTER_PAGES = {
    "progress-form": "/commitments/implementations/{implementation}/report/",
    "notification-settings": "/account/notifications/",
}
RESPONDER_PAGES = {
    "incident-list": "/incidents/",
    "incident-room": "/incidents/{incident}/",
    "incident-timeline": "/incidents/{incident}/timeline/",
    "notifications": "/notifications/",
    "search": "/search/?q=video",
}
SECRETARIAT_PAGES = {
    "review-queue": "/review/",
    "progress-review-queue": "/commitments/review/",
    # Whom to call at each organisation that has not acknowledged (the demo's escalation chains).
    "acknowledgement-board": Part("/incidents/{incident}/", "#acknowledgement-board"),
}

# Run in the seeded database: the rows the pages above are about, as JSON.
DEMO_ROWS = """
import json
from commitments.models import Implementation
from incidents.models import Incident, Status
from portal import demo
from portal.models import Organization

provider = Organization.objects.get(name=demo.DEMO_PROVIDER)
implementation = Implementation.objects.filter(organization=provider).order_by("commitment__code").first()
incident = Incident.objects.exclude(status=Status.CLOSED).order_by("pk").first()
print(json.dumps({
    "organisation": provider.slug,
    "commitment": implementation.commitment_id,
    "implementation": implementation.pk,
    "incident": incident.pk,
}))
"""


def _manage(database: Path, *command: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["SQLITE_PATH"] = str(database)
    done = subprocess.run(
        [sys.executable, "manage.py", *command], check=True, env=env, stdout=subprocess.PIPE, text=True
    )
    return done.stdout


def _seed(database: Path) -> dict[str, int | str]:
    _manage(database, "migrate", "--noinput", "-v", "0")
    _manage(database, "seed_demo")
    return json.loads(_manage(database, "shell", "-c", DEMO_ROWS).strip().splitlines()[-1])


def _settle(page: Page) -> None:
    """Waits for what the page fills in after loading: the room's history and connection."""
    if page.locator("#room-strings").count():
        live = page.evaluate("JSON.parse(document.getElementById('room-strings').textContent).live")
        expect(page.locator("#room-connection")).to_have_text(live)


def _shoot(page: Page, out: Path, pages: dict[str, str | Part], rows: dict, *, language: str, viewport: str) -> None:
    for name, template in pages.items():
        part = template if isinstance(template, Part) else None
        # On a desktop a side panel is as tall as the screen beside the room: a tall screen shows
        # it whole. (A phone stacks the panels in the page, which scrolls.)
        tall = part is not None and viewport == "desktop"
        page.set_viewport_size({**VIEWPORTS[viewport], "height": 2400} if tall else VIEWPORTS[viewport])
        path = (part.path if part else template).format(**rows)
        response = page.goto(path)
        if response is None or response.status != 200:
            print(f"  skipped {path}: {response.status if response else 'no answer'}")
            continue
        expect(page.locator("html")).to_have_attribute("lang", language)
        _settle(page)
        target = out / f"{name}-{language}-{viewport}.png"
        if part:
            page.locator(part.selector).screenshot(path=target)
            print(f"  {target}")
            continue
        width = VIEWPORTS[viewport]["width"]
        height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT[viewport])
        page.screenshot(path=target, full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        print(f"  {target}" + (f"  (wider than the screen by {overflow} px)" if overflow > 0 else ""))


def _shoot_all(page: Page, out: Path, pages: dict[str, str], rows: dict, base_url: str) -> None:
    """Every page in every language on every screen, in the person's one browser: a second
    sign-in would need the next TOTP period."""
    for language in LANGUAGES:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
        for viewport in VIEWPORTS:
            _shoot(page, out, pages, rows, language=language, viewport=viewport)


def main(out: Path, only: set[str] | None = None) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.conf import settings

    from portal import demo

    from .appserver import AppServer
    from .conftest import CHROMIUM, CHROMIUM_ARGS
    from .steps import sign_in

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="callportal-screenshots-") as workdir:
        database = Path(workdir) / "demo.sqlite3"
        os.chdir(settings.BASE_DIR)
        rows = _seed(database)
        server = AppServer(database={"ENGINE": "django.db.backends.sqlite3", "NAME": database}, workdir=Path(workdir))
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                people = [
                    (None, VISITOR_PAGES),
                    ("reporter@streamwave.example", REPORTER_PAGES),
                    ("responder@streamwave.example", RESPONDER_PAGES),
                    (demo.SECRETARIAT_EMAIL, SECRETARIAT_PAGES),
                ]
                for email, all_pages in people:
                    pages = {name: shot for name, shot in all_pages.items() if only is None or name in only}
                    if not pages:
                        continue
                    page = browser.new_context(base_url=server.url, locale="en-GB").new_page()
                    if email is not None:
                        sign_in(page, email, password=demo.DEMO_PASSWORD, totp_secret=_totp_secret(email))
                    _shoot_all(page, out, pages, rows, server.url)
                    page.context.close()
                browser.close()
        finally:
            server.stop()


def _totp_secret(email: str) -> str | None:
    from portal import demo

    login = next(login for login in demo.DEMO_LOGINS if login.email == email)
    return demo.DEMO_TOTP_SECRET if login.two_factor else None


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Screenshots of the demo site for the docs.")
    parser.add_argument("out", nargs="?", default="docs/screenshots")
    parser.add_argument("--only", help="comma-separated picture names, such as acknowledgement-board,notifications")
    arguments = parser.parse_args()
    only = {name.strip() for name in arguments.only.split(",") if name.strip()} if arguments.only else None
    known = {*VISITOR_PAGES, *REPORTER_PAGES, *RESPONDER_PAGES, *SECRETARIAT_PAGES}
    if only is not None and not only <= known:
        parser.error(f"unknown pictures: {', '.join(sorted(only - known))}; choose from {', '.join(sorted(known))}")
    main(Path(arguments.out).absolute(), only)
