"""PDQ near-matches: for each PDQ hash of a room, the PDQ hashes within
settings.PDQ_MATCH_DISTANCE bits (Hamming distance, of 256) shared in any incident whose
room the viewer may read (permissions.room_incidents_q: the TLP audience), this room
included, each shown as a variant ("matches Streamwave's hash from incident #3, distance 12").

One query whatever the number of hashes, none when the room has no PDQ hash. On PostgreSQL
the database compares: each hash is stored again as four 64-bit words (Indicator.pdq_0..3),
and the distance is the population count of their XOR (`bit_count`, PostgreSQL 14 or newer),
over only the candidates a GIN index of their 16-bit chunks finds (pdq_index.py).
SQLite, the embedded default, has no population count: there the one query fetches the
visible PDQ hashes and Python compares them, which is fine for a demo and for tests, not for
millions of hashes."""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from ..indicators import pdq_words
from ..models import Incident, Indicator, IndicatorKind
from ..permissions import room_incidents_q
from . import pdq_index
from .video_matches import with_video_matches

MAX_PER_INDICATOR = 10
MAX_QUERIED = 1000


@dataclass(frozen=True)
class NearMatch:
    indicator: int
    incident: int
    value: str
    organization: str | None
    distance: int


def with_near_matches(user, indicators: list[Indicator]) -> list[Indicator]:
    """The indicators, each with `near_matches` (closest first, at most MAX_PER_INDICATOR).
    Only the latest MAX_QUERIED PDQ hashes are compared, so one answer costs a bounded scan
    however large the room; the others get None (not compared), not an empty list. The vPDQ
    ones get `video_matches` too (video_matches.py)."""
    pdq = sorted((i for i in indicators if i.kind == IndicatorKind.PDQ), key=lambda i: i.pk, reverse=True)
    compared = pdq[:MAX_QUERIED]
    found = near_matches(user, compared)
    skipped = {i.pk for i in pdq[MAX_QUERIED:]}
    for indicator in indicators:
        indicator.near_matches = None if indicator.pk in skipped else found.get(indicator.pk, [])
    return with_video_matches(user, indicators)


def near_matches(user, indicators: list[Indicator]) -> dict[int, list[NearMatch]]:
    queries = {i.pk: i.value for i in indicators if i.kind == IndicatorKind.PDQ}
    if not queries:
        return {}
    limit = settings.PDQ_MATCH_DISTANCE
    visible = Incident.objects.filter(room_incidents_q(user)).values("pk")
    if connection.vendor == "postgresql":
        rows = _compare_in_postgresql(queries, visible, limit)
    else:
        rows = _compare_in_python(queries, visible, limit)
    found: dict[int, list[NearMatch]] = {}
    for query_id, match in sorted(rows, key=lambda row: (row[0], row[1].distance, row[1].indicator)):
        matches = found.setdefault(query_id, [])
        if len(matches) < MAX_PER_INDICATOR:
            matches.append(match)
    return found


def _compare_in_postgresql(queries: dict[int, str], visible, limit: int) -> list[tuple[int, NearMatch]]:
    visible_sql, visible_params = visible.query.get_compiler(connection=connection).as_sql()
    ids = list(queries)
    words = [pdq_words(queries[pk]) for pk in ids]
    distance = " + ".join(f"bit_count((c.pdq_{i} # q.w{i})::bit(64))" for i in range(4))
    indicator = connection.ops.quote_name(Indicator._meta.db_table)
    organization = connection.ops.quote_name(Indicator._meta.get_field("organization").related_model._meta.db_table)
    bits = pdq_index.bits_per_chunk(limit)
    if bits is None:  # too far for the chunk index: every visible hash is compared
        candidates, lookup_params = "", []
    else:  # only hashes sharing a chunk (but for `bits` bits) with the query, from the GIN index
        candidates = f" AND c.pdq_0 IS NOT NULL AND {pdq_index.chunks_expression('c')} && q.v::integer[]"
        lookup_params = [["{" + ",".join(map(str, pdq_index.lookups(w, bits))) + "}" for w in words]]
    unnest_types = "%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]"
    columns = "id, w0, w1, w2, w3"
    if lookup_params:
        unnest_types, columns = unnest_types + ", %s::text[]", columns + ", v"
    sql = (
        "SELECT m.query_id, m.id, m.incident_id, m.value, o.name, m.distance FROM ("  # noqa: S608
        " SELECT q.id AS query_id, c.id, c.incident_id, c.value, c.organization_id, c.distance"
        f" FROM unnest({unnest_types}) AS q({columns}) CROSS JOIN LATERAL ("
        f"  SELECT c.id, c.incident_id, c.value, c.organization_id, ({distance}) AS distance FROM {indicator} c"
        f"  WHERE c.kind = %s AND c.id <> q.id{candidates} AND c.incident_id IN ({visible_sql})"
        f" ) c) m LEFT JOIN {organization} o ON o.id = m.organization_id WHERE m.distance <= %s"
    )
    params = [
        ids,
        *([w[i] for w in words] for i in range(4)),
        *lookup_params,
        IndicatorKind.PDQ,
        *visible_params,
        limit,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(q, NearMatch(pk, incident, value, name, d)) for q, pk, incident, value, name, d in cursor.fetchall()]


def _compare_in_python(queries: dict[int, str], visible, limit: int) -> list[tuple[int, NearMatch]]:
    candidates = Indicator.objects.filter(kind=IndicatorKind.PDQ, incident__in=visible).values_list(
        "pk", "incident_id", "value", "organization__name"
    )
    numbers = {pk: int(value, 16) for pk, value in queries.items()}
    rows = []
    for pk, incident, value, name in candidates:
        number = int(value, 16)
        for query_id, query in numbers.items():
            d = (number ^ query).bit_count()
            if d <= limit and pk != query_id:
                rows.append((query_id, NearMatch(pk, incident, value, name, d)))
    return rows
