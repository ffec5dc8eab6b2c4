"""Does the room scale with websocket processes? One ws process against two, each with the same CPU.

    .venv/bin/python bench/ws_scale.py [--clients 1000] [--messages 200] [--rate 20] [--processes 1,2]
                                       [--no-pin | --cpu-quota Q] [--heartbeat S] [--window S] [--timeline]

Starts the real stack as bench/ws_fanout.py does (bench/asgi.py, channels-redis on REDIS_URL or
a private redis-server, PostgreSQL through DATABASE_URL: a scratch database, the run adds and
deletes its users), then, for each number of app processes P: N room clients spread evenly over
the P processes, M messages at a fixed rate from one more client on a further, unmeasured app
process (storing is a fixed cost per message wherever it is received: the question is what the
fan-out to N costs). The clients, PostgreSQL, Redis and the sender are never constrained.

By default each process is pinned to a core of its own (`taskset -c i`). With --cpu-quota Q each
gets a cgroup of its own allowed Q of a core (bench/cpu_quota.py; needs root, and says so and
exits otherwise), so that on a small machine P processes at Q still leave room for the rest:
offer more than they can deliver, and delivered/s answers the question directly. Each cgroup's
throttling over the send phase is printed: it shows the quota was the limit.
Two app behaviours make a whole run's rate unfair to the longer run (docs/performance.md, "With
equal CPU quotas"): the room's heartbeat, and a backlog older than the channel layer's expiry,
fill a backlogged hub's connections from the database, a cheaper path than the live fan-out
(--heartbeat 3600 keeps the beat out; the script warns about the expiry); and the rate over the
first --window seconds (10), when every run is still saturated, is printed beside the whole run's.
--timeline prints each process's deliveries/s every 5 s.

Reports delivered/s, p50/p99, that every client got every message in `seq` order, and over the
send phase each server process's share of a core, what it spends per second with the room
connected and silent (measured for 10 s before), the clients' and the sender process's share.
A process's capacity is what it delivered per second of its own CPU less the idle cost: the
room's capacity with P processes is P times the slowest process's. The last lines give the
ratios of delivered/s and of capacity to one process, so a loaded machine shifts both alike.
Loopback only; every wait is bounded.
"""

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import clients as bench_clients
from bench import cpu_quota, stack
from bench.scale_figures import TIMELINE_SECONDS, Figures, arrivals, capacity, report, window_rate

LOG_DIR = Path(tempfile.gettempdir())
IDLE_SECONDS = 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="messages per second from the sender")
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--no-pin", action="store_true", help="leave the server processes unpinned")
    parser.add_argument("--heartbeat", type=float, default=None, help="the room's heartbeat interval, seconds")
    parser.add_argument(
        "--window", type=int, default=10, help="also the rate over this many seconds from the first send (x5)"
    )
    parser.add_argument("--timeline", action="store_true", help="each process's deliveries/s over the run")
    parser.add_argument(
        "--cpu-quota", type=float, default=None, metavar="Q", help="each server process limited to Q of a core (cgroup)"
    )
    return parser.parse_args()


def placement(args) -> str:
    if args.cpu_quota:
        return f"each in a cgroup of its own at {args.cpu_quota:g} of a core, unpinned"
    return "unpinned" if args.no_pin else "pinned one per core"


def cpu_seconds(process: subprocess.Popen) -> float:
    times = psutil.Process(process.pid).cpu_times()
    return times.user + times.system


async def measure(servers, writer, groups, urls, headers, writer_url, writer_headers, *, messages, rate):
    clients = await bench_clients.connect_all(urls, headers, joined_marker='"presence"')
    (sender,) = await bench_clients.connect_all([writer_url], [writer_headers], joined_marker='"presence"')
    await bench_clients.settle(clients)
    # What each process spends with the room connected and silent (heartbeats, presence, the
    # layer's polling), per second: taken off for the capacity, so a slower run is not charged for waiting.
    idle_before, idle_started = [cpu_seconds(p) for p in servers.processes], time.monotonic()
    await asyncio.sleep(IDLE_SECONDS)
    idle_rates = [
        (cpu_seconds(p) - b) / (time.monotonic() - idle_started)
        for p, b in zip(servers.processes, idle_before, strict=True)
    ]
    starts = [len(c.frames) for c in clients]
    before = [cpu_seconds(p) for p in servers.processes]
    here, writer_before = time.process_time(), cpu_seconds(writer.processes[0])
    throttled_before = [g.throttling() for g in groups]
    started = time.monotonic()
    sent = await bench_clients.send_at_rate(sender, messages=messages, rate=rate, size=0)
    await bench_clients.wait_for_deliveries(
        clients, starts, expected=messages, stall_seconds=15, limit_seconds=messages / rate + 120
    )
    wall = time.monotonic() - started
    figures = Figures(
        result=bench_clients.analyse(clients, starts, sent, check_seq=True),
        wall=wall,
        cpu=[cpu_seconds(p) - b for p, b in zip(servers.processes, before, strict=True)],
        idle=[rate * wall for rate in idle_rates],
        here=time.process_time() - here,
        writer=cpu_seconds(writer.processes[0]) - writer_before,
        throttling=[g.throttling() - b for g, b in zip(groups, throttled_before, strict=True)],
        **arrivals(clients, starts, len(servers.processes), sent[0]),
    )
    await bench_clients.close_all([*clients, sender])
    return figures


