"""bench/notify.py's notification parts: the stream at /ws/notifications/ and Web Push fan-out.

Stream: N users (responders of one supporter, API tokens; bench/room_data.py) connect to
/ws/notifications/ on a uvicorn process (bench/asgi.py, as bench/ws_fanout.py runs it). Incidents
involving all of them are declared through the service, in this process; each notification
frame's arrival is timed from the declaration's commit (an on_commit hook registered first).
Round 2 happens while a tenth of the clients reconnect with ?after=<the last seq they saw>
(their close, the declaration and their reconnection overlap): every client must end with each
round's notification exactly once, in seq order. The baseline is bench/bare_server.py (the
`websockets` library's own broadcast) sending a frame of the same size to the same N clients,
timed from the sender's send.

Push: N users each with one browser subscribed (a P-256 key pair and an auth secret each) at a
local receiver playing the push service (tests/notifications/push_receiver.py); one
notification to all of them; a crisis worker (`celery -A portal worker -Q crisis
--concurrency=2`, as in the Procfile) encrypts and posts each: time from commit to the last
post, so the throughput, and a sample decrypted with its browser's keys."""

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench import clients as bench_clients
from bench import stack

LOG_DIR = Path(tempfile.gettempdir())
ROUNDS = 3
RECONNECT_SHARE = 10  # one client in ten reconnects mid-way


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


# --- The stream ----------------------------------------------------------------------------------


BROADCAST_DONE: list[float] = []  # when each broadcast's message was stored in Redis (perf_counter)


def note_broadcasts() -> None:
    """Times the end of stream.broadcast in this process: what is left is the server's and the clients'."""
    from portal.notifications import stream

    original = stream._send_to_many

    def timed(*args, **kwargs):
        original(*args, **kwargs)
        BROADCAST_DONE.append(time.perf_counter())

    stream._send_to_many = timed


def declare(organization_id: int, actor_id: int, title: str) -> tuple[int, float]:
    """Declares an incident involving the organisation; returns (its id, the commit's perf_counter)."""
    from django.db import transaction

    from incidents import services
    from incidents.models import Tier, Tlp
    from portal.models import Organization, User

    committed = []
    BROADCAST_DONE.clear()
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.perf_counter()))  # first: runs before the broadcast
        incident = services.declare_incident(
            actor=User.objects.get(pk=actor_id),
            title=title,
            tier=Tier.FULL_PROTOCOL,
            tlp=Tlp.AMBER,
            is_exercise=True,
            organizations=[Organization.objects.get(pk=organization_id)],
        )
    SENT_AFTER.append(BROADCAST_DONE[-1] - committed[0])
    return incident.pk, committed[0]


SENT_AFTER: list[float] = []  # per declaration: commit -> the broadcast stored in Redis


def notification_frames(client) -> list[tuple[float, dict]]:
    return [(t, json.loads(text)) for t, text in client.frames if text.startswith('{"type":"notification"')]


async def wait_for(clients, predicate, *, limit_seconds: float) -> None:
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline and not all(predicate(c) for c in clients):
        await asyncio.sleep(0.05)


def has_incident(incident_id: int):
    url = f"/incidents/{incident_id}/"
    return lambda client: any(url in text for _t, text in client.frames)


async def run_stream_clients(port: int, keys: list[str], organization_id: int, actor_id: int) -> dict:
    n = len(keys)
    url = f"ws://127.0.0.1:{port}/ws/notifications/"
    headers = [[("Authorization", f"Token {key}")] for key in keys]
    started = time.monotonic()
    connections = await bench_clients.connect_all([url] * n, headers, joined_marker='"unread"')
    joined = time.monotonic() - started
    await bench_clients.settle(connections)
    print(f"  {n} stream clients joined in {joined:.1f} s", file=sys.stderr, flush=True)
    rounds: list[tuple[int, float]] = []
    earlier: dict[int, list] = {}  # client index -> its first connection, for those that reconnect
    movers = list(range(0, n, RECONNECT_SHARE))
    for number in range(1, ROUNDS + 1):
        declare_one = lambda number=number: declare(organization_id, actor_id, f"Bench notify round {number}")  # noqa: E731
        if number == 2:
            # Mid-way: the movers close, and reconnect with ?after=<last seq seen> while the round is declared.
            afters = {}
            for index in movers:
                seen = [f["seq"] for _t, f in notification_frames(connections[index])]
                afters[index] = max(seen, default=0)
                earlier[index] = connections[index]
            await bench_clients.close_all([connections[i] for i in movers])
            declared = asyncio.ensure_future(asyncio.to_thread(declare_one))
            resumed = await bench_clients.connect_all(
                [f"{url}?after={afters[i]}" for i in movers], [headers[i] for i in movers], joined_marker='"unread"'
            )
            for index, client in zip(movers, resumed, strict=True):
                connections[index] = client
            rounds.append(await declared)
        else:
            rounds.append(await asyncio.to_thread(declare_one))
        await wait_for(connections, has_incident(rounds[-1][0]), limit_seconds=60)
    await asyncio.sleep(0.5)  # anything late or repeated
    result = analyse_stream(connections, earlier, rounds, movers=set(movers))
    result["joined_seconds"] = joined
    result["sent_after"] = list(SENT_AFTER)
    await bench_clients.close_all(connections)
    return result


