"""PDQ near-matches at scale: one hash against 100,000 and 1,000,000 stored PDQ hashes.

Measures incidents.selectors.near_matches (the page's and the API's query, as the secretariat,
who may see every room) three ways in the same run: with the chunk index (pdq_index.py, the
default), the database comparing every visible hash (the query before the index), and the
baseline, a plain Python scan over the same hashes already in memory (int XOR, bit_count).
Each query is a stored hash with 20 random bits flipped, so every answer has one known match
(checked, and checked equal to the Python scan's). Target: < 100 ms at 1,000,000 on PostgreSQL.

Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<empty database> \\
       .venv/bin/python bench/hashmatch.py [--sizes 100000,1000000] [--queries 20]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.indicator_lists import configure  # noqa: E402

INCIDENTS = 20
FLIPPED = 20


def insert_hashes(first: int, last: int, incident_ids: list[int], user_id: int, organization_id: int) -> None:
    """Rows first..last, random 256-bit hashes from md5, spread over the incidents, in SQL."""
    from django.db import connection

    words = ", ".join(f"('x' || substr(h, {1 + 16 * i}, 16))::bit(64)::bigint" for i in range(4))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO incidents_indicator (incident_id, kind, value, added_by_id, organization_id, created_at,"
            " pdq_0, pdq_1, pdq_2, pdq_3)"
            f" SELECT (%s::bigint[])[1 + g %% %s], 'pdq', h, %s, %s, now(), {words}"
            " FROM (SELECT g, md5(g::text) || md5((g + 7919)::text) AS h FROM generate_series(%s, %s) g) s",
            [incident_ids, len(incident_ids), user_id, organization_id, first, last],
        )
        # As autovacuum would: it moves the GIN index's pending list (rows added since, up to
        # gin_pending_list_limit, 4 MB) into the index proper, which is then searched, not scanned.
        cursor.execute("VACUUM ANALYZE incidents_indicator")


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as workdir:
        configure(workdir)
        import importlib

        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from incidents import services
        from incidents.models import Indicator, IndicatorKind, Tier, Tlp
        from incidents.selectors import pdq_index
        from portal.models import Organization, OrganizationKind, User

        selector = importlib.import_module("incidents.selectors.near_matches")  # the package re-exports the function
        if connection.vendor != "postgresql":
            sys.exit("bench/hashmatch.py measures PostgreSQL: set BENCH_DATABASE_URL to an empty database.")
        call_command("migrate", verbosity=0)
        secretariat = User.objects.create_user(email="sec@bench.example", password="x", is_secretariat=True)
        organization = Organization.objects.create(
            name="Bench Provider", slug="bench-provider", kind=OrganizationKind.PROVIDER, standing="supporter"
        )
        incident_ids = [
            services.declare_incident(
                actor=secretariat,
                title=f"Bench {n}",
                tier=Tier.COORDINATED,
                tlp=Tlp.AMBER,
                organizations=[organization],
            ).pk
            for n in range(INCIDENTS)
        ]
        limit = settings.PDQ_MATCH_DISTANCE
        print(f"PostgreSQL, distance <= {limit}, {args.queries} queries per size, medians")
        stored = 0
        rng = random.Random(1)
        for size in sizes:
            insert_hashes(stored + 1, size, incident_ids, secretariat.pk, organization.pk)
            stored = size
            rows = list(Indicator.objects.filter(kind=IndicatorKind.PDQ).values_list("pk", "value"))
            numbers = [(pk, int(value, 16)) for pk, value in rows]
            indexed, scanned, python = [], [], []
            for n in range(args.queries):
                source_pk, source = numbers[rng.randrange(len(numbers))]
                query = source
                for bit in rng.sample(range(256), FLIPPED):
                    query ^= 1 << bit
                probe = Indicator(pk=-1 - n, kind=IndicatorKind.PDQ, value=f"{query:064x}")
                seconds, found = timed(selector.near_matches, secretariat, [probe])
                indexed.append(seconds)
                by_index = {(m.indicator, m.distance) for m in found.get(probe.pk, [])}
                assert (source_pk, FLIPPED) in by_index, "the index missed the known match"
                real = pdq_index.bits_per_chunk
                pdq_index.bits_per_chunk = lambda distance: None
                try:
                    seconds, found = timed(selector.near_matches, secretariat, [probe])
                finally:
                    pdq_index.bits_per_chunk = real
                scanned.append(seconds)
                seconds, matches = timed(
                    lambda q=query, numbers=numbers: [
                        (pk, d) for pk, v in numbers if (d := (v ^ q).bit_count()) <= limit
                    ]
                )
                python.append(seconds)
                assert by_index == set(matches[: selector.MAX_PER_INDICATOR]) or by_index <= set(matches)
            i, s, p = (statistics.median(t) * 1000 for t in (indexed, scanned, python))
            print(
                f"{size:>9,} hashes: chunk index {i:7.1f} ms | database, every hash {s:7.1f} ms"
                f" | Python scan (baseline) {p:7.1f} ms | index / baseline {i / p:.3f}"
                f" | target < 100 ms {'met' if i < 100 else 'NOT met'}"
            )


if __name__ == "__main__":
    main()
