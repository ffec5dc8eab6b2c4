"""vPDQ near-matches by frame-match ratio, as Meta's vPDQ matcher reports them: for a video V of
the room and another video C (each a list of distinct frame PDQ hashes, docs/indicators.md),
the query-match percent is the share of V's frames within settings.PDQ_MATCH_DISTANCE bits of
some frame of C, and the compared-match percent the share of C's frames within it of some frame
of V. C is shown when both reach settings.VPDQ_QUERY_MATCH_PERCENT and
VPDQ_COMPARED_MATCH_PERCENT (ThreatExchange's defaults: 80 and 0). Only videos shared in
incidents whose room the viewer may read (permissions.room_incidents_q), this room included.

Off unless settings.VPDQ_MATCHING: there is no index of frames yet, so each answer compares
every frame of the room's videos with every visible frame (bench/video_matches.py measured
0.9 s for one video against 1,000 stored, 14 s against 10,000, on a loaded 2-core machine:
docs/performance.md). Fit for a community sharing a few hundred videos; an index of frame
chunks (multi-index hashing) is what larger ones need. Off, a vPDQ indicator's video_matches
is None (not compared).

One query whatever the number of videos, none when the room has none, and only the room's
latest MAX_QUERIED videos are compared. On PostgreSQL the database compares frames (bit_count
of the XOR of two bit(256)) and counts, per pair of videos, the distinct frames that matched:
only pairs with a matching frame reach the count, and no per-video work is done in Python. On
SQLite Python compares, which is for the demo and the tests."""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from ..models import Incident, Indicator, IndicatorKind
from ..permissions import room_incidents_q

MAX_PER_INDICATOR = 10
MAX_QUERIED = 20


@dataclass(frozen=True)
class VideoMatch:
    indicator: int
    incident: int
    organization: str | None
    query_match_percent: float
    compared_match_percent: float


def with_video_matches(user, indicators: list[Indicator]) -> list[Indicator]:
    """The indicators, each vPDQ one with `video_matches` (best first, at most
    MAX_PER_INDICATOR); those past the latest MAX_QUERIED get None (not compared)."""
    videos = sorted((i for i in indicators if i.kind == IndicatorKind.VPDQ), key=lambda i: i.pk, reverse=True)
    compared = videos[:MAX_QUERIED] if settings.VPDQ_MATCHING else []
    found = video_matches(user, compared)
    skipped = {i.pk for i in videos[len(compared) :]}
    for indicator in indicators:
        indicator.video_matches = None if indicator.pk in skipped else found.get(indicator.pk, [])
    return indicators


def video_matches(user, indicators: list[Indicator]) -> dict[int, list[VideoMatch]]:
    queries = {i.pk: i.value.split(",") for i in indicators if i.kind == IndicatorKind.VPDQ}
    if not queries:
        return {}
    visible = Incident.objects.filter(room_incidents_q(user)).values("pk")
    if connection.vendor == "postgresql":
        rows = _compare_in_postgresql(queries, visible)
    else:
        rows = _compare_in_python(queries, visible)
    found: dict[int, list[VideoMatch]] = {}
    best_first = sorted(
        rows, key=lambda r: (r[0], -r[1].query_match_percent, -r[1].compared_match_percent, r[1].indicator)
    )
    for query_id, match in best_first:
        matches = found.setdefault(query_id, [])
        if len(matches) < MAX_PER_INDICATOR:
            matches.append(match)
    return found


def _percent(matched: int, frames: int) -> float:
    return round(100 * matched / frames, 1)


def _reaches(query_percent: float, compared_percent: float) -> bool:
    return (
        query_percent >= settings.VPDQ_QUERY_MATCH_PERCENT and compared_percent >= settings.VPDQ_COMPARED_MATCH_PERCENT
    )


def _compare_in_postgresql(queries: dict[int, list[str]], visible) -> list[tuple[int, VideoMatch]]:
    visible_sql, visible_params = visible.query.get_compiler(connection=connection).as_sql()
    ids = [pk for pk, frames in queries.items() for _ in frames]
    hashes = [frame for frames in queries.values() for frame in frames]
    indicator = connection.ops.quote_name(Indicator._meta.db_table)
    organization = connection.ops.quote_name(Indicator._meta.get_field("organization").related_model._meta.db_table)
    # q: the room's frames; c: every frame of the visible videos, numbered within its video.
    sql = (
        "WITH q AS (SELECT id, n, ('x' || h)::bit(256) AS b"  # noqa: S608
        " FROM unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS u(id, h, n)),"
        " c AS MATERIALIZED (SELECT v.id, v.incident_id, v.organization_id, f.n,"
        " array_length(string_to_array(v.value, ','), 1) AS frames, ('x' || f.h)::bit(256) AS b"
        f" FROM {indicator} v CROSS JOIN LATERAL unnest(string_to_array(v.value, ',')) WITH ORDINALITY AS f(h, n)"
        f" WHERE v.kind = %s AND v.incident_id IN ({visible_sql}))"
        " SELECT q.id, c.id, c.incident_id, o.name, c.frames,"
        " count(DISTINCT q.n), count(DISTINCT c.n)"
        " FROM q JOIN c ON c.id <> q.id AND bit_count(q.b # c.b) <= %s"
        f" LEFT JOIN {organization} o ON o.id = c.organization_id"
        " GROUP BY q.id, c.id, c.incident_id, o.name, c.frames"
    )
    params = [ids, hashes, IndicatorKind.VPDQ, *visible_params, settings.PDQ_MATCH_DISTANCE]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = []
    for query_id, pk, incident, name, frames, query_matched, compared_matched in rows:
        query_percent = _percent(query_matched, len(queries[query_id]))
        compared_percent = _percent(compared_matched, frames)
        if _reaches(query_percent, compared_percent):
            out.append((query_id, VideoMatch(pk, incident, name, query_percent, compared_percent)))
    return out


def _compare_in_python(queries: dict[int, list[str]], visible) -> list[tuple[int, VideoMatch]]:
    candidates = Indicator.objects.filter(kind=IndicatorKind.VPDQ, incident__in=visible).values_list(
        "pk", "incident_id", "value", "organization__name"
    )
    limit = settings.PDQ_MATCH_DISTANCE
    numbers = {pk: [int(frame, 16) for frame in frames] for pk, frames in queries.items()}
    out = []
    for pk, incident, value, name in candidates:
        frames = [int(frame, 16) for frame in value.split(",")]
        for query_id, query in numbers.items():
            if pk == query_id:
                continue
            close = [[(a ^ b).bit_count() <= limit for b in frames] for a in query]
            query_matched = sum(any(row) for row in close)
            compared_matched = sum(any(column) for column in zip(*close, strict=True))
            if not query_matched:
                continue
            query_percent = _percent(query_matched, len(query))
            compared_percent = _percent(compared_matched, len(frames))
            if _reaches(query_percent, compared_percent):
                out.append((query_id, VideoMatch(pk, incident, name, query_percent, compared_percent)))
    return out
