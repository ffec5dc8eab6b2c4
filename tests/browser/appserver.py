"""The real ASGI app (Daphne) in a separate process, serving the test database.

The server reads the same environment as `make run`; only the database, the mail
directory, the site URL and the settings module differ.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from tests.helpers import processes

from .mailbox import Mailbox

STARTUP_TIMEOUT_SECONDS = 30


def database_environment(settings_dict: dict) -> dict[str, str]:
    """The variables that make portal/settings.py open this (test) database."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return {"SQLITE_PATH": str(settings_dict["NAME"])}
    url = urlsplit(os.environ["DATABASE_URL"])
    return {"DATABASE_URL": urlunsplit(url._replace(path="/" + settings_dict["NAME"]))}


class AppServer:
    def __init__(self, *, database: dict, workdir: Path):
        self.port = processes.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mailbox = Mailbox(workdir / "mail")
        self.cache_dir = workdir / "cache"
        self.log_path = workdir / "server.log"
        # The server is a normal ASGI process: Django's async-safety checks stay on there.
        dropped = ("EMAIL_URL", "DATABASE_URL", "SQLITE_PATH", "DJANGO_ALLOW_ASYNC_UNSAFE")
        env = {k: v for k, v in os.environ.items() if k not in dropped}
        env.update(
            database_environment(database),
            DJANGO_SETTINGS_MODULE="tests.browser.server_settings",
            EMAIL_FILE_PATH=str(self.mailbox.path),
            BROWSER_CACHE_DIR=str(self.cache_dir),
            SITE_URL=self.url,
            PYTHONUNBUFFERED="1",
        )
        self._env = env
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        self.mailbox.path.mkdir(parents=True, exist_ok=True)
        self._process = processes.start(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "portal.asgi:application"],
            cwd=settings.BASE_DIR,
            env=self._env,
            log=self.log_path,
        )
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        try:
            processes.wait_until(
                lambda: processes.answers(self.url + "/healthz"),
                self._process,
                "The app server",
                log=self.log_path,
                timeout=STARTUP_TIMEOUT_SECONDS,
            )
        except processes.StartupError:
            self.stop()
            raise

    def stop(self) -> None:
        processes.stop(self._process)
        self._process = None

    def reset(self) -> None:
        """Forget the previous test's mail and cache (rate limits, used TOTP codes)."""
        self.mailbox.clear()
        shutil.rmtree(self.cache_dir, ignore_errors=True)

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def log_tail(self, size: int = 4000) -> str:
        return self.log_since(max(0, self.log_size() - size))
