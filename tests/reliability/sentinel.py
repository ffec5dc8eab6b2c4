"""A private Redis Sentinel group for the failover drill: a primary, one replica and three
sentinels (Debian's redis-server and redis-sentinel), each on a free port in a temp dir.

Quick failure detection (down-after 1 s) so that the drill's failover takes seconds; the
machine's own Redis is never touched.
"""

import shutil
import signal
import subprocess
import time
from pathlib import Path

import redis

from tests.helpers import processes

from .servers import STARTUP_SECONDS, _handed_out, free_port

MASTER_NAME = "drill"
QUORUM = 2
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 5000
TILT_SECONDS = 30  # how long a sentinel in TILT mode acts on nothing (fixed in Redis)


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        # CI installs it (.ci/run); failing here says what is missing rather than skipping.
        raise RuntimeError(f"The Sentinel drill needs {name}: apt-get install -y {name}")
    return path


class SentinelGroup:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.server_binary = _binary("redis-server")
        self.sentinel_binary = _binary("redis-sentinel")
        self.primary_port = free_port("redis")
        self.replica_port = free_port("redis")
        self.sentinel_ports = [free_port("redis") for _ in range(3)]
        self.processes: dict[int, subprocess.Popen] = {}

    # --- what the app is given ---

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        return f"redis+sentinel://{hosts}/{MASTER_NAME}/0"

    @property
    def env(self) -> dict[str, str]:
        """The same group in the other form of the settings."""
        return {
            "REDIS_SENTINELS": ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports),
            "REDIS_SENTINEL_MASTER": MASTER_NAME,
        }

    # --- lifecycle ---

    def start(self) -> None:
        self._start_server(self.primary_port)
        self._start_server(self.replica_port, "--replicaof", "127.0.0.1", str(self.primary_port))
        for port in self.sentinel_ports:
            self._start_sentinel(port)
        self._wait_until_ready()

    def _start_server(self, port: int, *extra: str) -> None:
        folder = self.workdir / f"redis-{port}"
        folder.mkdir()
        config = folder / "redis.conf"
        config.write_text("")  # a file for Sentinel's CONFIG REWRITE when it promotes the replica
        command = [self.server_binary, str(config), "--port", str(port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(folder), *extra]
        self._launch(port, command, folder / "redis.log")

    def _start_sentinel(self, port: int) -> None:
        folder = self.workdir / f"sentinel-{port}"
        folder.mkdir()
        config = folder / "sentinel.conf"  # Sentinel rewrites it with what it learns: it must be its own
        config.write_text(
            f"port {port}\nbind 127.0.0.1\ndir {folder}\n"
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.primary_port} {QUORUM}\n"
            f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}\n"
            f"sentinel parallel-syncs {MASTER_NAME} 1\n"
        )
        self._launch(port, [self.sentinel_binary, str(config)], folder / "sentinel.log")

    def _launch(self, port: int, command: list[str], log: Path) -> None:
        process = processes.start(command, log=log)
        self.processes[port] = process
        processes.wait_until(lambda: processes.accepts(port), process, f"{command[0]} on {port}", log=log)

    def _wait_until_ready(self) -> None:
        """Until the replica is in sync and every sentinel knows the replica and the two other
        sentinels: only then can a quorum agree on a failover. And until no sentinel is in TILT
        mode, which a sentinel enters when its process was held up for 2 s (a busy machine while
        everything starts): for 30 s it acts on nothing, so a failover would wait (seen in CI)."""

        def ready() -> bool:
            info = self.client(self.primary_port).info("replication")
            if info.get("connected_slaves") != 1 or info.get("slave0", {}).get("state") != "online":
                return False
            for port in self.sentinel_ports:
                sentinel = self.client(port)
                if len(sentinel.sentinel_slaves(MASTER_NAME)) != 1:
                    return False
                if len(sentinel.sentinel_sentinels(MASTER_NAME)) != len(self.sentinel_ports) - 1:
                    return False
                if sentinel.info("sentinel").get("sentinel_tilt") != 0:
                    return False
            return True

        limit = STARTUP_SECONDS + TILT_SECONDS
        deadline = time.monotonic() + limit
        while not ready():
            if time.monotonic() > deadline:
                raise AssertionError(f"the Sentinel group was not ready in {limit} s:\n{self.logs()}")
            time.sleep(0.2)

    def client(self, port: int) -> redis.Redis:
        return redis.Redis(port=port, socket_timeout=2, socket_connect_timeout=2, decode_responses=True)

    def master_ports(self) -> set[int]:
        """The primary's port as each sentinel that answers names it now."""
        ports = set()
        for port in self.sentinel_ports:
            try:
                _host, master_port = self.client(port).sentinel_get_master_addr_by_name(MASTER_NAME)
            except (redis.RedisError, TypeError):  # a sentinel busy or not answering: ask the others
                continue
            ports.add(int(master_port))
        return ports

    def kill_primary(self) -> None:
        """SIGKILL: no goodbye to clients, no last replication."""
        process = self.processes.pop(self.primary_port)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for port, process in list(self.processes.items()):
            process.send_signal(signal.SIGKILL)
            process.wait()
            del self.processes[port]
        for port in (self.primary_port, self.replica_port, *self.sentinel_ports):
            _handed_out.discard(port)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.parent.name}\n{processes.log_tail(path, 1500)}" for path in sorted(self.workdir.glob("*/*.log"))
        )
