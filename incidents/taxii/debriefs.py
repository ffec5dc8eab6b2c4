"""The TAXII collection "Published debriefs (TLP:CLEAR)": the indicators the secretariat published
with the debriefs now public (services/debriefs.py), for anyone with a token, read-only. Its
objects are the TLP:CLEAR marking, the portal's identity and one `indicator` per published
indicator, each marked TLP:CLEAR; paged and filtered as the incidents' collections are
(pages.py), the indicators in SQL. A withdrawn debrief's indicators leave the collection."""

from datetime import datetime

from django.utils.translation import gettext as _

from ..exchange import stix
from ..models import Tlp
from ..selectors.exchange import indicators_after, published_debrief_indicators
from . import pages

MARKING_ADDED = pages.TLP_MARKING_VERSION


def is_debrief_collection(collection_id: str) -> bool:
    return collection_id == stix.debrief_collection_id()


def collection_resource() -> dict:
    return {
        "id": stix.debrief_collection_id(),
        "title": _("Published debriefs (TLP:CLEAR)"),
        "description": _(
            "The indicators the secretariat published with the public debriefs of past incidents, as STIX 2.1."
        ),
        "can_read": True,
        "can_write": False,
        "media_types": [stix.STIX_MEDIA_TYPE],
    }


def _small_entries() -> list[pages.Entry]:
    publisher_at = datetime.fromisoformat(stix.DEBRIEF_PUBLISHER_CREATED)
    return [
        pages.Entry(
            id=stix.TLP_MARKING_IDS[Tlp.CLEAR],
            type="marking-definition",
            added=MARKING_ADDED,
            version=pages.TLP_MARKING_VERSION,
            rank=pages.RANK_MARKING,
            number=0,
            build=lambda: stix.tlp_marking(Tlp.CLEAR),
        ),
        pages.Entry(
            id=stix.debrief_publisher_id(),
            type="identity",
            added=publisher_at,
            version=publisher_at,
            rank=pages.RANK_PUBLISHER,
            number=0,
            build=stix.debrief_publisher,
        ),
    ]


def _indicator_entries(query: pages.Query) -> list[pages.Entry]:
    """At most limit + 1 indicators, the filters applied in SQL."""
    if query.types is not None and "indicator" not in query.types:
        return []
    rows = published_debrief_indicators()
    if query.added_after is not None:
        rows = rows.filter(added__gt=query.added_after)
    if query.versions is not None:
        rows = rows.filter(added__in=query.versions)
    if query.ids is not None:  # uuid5 cannot be reversed: compute the collection's ids once
        pks = rows.values_list("pk", flat=True)
        rows = rows.filter(pk__in=[pk for pk in pks if stix.published_indicator_id(pk) in query.ids])
    if query.after is not None:
        added, rank, number = query.after
        rows = indicators_after(rows, added=added, rank=rank, own_rank=pages.RANK_INDICATOR, pk=number)
    return [
        pages.Entry(
            id=stix.published_indicator_id(row.pk),
            type="indicator",
            added=row.added,
            version=row.added,
            rank=pages.RANK_INDICATOR,
            number=row.pk,
            build=lambda row=row: stix.published_indicator(row),
        )
        for row in rows[: query.limit + 1]
    ]


def page_of(query: pages.Query) -> pages.Page:
    if query.spec_versions is not None and "2.1" not in query.spec_versions:
        return pages.Page(entries=[], more=False)
    entries = [entry for entry in _small_entries() if pages.matches(entry, query)]
    entries = sorted(entries + _indicator_entries(query), key=lambda entry: entry.key)
    return pages.Page(entries=entries[: query.limit], more=len(entries) > query.limit)
