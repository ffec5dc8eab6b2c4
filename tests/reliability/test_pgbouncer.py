"""The several-machines layout's database path: the app behind PgBouncer in transaction mode.

A real `pgbouncer` (Debian's package; .ci/run installs it) in front of the test database,
`pool_mode = transaction`, and the production app server with `PGBOUNCER=true` (no pool of
its own, a connection per request, no server-side cursors: portal/settings.py). Pages, an
API read, a streamed CSV export, a room message over the websocket (row lock, insert, commit,
broadcast) and one through the API all work, and PgBouncer's own statistics show the
transactions went through it.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import connection

from tests.helpers import processes

from .checks import post_message, request, stored_items
from .room import RoomClient
from .servers import AppServer, database_url, free_port

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

# Debian installs it outside a non-root PATH.
PGBOUNCER = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/local/sbin")


@pytest.fixture
def pgbouncer():
    """PgBouncer on a free port, transaction pooling, in front of the test database."""
    if PGBOUNCER is None:
        pytest.fail("The PgBouncer drill needs pgbouncer: apt-get install pgbouncer (.ci/run does).")
    real = urlsplit(os.environ["DATABASE_URL"])
    name = connection.settings_dict["NAME"]
    port = free_port("proxy")
    # PgBouncer refuses to run as root: as root it drops to the postgres user, who must read the config.
    workdir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    workdir.chmod(0o755)
    config = workdir / "pgbouncer.ini"
    config.write_text(
        f"[databases]\n{name} = host={real.hostname or '127.0.0.1'} port={real.port or 5432} dbname={name}"
        f" user={real.username or 'postgres'}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = any\npool_mode = transaction\n"
        # Few server connections for many clients: the point of the pooler.
        "default_pool_size = 5\nmax_client_conn = 200\n"
        f"admin_users = {real.username or 'postgres'}\n"
        # Django's connection setup (client_encoding, TimeZone) rides in the startup packet.
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    config.chmod(0o644)
    as_user = ["-u", "postgres"] if os.geteuid() == 0 else []
    log = workdir / "pgbouncer.log"
    process = processes.start([PGBOUNCER, *as_user, str(config)], log=log)
    try:
        processes.wait_until(lambda: processes.accepts(port), process, "pgbouncer", log=log, timeout=20)
        yield port
    finally:
        processes.stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


def _transactions_through(port: int) -> int:
    """Transactions PgBouncer has passed on to the test database (its admin console, SHOW STATS)."""
    user = urlsplit(os.environ["DATABASE_URL"]).username or "postgres"
    with psycopg.connect(host="127.0.0.1", port=port, dbname="pgbouncer", user=user, autocommit=True) as admin:
        cursor = admin.execute("SHOW STATS")
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return sum(int(row["total_xact_count"]) for row in rows if row["database"] == connection.settings_dict["NAME"])


async def test_the_app_behind_pgbouncer_in_transaction_mode(room, pgbouncer, tmp_path):
    incident, (key_a, key_b, _key_c) = room
    server = AppServer(
        database_url=database_url(connection.settings_dict, port=pgbouncer),
        redis_url=os.environ["REDIS_URL"],
        workdir=tmp_path,
        extra_env={"PGBOUNCER": "true", "DB_POOL": "false"},  # as docs/operations.md says behind PgBouncer
    )
    server.start()
    alice = bob = None
    try:
        before = _transactions_through(pgbouncer)
        alice = await RoomClient("alice", [server.ws_url], incident.pk, key_a).start()
        bob = await RoomClient("bob", [server.ws_url], incident.pk, key_b).start()

        answers = {
            "page": await request("GET", server.url + "/organisations/"),
            "api read": await request("GET", server.url + "/api/v1/incidents/", key=key_a),
            "csv export": await request("GET", server.url + "/commitments/export/progress.csv"),
        }
        assert {name: answer[0] for name, answer in answers.items()} == {
            "page": 200,
            "api read": 200,
            "csv export": 200,
        }, server.log()
        assert incident.pk in [found["id"] for found in json.loads(answers["api read"][2])["results"]]

        outcome, seq, _client_id = await alice.say("through the pooler")
        assert outcome == "acked", seq
        _client_id, status, answer = await post_message(server, incident.pk, key_b, "through the pooler, by API")
        assert status == 201, answer
        await bob.until(lambda: answer["ack"]["seq"] in bob.seqs, "both messages")
        assert bob.seqs[-2:] == [seq, seq + 1]
        stored = await stored_items(server, incident.pk, key_a)
        assert [item["body"] for item in stored[-2:]] == ["through the pooler", "through the pooler, by API"]
        assert _transactions_through(pgbouncer) > before
    finally:
        for client in (alice, bob):
            if client is not None:
                await client.stop()
        server.stop()
