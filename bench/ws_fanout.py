"""Fan-out of one incident room against a bare broadcast server, on this machine.

    .venv/bin/python bench/ws_fanout.py [--clients 100,500,1000] [--messages 200] [--rate 20]
                                        [--server daphne|uvicorn] [--processes 1|2]
                                        [--one-user] [--restart]

Starts the real stack: the app server(s) (bench/asgi.py: production app, flood limit
lifted), channels-redis on REDIS_URL or a private redis-server, PostgreSQL through
DATABASE_URL (point it at a scratch database: the run adds and then deletes its users)
or a SQLite file otherwise. Creates one incident with N authorised users (API tokens),
connects N clients to its room, sends M messages from one at a fixed rate and reports
delivered messages/s, p50/p99 delivery latency and server memory per idle connection;
then does the same against bench/bare_server.py and prints our figures as ratios.
With --one-user every connection uses the first user's API token (a wall display, an
integration with many connections). With --restart the server is then restarted, a few
items are posted while it is down, and every client reconnects with ?after=<last seq it
received>: the time until all are back (each replayed exactly the missed items, then got
its own presence frame) is printed beside the bare server's reconnect time.
Loopback only; every wait is bounded.
"""

import argparse
import asyncio
import contextlib
import json
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
    parser.add_argument("--one-user", action="store_true", help="every connection with the same user's token")
    parser.add_argument("--restart", action="store_true", help="then restart the server; clients resume")
    return parser.parse_args()


MISSED_ITEMS = 5  # posted while the server is down in --restart


def last_seq_seen(client) -> int:
    seqs = [json.loads(text).get("seq", 0) for _t, text in client.frames if text.startswith('{"type":"item"')]
    return max(seqs, default=0)


def resumed_exactly(client, after: int, upto: int) -> bool:
    """The client replayed every item after `after` up to `upto`, in order, once, before its presence."""
    seqs = []
    for _t, text in client.frames:
        frame = json.loads(text)
        if frame["type"] == "presence":
            break
        if frame["type"] == "item":
            seqs.append(frame["seq"])
    return seqs == list(range(after + 1, upto + 1))


async def restart_and_resume(servers, urls, headers, clients, *, joined_marker, while_down):
    """Restarts the servers; every client reconnects (with ?after=<its last seq> for the room).
    Returns (seconds from the servers being ready to every client back, clients that resumed exactly)."""
    afters = [last_seq_seen(c) for c in clients] if joined_marker else None
    await bench_clients.close_all(clients)
    servers.stop()
    upto = await asyncio.to_thread(while_down) if while_down else 0
    await asyncio.to_thread(servers.start)
    if afters is not None:
        urls = [f"{url}?after={after}" for url, after in zip(urls, afters, strict=True)]
    started, cpu_before = time.monotonic(), servers.cpu_seconds()
    resumed = await bench_clients.connect_all(urls, headers, joined_marker=joined_marker)
    seconds = time.monotonic() - started
    # The servers' own work for the resume, which other load on a shared machine moves far less
    # than the wall clock.
    print(f"  resumed: server CPU {servers.cpu_seconds() - cpu_before:.2f} s", file=sys.stderr, flush=True)
    exact = len(resumed)
    if afters is not None:
        exact = sum(resumed_exactly(c, a, upto) for c, a in zip(resumed, afters, strict=True))
    await bench_clients.close_all(resumed)
    return seconds, exact


async def measure(
    servers, urls, headers, *, joined_marker, messages, rate, size, check_seq, restart=False, while_down=None
):
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
    resume = None
    if restart:
        resume = await restart_and_resume(
            servers, urls, headers, clients, joined_marker=joined_marker, while_down=while_down
        )
    else:
        await bench_clients.close_all(clients)
    return result, idle_per_connection, server_cpu, client_cpu, frame_size, connect_seconds, resume


def post_while_down(incident_id: int, key: str):
    """Posts MISSED_ITEMS messages as the key's user, straight through the service; returns the last seq."""

    def post() -> int:
        from incidents import services
        from incidents.models import Incident
        from portal.services import authenticate_api_key

        incident, user = Incident.objects.get(pk=incident_id), authenticate_api_key(key)
        items = [
            services.post_message(incident=incident, actor=user, client_id=None, body=f"while down {n}")
            for n in range(MISSED_ITEMS)
        ]
        return items[-1].seq

    return post


def run_ours(args, env, incident_id, keys, n, workdir):
    servers = stack.app_servers(args.server, args.processes, env, LOG_DIR / "ws_fanout-app.log")
    try:
        ports = servers.ports
        urls = [f"ws://127.0.0.1:{ports[i % len(ports)]}/ws/incidents/{incident_id}/" for i in range(n)]
        headers = [[("Authorization", f"Token {key}")] for key in ([keys[0]] * n if args.one_user else keys[:n])]
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
                restart=args.restart,
                while_down=post_while_down(incident_id, keys[-1]),  # not the sender: its flood counter is full
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
                restart=args.restart,
            )
        )
    finally:
        servers.stop()


def line(name, n, figures) -> str:
    result, memory, server_cpu, client_cpu, _size, joined, resume = figures
    text = (
        f"{name:<6} N={n:<5} delivered {result.deliveries}/{result.expected} in {result.seconds:6.2f} s = "
        f"{result.rate:8.0f}/s  p50 {result.percentile(50) * 1000:8.1f} ms  p99 {result.percentile(99) * 1000:8.1f} ms"
        f"  order {'ok' if result.order_ok else 'BROKEN'}  errors {result.errors}"
        f"  idle {memory / KIB:6.1f} KiB/conn  server CPU {server_cpu:5.1f} s  client CPU {client_cpu:5.1f} s"
        f"  joined in {joined:5.2f} s"
    )
    if resume is not None:
        text += f"  resumed after restart in {resume[0]:5.2f} s ({resume[1]}/{n} exactly)"
    return text


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
            f"{'one user for every connection' if args.one_user else 'one user per connection'}; "
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
                    resumed = f", resume {ours[6][0] / bare[6][0]:.1f}x bare" if ours[6] and bare[6] else ""
                    print(
                        f"ratio  N={n:<5} rate {ours[0].rate / bare[0].rate:.2f} of bare, "
                        f"p99 {ours[0].percentile(99) / bare[0].percentile(99):.1f}x bare, "
                        f"idle memory {ours[1] / bare[1]:.1f}x bare, join {ours[5] / bare[5]:.1f}x bare{resumed}",
                        flush=True,
                    )
        finally:
            clean_up(tag)


if __name__ == "__main__":
    main()