def analyse_stream(connections, earlier, rounds, *, movers: set) -> dict:
    commit_of = {f"/incidents/{incident_id}/": committed for incident_id, committed in rounds}
    latencies, per_round, lost, repeated, disordered = [], {url: [] for url in commit_of}, 0, 0, 0
    for index, client in enumerate(connections):
        frames = notification_frames(earlier[index]) + notification_frames(client) if index in earlier else None
        frames = frames if frames is not None else notification_frames(client)
        ours = [(t, f) for t, f in frames if f["url"] in commit_of]
        urls = [f["url"] for _t, f in ours]
        lost += sum(1 for url in commit_of if url not in urls)
        repeated += len(urls) - len(set(urls))
        seqs = [f["seq"] for _t, f in ours]
        disordered += seqs != sorted(seqs)
        for arrived, frame in ours:
            # Live frames only: a mover's replay of round 2 is a reconnection, not a delivery time.
            if index in movers and frame["url"] == f"/incidents/{rounds[1][0]}/":
                continue
            latency = arrived - commit_of[frame["url"]]
            latencies.append(latency)
            per_round[frame["url"]].append(latency)
    return {
        "clients": len(connections),
        "rounds": len(rounds),
        "movers": len(movers),
        "lost": lost,
        "repeated": repeated,
        "disordered": disordered,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies, default=float("nan")),
        "round_p99": [percentile(per_round[url], 99) for url in commit_of],
    }


async def run_bare_clients(port: int, n: int, frame_size: int) -> dict:
    """The same N clients on the bare server; a sender broadcasts ROUNDS frames of the same size."""
    url = f"ws://127.0.0.1:{port}/ws/"
    connections = await bench_clients.connect_all([url] * n, [[] for _ in range(n)], joined_marker=None)
    [sender] = await bench_clients.connect_all([url], [[]], joined_marker=None)
    await bench_clients.settle(connections)
    sent = []
    for number in range(ROUNDS):
        text = json.dumps({"type": "notification", "url": f"{bench_clients.MARK}{number}"})
        text = text[:-1] + ', "pad": "' + "x" * max(0, frame_size - len(text) - 11) + '"}'
        sent.append(time.perf_counter())
        await sender.websocket.send(text)
        marker = f"{bench_clients.MARK}{number}"
        await wait_for(connections, lambda c, m=marker: any(m in t for _a, t in c.frames), limit_seconds=60)
    latencies, lost = [], 0
    for client in connections:
        for number, at in enumerate(sent):
            arrivals = [t for t, text in client.frames if f"{bench_clients.MARK}{number}" in text]
            lost += not arrivals
            latencies.extend(a - at for a in arrivals[:1])
    await bench_clients.close_all([*connections, sender])
    return {"lost": lost, "p50": percentile(latencies, 50), "p99": percentile(latencies, 99)}


def stream_part(env: dict, n: int) -> dict:
    """Runs in bench/notify.py's process, after django.setup() on the bench database."""
    from bench.room_data import create_room
    from portal.models import Organization, User

    _room, keys, tag = create_room(n)  # declares a first incident: every user's stream starts at seq 1
    note_broadcasts()
    organization_id = Organization.objects.get(slug=f"bench-{tag}").pk
    actor_id = User.objects.get(email=f"bench-sec-{tag}@example.org").pk
    servers = stack.app_servers("uvicorn", 1, env, LOG_DIR / "notify-stream-app.log")
    try:
        ours = asyncio.run(run_stream_clients(servers.ports[0], keys, organization_id, actor_id))
    finally:
        servers.stop()
    frame_size = 230  # a notification frame's length, about (its text is in English here)
    bare_server = stack.bare_server(LOG_DIR / "notify-stream-bare.log")
    try:
        bare = asyncio.run(run_bare_clients(bare_server.ports[0], n, frame_size))
    finally:
        bare_server.stop()
    return {"ours": ours, "bare": bare}


