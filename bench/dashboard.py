"""Commitments dashboard benchmark: `python bench/dashboard.py`.

Builds 50 and then 500 supporters x 35 commitments x 20 progress updates each (bulk
inserts) in a throw-away database: a temporary SQLite file by default, or a test
database next to the one DATABASE_URL names (created and dropped here). Times the public
dashboard, a scorecard and the implementations API list in-process with Django's test
Client (median of several runs), counts their queries, and prints how each grows from
50 to 500 supporters against a baseline view measured in the same run. Writes nothing
into the repository.

Options: --runs N (default 9), --sizes 50,500.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import types
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="cp-bench-dashboard-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")
os.environ["SQLITE_TEST_PATH"] = f"{TMP}/bench-test.sqlite3"
os.environ.setdefault("MEDIA_ROOT", TMP)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import Context, Template  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402

from commitments.cache import bump_aggregate_version  # noqa: E402
from commitments.models import (  # noqa: E402
    Commitment,
    CommitmentRevision,
    Implementation,
    ProgressStatus,
    ProgressUpdate,
    ReviewState,
    Visibility,
)
from commitments.services.progress import DELTA_LEVELS  # noqa: E402
from portal.models import Organization, OrganizationKind, Standing  # noqa: E402

COMMITMENTS = 35
UPDATES = 20
COUNTRIES = ["NZ", "FR", "CA", "GB", "DE", "JP", "KE", "IN", "US", "BR"]
STATUSES = [ProgressStatus.NOT_STARTED, ProgressStatus.LIMITED, ProgressStatus.SUBSTANTIAL, ProgressStatus.COMPLETE]
BASELINE_TEMPLATE = Template("<!doctype html><title>{{ title }}</title><p>{{ body }}</p>")


def baseline(request):
    return HttpResponse(BASELINE_TEMPLATE.render(Context({"title": "Baseline", "body": "A trivial template."})))


def bench_urlconf():
    import portal.urls

    module = types.ModuleType("bench_dashboard_urls")
    module.urlpatterns = [path("bench-baseline/", baseline), *portal.urls.urlpatterns]
    sys.modules[module.__name__] = module
    return module.__name__


def build_catalogue():
    commitments = Commitment.objects.bulk_create(
        Commitment(code=f"B{n:02d}", audience="all", group="call", order=n) for n in range(COMMITMENTS)
    )
    if commitments[0].pk is None:
        commitments = list(Commitment.objects.order_by("order"))
    revisions = CommitmentRevision.objects.bulk_create(
        CommitmentRevision(
            commitment=c,
            number=1,
            translations={"en": {"title": f"Commitment {c.code}", "description": "Bench commitment."}},
        )
        for c in commitments
    )
    for commitment, revision in zip(commitments, revisions, strict=True):
        commitment.current_revision = revision
    Commitment.objects.bulk_update(commitments, ["current_revision"])
    return commitments, revisions


def add_supporters(start: int, stop: int, commitments, revisions) -> None:
    today = timezone.localdate()
    orgs = Organization.objects.bulk_create(
        Organization(
            name=f"Bench supporter {n:04d}",
            slug=f"bench-supporter-{n:04d}",
            kind=OrganizationKind.GOVERNMENT if n % 2 else OrganizationKind.PROVIDER,
            country=COUNTRIES[n % len(COUNTRIES)],
            standing=Standing.SUPPORTER,
        )
        for n in range(start, stop)
    )
    if orgs[0].pk is None:
        orgs = list(Organization.objects.filter(slug__gte=f"bench-supporter-{start:04d}").order_by("slug"))
    created = timezone.now() - timedelta(days=3 * 365)
    Implementation.objects.bulk_create(
        (Implementation(organization=o, commitment=c, created_at=created) for o in orgs for c in commitments),
        batch_size=5000,
    )
    implementations = Implementation.objects.filter(organization__in=orgs).values_list("pk", "commitment_id")
    revision_of = {r.commitment_id: r.pk for r in revisions}
    visibilities = [Visibility.PUBLIC] * 6 + [Visibility.SUPPORTERS, Visibility.SECRETARIAT]
    batch = []
    for impl_id, commitment_id in implementations.iterator(chunk_size=5000):
        previous = dict.fromkeys(DELTA_LEVELS, 0)
        for u in range(UPDATES):
            progress = min(100, (u + 1) * 5 + impl_id % 7)
            status = STATUSES[min(3, progress // 34)] if progress < 100 else ProgressStatus.COMPLETE
            update = ProgressUpdate(
                implementation_id=impl_id,
                commitment_revision_id=revision_of[commitment_id],
                status=status,
                progress=progress,
                narrative="Work went on.",
                narrative_html="<p>Work went on.</p>",
                as_of=today - timedelta(days=(UPDATES - u) * 50 + impl_id % 20),
                visibility=visibilities[(impl_id + u) % len(visibilities)],
                review_state=ReviewState.ACCEPTED if u < UPDATES - 1 or impl_id % 5 else ReviewState.SUBMITTED,
            )
            if update.review_state == ReviewState.ACCEPTED:  # what refresh_latest_accepted stores
                for column, levels in DELTA_LEVELS.items():
                    if update.visibility in levels:
                        setattr(update, column, progress - previous[column])
                        previous[column] = progress
            batch.append(update)
            if len(batch) >= 10000:
                ProgressUpdate.objects.bulk_create(batch)
                batch = []
    ProgressUpdate.objects.bulk_create(batch)
    point_implementations_at_latest(orgs)


def point_implementations_at_latest(orgs) -> None:
    """What review_progress keeps up to date, set in three statements."""
    from django.db.models import OuterRef, Subquery

    accepted = ProgressUpdate.objects.filter(implementation=OuterRef("pk"), review_state=ReviewState.ACCEPTED)

    def latest(qs):
        return Subquery(qs.order_by("-as_of", "-id").values("id")[:1])

    Implementation.objects.filter(organization__in=orgs).update(
        latest_accepted=latest(accepted),
        latest_supporters=latest(accepted.filter(visibility__in=(Visibility.PUBLIC, Visibility.SUPPORTERS))),
        latest_public=latest(accepted.filter(visibility=Visibility.PUBLIC)),
    )
    bump_aggregate_version()


def measure(client, url, runs: int, *, cold=None) -> dict:
    """Median wall time in ms over `runs` requests after one warm-up, and the query count."""
    if cold is None:
        client.get(url)
    times = []
    for _ in range(runs):
        if cold is not None:
            cold()
        started = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    if cold is not None:
        cold()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {"ms": statistics.median(times), "queries": len(queries)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--sizes", default="50,500")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite":  # never the name pytest's test database uses
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{old_name}_bench_dashboard"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with override_settings(
            ROOT_URLCONF=bench_urlconf(),
            REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []},
        ):
            run(sizes, args.runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(sizes: list[int], runs: int) -> None:
    print(f"database: {connection.vendor}; runs per figure: {runs} (median)")
    commitments, revisions = build_catalogue()
    client = Client()
    built, results = 0, {}
    for size in sizes:
        started = time.perf_counter()
        add_supporters(built, size, commitments, revisions)
        built = size
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after a bulk load: plans need current statistics
        updates = ProgressUpdate.objects.count()
        print(f"\n{size} supporters: {Implementation.objects.count()} implementations, {updates} updates "
              f"(built in {time.perf_counter() - started:.1f} s)")  # fmt: skip
        slug = Organization.objects.order_by("slug").values_list("slug", flat=True).first()
        figures = {
            "baseline (trivial template)": measure(client, "/bench-baseline/", runs * 5),
            "dashboard": measure(client, "/commitments/", runs),
            "dashboard, nothing cached": measure(
                client, "/commitments/", max(3, runs // 3), cold=bump_aggregate_version
            ),
            "scorecard": measure(client, f"/commitments/organisations/{slug}/", runs),
            "implementations API (page of 50)": measure(client, "/api/v1/implementations/", runs),
        }
        results[size] = figures
        for name, figure in figures.items():
            print(f"  {name:36s} {figure['ms']:8.1f} ms  {figure['queries']:3d} queries")
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        base = results[large]["baseline (trivial template)"]["ms"] / results[small]["baseline (trivial template)"]["ms"]
        print(f"\ngrowth {large}/{small} supporters (x{large / small:.0f} data); baseline grew x{base:.2f}")
        for name in results[small]:
            if name.startswith("baseline"):
                continue
            ratio = results[large][name]["ms"] / results[small][name]["ms"]
            print(f"  {name:36s} x{ratio:6.2f}  (x{ratio / base:.2f} relative to the baseline)")
        dashboard = results[large]["dashboard"]["ms"]
        verdict = "meets" if dashboard < 150 else "MISSES"
        print(f"\npublic dashboard at {large} supporters: {dashboard:.1f} ms median: {verdict} the 150 ms target")


if __name__ == "__main__":
    main()
