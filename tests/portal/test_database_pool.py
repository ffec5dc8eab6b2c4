"""A server process pools its PostgreSQL connections (bench/load.py: without a pool, two
processes under 50 concurrent clients exhausted the server's connections)."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {}).get('pool')))"
)


def _pool_in_a_server_process(**env) -> dict | None:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", **env}
    environment["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/unused"
    output = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_a_server_process_pools_connections_by_default():
    pool = _pool_in_a_server_process()
    assert pool == {"min_size": 2, "max_size": 12, "timeout": 5.0}


def test_the_pool_is_sized_from_the_environment_or_turned_off():
    assert _pool_in_a_server_process(DB_POOL_MAX_SIZE="30")["max_size"] == 30
    assert _pool_in_a_server_process(DB_POOL="false") is None


DATABASE_PROBE = (
    "import django, json; django.setup(); from django.conf import settings; d = settings.DATABASES['default']; "
    "print(json.dumps([d.get('OPTIONS', {}).get('pool'), d['CONN_MAX_AGE'], d['DISABLE_SERVER_SIDE_CURSORS']]))"
)


def test_behind_pgbouncer_the_pooler_is_the_pool():
    """PgBouncer in transaction mode: no pool of ours, a connection per request, no server-side
    cursors (tests/reliability/test_pgbouncer.py runs the app through a real one)."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "PGBOUNCER": "true"}
    environment["DATABASE_URL"] = "postgres://postgres@127.0.0.1:6432/unused"
    environment.pop("DB_POOL", None)
    output = subprocess.run(
        [sys.executable, "-c", DATABASE_PROBE],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(output.strip().splitlines()[-1]) == [None, 0, True]
