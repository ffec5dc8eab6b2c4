"""The whole stack under load: pages and API while a busy incident room is live.

    .venv/bin/python bench/load.py [--seconds 30] [--http-clients 50] [--ws-clients 300]
                                   [--rate 10] [--processes 1,2] [--server uvicorn|daphne]
                                   [--layouts together,split] [--web-nice 0,10] [--ws-nice 0]
                                   [--client-nice N] [--phases quiet,site,baseline]

Starts the real stack — app server processes (bench/asgi.py: the production app), a
Celery worker, Redis (REDIS_URL or a private redis-server) and PostgreSQL (DATABASE_URL;
point it at a scratch database: the run seeds the demo community and adds a room with
its users) — then, for each number of app processes: N websocket clients sit in one
incident room spread over the processes while one of them posts `rate` messages/s, and
H HTTP clients loop over the directory, the dashboard and two API lists for the given
seconds. Then the same H clients load a minimal Django view served the same way (same
processes, middleware and room traffic): the baseline. Prints requests/s, p50/p99
latency and errors for both, our figures as ratios of the baseline, and how they change
from one process to two. Loopback only; every wait is bounded.

Layouts: `together` serves pages and the room from the same N processes (the comparison);
`split` runs them as the Procfile does, in two process groups: the room's clients on the
`ws` process(es), the HTTP clients on the `web` process(es), the web group at a lower
scheduling priority (`nice -n --web-nice`, 0 for none). `--ws-nice` sets the room's processes'
niceness (in both layouts, so the comparison stays fair) and `--client-nice` this load generator's
while it measures: on a machine shared with other work they separate the layout's effect from the
machine's. Phases: `quiet` (the room alone, the room's own baseline), `site` (the pages and API),
`baseline` (the minimal view). Each line also prints how many cores the ws group, the web group
and the load generator kept busy during the load.
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
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from websockets.exceptions import ConnectionClosed

from bench import clients as ws_clients
from bench import stack

LOG_DIR = Path(tempfile.gettempdir())
PAGES = ["/organisations/", "/commitments/"]
API = ["/api/v1/implementations/", "/api/v1/organizations/"]
BASELINE = ["/bench/minimal/"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--http-clients", type=int, default=50)
    parser.add_argument("--ws-clients", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0, help="room messages per second")
    parser.add_argument("--processes", default="1", help="together layout: process counts to run")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="uvicorn")
    parser.add_argument("--layouts", default="together,split")
    parser.add_argument("--ws-processes", type=int, default=1, help="split layout: ws group size")
    parser.add_argument("--web-processes", type=int, default=1, help="split layout: web group size")
    parser.add_argument("--web-nice", default="10", help="split layout: the web group's niceness; a list: one run each")
    parser.add_argument(
        "--ws-nice", type=int, default=0, help="niceness of the room's processes (together: all); below 0 needs root"
    )
    parser.add_argument(
        "--client-nice", type=int, default=None, help="this load generator's niceness while it measures (root below 0)"
    )
    parser.add_argument("--phases", default="quiet,site,baseline", help="quiet: the room alone, no HTTP load")
    return parser.parse_args()


# --- a small HTTP/1.1 keep-alive client: the load generator shares the machine, so it must be cheap ---


class HttpError(Exception):
    pass


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readline()).strip() or b"0", 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        raise HttpError("response without a length")
    return status, headers.get("connection", "").lower() == "close"


@dataclass
class HttpStats:
    latencies: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


async def http_client(port: int, paths: list[str], token: str, stats: HttpStats, until: float, offset: int) -> None:
    reader = writer = None
    index = offset
    while time.perf_counter() < until:
        path = paths[index % len(paths)]
        index += 1
        auth = f"Authorization: Token {token}\r\n" if path.startswith("/api/") else ""
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Accept-Language: en\r\n\r\n".encode()
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            status, close = await asyncio.wait_for(_read_response(reader), 30)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, HttpError, ValueError) as error:
            stats.error(type(error).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        stats.latencies.append(time.perf_counter() - started)
        if status != 200:
            stats.error(f"HTTP {status}")
        if close:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def http_load(ports, paths, tokens, *, clients: int, seconds: float) -> tuple[HttpStats, float]:
    stats = HttpStats()
    started = time.perf_counter()
    until = started + seconds
    if not clients:
        await asyncio.sleep(seconds)
    await asyncio.gather(
        *(
            http_client(ports[n % len(ports)], paths, tokens[n % len(tokens)], stats, until, offset=n)
            for n in range(clients)
        )
    )
    return stats, time.perf_counter() - started


# --- one run: the room live, pages loaded, then the baseline under the same room traffic ---


async def room_traffic(sender, *, rate: float, seconds: float) -> list[float]:
    """clients.send_at_rate, but a sender whose connection the server drops (a keepalive ping
    unanswered in time, on a saturated machine) ends the traffic instead of the run."""
    sent = []
    start = time.perf_counter()
    for index in range(int(rate * seconds)):
        delay = start + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        text = ws_clients.message_frame(index, 0)
        stamp = time.perf_counter()
        try:
            await sender.websocket.send(text)
        except ConnectionClosed as error:
            print(f"  ROOM: the sender's connection was closed after {len(sent)} messages: {error}", flush=True)
            break
        sent.append(stamp)
    return sent


def cpu_now(ws, web) -> tuple[float, float, float, float]:
    """(wall, ws group, web group, this load generator) CPU seconds so far; the web group is the ws one when shared."""
    return time.monotonic(), ws.cpu_seconds(), web.cpu_seconds() if web else 0.0, time.process_time()


async def measure(ws, web, incident_id, ws_keys, api_keys, args):
    ws_ports, http_ports = ws.ports, (web or ws).ports
    urls = [f"ws://127.0.0.1:{ws_ports[i % len(ws_ports)]}/ws/incidents/{incident_id}/" for i in range(args.ws_clients)]
    headers = [[("Authorization", f"Token {key}")] for key in ws_keys]
    room = await ws_clients.connect_all(urls, headers, joined_marker='"presence"')
    await ws_clients.settle(room)
    figures = {}
    phases = {"quiet": [], "site": PAGES + API, "baseline": BASELINE}
    for name in args.phases.split(","):
        paths = phases[name]
        starts = [len(c.frames) for c in room]
        before = cpu_now(ws, web)
        sender = next(c for c in room if not c.reader.done())  # one the server has not dropped
        traffic = asyncio.ensure_future(room_traffic(sender, rate=args.rate, seconds=args.seconds))
        clients = args.http_clients if paths else 0
        stats, elapsed = await http_load(http_ports, paths, api_keys, clients=clients, seconds=args.seconds)
        sent = await traffic
        after = cpu_now(ws, web)  # the load phase only, not the wait for late frames below
        await ws_clients.wait_for_deliveries(room, starts, expected=len(sent), stall_seconds=10, limit_seconds=60)
        cpu = [(a - b) / (after[0] - before[0]) for a, b in zip(after[1:], before[1:], strict=True)]
        figures[name] = (stats, elapsed, ws_clients.analyse(room, starts, sent, check_seq=True), cpu)
    await ws_clients.close_all(room)
    return figures


def report(label: str, figures: dict) -> dict:
    rates = {}
    for name, (stats, elapsed, room, cpu) in figures.items():
        rates[name] = len(stats.latencies) / elapsed
        rates[f"{name} room p99"] = room.percentile(99)
        errors = sum(stats.errors.values())
        print(
            f"{name:<8} {label}: {rates[name]:7.1f} req/s  p50 {stats.percentile(50) * 1000:7.1f} ms  "
            f"p99 {stats.percentile(99) * 1000:7.1f} ms  errors {errors} {stats.errors or ''}| room: delivered "
            f"{room.deliveries}/{room.expected}  p50 {room.percentile(50) * 1000:6.1f} ms  "
            f"p99 {room.percentile(99) * 1000:6.1f} ms  order {'ok' if room.order_ok else 'BROKEN'}  "
            f"error frames {room.errors} | cores busy: ws {cpu[0]:.2f}, web {cpu[1]:.2f}, load generator {cpu[2]:.2f}",
            flush=True,
        )
    if "site" in rates and "baseline" in rates:
        print(f"ratio    {label}: site {rates['site'] / rates['baseline']:.2f} of the minimal view", flush=True)
    if "site" in rates and "quiet" in rates:
        quiet = rates["quiet room p99"]
        print(
            f"ratio    {label}: room p99 under pages {rates['site room p99'] / quiet:.1f}x the quiet room's", flush=True
        )
    print(f"load     {label}: load average {os.getloadavg()[0]:.2f}", flush=True)
    return rates


def layouts(args, env: dict):
    """(label, a function that starts (the ws group, the web group or None: the same)) per phase."""
    log = LOG_DIR / f"load-app-{os.getpid()}.log"
    ws_prefix = ["nice", "-n", str(args.ws_nice)] if args.ws_nice else []
    for layout in args.layouts.split(","):
        if layout == "together":
            for processes in (int(n) for n in args.processes.split(",")):
                prefixes = [ws_prefix] * processes
                yield (
                    f"x{processes}, nice {args.ws_nice}",
                    lambda n=processes, p=prefixes: (stack.app_servers(args.server, n, env, log, prefixes=p), None),
                )
        elif layout == "split":
            for nice in (int(n) for n in args.web_nice.split(",")):
                prefix = ["nice", "-n", str(nice)] if nice else []

                def start(prefix=prefix):
                    ws = stack.app_servers(
                        args.server, args.ws_processes, env, log, prefixes=[ws_prefix] * args.ws_processes
                    )
                    try:
                        web = stack.app_servers(
                            args.server, args.web_processes, env, log, prefixes=[prefix] * args.web_processes
                        )
                    except RuntimeError:
                        ws.stop()
                        raise
                    return ws, web

                yield (
                    f"split {args.ws_processes} ws (nice {args.ws_nice}) + {args.web_processes} web (nice {nice})",
                    start,
                )
        else:
            raise SystemExit(f"unknown layout {layout!r}: together or split")


def prepare(env: dict, workdir: Path) -> dict:
    if not env.get("DATABASE_URL"):
        env["SQLITE_PATH"] = str(workdir / "load.sqlite3")
    # Production mode serves hashed static files from the manifest that collectstatic writes.
    for command in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"], ["seed_demo"]):
        subprocess.run(
            [stack.PYTHON, "manage.py", *command], cwd=stack.ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    return env


def celery_worker(env: dict) -> subprocess.Popen:
    log = (LOG_DIR / "load-worker.log").open("ab")
    return subprocess.Popen(
        [
            stack.PYTHON,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            "bulk,crisis",
            "--loglevel=WARNING",
            "--concurrency=1",
        ],
        cwd=stack.ROOT,
        env={**env, "PYTHONPATH": str(stack.ROOT)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def main() -> None:
    args = parse_args()
    stack.STARTUP_SECONDS = 120  # a web group started under another run's load imports slowly
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp, contextlib.ExitStack() as exits:
        redis_url = os.environ.get("REDIS_URL") or exits.enter_context(stack.private_redis())
        production = {
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "REDIS_URL": redis_url,
        }
        env = prepare({**os.environ, **production}, Path(tmp))
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        import django

        django.setup()
        from django.conf import settings

        from bench.room_data import clean_up, create_room

        worker = celery_worker(env)
        exits.callback(stack.stop, worker)
        incident_id, keys, tag = create_room(args.ws_clients + args.http_clients)
        exits.callback(clean_up, tag)
        ws_keys, api_keys = keys[: args.ws_clients], keys[args.ws_clients :]
        print(
            f"stack: {args.server}, {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
            f"{settings.CHANNEL_LAYERS['default']['BACKEND']}, a Celery worker; {args.http_clients} HTTP clients "
            f"for {args.seconds:.0f} s on {', '.join(PAGES + API)}; {args.ws_clients} room clients, "
            f"{args.rate:.0f} messages/s; {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        results = {}
        for label, start in layouts(args, env):
            ws, web = start()
            try:
                own = os.getpriority(os.PRIO_PROCESS, 0)
                if args.client_nice is not None:  # after the servers started: not theirs
                    os.setpriority(os.PRIO_PROCESS, 0, args.client_nice)
                try:
                    figures = asyncio.run(measure(ws, web, incident_id, ws_keys, api_keys, args))
                finally:
                    os.setpriority(os.PRIO_PROCESS, 0, own)
            finally:
                ws.stop()
                if web is not None:
                    web.stop()
            results[label] = report(label, figures)
        first, *rest = results
        for label in rest if "site" in results[first] else []:
            change = results[label]["site"] / results[first]["site"]
            room = results[label]["site room p99"] / results[first]["site room p99"]
            print(
                f"compare  {label} vs {first}: site {change:.2f}x the requests/s, room p99 under pages {room:.3f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
