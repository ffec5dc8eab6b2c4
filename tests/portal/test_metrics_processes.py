"""Several processes, one page (portal/metrics/exposition.py): under PROMETHEUS_MULTIPROC_DIR
the page adds up every process of the host; a process that ends leaves its counters and
takes its live gauges (its connections) with it; a room that emptied has no series."""

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from portal.metrics import exposition

ROOT = Path(__file__).resolve().parents[2]
PROCESS = """
import sys
from portal import metrics
for incident_id, count in {moves}:
    metrics.room_connections(incident_id, count)
for _ in range({digests}):
    metrics.digest_finished("sent")
print("ready", flush=True)
sys.stdin.read()  # lives until the test closes its input
"""


def start(directory, *, moves, digests) -> subprocess.Popen:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "DJANGO_SETTINGS_MODULE": "portal.settings"}
    process = subprocess.Popen(
        [sys.executable, "-c", PROCESS.format(moves=moves, digests=digests)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


def end(process: subprocess.Popen) -> None:
    process.stdin.close()
    process.wait(timeout=30)


def page(directory, monkeypatch) -> dict:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    text = exposition.render(with_queues=False).decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = (sample.name, tuple(sorted((k, v) for k, v in sample.labels.items() if k != "pid")))
            samples[key] = samples.get(key, 0) + sample.value  # per-process series added up
    return samples


def test_the_page_adds_up_the_hosts_processes_and_forgets_those_that_ended(tmp_path, monkeypatch):
    first = start(tmp_path, moves=[(7, 2)], digests=3)
    second = start(tmp_path, moves=[(7, 3), (8, 1), (8, 0)], digests=2)
    try:
        figures = page(tmp_path, monkeypatch)
        assert figures[("callportal_room_connections", (("incident", "7"),))] == 5
        assert ("callportal_room_connections", (("incident", "8"),)) not in figures  # emptied
        assert figures[("callportal_process_room_connections", ())] == 5  # one series per pid, added here
        assert figures[("callportal_digests_total", (("outcome", "sent"),))] == 5
        end(second)
        figures = page(tmp_path, monkeypatch)
        assert figures[("callportal_room_connections", (("incident", "7"),))] == 2  # its connections went with it
        assert figures[("callportal_process_room_connections", ())] == 2
        assert figures[("callportal_digests_total", (("outcome", "sent"),))] == 5  # a counter never goes down
    finally:
        for process in (first, second):
            if process.poll() is None:
                end(process)
