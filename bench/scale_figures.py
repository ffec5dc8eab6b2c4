"""What bench/ws_scale.py prints for one run: the figures it keeps, and how it reads them."""

import collections
import os
from dataclasses import dataclass

from bench import clients as bench_clients

TIMELINE_SECONDS = 5


@dataclass
class Figures:
    result: bench_clients.Result
    wall: float  # the send phase: first send to the last delivery (or the stall)
    cpu: list  # each server process's CPU seconds over it
    idle: list  # ... of which it would have spent with the room silent
    here: float  # this process's CPU seconds (the N clients and the sender's socket)
    writer: float  # the sender's app process
    throttling: list  # each quota group's cpu.stat over it (quota mode)
    finished: list  # seconds from the first send to each process's last delivery
    timeline: list  # deliveries in each TIMELINE_SECONDS since the first send, per process
    other: collections.Counter  # the frames of other kinds the clients had meanwhile, by their start


def arrivals(clients, starts, count: int, first_sent: float) -> dict:
    """When each process's clients (client i is on process i % count) had their messages: the
    slower process sets the room's rate; a faster one shows as a share below its quota."""
    last, timeline, other = [first_sent] * count, [[] for _ in range(count)], collections.Counter()
    for i, (client, start) in enumerate(zip(clients, starts, strict=True)):
        for arrived, text in client.frames[start:]:
            if bench_clients.MARK not in text:  # presence and the like: work for the server too
                other[text[:20]] += 1
            else:
                last[i % count] = max(last[i % count], arrived)
                slot = int((arrived - first_sent) / TIMELINE_SECONDS)
                timeline[i % count].extend([0] * (slot + 1 - len(timeline[i % count])))
                timeline[i % count][slot] += 1
    return {"finished": [t - first_sent for t in last], "timeline": timeline, "other": other}


def report(count: int, f: Figures) -> str:
    r = f.result
    shares = ", ".join(f"{cpu / f.wall:.0%}" for cpu in f.cpu)
    throttled = "".join(f"; throttled {t.throttled}/{t.periods} periods, {t.seconds:.1f} s" for t in f.throttling)
    return (
        f"x{count}: delivered {r.deliveries}/{r.expected} = {r.rate:7.0f}/s  "
        f"p50 {r.percentile(50) * 1000:6.1f} ms  p99 {r.percentile(99) * 1000:7.1f} ms  "
        f"order {'ok' if r.order_ok else 'BROKEN'}  errors {r.errors}  "
        f"over {f.wall:.1f} s: server CPU share {shares} (idle {', '.join(f'{i / f.wall:.0%}' for i in f.idle)})"
        f"{throttled}; last delivery at {', '.join(f'{t:.1f}' for t in f.finished)} s;"
        f" clients {f.here / f.wall:.0%}, sender's process {f.writer / f.wall:.0%}; "
        f"capacity {capacity(f):,.0f} deliveries/s; load {os.getloadavg()[0]:.2f}"
    )


def window_rate(f: Figures, seconds: int) -> float:
    """Deliveries/s over the first `seconds` from the first send, all processes: a backlog that
    grows for the whole of a longer run slows its process down, which the whole run's rate mixes in."""
    slots = seconds // TIMELINE_SECONDS
    return sum(sum(timeline[:slots]) for timeline in f.timeline) / (slots * TIMELINE_SECONDS)


def capacity(f: Figures) -> float:
    """All the deliveries per CPU-second of the busiest process (less its idle cost): what the room
    carries when each process has a whole core, the load being split evenly."""
    busiest = max(max(0.0, cpu - idle) for cpu, idle in zip(f.cpu, f.idle, strict=True))
    return f.result.deliveries / busiest if busiest else float("nan")