def describe_stream(result: dict) -> list[str]:
    ours, bare = result["ours"], result["bare"]
    return [
        f"stream: {ours['clients']} clients joined in {ours['joined_seconds']:.1f} s; "
        f"{ours['rounds']} incidents declared, {ours['movers']} clients reconnecting with ?after= during round 2",
        f"  ours  commit -> notification frame: p50 {ours['p50'] * 1000:.0f} ms, p99 {ours['p99'] * 1000:.0f} ms, "
        f"max {ours['max'] * 1000:.0f} ms (p99 per round: "
        + ", ".join(f"{p * 1000:.0f} ms" for p in ours["round_p99"])
        + f"); lost {ours['lost']}, repeated {ours['repeated']}, out of order {ours['disordered']}",
        "        of which commit -> broadcast stored in Redis (this process): "
        + ", ".join(f"{s * 1000:.0f} ms" for s in ours["sent_after"]),
        f"  bare  send -> frame (websockets.broadcast): p50 {bare['p50'] * 1000:.0f} ms, "
        f"p99 {bare['p99'] * 1000:.0f} ms; lost {bare['lost']}",
        f"  ratio p99 {ours['p99'] / bare['p99']:.1f}x bare, p50 {ours['p50'] / bare['p50']:.1f}x bare",
    ]


# --- Web Push ------------------------------------------------------------------------------------


def push_part(env: dict, n: int, start_worker, wait_until, stop) -> dict:
    """N subscriptions at a local receiver; one notification to all; a crisis worker sends them."""
    from django.db import transaction

    from portal.models import User
    from portal.notifications import inbox, push
    from tests.notifications.push_receiver import Browser, Receiver

    receiver = Receiver()
    try:
        browsers = {}
        users = User.objects.bulk_create(User(email=f"bench-push-{i}@example.org") for i in range(n))
        for user in users:
            browser = Browser(f"{receiver.origin}/push/{user.pk}")
            keys = browser.subscription["keys"]
            push.subscribe(
                user=user, endpoint=browser.subscription["endpoint"], p256dh=keys["p256dh"], auth=keys["auth"]
            )
            browsers[user.pk] = browser
        with tempfile.TemporaryDirectory(prefix="bench-push-") as logs:
            log = Path(logs) / "crisis.log"
            worker = start_worker("crisis", "crisis", env, log)
            try:
                wait_until(lambda: " ready." in log.read_text(), worker, "worker", log=log)
                committed = []
                with transaction.atomic():
                    transaction.on_commit(lambda: committed.append(time.perf_counter()))
                    inbox.notify(
                        recipients=users,
                        kind="bench",
                        key="bench.push",
                        message="Incident #%(number)s was declared.",
                        params={"number": 1},
                        url="/incidents/1/",
                    )
                deadline = time.monotonic() + 300
                while len(receiver.requests) < n and time.monotonic() < deadline:
                    time.sleep(0.05)
                finished = time.perf_counter()
            finally:
                stop(worker)
        received = len(receiver.requests)
        sample = receiver.requests[0] if receiver.requests else None
        decrypted = None
        if sample is not None:
            user_id = int(sample["path"].rsplit("/", 1)[1])
            decrypted = browsers[user_id].decrypt(sample["body"])["body"]
        seconds = finished - committed[0]
        return {
            "subscriptions": n,
            "received": received,
            "seconds": seconds,
            "rate": received / seconds,
            "sample": decrypted,
        }
    finally:
        receiver.close()


def describe_push(result: dict) -> list[str]:
    return [
        f"web push: {result['received']}/{result['subscriptions']} pushes at the local receiver "
        f"{result['seconds']:.2f} s after commit = {result['rate']:.0f} pushes/s (one crisis worker, "
        f"--concurrency=2); a sample decrypts to {result['sample']!r}",
    ]


def production_env(env: dict) -> dict:
    import secrets

    return {
        **env,
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        # The push part's receiver is on 127.0.0.1, over http: a bench-only exemption.
        "WEB_PUSH_ALLOW_HOSTS": "127.0.0.1",
        "VAPID_SUBJECT": "mailto:bench@portal.example",
    }
