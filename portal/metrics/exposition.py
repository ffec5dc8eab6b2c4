"""Rendering the metrics page, in one process or for all the processes of a host.

With PROMETHEUS_MULTIPROC_DIR set (every Uvicorn worker and Celery pool process of a
process type writes its values there), a scrape of any one process reads them all:
the page is the same whichever worker answers. Without it (the embedded default, one
process) the page is the process's own registry.

A process that died leaves its files: its counters still count (a counter must not go
down), its live gauges are removed here, at scrape time, once its pid is gone."""

import glob
import os
import re

from prometheus_client import CollectorRegistry, generate_latest, multiprocess, start_http_server
from prometheus_client.registry import REGISTRY

from .queues import CeleryQueueCollector

LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db$")
# Series of these gauges at 0 are rooms that emptied: left out of the page (they cannot
# be deleted from another process's file).
CLEARED_AT_ZERO = {"callportal_room_connections", "callportal_room_hub_backlog_items"}


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def forget_dead_processes(path: str) -> None:
    for name in glob.glob(os.path.join(path, "gauge_live*_*.db")):
        match = LIVE_GAUGE_FILE.search(name)
        if match and not _alive(int(match.group(1))):
            multiprocess.mark_process_dead(int(match.group(1)), path)


class _WithoutEmptiedRooms:
    """The multiprocess collector, minus the zero series of rooms that emptied."""

    def __init__(self, path: str):
        self.inner = multiprocess.MultiProcessCollector(None, path)

    def collect(self):
        for family in self.inner.collect():
            if family.name in CLEARED_AT_ZERO:
                family.samples = [sample for sample in family.samples if sample.value != 0]
            yield family


def registry(*, with_queues: bool) -> CollectorRegistry:
    """The registry a scrape reads: this host's processes, and the Celery queues if asked."""
    path = multiprocess_dir()
    if path is None:
        if not with_queues:
            return REGISTRY
        combined = CollectorRegistry(auto_describe=False)
        combined.register(_Forward(REGISTRY))
    else:
        forget_dead_processes(path)
        combined = CollectorRegistry(auto_describe=False)
        combined.register(_WithoutEmptiedRooms(path))
    if with_queues:
        combined.register(CeleryQueueCollector())
    return combined


class _Forward:
    """The process's own registry inside another one."""

    def __init__(self, source: CollectorRegistry):
        self.source = source

    def collect(self):
        return self.source.collect()


def render(*, with_queues: bool = True) -> bytes:
    return generate_latest(registry(with_queues=with_queues))


def serve_worker_metrics(port: int, addr: str) -> None:
    """A Celery worker's metrics on a port of its own (its pool's processes added up): a
    worker has no HTTP server, and its tasks' counters live in its pool's processes."""
    start_http_server(port, addr=addr, registry=_Live())


class _Live(CollectorRegistry):
    """A registry re-read at every scrape, so a pool process that died is forgotten."""

    def __init__(self):
        super().__init__(auto_describe=False)

    def collect(self):
        yield from registry(with_queues=False).collect()
