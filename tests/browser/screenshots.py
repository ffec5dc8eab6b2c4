"""`python -m tests.browser.screenshots [OUT_DIR]`: pictures of the demo site for the docs.

Seeds a throw-away SQLite database with the demo community, serves it with Daphne as
the browser tests do, and saves full-page screenshots to OUT_DIR (docs/screenshots by
default): the public pages, the secretariat's pages (signed in with the demo's TOTP
secret), an organisation, an incident room and the directory in Arabic. A page that does not answer 200 is reported and
left out, so the tool works while parts of the site are still being built.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

PUBLIC_PAGES = {
    "home": "/",
    "directory": "/organisations/",
    "commitments": "/commitments/",
    "sign-up": "/accounts/signup/",
}
SECRETARIAT_PAGES = {
    "review-queue": "/review/",
    "incidents": "/incidents/",
    "audit-log": "/audit/",
}


def _seed(database: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["SQLITE_PATH"] = str(database)
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
        subprocess.run([sys.executable, "manage.py", *command], check=True, env=env, stdout=subprocess.DEVNULL)


def _shoot(page: Page, out: Path, pages: dict[str, str], *, suffix: str = "") -> None:
    for name, path in pages.items():
        response = page.goto(path)
        if response is None or response.status != 200:
            print(f"  skipped {path}: {response.status if response else 'no answer'}")
            continue
        target = out / f"{name}{suffix}.png"
        page.screenshot(path=target, full_page=True)
        print(f"  {target}")


def _shoot_first(page: Page, out: Path, name: str, *, listed_on: str, link: str) -> None:
    """The page behind the first `link` (a CSS selector) on the list at `listed_on`."""
    page.goto(listed_on)
    first = page.locator(link).first
    if first.count() == 0:
        print(f"  skipped {name}: no {link} on {listed_on}")
        return
    first.click()
    page.wait_for_load_state()
    target = out / f"{name}.png"
    page.screenshot(path=target, full_page=True)
    print(f"  {target}")


def main(out: Path) -> None:
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
        _seed(database)
        server = AppServer(database={"ENGINE": "django.db.backends.sqlite3", "NAME": database}, workdir=Path(workdir))
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                viewport = {"width": 1280, "height": 800}
                visitor = browser.new_context(base_url=server.url, viewport=viewport).new_page()
                _shoot(visitor, out, PUBLIC_PAGES)
                _shoot_first(visitor, out, "organisation", listed_on="/organisations/", link=".card-title a")
                visitor.context.add_cookies([{"name": "django_language", "value": "ar", "url": server.url}])
                _shoot(visitor, out, {"directory": "/organisations/"}, suffix="-ar")

                staff = browser.new_context(base_url=server.url, viewport=viewport).new_page()
                sign_in(staff, demo.SECRETARIAT_EMAIL, password=demo.DEMO_PASSWORD, totp_secret=demo.DEMO_TOTP_SECRET)
                _shoot(staff, out, SECRETARIAT_PAGES)
                _shoot_first(staff, out, "incident-room", listed_on="/incidents/", link="main table a")
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots").absolute())
