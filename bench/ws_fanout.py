"""Fan-out of one incident room against a bare broadcast server, on this machine.

    .venv/bin/python bench/ws_fanout.py [--clients 100,500,1000] [--messages 200] [--rate 20]
                                        [--server daphne|uvicorn] [--processes 1|2]

Starts the real stack: the app server(s) (bench/asgi.py: production app, flood limit
lifted), channels-redis on REDIS_URL or a private redis-server, PostgreSQL through
DATABASE_URL (point it at a scratch database: the run adds and then deletes its users)
or a SQLite file otherwise. Creates one incident with N authorised users (API tokens),
connects N clients to its room, sends M messages from one at a fixed rate and reports
delivered messages/s, p50/p99 delivery latency and server memory per idle connection;
then does the same against bench/bare_server.py and prints our figures as ratios.
Loopback only; every wait is bounded.
"""

import argparse
import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import clients as bench_clients
from bench import stack

KIB = 1024
LOG_DIR = Path(tempfile.gettempdir())  # server logs, kept after the run


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="100,500,1000")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="messages per second from the sender")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="uvicorn")
    parser.add_argument("--processes", type=int, default=1, help="app server processes, clients spread over them")
    parser.add_argument("--only", choices=["ours", "bare"], default=None)
    return parser.parse_args()


async def measure(servers, urls, headers, *, joined_marker, messages, rate, size, check_seq):
    warm = await bench_clients.connect_all(
        urls[: len(servers.ports)], headers[: len(servers.ports)], joined_marker=joined_marker
    )
    await bench_clients.close_all(warm)
    await asyncio.sleep(1)
    rss_before = servers.rss()
    connect_started = time.monotonic()
    clients = await bench_clients.connect_all(urls, headers, joined_marker=joined_marker)
    connect_seconds = time.monotonic() - connect_started
    await bench_clients.settle(clients)
    idle_per_connection = (servers.rss() - rss_before) / len(clients)
    starts = [len(c.frames) for c in clients]
    cpu_before, client_cpu_before = servers.cpu_seconds(), time.process_time()
    print(
        f"  {len(clients)} clients joined in {connect_seconds:.1f} s (handshake to own presence frame); sending",
        file=sys.stderr,
        flush=True,
    )
    sent = await bench_clients.send_at_rate(clients[0], messages=messages, rate=rate, size=size)
    await bench_clients.wait_for_deliveries(
        clients, starts, expected=messages, stall_seconds=15, limit_seconds=messages / rate + 120
    )
    server_cpu = servers.cpu_seconds() - cpu_before
    client_cpu = time.process_time() - client_cpu_before
    result = bench_clients.analyse(clients, starts, sent, check_seq=check_seq)
    frame_size = next((len(t) for _a, t in clients[-1].frames[starts[-1] :] if bench_clients.MARK in t), 0)
    await bench_clients.close_all(clients)
    return result, idle_per_connection, server_cpu, client_cpu, frame_size


def run_ours(args, env, incident_id, keys, n, workdir):
    servers = stack.app_servers(args.server, args.processes, env, LOG_DIR / "ws_fanout-app.log")
    try:
        ports = servers.ports
        urls = [f"ws://127.0.0.1:{ports[i % len(ports)]}/ws/incidents/{incident_id}/" for i in range(n)]
        headers = [[("Authorization", f"Token {key}")] for key in keys[:n]]
        return asyncio.run(
            measure(
                servers,
                urls,
                headers,
                joined_marker='"presence"',
                messages=args.messages,
                rate=args.rate,
                size=0,
                check_seq=True,
            )
        )
    finally:
        servers.stop()


def run_bare(args, n, size, workdir):
    servers = stack.bare_server(LOG_DIR / "ws_fanout-bare.log")
    try:
        urls = [f"ws://127.0.0.1:{servers.ports[0]}/ws/" for _ in range(n)]
        return asyncio.run(
            measure(
                servers,
                urls,
                [[] for _ in range(n)],
                joined_marker=None,
                messages=args.messages,
                rate=args.rate,
                size=size,
                check_seq=False,
            )
        )
    finally:
        servers.stop()


def line(name, n, figures) -> str:
    result, memory, server_cpu, client_cpu, _size = figures
    return (
        f"{name:<6} N={n:<5} delivered {result.deliveries}/{result.expected} in {result.seconds:6.2f} s = "
        f"{result.rate:8.0f}/s  p50 {result.percentile(50) * 1000:8.1f} ms  p99 {result.percentile(99) * 1000:8.1f} ms"
        f"  order {'ok' if result.order_ok else 'BROKEN'}  errors {result.errors}"
        f"  idle {memory / KIB:6.1f} KiB/conn  server CPU {server_cpu:5.1f} s  client CPU {client_cpu:5.1f} s"
    )


def prepare_database(env, workdir) -> dict:
    if not env.get("DATABASE_URL"):
        env["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    subprocess.run([stack.PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=stack.ROOT, env=env, check=True)
    return env


def main() -> None:
    args = parse_args()
    sizes = [int(n) for n in args.clients.split(",")]
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp, contextlib.ExitStack() as stack_:
        workdir = Path(tmp)
        redis_url = os.environ.get("REDIS_URL") or stack_.enter_context(stack.private_redis())
        production = {
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
        }
        env = prepare_database({**os.environ, **production, "REDIS_URL": redis_url}, workdir)
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        import django

        django.setup()
        from django.conf import settings

        from bench.room_data import clean_up, create_room

        print(
            f"stack: {args.server} x{args.processes}, {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
            f"{settings.CHANNEL_LAYERS['default']['BACKEND']}; M={args.messages} at {args.rate}/s; "
            f"load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        incident_id, keys, tag = create_room(max(sizes))
        try:
            for n in sizes:
                ours = bare = None
                if args.only in (None, "ours"):
                    ours = run_ours(args, env, incident_id, keys, n, workdir)
                    print(line("ours", n, ours), flush=True)
                if args.only in (None, "bare"):
                    size = ours[4] if ours else 330
                    bare = run_bare(args, n, size, workdir)
                    print(line("bare", n, bare), flush=True)
                if ours and bare:
                    print(
                        f"ratio  N={n:<5} rate {ours[0].rate / bare[0].rate:.2f} of bare, "
                        f"p99 {ours[0].percentile(99) / bare[0].percentile(99):.1f}x bare, "
                        f"idle memory {ours[1] / bare[1]:.1f}x bare",
                        flush=True,
                    )
        finally:
            clean_up(tag)


if __name__ == "__main__":
    main()
