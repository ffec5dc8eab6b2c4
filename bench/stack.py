"""The processes a benchmark runs against: Redis, the app server(s), the bare server.

Loopback only; every process started here is stopped by its handle when the run ends.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil

from tests.helpers import processes
from tests.helpers.processes import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STARTUP_SECONDS = 30


def wait_for_port(port: int, process: subprocess.Popen, *, path: str | None = None) -> None:
    """Until the port accepts connections, or `path` on it answers 200."""
    if path is None:
        ready = lambda: processes.accepts(port)  # noqa: E731
    else:
        ready = lambda: processes.answers(f"http://127.0.0.1:{port}{path}")  # noqa: E731
    processes.wait_until(ready, process, f"process on port {port}", timeout=STARTUP_SECONDS)


@contextlib.contextmanager
def private_redis():
    """A throwaway redis-server on a free port, without persistence."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("REDIS_URL is not set and no redis-server binary is on the PATH.")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as workdir:
        process = processes.start(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir]
        )
        try:
            wait_for_port(port, process)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            stop(process)


def app_command(server: str, port: int) -> list[str]:
    app = "bench.asgi:application"
    if server == "daphne":
        return [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app]
    if server == "uvicorn":
        return [
            PYTHON,
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ws",
            "websockets-sansio",
            "--ws-per-message-deflate",
            "false",
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    raise ValueError(server)


class Servers:
    """One or more processes of one kind, each on its own port."""

    def __init__(self, commands: list[list[str]], ports: list[int], env: dict, *, health: str | None, log: Path):
        self.ports = ports
        self.commands, self.env, self.health, self.log = commands, env, health, log
        self.start()

    def start(self) -> None:
        self.processes = []
        for command in self.commands:
            self.processes.append(processes.start(command, cwd=ROOT, env=self.env, log=self.log))
        try:
            for port, process in zip(self.ports, self.processes, strict=True):
                wait_for_port(port, process, path=self.health)
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"server failed to start; log: {self.log}\n{self.log.read_text()[-3000:]}") from None

    def rss(self) -> int:
        return sum(psutil.Process(p.pid).memory_info().rss for p in self.processes)

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes:
            times = psutil.Process(process.pid).cpu_times()
            total += times.user + times.system
        return total

    def stop(self) -> None:
        for process in self.processes:
            stop(process)


def app_servers(server: str, count: int, env: dict, log: Path, *, prefixes: list[list[str]] | None = None) -> Servers:
    """`count` app processes; `prefixes[i]` runs before process i's command (`nice -n 10`,
    `taskset -c 1`: both exec the server, so the handle's pid is the server's)."""
    ports = [free_port() for _ in range(count)]
    prefixes = prefixes or [[] for _ in ports]
    env = {**env, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "portal.settings", "PYTHONUNBUFFERED": "1"}
    commands = [[*prefix, *app_command(server, port)] for prefix, port in zip(prefixes, ports, strict=True)]
    return Servers(commands, ports, env, health="/healthz", log=log)


def bare_server(log: Path) -> Servers:
    port = free_port()
    command = [PYTHON, str(ROOT / "bench" / "bare_server.py"), str(port)]
    return Servers([command], [port], dict(os.environ), health=None, log=log)
