"""Search benchmark: `python bench/search.py`.

Builds 20 incidents with N room messages between them (default 10,000; bulk inserts) in a
throw-away database: a temporary SQLite file by default, or `<DATABASE_URL's database>_bench_search`
on PostgreSQL, created and dropped here. Times the room-message search
(incidents.search.room_item_hits, first group of 6) for the secretariat (every room) and for a
responder (the 2 rooms of their organisation), for a common word (in ~10 % of messages), a
rare one (~0.1 %) and an absent one: full-text search with the GIN indexes of
incidents/migrations/0006, the same without them, and the LIKE fallback (the plain icontains
baseline); on SQLite, its FTS5 index (portal/search/sqlite_fts.py) against LIKE. Prints
medians in ms and the ratio to the baseline. Writes nothing into the repository.

Options: --runs N (default 9), --messages N, --explain (PostgreSQL's plans).
"""

import argparse
import importlib
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="cp-bench-search-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")
os.environ["SQLITE_TEST_PATH"] = f"{TMP}/bench-test.sqlite3"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from incidents import search as incident_search  # noqa: E402
from incidents.models import Incident, IncidentOrganization, ItemKind, RoomItem, Tlp  # noqa: E402
from portal import second_factor  # noqa: E402
from portal.models import Membership, Organization, OrganizationKind, Role, Standing, User  # noqa: E402
from portal.search import backend  # noqa: E402
from portal.search.query import parse_terms  # noqa: E402

WORDS = [
    "video",
    "mirror",
    "upload",
    "account",
    "platform",
    "removed",
    "hash",
    "link",
    "shared",
    "report",
    "takedown",
    "stream",
    "copy",
    "channel",
    "group",
    "forum",
    "post",
    "reupload",
    "clip",
    "edit",
    "blur",
    "audio",
    "caption",
    "thumbnail",
    "crawler",
    "queue",
    "review",
]
INCIDENTS = 20


def build(messages: int) -> tuple[User, User]:
    rng = random.Random(15)
    org = Organization.objects.create(name="Bench provider", slug="bench", kind=OrganizationKind.PROVIDER,
                                      standing=Standing.SUPPORTER)  # fmt: skip
    secretariat = User.objects.create(email="bench-sec@example.org", is_secretariat=True)
    responder = User.objects.create(email="bench-resp@example.org", full_name="Bench Responder")
    Membership.objects.create(user=responder, organization=org, role=Role.RESPONDER)
    incidents = Incident.objects.bulk_create(
        Incident(title=f"Bench incident {n}", tlp=Tlp.AMBER, last_seq=0) for n in range(INCIDENTS)
    )
    if incidents[0].pk is None:
        incidents = list(Incident.objects.order_by("pk"))
    IncidentOrganization.objects.bulk_create(IncidentOrganization(incident=i, organization=org) for i in incidents[:2])
    items = []
    for n in range(messages):
        words = rng.choices(WORDS, k=rng.randint(6, 30))
        if n % 10 == 0:
            words.append("livestream")  # common
        if n % 1000 == 0:
            words.append("okonkwo")  # rare
        incident = incidents[n % INCIDENTS]
        items.append(RoomItem(incident=incident, seq=n // INCIDENTS + 1, kind=ItemKind.CHAT, body=" ".join(words)))
    RoomItem.objects.bulk_create(items, batch_size=2000)
    with connection.cursor() as cursor:
        # As autovacuum would after a bulk load: current statistics, and GIN's pending list merged.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return secretariat, responder


def time_search(user, words: str, runs: int) -> float:
    terms = parse_terms(words)
    incident_search.room_item_hits(user, terms, 0, 6)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        incident_search.room_item_hits(user, terms, 0, 6)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def explain(user, words: str) -> str:
    terms = parse_terms(words)
    captured = []
    original = incident_search.matching

    def keep(queryset, **kwargs):
        found = original(queryset, **kwargs)
        captured.append(found)
        return found

    incident_search.matching = keep
    try:
        incident_search.room_item_hits(user, terms, 0, 6)
    finally:
        incident_search.matching = original
    return captured[0][:6].explain(analyze=True)


def set_indexes(present: bool) -> None:
    migration = importlib.import_module("incidents.migrations.0006_room_item_search_indexes")
    with connection.cursor() as cursor:
        for name, create in migration.INDEXES.items():
            cursor.execute(create if present else f"DROP INDEX IF EXISTS {name}")
        cursor.execute("VACUUM ANALYZE incidents_roomitem")


def run(messages: int, runs: int, explain_plans: bool = False) -> None:
    started = time.perf_counter()
    secretariat, responder = build(messages)
    print(f"database: {connection.vendor}; {messages} room messages in {INCIDENTS} rooms "
          f"(built in {time.perf_counter() - started:.1f} s); median of {runs} runs, ms")  # fmt: skip
    # Sessions that passed the second factor, as the search page's reader has.
    for user in (secretariat, responder):
        setattr(user, second_factor.ATTRIBUTE, True)
        setattr(user, second_factor.IDENTITY_PROVIDER_ATTRIBUTE, True)
    modes = {"FTS5": False, "LIKE (baseline)": False}  # SQLite: its FTS5 index, or none (LIKE)
    if connection.vendor == "postgresql":
        modes = {"full text, GIN": True, "full text, no index": True, "LIKE (baseline)": False}
    original, room_index = backend.full_text_available, incident_search.ROOM_ITEMS_FTS
    print(f"{'':26}{'reader':14}{'common':>9}{'rare':>9}{'absent':>9}")
    for mode, full_text in modes.items():
        if connection.vendor == "postgresql":
            set_indexes(mode != "full text, no index")
        backend.full_text_available = lambda full_text=full_text: full_text
        incident_search.ROOM_ITEMS_FTS = room_index if mode == "FTS5" else None
        try:
            for label, user in (("secretariat", secretariat), ("responder", responder)):
                figures = [time_search(user, w, runs) for w in ("livestream", "okonkwo", "zebrafish")]
                print(f"{mode:26}{label:14}" + "".join(f"{f:9.1f}" for f in figures))
                if explain_plans and connection.vendor == "postgresql":
                    print(explain(user, "okonkwo"))
        finally:
            backend.full_text_available, incident_search.ROOM_ITEMS_FTS = original, room_index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--explain", action="store_true", help="print PostgreSQL's plan for the rare word")
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite":  # never the name pytest's test database uses
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{old_name}_bench_search"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(args.messages, args.runs, args.explain)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
