"""Start a server or worker process, wait until it answers, stop it: shared by the tests that
run real processes (browser, reliability, two processes, worker) and by bench/.

Plain standard library, no Django: bench/ imports it as `tests.helpers.processes` with the
repository root on sys.path.
"""

import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

STARTUP_SECONDS = 30
STOP_GRACE_SECONDS = 10


class StartupError(RuntimeError):
    """The process exited during start-up, or did not answer in time."""


def free_port() -> int:
    """A port nothing listens on now, chosen by the system."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def accepts(port: int) -> bool:
    """Whether something accepts TCP connections on the port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def answers(url: str) -> bool:
    """Whether a GET of the URL answers 200 (not listening yet, or still importing: no)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start(
    command: list[str], *, env: dict | None = None, cwd=None, log: Path | None = None, **popen
) -> subprocess.Popen:
    """The command in its own process, its output appended to `log` (discarded without one)."""
    if log is None:
        return subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen
        )
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, **popen)


def wait_until(
    ready,
    process: subprocess.Popen,
    what: str,
    *,
    log: Path | None = None,
    timeout: float = STARTUP_SECONDS,
    interval: float = 0.1,
) -> None:
    """Poll `ready()` until true; StartupError (with the log's tail) if the process exits first
    or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StartupError(f"{what} exited at start-up with {process.returncode}:\n{log_tail(log)}")
        if ready():
            return
        time.sleep(interval)
    raise StartupError(f"{what} did not start within {timeout:g} s:\n{log_tail(log)}")


def stop(process: subprocess.Popen | None, *, grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM, then SIGKILL if it has not exited after `grace` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def log_tail(log: Path | None, size: int = 4000) -> str:
    """The last `size` characters of a log file, or nothing if there is none."""
    return log.read_text(errors="replace")[-size:] if log and log.exists() else ""
