"""Sharing a 100,000-line indicator list: the whole service (read, validate and normalise
every line, store the new ones, one room item, one audit event) against a baseline in the
same process: the same rows, already normalised, stored by the fastest plain path there is
(PostgreSQL's COPY, or SQLite's executemany), into a second incident.

Builds its data in a throwaway database (SQLite in a temporary folder, or the empty
PostgreSQL database named by BENCH_DATABASE_URL). Prints each run, the medians and the ratio; the target
is under 10 s for 100,000 lines (docs/performance.md).
Run: .venv/bin/python bench/indicator_lists.py [--lines N] [--runs N]
"""

import argparse
import hashlib
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(workdir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    os.environ.pop("REDIS_URL", None)
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(Path(workdir) / "bench.sqlite3")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    # The alerts each declared incident sends, and Celery's task log, are not what is measured.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    logging.disable(logging.WARNING)


def make_list(lines: int, seed: int) -> str:
    """A realistic mix: a fifth each of MD5, SHA-1, SHA-256 and PDQ hashes and content URLs,
    the 64-digit kinds written as kind,value (as they must be), in upper and lower case."""
    out = []
    for i in range(lines):
        digest = hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()
        match i % 5:
            case 0:
                out.append(digest[:32].upper())
            case 1:
                out.append(digest[:40])
            case 2:
                out.append(f"sha256,{digest}")
            case 3:
                out.append(f"pdq,{digest}")
            case _:
                out.append(f"https://video.example/{digest[:16]}?t={i}")
    return "\n".join(out) + "\n"


def baseline(incident, rows, actor, organization) -> float:
    """The same normalised rows stored with no checks at all: COPY, or executemany."""
    from django.db import connection, transaction
    from django.utils import timezone

    from incidents.indicators import pdq_fields
    from incidents.models import Indicator

    now = timezone.now()
    records = []
    for kind, value in rows:
        w = pdq_fields(kind, value)
        records.append(
            (incident.pk, kind, value, actor.pk, organization.pk, now, *tuple(w.get(f"pdq_{i}") for i in range(4)))
        )
    columns = "incident_id, kind, value, added_by_id, organization_id, created_at, pdq_0, pdq_1, pdq_2, pdq_3"
    table = Indicator._meta.db_table
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for record in records:
                    copy.write_row(record)
        else:
            adapted = [(*r[:5], connection.ops.adapt_datetimefield_value(r[5]), *r[6:]) for r in records]
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", adapted
            )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        configure(workdir)
        from django.core.management import call_command
        from django.db import connection

        from incidents import services
        from incidents.indicator_lines import parse_list
        from incidents.models import Tier, Tlp
        from portal.models import Membership, Organization, OrganizationKind, Role, User

        call_command("migrate", verbosity=0)
        secretariat = User.objects.create_user(email="sec@bench.example", password="x", is_secretariat=True)
        organization = Organization.objects.create(
            name="Bench Provider", slug="bench-provider", kind=OrganizationKind.PROVIDER, standing="supporter"
        )
        responder = User.objects.create_user(email="responder@bench.example", password="x")
        Membership.objects.create(user=responder, organization=organization, role=Role.RESPONDER)

        def incident(title):
            return services.declare_incident(
                actor=secretariat, title=title, tier=Tier.COORDINATED, tlp=Tlp.AMBER, organizations=[organization]
            )

        print(f"{connection.vendor}, {args.lines:,} lines, {args.runs} runs")
        service_times, again_times, baseline_times = [], [], []
        for run in range(args.runs):
            text = make_list(args.lines, seed=run)
            rows = [(p.kind, p.value) for p in parse_list(text).valid]
            target = incident(f"Bench {run}")
            started = time.perf_counter()
            outcome = services.import_indicator_list(actor=responder, incident=target, text=text)
            service_times.append(time.perf_counter() - started)
            assert outcome.added == args.lines, outcome.added
            started = time.perf_counter()
            again = services.import_indicator_list(actor=responder, incident=target, text=text)
            again_times.append(time.perf_counter() - started)
            assert again.present == args.lines
            baseline_times.append(baseline(incident(f"Baseline {run}"), rows, responder, organization))
        median, base, repeat = (statistics.median(t) for t in (service_times, baseline_times, again_times))
        ratios = [s / b for s, b in zip(service_times, baseline_times, strict=True)]
        print(
            "runs (service / baseline s): "
            + ", ".join(f"{s:.2f}/{b:.2f}" for s, b in zip(service_times, baseline_times, strict=True))
        )
        print(f"service, all new:      {median:6.2f} s median  (best {min(service_times):.2f} s)")
        print(f"service, all present:  {repeat:6.2f} s median")
        print(f"baseline (bulk insert of the normalised rows): {base:6.2f} s median")
        print(f"ratio service / baseline, median of the runs' ratios: {statistics.median(ratios):.1f}x")
        print(f"target < 10 s (median): {'met' if median < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
