"""The process layout (docs/operations.md, "Process groups"): pages and websockets in separate
process groups, routed by deploy/nginx.conf, or, without a proxy, pages that open their sockets
on the ws group's port (WEBSOCKET_PORT)."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APP = "portal.asgi:application"
HEARTBEAT_SECONDS = 30  # PRODUCT.md: the room sends one at least this often


def procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name.strip(): shlex.split(command) for name, _, command in (line.partition(":") for line in lines)}


def test_the_procfile_runs_pages_and_websockets_in_separate_groups():
    processes = procfile()
    web, ws = processes["web"], processes["ws"]
    # Pages yield the CPU to the room; each group keeps its metrics in a directory of its own.
    assert web[: web.index("uvicorn")] == ["sh", "deploy/metrics-dir.sh", "web", "sh", "deploy/lower-priority.sh"]
    assert ws[: ws.index("uvicorn")] == ["sh", "deploy/metrics-dir.sh", "ws"]
    for command in (web, ws):
        assert APP in command
        assert command[command.index("--ws") + 1] == "websockets-sansio"
    assert web[web.index("--port") + 1] == "${PORT:-8000}"
    assert ws[ws.index("--port") + 1] == "${WS_PORT:-8001}"


def test_each_process_type_gets_its_own_emptied_metrics_directory(tmp_path):
    stale = tmp_path / "web" / "counter_1.db"
    stale.parent.mkdir()
    stale.write_text("from a process that ended")
    answer = subprocess.run(
        [
            "sh",
            "deploy/metrics-dir.sh",
            "web",
            "sh",
            "-c",
            'echo "$PROMETHEUS_MULTIPROC_DIR"; ls -A "$PROMETHEUS_MULTIPROC_DIR"',
        ],
        cwd=ROOT,
        env={**os.environ, "METRICS_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert answer.stdout.splitlines() == [str(tmp_path / "web")]
    types = [command[2] for name, command in procfile().items() if command[:2] == ["sh", "deploy/metrics-dir.sh"]]
    assert sorted(types) == ["bulk", "crisis", "web", "ws"]


def test_the_web_group_runs_at_a_lower_priority_in_its_own_scheduling_group():
    """What the Procfile's web command runs under: nice, and its autogroup's niceness where the
    kernel has autogroups (a new session, as honcho starts each process, so this test's is untouched)."""
    probe = "ps -o ni= -p $$; cat /proc/self/autogroup 2>/dev/null || echo no autogroups"
    answer = subprocess.run(
        ["sh", "deploy/lower-priority.sh", "sh", "-c", probe],
        cwd=ROOT,
        env={**os.environ, "WEB_NICE": "7"},
        capture_output=True,
        text=True,
        timeout=30,
        start_new_session=True,
        check=True,
    )
    niceness, autogroup = answer.stdout.splitlines()
    assert int(niceness) == min(19, os.nice(0) + 7)  # nice adds to the caller's niceness
    assert autogroup == "no autogroups" or autogroup.endswith(" nice 7")


def _nginx_locations(text: str) -> dict[str, str]:
    return dict(re.findall(r"location (\S+) \{(.*?)\n    \}", text, re.S))


def _upstreams(text: str) -> dict[str, list[str]]:
    return {
        name: re.findall(r"server (\S+?):\d+", body)
        for name, body in re.findall(r"upstream (\w+) \{(.*?)\}", text, re.S)
    }


def test_nginx_routes_websockets_to_the_ws_group_and_the_rest_to_the_web_group():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    locations, upstreams = _nginx_locations(conf), _upstreams(conf)
    assert set(locations) == {"/ws/", "/"}
    ws_location, web_location = locations["/ws/"], locations["/"]
    assert "proxy_pass http://callportal_ws;" in ws_location
    assert "proxy_pass http://callportal_web;" in web_location
    # The upgrade handshake passes, and a room connection outlives several heartbeats.
    assert "proxy_http_version 1.1;" in ws_location
    assert "proxy_set_header Upgrade $http_upgrade;" in ws_location
    assert "proxy_set_header Connection $connection_upgrade;" in ws_location
    read_timeout = int(re.search(r"proxy_read_timeout (\d+)s;", ws_location).group(1))
    assert read_timeout >= 2 * HEARTBEAT_SECONDS
    # A location that sets any header inherits none: both pass the client's host and scheme.
    for location in (ws_location, web_location):
        assert "proxy_set_header Host $host;" in location
        assert "proxy_set_header X-Forwarded-Proto $scheme;" in location

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert upstreams["callportal_ws"] and all(host.startswith("ws") for host in upstreams["callportal_ws"])
    assert upstreams["callportal_web"] and all(host.startswith("web") for host in upstreams["callportal_web"])
    for host in upstreams["callportal_ws"] + upstreams["callportal_web"]:
        assert APP in services[host]["command"], host
    # On one host the room's containers outweigh the pages' for CPU (nice would not cross containers).
    default_weight = 1024
    for host in upstreams["callportal_web"]:
        assert services[host]["cpu_shares"] < default_weight
    for host in upstreams["callportal_ws"]:
        assert services[host].get("cpu_shares", default_weight) >= default_weight


PROBE = "import django; django.setup(); from django.conf import settings; print(settings.WEBSOCKET_PORT)"


def _websocket_port_in_a_process(value: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "WEBSOCKET_PORT": value}
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(("value", "port"), [("8001", "8001"), ("", "None")])
def test_websocket_port_is_a_port_or_empty(value, port):
    answer = _websocket_port_in_a_process(value)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip().splitlines()[-1] == port


@pytest.mark.parametrize("value", ["eight", "0", "70000"])
def test_a_websocket_port_that_is_no_port_stops_the_start(value):
    answer = _websocket_port_in_a_process(value)
    assert answer.returncode != 0
    assert "WEBSOCKET_PORT must be a TCP port" in answer.stderr


@pytest.mark.django_db
def test_with_a_websocket_port_pages_name_it_and_may_connect_there(client, settings):
    settings.WEBSOCKET_PORT = 8001
    response = client.get("/", HTTP_HOST="127.0.0.1:8000")
    assert b'<meta name="websocket-port" content="8001">' in response.content
    policy = response.headers["Content-Security-Policy"]
    assert "connect-src 'self' ws://127.0.0.1:8001 wss://127.0.0.1:8001;" in policy


@pytest.mark.django_db
def test_without_a_websocket_port_sockets_stay_on_the_page_origin(client, settings):
    settings.WEBSOCKET_PORT = None
    response = client.get("/")
    assert b'name="websocket-port"' not in response.content
    assert "connect-src 'self';" in response.headers["Content-Security-Policy"]
