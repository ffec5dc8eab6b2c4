"""vPDQ near-matches (incidents/selectors/video_matches.py): how long one room's answer takes
against N stored videos of 10 to 31 frames each, for 1 and for 20 videos in the room (MAX_QUERIED), at two
sizes to show the growth. Baseline in the same process: the same comparison as a plain Python
scan over the same videos (the frames already parsed to integers, so only comparing is timed).

Builds its data in the empty PostgreSQL database named by BENCH_DATABASE_URL (the SQLite path
is Python's, and is the baseline). Prints the median of the runs and the ratio.
Run: BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/video_matches.py [--sizes 1000,10000]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from indicator_lists import configure


def videos(rng: random.Random, count: int) -> list[str]:
    return [",".join(f"{rng.getrandbits(256):064x}" for _ in range(rng.randint(10, 31))) for _ in range(count)]


def python_scan(queries: list[list[int]], stored: list[list[int]], limit: int) -> int:
    """The baseline: every frame of every query against every stored frame, in Python."""
    pairs = 0
    for query in queries:
        for frames in stored:
            if any((a ^ b).bit_count() <= limit for a in query for b in frames):
                pairs += 1
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        configure(workdir)
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from incidents import services
        from incidents.models import Indicator, IndicatorKind, Tier, Tlp
        from incidents.selectors.video_matches import with_video_matches
        from portal.models import User

        if connection.vendor != "postgresql":
            sys.exit("Set BENCH_DATABASE_URL to an empty PostgreSQL database.")
        call_command("migrate", verbosity=0)
        settings.VPDQ_MATCHING = True
        secretariat = User.objects.create_user(email="sec@bench.example", password="x", is_secretariat=True)

        def declare(title):
            return services.declare_incident(actor=secretariat, title=title, tier=Tier.COORDINATED, tlp=Tlp.AMBER)

        rng = random.Random(13)
        stored_incident, room = declare("Stored"), declare("Room")
        room_videos = videos(rng, 100)
        services.import_indicator_list(actor=secretariat, incident=room, text="\n".join(room_videos), kind="vpdq")
        in_room = list(Indicator.objects.filter(incident=room).order_by("-pk"))
        stored_count = 0
        print(f"postgresql, {args.runs} runs, medians; videos of 10 to 31 frames")
        for size in (int(s) for s in args.sizes.split(",")):
            added = videos(rng, size - stored_count)
            services.import_indicator_list(
                actor=secretariat, incident=stored_incident, text="\n".join(added), kind="vpdq"
            )
            stored_count = size
            stored_frames = [
                [int(f, 16) for f in v.split(",")]
                for v in Indicator.objects.filter(kind=IndicatorKind.VPDQ).values_list("value", flat=True)
            ]
            frames = sum(len(v) for v in stored_frames)
            connection.cursor().execute("ANALYZE")
            for room_size in (1, 20):
                queries = in_room[:room_size]
                times = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    with_video_matches(secretariat, queries)
                    times.append(time.perf_counter() - started)
                query_frames = [[int(f, 16) for f in q.value.split(",")] for q in queries]
                started = time.perf_counter()
                python_scan(query_frames, stored_frames, settings.PDQ_MATCH_DISTANCE)
                baseline = time.perf_counter() - started
                median = statistics.median(times)
                print(
                    f"{size:>7,} videos ({frames:,} frames), {room_size:>3} in the room: "
                    f"{median * 1000:8.0f} ms; Python scan {baseline * 1000:8.0f} ms; ratio {median / baseline:.2f}x"
                )


if __name__ == "__main__":
    main()
