"""The portal's own Prometheus metrics, and the one-line calls that move them.

Every call site is one line and costs a few microseconds: nothing here is per connection
on the room's hot path (a delivery is observed once per item per process, not per
receiver). Label values are bounded: a room's id while the room has connections in this
process (its series is cleared when the last one leaves), a queue, a tier, an outcome.

Under several processes (Uvicorn's workers, Celery's pool) prometheus_client writes each
process's values to files in PROMETHEUS_MULTIPROC_DIR and the scrape adds them up
(exposition.py; docs/operations.md, "Monitoring"). The gauges say how: `livesum` adds the
live processes' values, `liveall` keeps one series per process (a `pid` label)."""

import contextlib
import time

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

disable_created_metrics()  # the *_created series double the page for nothing an alert uses

# Commit to send: most deliveries take milliseconds; a saturated process takes seconds.
DELIVERY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# An alert is acknowledged in minutes; the tiers' windows are 15 to 60 minutes.
ACKNOWLEDGE_BUCKETS = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 86400)

ROOM_CONNECTIONS = Gauge(
    "callportal_room_connections",
    "Websocket connections in each incident room with connections (all processes of this host added up).",
    ["incident"],
    multiprocess_mode="livesum",
)
PROCESS_CONNECTIONS = Gauge(
    "callportal_process_room_connections",
    "Websocket connections to incident rooms, per process (label pid under several processes).",
    multiprocess_mode="liveall",
)
HUB_BACKLOG = Gauge(
    "callportal_room_hub_backlog_items",
    "Room items committed but not yet received by the room's hub, at its last heartbeat (worst process).",
    ["incident"],
    multiprocess_mode="livemax",
)
DELIVERY_LAG = Histogram(
    "callportal_room_delivery_lag_seconds",
    "Time from a room item's commit to its hand-over to the connections of a process.",
    buckets=DELIVERY_BUCKETS,
)
ITEMS_DELIVERED = Counter(
    "callportal_room_items_delivered",
    "Room items handed to the connections of a process (once per item per process).",
)
FRAMES_SENT = Counter(
    "callportal_room_frames_sent",
    "Room items sent to connections: items times the connections each reached.",
)
LAYER_FAILURES = Counter(
    "callportal_channel_layer_failures",
    "Channel-layer operations that failed (Redis away, a full channel), by operation.",
    ["operation"],
)
ACKNOWLEDGE_SECONDS = Histogram(
    "callportal_alert_time_to_acknowledge_seconds",
    "Time from an alert's window start (declared, invited or tier raised) to its acknowledgement.",
    ["tier"],
    buckets=ACKNOWLEDGE_BUCKETS,
)
DIGESTS = Counter(
    "callportal_digests",
    "Digest deliveries finished, by outcome (sent, skipped: nothing new, failed, done: sent before).",
    ["outcome"],
)

# This process's connections per room, and the last seq each room's hub received.
_room_counts: dict[int, int] = {}
_backlog_seen: dict[int, int] = {}


def room_connections(incident_id: int, count: int) -> None:
    """The room now has `count` connections in this process; 0 clears its series."""
    label = str(incident_id)
    before = _room_counts.get(incident_id, 0)
    PROCESS_CONNECTIONS.inc(count - before)
    if count:
        _room_counts[incident_id] = count
        ROOM_CONNECTIONS.labels(label).set(count)
    else:
        _room_counts.pop(incident_id, None)
        _backlog_seen.pop(incident_id, None)
        ROOM_CONNECTIONS.labels(label).set(0)  # under several processes, a zero series is left out
        HUB_BACKLOG.labels(label).set(0)
        _clear(ROOM_CONNECTIONS, label)
        _clear(HUB_BACKLOG, label)


def _clear(gauge: Gauge, label: str) -> None:
    with contextlib.suppress(KeyError):
        gauge.remove(label)


def stamp() -> float:
    """The commit time a broadcast carries (wall clock: it is compared in another process)."""
    return time.time()


def item_relayed(incident_id: int, event: dict, receivers: int) -> None:
    """A room hub handed an item to its `receivers` connections in this process."""
    committed_at = event.get("committed_at")
    if committed_at is not None:
        DELIVERY_LAG.observe(max(0.0, time.time() - committed_at))
    ITEMS_DELIVERED.inc()
    FRAMES_SENT.inc(receivers)
    seq = event.get("seq")
    if isinstance(seq, int) and seq > _backlog_seen.get(incident_id, 0):
        _backlog_seen[incident_id] = seq


def hub_backlog(incident_id: int, *, stored: int) -> None:
    """At a heartbeat: the room's last stored seq against the last one its hub received."""
    received = _backlog_seen.get(incident_id)
    if received is None:  # nothing relayed yet: count from the heartbeat
        _backlog_seen[incident_id] = received = stored
    HUB_BACKLOG.labels(str(incident_id)).set(max(0, stored - received))


def channel_layer_failed(operation: str) -> None:
    """operation: broadcast (a service's group_send), relay (a hub's receive), connection."""
    LAYER_FAILURES.labels(operation).inc()


def alert_acknowledged(*, tier: int, seconds: float) -> None:
    ACKNOWLEDGE_SECONDS.labels(str(tier)).observe(max(0.0, seconds))


def digest_finished(outcome):
    """Counts a digest delivery's outcome and returns it, so the call site stays one line."""
    DIGESTS.labels(str(outcome)).inc()
    return outcome
