"""Does the room scale with websocket processes? One ws process against two, each pinned to a core.

    .venv/bin/python bench/ws_scale.py [--clients 1000] [--messages 200] [--rate 20] [--processes 1,2]
                                       [--no-pin]

Starts the real stack as bench/ws_fanout.py does (bench/asgi.py, channels-redis on REDIS_URL or
a private redis-server, PostgreSQL through DATABASE_URL: a scratch database, the run adds and
deletes its users), then, for each number of app processes P: the P processes each pinned to a
core of their own (`taskset -c i`; the clients, PostgreSQL and Redis are not pinned and compete
for the same cores), N room clients spread evenly over them, M messages at a fixed rate from one
more client on a further, unmeasured app process (storing is a fixed cost per message wherever it
is received: the question is what the fan-out to N costs).
Reports delivered/s, p50/p99, and each server process's CPU time and share of its core over the
send phase, less what it spends per second with the room connected and silent (measured for 10 s
before). A process's capacity is what it delivered per second of its own CPU: the room's
capacity with P processes is P times the slowest process's. Printed as the ratio to one process,
so a loaded machine shifts both alike. Loopback only; every wait is bounded.
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
from bench import stack

LOG_DIR = Path(tempfile.gettempdir())
IDLE_SECONDS = 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="messages per second from the sender")
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--no-pin", action="store_true", help="leave the server processes unpinned")
    return parser.parse_args()


def cpu_seconds(process: subprocess.Popen) -> float:
    times = psutil.Process(process.pid).cpu_times()
    return times.user + times.system


async def measure(servers, urls, headers, writer_url, writer_headers, *, messages: int, rate: float):
    clients = await bench_clients.connect_all(urls, headers, joined_marker='"presence"')
    (sender,) = await bench_clients.connect_all([writer_url], [writer_headers], joined_marker='"presence"')
    await bench_clients.settle(clients)
    # What each process spends with the room connected and silent (heartbeats, presence, the
    # layer's polling), per second: taken off below, so a slower run is not charged for waiting.
    idle_before, idle_started = [cpu_seconds(p) for p in servers.processes], time.monotonic()
    await asyncio.sleep(IDLE_SECONDS)
    idle_rates = [
        (cpu_seconds(p) - b) / (time.monotonic() - idle_started)
        for p, b in zip(servers.processes, idle_before, strict=True)
    ]
    starts = [len(c.frames) for c in clients]
    before = [cpu_seconds(p) for p in servers.processes]
    started = time.monotonic()
    sent = await bench_clients.send_at_rate(sender, messages=messages, rate=rate, size=0)
    await bench_clients.wait_for_deliveries(
        clients, starts, expected=messages, stall_seconds=15, limit_seconds=messages / rate + 120
    )
    wall = time.monotonic() - started
    per_process = [
        max(0.0, cpu_seconds(p) - b - idle * wall)
        for p, b, idle in zip(servers.processes, before, idle_rates, strict=True)
    ]
    result = bench_clients.analyse(clients, starts, sent, check_seq=True)
    await bench_clients.close_all([*clients, sender])
    return result, per_process, wall


def run(args, env, incident_id, keys, count: int, cores: int):
    prefixes = [[] for _ in range(count)]
    if not args.no_pin:
        prefixes = [["taskset", "-c", str(i % cores)] for i in range(count)]
    log = LOG_DIR / f"ws_scale-app-{os.getpid()}.log"
    servers = stack.app_servers("uvicorn", count, env, log, prefixes=prefixes)
    # The sender on a process of its own, not measured: storing a message is a fixed cost per
    # message on whichever process receives it, and the question is what the fan-out costs.
    writer = stack.app_servers("uvicorn", 1, env, log)
    try:
        ports = servers.ports
        n = args.clients
        path = f"/ws/incidents/{incident_id}/"
        urls = [f"ws://127.0.0.1:{ports[i % count]}{path}" for i in range(n)]
        headers = [[("Authorization", f"Token {key}")] for key in keys[:n]]
        writer_url, writer_headers = f"ws://127.0.0.1:{writer.ports[0]}{path}", [("Authorization", f"Token {keys[n]}")]
        return asyncio.run(
            measure(servers, urls, headers, writer_url, writer_headers, messages=args.messages, rate=args.rate)
        )
    finally:
        servers.stop()
        writer.stop()


def main() -> None:
    args = parse_args()
    counts = [int(n) for n in args.processes.split(",")]
    cores = os.cpu_count() or 1
    if not args.no_pin and shutil.which("taskset") is None:
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
        if not env.get("DATABASE_URL"):
            env["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
        subprocess.run(
            [stack.PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=stack.ROOT, env=env, check=True
        )
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        import django

        django.setup()
        from bench.room_data import clean_up, create_room

        print(
            f"N={args.clients} clients, M={args.messages} at {args.rate:g}/s; {cores} cores; server processes "
            f"{'unpinned' if args.no_pin else 'pinned one per core'}; load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        incident_id, keys, tag = create_room(args.clients + 1)  # + the sender
        capacities = {}
        try:
            for count in counts:
                result, per_process, wall = run(args, env, incident_id, keys, count, cores)
                cpu_text = ", ".join(f"{cpu:.1f} s ({cpu / wall:.0%})" for cpu in per_process)
                # Deliveries per CPU-second of the busiest process, times the processes: what the
                # room carries when each process has a whole core.
                capacities[count] = result.deliveries / max(per_process) if max(per_process) else float("nan")
                print(
                    f"x{count}: delivered {result.deliveries}/{result.expected} = {result.rate:7.0f}/s  "
                    f"p50 {result.percentile(50) * 1000:6.1f} ms  p99 {result.percentile(99) * 1000:7.1f} ms  "
                    f"order {'ok' if result.order_ok else 'BROKEN'}  errors {result.errors}  "
                    f"server CPU per process {cpu_text}"
                    f"  capacity {capacities[count]:,.0f} deliveries/s; load {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
        finally:
            clean_up(tag)
        first, *rest = counts
        for count in rest:
            print(f"ratio x{count} vs x{first}: capacity {capacities[count] / capacities[first]:.2f}x", flush=True)


if __name__ == "__main__":
    main()
