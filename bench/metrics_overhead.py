"""What the Prometheus instrumentation costs: `python bench/metrics_overhead.py`.

Measures, in one process and then under PROMETHEUS_MULTIPROC_DIR (how the Procfile's
processes run), with the database DATABASE_URL names (PostgreSQL; read-only `SELECT 1`)
or a temporary SQLite file:
- a query through django-prometheus's database backend against the plain backend;
- a request to a small page (/healthz, where middleware is most of the work) and to the
  home page, with and without django-prometheus's two middlewares (Django's test Client,
  median of several runs);
- one room delivery's metrics calls (portal.metrics.item_relayed).
Prints microseconds of this process's CPU time (process_time: what a shared, busy machine
leaves least noisy) and the difference. Writes nothing into the repository.

Options: --queries N (default 5000), --requests N (default 300), --runs N (default 5).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(args) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db.utils import ConnectionHandler
    from django.test import Client
    from django.test.utils import override_settings

    from portal import metrics

    base = dict(settings.DATABASES["default"])
    plain_engine = base["ENGINE"].replace("django_prometheus.db.", "django.db.")
    handler = ConnectionHandler({"default": base, "plain": {**base, "ENGINE": plain_engine}, "instrumented": {**base}})

    def per_query(alias: str) -> float:
        connection = handler[alias]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            started = time.process_time()
            for _ in range(args.queries):
                cursor.execute("SELECT 1")
                cursor.fetchone()
            return (time.process_time() - started) / args.queries * 1e6

    def median(values):
        return statistics.median(values)

    query = {alias: median([per_query(alias) for _ in range(args.runs)]) for alias in ("plain", "instrumented")}

    without = [m for m in settings.MIDDLEWARE if not m.startswith("django_prometheus.")]

    def per_request(path: str, middleware) -> float:
        with override_settings(MIDDLEWARE=middleware, ALLOWED_HOSTS=["*"]):
            client = Client()
            client.get(path)
            runs = []
            for _ in range(args.runs):
                started = time.process_time()
                for _ in range(args.requests):
                    client.get(path)
                runs.append((time.process_time() - started) / args.requests * 1e6)
            return median(runs)

    pages = {}
    for path in ("/healthz", "/"):
        pages[path] = (per_request(path, without), per_request(path, settings.MIDDLEWARE))

    event = {"seq": 1, "committed_at": metrics.stamp()}
    started = time.process_time()
    for seq in range(10_000):
        event["seq"] = seq
        metrics.item_relayed(1, event, 100)
    relay = (time.process_time() - started) / 10_000 * 1e6

    mode = "multiprocess" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "one process"
    print(f"\n[{mode}] database {base['ENGINE'].rsplit('.', 1)[-1]}")
    print(
        f"  query SELECT 1: plain {query['plain']:.1f} us, instrumented {query['instrumented']:.1f} us "
        f"(+{query['instrumented'] - query['plain']:.1f} us a query)"
    )
    for path, (off, on) in pages.items():
        print(f"  GET {path}: without {off:.0f} us, with django-prometheus {on:.0f} us (+{on - off:.0f} us a request)")
    print(f"  a room delivery's metrics (portal.metrics.item_relayed): {relay:.1f} us per item per process")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    tmp = tempfile.mkdtemp(prefix="cp-bench-metrics-")
    env = {**os.environ}
    env.setdefault("SQLITE_PATH", f"{tmp}/bench.sqlite3")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if "DATABASE_URL" not in env:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    command = [sys.executable, __file__, "--child", *sys.argv[1:]]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    os.makedirs(f"{tmp}/prometheus")
    subprocess.run(command, cwd=ROOT, env={**env, "PROMETHEUS_MULTIPROC_DIR": f"{tmp}/prometheus"}, check=True)


if __name__ == "__main__":
    main()
