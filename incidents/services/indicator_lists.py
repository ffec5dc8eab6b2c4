"""Sharing a whole list of indicators at once (incidents/indicator_lines.py reads it).

One transaction: the new rows in one statement per batch (INSERT … ON CONFLICT DO NOTHING
RETURNING, so the unique constraint, not a read before the write, decides what is new even
against a concurrent add), one room item saying how many were added (not one per indicator:
a 100,000-line list must not flood the room) and one audit event. Invalid lines change
nothing; valid ones are kept. Callers authorise entry to the room; this re-checks who may
write in it, as add_indicator does."""

from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions
from ..indicator_lines import ADDED, INVALID, PRESENT, LineResult, ParsedLine, check_size, parse_list
from ..indicators import defang, pdq_words
from ..models import Incident, Indicator, IndicatorKind, ItemKind
from ..selectors import acting_organization
from .audit import record_incident_audit
from .room import append_item

_COLUMNS = (
    "incident_id",
    "kind",
    "value",
    "added_by_id",
    "organization_id",
    "created_at",
    "pdq_0",
    "pdq_1",
    "pdq_2",
    "pdq_3",
)
_NO_WORDS = (None, None, None, None)
# SQLite takes at most 32,766 parameters a statement; PostgreSQL gets arrays instead.
_SQLITE_BATCH = 3000


@dataclass
class ListOutcome:
    lines: list[LineResult]
    added: int
    present: int
    invalid: int


def import_indicator_list(*, actor, incident: Incident, text: str, kind: str = "") -> ListOutcome:
    """Every line's result, in line order. Raises ValidationError, storing nothing, for a list
    over the limits (indicator_lines.check_size), an unknown list kind or a closed incident."""
    permissions.check_room_posting(actor, incident)
    check_size(text)
    parsed = parse_list(text, kind=kind)
    if not incident.is_open:
        raise ValidationError(_("This incident is closed; its room no longer takes new items."))
    first_line: dict[tuple[str, str], int] = {}
    unique: list[ParsedLine] = []
    results = list(parsed.invalid)
    for row in parsed.valid:
        key = (row.kind, row.value)
        if key in first_line:
            results.append(
                LineResult(
                    row.line,
                    PRESENT,
                    row.kind,
                    defang(row.kind, row.value),
                    reason=_("Repeats line %(n)d.") % {"n": first_line[key]},
                )
            )
            continue
        first_line[key] = row.line
        unique.append(row)
    organization = acting_organization(actor, incident)
    already = _("Already shared in this incident.")
    with transaction.atomic():
        new = _insert_new(incident=incident, rows=unique, actor=actor, organization=organization)
        for row in unique:
            added = (row.kind, row.value) in new
            reason = "" if added else already
            results.append(
                LineResult(row.line, ADDED if added else PRESENT, row.kind, defang(row.kind, row.value), reason=reason)
            )
        counts = Counter(r.result for r in results)
        if new:
            by_kind = dict(Counter(kind for kind, _value in new))
            append_item(
                incident_id=incident.pk,
                kind=ItemKind.INDICATOR,
                author=actor,
                organization=organization,
                event="indicators.imported",
                params={"n": len(new)},
                data={"list": True, "added": len(new), "kinds": by_kind},
            )
        record_incident_audit(
            actor=actor,
            action="indicator_list_imported",
            incident=incident,
            added=counts[ADDED],
            present=counts[PRESENT],
            invalid=counts[INVALID],
        )
    results.sort(key=lambda r: r.line)
    return ListOutcome(lines=results, added=counts[ADDED], present=counts[PRESENT], invalid=counts[INVALID])


def _insert_new(*, incident: Incident, rows: list[ParsedLine], actor, organization) -> set[tuple[str, str]]:
    """Stores the rows not already in the incident; returns the (kind, value) of those it stored."""
    if not rows:
        return set()
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    fixed = (incident.pk, actor.pk if actor and actor.is_authenticated else None, organization and organization.pk)
    table = connection.ops.quote_name(Indicator._meta.db_table)
    columns = ", ".join(_COLUMNS)
    # One column of words each (null but for PDQ rows), built in one pass over the rows.
    words = [pdq_words(row.value) if row.kind == IndicatorKind.PDQ else _NO_WORDS for row in rows]
    word_columns = [list(column) for column in zip(*words, strict=True)]
    new: set[tuple[str, str]] = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608
                "SELECT %s, k, v, %s, %s, %s, p0, p1, p2, p3 FROM unnest("
                "%s::varchar[], %s::varchar[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]"
                ") AS u(k, v, p0, p1, p2, p3) "
                "ON CONFLICT (incident_id, kind, value) DO NOTHING RETURNING kind, value",
                [
                    fixed[0],
                    fixed[1],
                    fixed[2],
                    created_at,
                    [row.kind for row in rows],
                    [row.value for row in rows],
                    *word_columns,
                ],
            )
            new.update(cursor.fetchall())
            # The foreign keys are checked at commit (deferred): check them now, so the room's
            # row lock, taken next for the summary item, is not held while 100,000 rows are.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            return new
        for start in range(0, len(rows), _SQLITE_BATCH):
            batch = range(start, min(start + _SQLITE_BATCH, len(rows)))
            params = []
            for i in batch:
                params += [fixed[0], rows[i].kind, rows[i].value, fixed[1], fixed[2], created_at, *words[i]]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {placeholders} "  # noqa: S608
                "ON CONFLICT (incident_id, kind, value) DO NOTHING RETURNING kind, value",
                params,
            )
            new.update(cursor.fetchall())
    return new
