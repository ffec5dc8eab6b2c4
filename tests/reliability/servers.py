"""Real processes for the drills: a private redis-server and the production ASGI app.

Ports come from RELIABILITY_<KIND>_PORTS ("8300-8349") when set, so that several people
can run the drills on one machine without meeting; otherwise the system picks free ones.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from portal.settings_redis import SENTINEL_VARIABLES
from tests.helpers import processes
from tests.helpers.processes import accepts

STARTUP_SECONDS = 30
# The Procfile's web process.
UVICORN = [
    *("-m", "uvicorn", "portal.asgi:application", "--host", "127.0.0.1", "--port", "{port}"),
    *("--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--lifespan", "off"),
]


_handed_out: set[int] = set()


def free_port(kind: str) -> int:
    """A port nobody listens on and not handed out before, from RELIABILITY_<KIND>_PORTS if set.

    Servers bind their port only when started, so one handed out stays reserved."""
    configured = os.environ.get(f"RELIABILITY_{kind.upper()}_PORTS")
    if configured:
        low, high = (int(part) for part in configured.split("-"))
        candidates = range(low, high + 1)
    else:
        candidates = [0]
    for candidate in candidates:
        if candidate in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            port = sock.getsockname()[1]
        if port not in _handed_out and not accepts(port):
            _handed_out.add(port)
            return port
    raise RuntimeError(f"no free port in RELIABILITY_{kind.upper()}_PORTS={configured}")


def get(url: str, *, headers: dict | None = None, timeout: float = 10) -> tuple[int, dict, bytes]:
    """(status, headers, body) of a GET; HTTP errors are answers too."""
    return http("GET", url, headers=headers, timeout=timeout)


def http(
    method: str, url: str, *, payload=None, headers: dict | None = None, timeout: float = 10
) -> tuple[int, dict, bytes]:
    """(status, headers by lower-case name, body) of a request with an optional JSON payload;
    HTTP errors are answers too."""
    headers = dict(headers or {})
    data = None
    if payload is not None:
        data = json.dumps(payload).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _lower(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lower(error.headers), error.read()


def _lower(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _wait_until(ready, process: subprocess.Popen, what: str, log: Path | None = None) -> None:
    processes.wait_until(ready, process, what, log=log, timeout=STARTUP_SECONDS, interval=0.05)


def _tail(log: Path | None, size: int = 4000) -> str:
    return processes.log_tail(log, size)


class RedisServer:
    """A private redis-server that a drill may kill and start again on the same port."""

    def __init__(self, workdir: Path):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("The Redis drill starts its own redis-server: apt-get install redis-server")
        self.port = free_port("redis")
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # No persistence: a restart comes back empty, as the worst case of a real one.
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.process = processes.start(command)
        _wait_until(lambda: accepts(self.port), self.process, f"redis-server on {self.port}")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        processes.stop(self.process)
        self.process = None
        _handed_out.discard(self.port)


def database_url(settings_dict: dict, *, port: int | None = None) -> str:
    """DATABASE_URL for this (test) database, optionally through another port (a proxy)."""
    url = urlsplit(os.environ["DATABASE_URL"])
    netloc = url.netloc
    if port is not None:
        netloc = f"{netloc.rpartition('@')[0]}@127.0.0.1:{port}" if "@" in netloc else f"127.0.0.1:{port}"
    return urlunsplit(url._replace(netloc=netloc, path="/" + settings_dict["NAME"]))


class AppServer:
    """The production ASGI app (the Procfile's uvicorn command) in its own process."""

    def __init__(self, *, database_url: str, redis_url: str, workdir: Path, extra_env: dict | None = None):
        self.port = free_port("app")
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.log_path = workdir / f"server-{self.port}.log"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH")}
        env = {k: v for k, v in env.items() if k not in SENTINEL_VARIABLES}  # redis_url says where Redis is
        env.update(
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            DJANGO_SETTINGS_MODULE="portal.settings",
            PYTHONUNBUFFERED="1",
            DB_POOL="true",  # as in production (portal/settings.py leaves it off in the pytest process)
        )
        env.update(extra_env or {})
        self._env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, *(part.format(port=self.port) for part in UVICORN)]
        self.process = processes.start(command, cwd=settings.BASE_DIR, env=self._env, log=self.log_path)
        _wait_until(self.healthy, self.process, f"the app server on {self.port}", self.log_path)

    def healthy(self) -> bool:
        try:
            return get(self.url + "/healthz", timeout=2)[0] == 200
        except (urllib.error.URLError, OSError):  # not listening yet, or still importing
            return False

    def kill(self) -> None:
        """kill -9: no goodbye to its clients, no cleanup."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        processes.stop(self.process)
        self.process = None
        _handed_out.discard(self.port)

    def dump_stacks(self) -> None:
        """Every thread's stack into the log (portal/asgi.py registers SIGUSR1 with faulthandler)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGUSR1)

    def log(self, size: int = 4000) -> str:
        return _tail(self.log_path, size)
