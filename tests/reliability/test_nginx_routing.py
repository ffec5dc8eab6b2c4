"""The bundled load balancer config (deploy/nginx.conf) in front of the two process groups.

A real nginx (Debian's nginx-light; .ci/run installs it) runs deploy/nginx.conf with its
upstream hosts pointed at one web process and one ws process of the production app. Through
nginx the room works (the upgrade passes, frames flow both ways) and pages answer; with the web
process stopped, pages answer 502 and the room through nginx still works: `/ws/` goes to the ws
group and nowhere else.
"""

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.helpers import processes

from .checks import request, until
from .room import RoomClient
from .servers import AppServer, database_url, free_port

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def _local_config(workdir: Path, *, listen: int, web: int, ws: int) -> Path:
    """deploy/nginx.conf as it is, its upstream hosts replaced by our processes, in a minimal main config."""
    site = (Path(settings.BASE_DIR) / "deploy" / "nginx.conf").read_text()
    site = re.sub(r"server web\d+:8000", f"server 127.0.0.1:{web}", site)
    site = re.sub(r"server ws\d+:8000", f"server 127.0.0.1:{ws}", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    (workdir / "site.conf").write_text(site)
    main = workdir / "nginx.conf"
    main.write_text(
        f"pid {workdir}/nginx.pid;\nerror_log {workdir}/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n"
        f"  client_body_temp_path {workdir}/body;\n  proxy_temp_path {workdir}/proxy;\n"
        f"  include {workdir}/site.conf;\n}}\n"
    )
    return main


@pytest.fixture
def public_port():
    """nginx's port: the site's public origin, which the app processes are told (CSRF_TRUSTED_ORIGINS),
    since nginx passes `Host` without the port, as a balancer on port 80 or 443 would."""
    return free_port("proxy")


@pytest.fixture
def groups(tmp_path, public_port):
    """One web and one ws process of the production app, on the test database and REDIS_URL."""
    servers = [
        AppServer(
            database_url=database_url(connection.settings_dict),
            redis_url=os.environ["REDIS_URL"],
            workdir=tmp_path,
            extra_env={"CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{public_port}"},
        )
        for _group in ("web", "ws")
    ]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            if server.process is not None:
                server.stop()


@pytest.fixture
def nginx(groups, public_port):
    if NGINX is None:
        pytest.fail("The routing drill needs nginx: apt-get install nginx-light (.ci/run does).")
    web, ws = groups
    workdir = Path(tempfile.mkdtemp(prefix="nginx-"))
    workdir.chmod(0o777)  # nginx's workers drop to nobody and write their temporary files here
    port = public_port
    config = _local_config(workdir, listen=port, web=web.port, ws=ws.port)
    process = processes.start([NGINX, "-c", str(config), "-g", "daemon off;"], log=workdir / "out.log")
    try:
        processes.wait_until(lambda: processes.accepts(port), process, "nginx", log=workdir / "error.log", timeout=20)
        yield port
    finally:
        processes.stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


async def test_nginx_sends_the_room_to_the_ws_group_and_pages_to_the_web_group(room, groups, nginx):
    incident, (key_a, key_b, _key_c) = room
    web, _ws = groups
    through = f"http://127.0.0.1:{nginx}"
    assert (await request("GET", through + "/organisations/"))[0] == 200

    alice = await RoomClient("alice", [f"ws://127.0.0.1:{nginx}"], incident.pk, key_a).start()
    bob = await RoomClient("bob", [f"ws://127.0.0.1:{nginx}"], incident.pk, key_b).start()
    try:
        outcome, seq, _client_id = await alice.say("through nginx")
        assert outcome == "acked", seq
        await bob.until(lambda: seq in bob.seqs, "alice's message through nginx")

        # The web group goes away: pages through nginx fail, the room through nginx does not.
        web.stop()
        await until(
            lambda: _status_of(through + "/organisations/", 502), "nginx to answer 502 for pages without the web group"
        )
        outcome, later, _client_id = await bob.say("the web group is down")
        assert outcome == "acked", later
        await alice.until(lambda: later in alice.seqs, "bob's message with the web group down")
        assert alice.seqs == bob.seqs
        assert alice.seqs[-2:] == [seq, later]
        assert alice.connections == bob.connections == 1  # never dropped, never re-routed
    finally:
        await alice.stop()
        await bob.stop()


async def _status_of(url: str, wanted: int) -> bool:
    return (await request("GET", url))[0] == wanted