def run(args, env, incident_id, keys, count: int, cores: int) -> Figures:
    prefixes = [[] for _ in range(count)]
    if not args.no_pin and not args.cpu_quota:
        prefixes = [["taskset", "-c", str(i % cores)] for i in range(count)]
    log = LOG_DIR / f"ws_scale-app-{os.getpid()}.log"
    with contextlib.ExitStack() as exits:
        # Made first, so removed last: after the processes in them have exited.
        groups = [
            exits.enter_context(cpu_quota.group(f"callportal-ws-scale-{os.getpid()}-{i}", args.cpu_quota))
            for i in range(count if args.cpu_quota else 0)
        ]
        servers = stack.app_servers("uvicorn", count, env, log, prefixes=prefixes)
        exits.callback(servers.stop)
        # The sender on a process of its own, not measured: storing a message is a fixed cost per
        # message on whichever process receives it, and the question is what the fan-out costs.
        writer = stack.app_servers("uvicorn", 1, env, log)
        exits.callback(writer.stop)
        # Into their groups once started: importing Django at a quarter of a core is slow, not measured.
        for group, process in zip(groups, servers.processes, strict=False):
            group.add(process.pid)
        n = args.clients
        path = f"/ws/incidents/{incident_id}/"
        urls = [f"ws://127.0.0.1:{servers.ports[i % count]}{path}" for i in range(n)]
        headers = [[("Authorization", f"Token {key}")] for key in keys[:n]]
        writer_url, writer_headers = f"ws://127.0.0.1:{writer.ports[0]}{path}", [("Authorization", f"Token {keys[n]}")]
        return asyncio.run(
            measure(
                servers,
                writer,
                groups,
                urls,
                headers,
                writer_url,
                writer_headers,
                messages=args.messages,
                rate=args.rate,
            )
        )


def main() -> None:
    args = parse_args()
    counts = [int(n) for n in args.processes.split(",")]
    cores = os.cpu_count() or 1
    if args.cpu_quota:
        # Say so now, not after the migration and the room: without a quota there is no comparison.
        try:
            with cpu_quota.group(f"callportal-ws-scale-{os.getpid()}-probe", args.cpu_quota):
                pass
        except (cpu_quota.UnavailableError, ValueError) as error:
            raise SystemExit(f"--cpu-quota: {error}") from None
    elif not args.no_pin and shutil.which("taskset") is None:
        raise SystemExit("taskset (util-linux) is needed to pin the processes; or pass --no-pin")
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp, contextlib.ExitStack() as exits:
        redis_url = os.environ.get("REDIS_URL") or exits.enter_context(stack.private_redis())
        production = {
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "REDIS_URL": redis_url,
        }
        env = {**os.environ, **production}
        if args.heartbeat:
            env["BENCH_HEARTBEAT_SECONDS"] = str(args.heartbeat)
        if not env.get("DATABASE_URL"):
            env["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
        subprocess.run(
            [stack.PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=stack.ROOT, env=env, check=True
        )
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        import django

        django.setup()
        from django.conf import settings

        from bench.room_data import clean_up, create_room

        print(
            f"N={args.clients} clients, M={args.messages} at {args.rate:g}/s; {cores} cores; server processes "
            f"{placement(args)}; heartbeat {args.heartbeat or 'default'}; load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        expiry = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("expiry", 60)
        incident_id, keys, tag = create_room(args.clients + 1)  # + the sender
        figures = {}
        try:
            for count in counts:
                figures[count] = run(args, env, incident_id, keys, count, cores)
                print(report(count, figures[count]), flush=True)
                if min(figures[count].finished) < args.window:
                    print(f"  WARNING: a process was done within the first {args.window} s: shorten --window")
                print(f"  in the first {args.window} s: {window_rate(figures[count], args.window):7.0f}/s")
                if max(figures[count].result.latencies, default=0) > expiry:
                    # The layer drops what waited longer; the clients fill it from the database, a
                    # cheaper path than the live fan-out: such a run does not measure the fan-out.
                    print(f"  WARNING: messages waited over the layer's expiry ({expiry} s): shorten the run")
                if args.timeline:
                    print("  other frames:", dict(figures[count].other))
                    for i, slots in enumerate(figures[count].timeline):
                        rates = " ".join(str(n // TIMELINE_SECONDS) for n in slots)
                        print(f"  process {i}: deliveries/s, each {TIMELINE_SECONDS} s from the first send: {rates}")
        finally:
            clean_up(tag)
        first, *rest = counts
        for count in rest:
            delivered = figures[count].result.rate / figures[first].result.rate
            early = window_rate(figures[count], args.window) / window_rate(figures[first], args.window)
            capacities = capacity(figures[count]) / capacity(figures[first])
            print(
                f"ratio x{count} vs x{first}: delivered/s {delivered:.2f}x, in the first {args.window} s "
                f"{early:.2f}x, capacity {capacities:.2f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
