"""Server CPU per page on demo data: `python bench/pages.py`.

Seeds the demo community (`seed_demo`) into a throw-away database — a temporary SQLite
file by default, or `<DATABASE_URL's database>_bench_pages` on PostgreSQL, created and
dropped here — with the production settings that matter for rendering (`DEBUG` off, the
cache on `REDIS_URL` when set). Then, in-process with Django's test Client, it measures
the median CPU time of this process per request (`time.process_time`: the database's
own work is not counted, the driver's is) for the directory, the dashboard, a public
organisation profile, a scorecard and the two API lists of bench/load.py, as an
anonymous visitor and as a signed-in supporter member (the API also with that
member's token, as bench/load.py's clients call it), next to the minimal view of
bench/urls.py (the baseline of bench/load.py) measured in the same run. Prints ms, the
ratio to the baseline and the queries of one request. Writes nothing into the repository.

Options: --runs N (default 30), --keepdb (keep the seeded database for the next run:
seeding takes a minute or more), --profile PATH (cProfile one page, anonymous unless
--as member, and print the top functions by cumulative and own time), --cold (bump
every cache version before each request: what a page costs when nothing is cached),
--only WORD (only the pages whose name contains it).
"""

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="cp-bench-pages-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")
os.environ["SQLITE_TEST_PATH"] = f"{TMP}/bench-test.sqlite3"
os.environ.setdefault("MEDIA_ROOT", TMP)
# Production rendering: DEBUG off (no debug context, no query log); testserver is the Client's host.
os.environ.update(
    DJANGO_DEBUG="false",
    SECRET_KEY=secrets.token_urlsafe(50),
    ALLOWED_HOSTS="testserver,127.0.0.1",
    SECURE_SSL_REDIRECT="false",
    SITE_URL="http://testserver",
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

MEMBER_EMAIL = "member@streamwave.example"  # a member (no two-factor) of a demo supporter
PROFILE_SLUG_OF = "Streamwave"  # the supporter whose profile and scorecard are measured
STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"


def pages(slug: str) -> list[tuple[str, str]]:
    return [
        ("directory", "/organisations/"),
        ("dashboard", "/commitments/"),
        ("organisation profile", f"/organisations/{slug}/"),
        ("scorecard", f"/commitments/organisations/{slug}/"),
        ("implementations API", "/api/v1/implementations/"),
        ("organisations API", "/api/v1/organizations/"),
    ]


def bump_versions() -> None:
    from portal import page_cache

    page_cache.bump_all_versions()


def cpu_ms(client: Client, url: str, runs: int, *, cold: bool = False) -> tuple[float, int]:
    """Median process CPU in ms over `runs` requests after a warm-up, and the queries of one more."""
    client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    times = []
    for _ in range(runs):
        if cold:
            bump_versions()
        started = time.process_time()
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        times.append((time.process_time() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    if cold:
        bump_versions()
    with CaptureQueriesContext(connection) as queries:
        client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    return statistics.median(times), len(queries)


def clients() -> dict[str, Client]:
    """Anonymous, the member signed in, and the member's API token (as bench/load.py's API clients)."""
    from portal.models import ApiToken, User
    from portal.services import hash_token_key

    user = User.objects.get(email=MEMBER_EMAIL)
    member = Client()
    member.force_login(user)
    key = "cp_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name="bench", prefix=key[:10], key_hash=hash_token_key(key))
    return {"anonymous": Client(), "member": member, "token": Client(HTTP_AUTHORIZATION=f"Token {key}")}


def profile(client: Client, url: str, runs: int) -> None:
    client.get(url)
    profiler = cProfile.Profile(time.process_time)  # CPU, not waits on the database
    profiler.enable()
    for _ in range(runs):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    print(f"\ncProfile of {url}, {runs} requests")
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)


def run(args) -> None:
    from portal.models import Organization

    if not (args.keepdb and Organization.objects.exists()):
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    slug = Organization.objects.get(name__startswith=PROFILE_SLUG_OF).slug
    by_audience = clients()
    if args.profile:
        profile(by_audience[args.as_], args.profile, args.runs)
        return
    load = os.getloadavg()
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"database: {connection.vendor}; cache: {cache}; {args.runs} requests per figure (median of process CPU)")
    print(f"{os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}{'; COLD' * args.cold}")
    baseline, _ = cpu_ms(by_audience["anonymous"], "/bench/minimal/", args.runs * 5)
    print(f"\n{'baseline: minimal view':36s} {baseline:7.2f} ms")
    print(f"\n{'page':24s} {'audience':10s} {'CPU ms':>8s} {'x minimal':>10s} {'queries':>8s}")
    worst = 0.0
    for name, url in pages(slug):
        if args.only and args.only not in name:
            continue
        for audience, client in by_audience.items():
            if audience == "token" and not url.startswith("/api/"):
                continue
            ms, queries = cpu_ms(client, url, args.runs, cold=args.cold)
            worst = max(worst, ms)
            print(f"{name:24s} {audience:10s} {ms:8.2f} {ms / baseline:10.1f} {queries:8d}", flush=True)
    verdict = "meets" if worst <= 20 else "MISSES"
    print(f"\nslowest page median {worst:.1f} ms: {verdict} the 20 ms target")
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", default="")
    parser.add_argument("--as", dest="as_", choices=["anonymous", "member", "token"], default="anonymous")
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--only", default="", help="only the pages whose name contains this")
    parser.add_argument("--keepdb", action="store_true", help="keep the seeded database for the next run")
    args = parser.parse_args()

    # No setup_test_environment(): its instrumented template rendering (a signal per
    # template) would cost more than some pages.
    old_name = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite":  # never the name pytest's test database uses
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{old_name}_bench_pages"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=args.keepdb)
    try:
        with override_settings(
            ROOT_URLCONF="bench.urls",
            REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []},
            # No collectstatic here: plain static URLs (the manifest lookup is a dict get).
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_STORAGE}},
            # A prefix of this run's own: nothing cached by another run or a test is read back.
            CACHES={"default": {**settings.CACHES["default"], "KEY_PREFIX": f"bench-pages-{secrets.token_hex(4)}"}},
        ):
            run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)


if __name__ == "__main__":
    main()
