"""Alerts behind bulk mail: how long after an incident is declared its first alert email
arrives while a weekly run of digests is queued, with the crisis queue and without it.

The real stack: PostgreSQL (a throwaway database beside the one DATABASE_URL names), Redis
(REDIS_URL: a database no running stack uses, since its `bulk` and `crisis` queues are emptied),
a bulk worker and a crisis worker (`celery -A portal worker`, two processes each, as in the
Procfile) and an SMTP sink (aiosmtpd) as the mail server. Each scenario queues N digests with
the real digest task, starts the workers, declares an incident through the service and times
commit -> the alert's arrival at the sink. The baseline runs the same with every task on one queue (both workers on it).

Then (bench/notify_stream.py) the notification stream: N users connected to /ws/notifications/,
incidents involving all of them declared, commit -> frame p99, nothing lost across a reconnect
with ?after=, against a bare `websockets` broadcast in the same run; and Web Push fan-out of N
subscriptions to a local receiver through a crisis worker, with its throughput.

Run: DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/notify.py
     [--part queues,stream,push] [--digests N] [--users N]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import notify_stream  # noqa: E402
from tests.helpers import processes  # noqa: E402

PYTHON = sys.executable
RESPONDER = "on-call@responder.bench"
SETTINGS = "bench.notify_settings"
QUEUE_KEYS = ("bulk", "crisis", "unacked", "unacked_index", "unacked_mutex")


# --- The mail server -----------------------------------------------------------------------------


class Sink:
    """Counts every message; notes when the first one for RESPONDER arrives (perf_counter)."""

    def __init__(self):
        self.received = 0
        self.alert_at: float | None = None
        self.digests_before_alert = 0
        self.alert = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        self.received += 1
        if RESPONDER in envelope.rcpt_tos and self.alert_at is None:
            self.alert_at = time.perf_counter()
            self.digests_before_alert = self.received - 1
            self.alert.set()
        return "250 OK"


# --- The database --------------------------------------------------------------------------------


def bench_database_url(url: str) -> tuple[str, str, str]:
    """(url of the throwaway database, url of the server's maintenance database, its name)."""
    base, _, name = url.rpartition("/")
    name = name.split("?")[0] or "callportal"
    bench = f"{name}_bench_notify"
    return f"{base}/{bench}", f"{base}/postgres", bench


def recreate_database(admin_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()


def seed(digests: int) -> None:
    """`digests` members due a weekly digest (bench/digests.py's community), a secretariat member
    and one responder of one more supporter, who gets no digest of their own."""
    from django.core.management import call_command

    from bench.digests import build_community
    from portal.models import Membership, Role, Standing
    from portal.notifications.models import DigestFrequency, DigestPreference
    from tests.portal.factories import OrganizationFactory, SecretariatFactory, UserFactory

    call_command("migrate", verbosity=0)
    build_community(digests, 60)
    SecretariatFactory(email="desk@secretariat.bench")
    responder = UserFactory(email=RESPONDER)
    organization = OrganizationFactory(name="Bench platform", standing=Standing.SUPPORTER)
    Membership.objects.create(user=responder, organization=organization, role=Role.RESPONDER)
    DigestPreference.objects.create(user=responder, frequency=DigestFrequency.OFF)


# --- One scenario (a child process: each has its own routing table) ----------------------------


def purge_queues(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete(*QUEUE_KEYS, *client.keys("_kombu.binding*"))


def start_worker(name: str, queue: str, env: dict, log: Path):
    command = [
        PYTHON, "-m", "celery", "-A", "portal", "worker", "-Q", queue, "-n", f"{name}@%h",
        "--concurrency=2", "--without-gossip", "--without-mingle", "--loglevel=INFO",
    ]  # fmt: skip
    return processes.start(command, cwd=ROOT, env=env, log=log)


def queue_digests() -> int:
    from django.utils import timezone

    from portal.notifications import digests
    from portal.tasks import send_digest_task

    batch = digests.queue_due_digests(now=timezone.now(), limit=10**9)
    for delivery_id in batch.delivery_ids:
        send_digest_task.delay(delivery_id=delivery_id)
    return len(batch.delivery_ids)


def declare() -> float:
    """Declares an incident as the secretariat would; returns the commit's perf_counter time."""
    from django.db import transaction

    from incidents import services
    from incidents.models import Tier, Tlp
    from portal.models import Organization, User

    actor = User.objects.get(email="desk@secretariat.bench")
    organization = Organization.objects.get(name="Bench platform")
    committed = []
    with transaction.atomic():
        # Registered first, so it runs at commit, before the service's own hooks queue the alert.
        transaction.on_commit(lambda: committed.append(time.perf_counter()))
        services.declare_incident(
            actor=actor,
            title="Livestreamed attack",
            tier=Tier.FULL_PROTOCOL,
            tlp=Tlp.AMBER,
            organizations=[organization],
        )
    return committed[0]


def measure(one_queue: bool, timeout: float) -> dict:
    from aiosmtpd.controller import Controller
    from django.conf import settings

    from portal.models import Delivery

    purge_queues(settings.REDIS_URL)
    Delivery.objects.filter(kind="digest").delete()  # every member is due again
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=processes.free_port())
    controller.start()
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{controller.port}", "PYTHONPATH": str(ROOT)}
    queued = queue_digests()
    workers = []
    with tempfile.TemporaryDirectory(prefix="bench-notify-") as logs:
        try:
            for name in ("bulk", "crisis"):
                log = Path(logs) / f"{name}.log"
                workers.append((start_worker(name, "bulk" if one_queue else name, env, log), log))
            for worker, log in workers:
                processes.wait_until(lambda log=log: " ready." in log.read_text(), worker, "worker", log=log)
            import redis

            backlog = redis.Redis.from_url(settings.REDIS_URL).llen("bulk")
            ready_at, ready_count = time.perf_counter(), sink.received
            committed = declare()
            arrived = sink.alert.wait(timeout)
            mailed = sink.received - ready_count
            rate = mailed / (time.perf_counter() - ready_at)
        finally:
            for worker, _log in workers:
                processes.stop(worker)
            controller.stop()
            purge_queues(settings.REDIS_URL)
    return {
        "queued": queued,
        "backlog": backlog,
        "seconds": sink.alert_at - committed if arrived else None,
        "sent_before": sink.digests_before_alert if arrived else sink.received,
        "rate": rate,  # emails a second the sink received while waiting
    }


# --- The run -------------------------------------------------------------------------------------


def run_scenario(name: str, args, env: dict) -> dict:
    command = [PYTHON, __file__, "--scenario", name, "--timeout", str(args.timeout)]
    env = {**env, "BENCH_ONE_QUEUE": "1" if name == "one-queue" else ""}
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def describe(result: dict, timeout: float) -> str:
    if result["seconds"] is not None:
        seconds = f"{result['seconds']:.2f} s"
    else:
        # Not arrived: it waits behind the whole backlog, so estimate from the rate it drains.
        seconds = f"> {timeout:g} s (~{estimate(result):.0f} s)"
    mailed = "mailed before it" if result["seconds"] is not None else "mailed in the wait"
    return (
        f"{seconds:>20}   {result['backlog']:>6} digests queued, {result['sent_before']} {mailed}"
        f" ({result['rate']:.1f} emails/s)"
    )


def estimate(result: dict) -> float:
    """Seconds until the alert would arrive, the backlog drained at the measured rate."""
    return result["seconds"] or result["backlog"] / max(result["rate"], 0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", default="queues,stream,push", help="any of queues, stream, push (comma-separated)")
    parser.add_argument("--digests", type=int, default=10_000, help="digests queued before the incident")
    parser.add_argument("--users", type=int, default=1000, help="stream clients, and push subscriptions")
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds to wait for the alert (then the wait is estimated)"
    )
    parser.add_argument("--scenario", choices=["crisis", "one-queue"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    parts = set(args.part.split(","))

    if args.scenario:
        setup_django()
        print(json.dumps(measure(args.scenario == "one-queue", args.timeout)))
        return

    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: this bench runs on the real stack.")
    bench_url, admin_url, name = bench_database_url(database_url)
    recreate_database(admin_url, name)
    # Production settings, shared with the app server and workers (API tokens and VAPID keys hang on SECRET_KEY).
    env = notify_stream.production_env({**os.environ, "DATABASE_URL": bench_url, "DJANGO_SETTINGS_MODULE": SETTINGS})
    try:
        os.environ.update(env)
        setup_django()
        print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
        if "queues" in parts:
            run_queues(args, env)
        else:
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
        if "stream" in parts:
            for text in notify_stream.describe_stream(notify_stream.stream_part(env, args.users)):
                print(text, flush=True)
            print(f"load: {os.getloadavg()[0]:.2f} (1 min)")
        if "push" in parts:
            purge_queues(redis_url)  # the stream part's alert emails: no worker of this run sends them
            result = notify_stream.push_part(env, args.users, start_worker, processes.wait_until, processes.stop)
            for text in notify_stream.describe_push(result):
                print(text, flush=True)
        print(f"load after: {os.getloadavg()[0]:.2f} (1 min)")
    finally:
        from django.db import connections

        connections.close_all()
        purge_queues(redis_url)
        recreate_database(admin_url, name, drop_only=True)


def run_queues(args, env: dict) -> None:
    started = time.perf_counter()
    seed(args.digests)
    from django.db import connections

    connections.close_all()
    print(f"seeded {args.digests} members due a digest in {time.perf_counter() - started:.1f} s")
    crisis = run_scenario("crisis", args, env)
    print(f"commit -> first alert email, crisis queue: {describe(crisis, args.timeout)}")
    baseline = run_scenario("one-queue", args, env)
    print(f"commit -> first alert email, one queue:    {describe(baseline, args.timeout)}")
    if crisis["seconds"]:
        bound = "" if baseline["seconds"] else " (the one-queue wait estimated from its drain rate)"
        print(f"ratio (one queue / crisis queue): {estimate(baseline) / crisis['seconds']:.0f}x{bound}")


if __name__ == "__main__":
    main()
