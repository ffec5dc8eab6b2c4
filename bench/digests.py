"""Digest throughput: 10,000 users across 60 organisations.

Builds a community in a throwaway database (SQLite in a temporary folder, or the empty
PostgreSQL database named by BENCH_DATABASE_URL), then sends every due digest the way
the worker does (queue a capped batch, send each: claim, build, render, send to an
in-memory mailbox, mark sent) and prints digests per second, queries per digest and
peak memory. Run: .venv/bin/python bench/digests.py [--users N] [--organizations N]
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class DiscardingBackend:
    """Serialises each message as SMTP would, then drops it: memory stays that of the sender."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        for message in messages:
            message.message().as_bytes()
        return len(messages)


def configure(workdir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("EMAIL_URL", None)
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(Path(workdir) / "bench.sqlite3")
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "__main__.DiscardingBackend"
    settings.DEBUG = False


def build_community(users: int, organizations: int) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from commitments.models import Implementation, ProgressUpdate
    from commitments.services import ensure_implementations, load_catalogue
    from commitments.services.progress import refresh_latest_accepted
    from portal.models import Membership, Organization, OrganizationKind, Role, Standing, User

    call_command("migrate", verbosity=0)
    load_catalogue()
    kinds = [OrganizationKind.PROVIDER, OrganizationKind.GOVERNMENT]
    Organization.objects.bulk_create(
        Organization(
            name=f"Bench supporter {n}", slug=f"bench-{n}", kind=kinds[n % 3 == 0], standing=Standing.SUPPORTER
        )
        for n in range(organizations)
    )
    org_ids = list(Organization.objects.values_list("pk", flat=True))
    ensure_implementations()
    User.objects.bulk_create(
        (User(email=f"bench{n}@example.org", password="!", language=("en", "fr", "ar")[n % 3]) for n in range(users)),
        batch_size=2000,
    )
    roles = [Role.MEMBER] * 8 + [Role.REPORTER, Role.ADMIN]
    Membership.objects.bulk_create(
        (
            Membership(user_id=user_id, organization_id=org_ids[n % len(org_ids)], role=roles[n % len(roles)])
            for n, user_id in enumerate(User.objects.order_by("pk").values_list("pk", flat=True))
        ),
        batch_size=2000,
    )
    # Five accepted updates per organisation, of every visibility, plus one awaiting review.
    now = timezone.now()
    visibilities = ["public", "supporters", "secretariat", "public", "supporters"]
    updates = []
    for org_id in org_ids:
        implementations = list(Implementation.objects.filter(organization_id=org_id).select_related("commitment")[:6])
        for n, implementation in enumerate(implementations):
            accepted = n < 5
            updates.append(
                ProgressUpdate(
                    implementation=implementation,
                    commitment_revision_id=implementation.commitment.current_revision_id,
                    status="limited",
                    progress=10 + 15 * n,
                    as_of=now.date() - datetime.timedelta(days=1),
                    visibility=visibilities[n % 5],
                    review_state="accepted" if accepted else "submitted",
                    reviewed_at=now if accepted else None,
                    narrative="Bench progress.",
                )
            )
    ProgressUpdate.objects.bulk_create(updates, batch_size=2000)
    for implementation_id in {u.implementation_id for u in updates}:
        refresh_latest_accepted(implementation_id)


def send_all(now, *, batch_size: int, sample_every: int, stop_after: int = 0, on_progress=None) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.notifications import digests

    sent = 0
    queries = []
    started, cpu_started = time.perf_counter(), time.process_time()
    while True:
        batch = digests.queue_due_digests(now=now, limit=batch_size)
        for delivery_id in batch.delivery_ids:
            if sent % sample_every == 0:
                with CaptureQueriesContext(connection) as captured:
                    digests.send_digest(delivery_id=delivery_id)
                queries.append(len(captured))
            else:
                digests.send_digest(delivery_id=delivery_id)
            sent += 1
            if on_progress:
                on_progress(sent)
        if not batch.more or (stop_after and sent >= stop_after):
            break
    return {
        "sent": sent,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "queries": queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--organizations", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--memory-digests", type=int, default=2000, help="digests sent under tracemalloc")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="callportal-bench-") as workdir:
        configure(workdir)
        from django.db import connection
        from django.utils import timezone

        from portal.models import Delivery

        started = time.perf_counter()
        build_community(args.users, args.organizations)
        print(
            f"community: {args.users} users, {args.organizations} organisations, {connection.vendor}, "
            f"built in {time.perf_counter() - started:.1f} s"
        )

        # Throughput, without tracemalloc (it slows Python down several times).
        now = timezone.now()
        speed = send_all(now, batch_size=args.batch_size, sample_every=50)

        # Peak memory on the next week's digests, on a sample: when memory is bounded by the
        # batch and not by the number of digests, the second half peaks no higher than the first.
        peaks = []
        half = max(1, args.memory_digests // 2)

        def checkpoint(sent: int) -> None:
            if sent % half == 0:
                peaks.append(tracemalloc.get_traced_memory()[1])
                tracemalloc.reset_peak()

        tracemalloc.start()
        memory = send_all(
            now + datetime.timedelta(days=7),
            batch_size=args.batch_size,
            sample_every=10**9,
            stop_after=args.memory_digests,
            on_progress=checkpoint,
        )
        tracemalloc.stop()

        rate = speed["sent"] / speed["seconds"]
        print(f"digests sent:            {speed['sent']} in {speed['seconds']:.1f} s")
        print(f"digests per second:      {rate:.1f}  ({1000 / rate:.1f} ms each, one process)")
        # The sender's own CPU time: what a worker process spends per digest, whatever else the
        # machine runs (the database's share is not in it).
        cpu_rate = speed["sent"] / speed["cpu_seconds"]
        print(f"per CPU second:          {cpu_rate:.1f}  ({1000 / cpu_rate:.1f} ms of the sender's CPU each)")
        print(
            f"queries per digest:      min {min(speed['queries'])}, max {max(speed['queries'])}, "
            f"median {statistics.median(speed['queries'])} over {len(speed['queries'])} samples"
        )
        print(
            "peak traced memory:      "
            + ", ".join(f"{peak / 2**20:.1f} MiB" for peak in peaks)
            + f" (each half of {memory['sent']} digests, batches of {args.batch_size})"
        )
        print(f"delivery records:        {Delivery.objects.count()}")


if __name__ == "__main__":
    main()
