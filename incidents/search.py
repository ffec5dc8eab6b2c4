"""The incidents app's kinds in the portal's search (portal.search.registry), by the rules of
incidents.permissions: incidents as access_incident shows them (visible_incidents_q: CLEAR for
anyone, the others for their TLP audience), room messages only from the rooms the reader may
enter (entered_rooms: the audience, with the second factor passed), so a TLP:RED room's
messages are found by its named individuals, the commander and the secretariat only."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.search.backend import matching, snippet_html
from portal.search.registry import SearchHit, register_search_kind
from portal.search.sqlite_fts import FtsIndex, fields_text, register_fts_index

from .models import Incident, ItemKind, RoomItem
from .permissions import entered_rooms, visible_incidents_q

# SQLite's indexes (portal.search.sqlite_fts); PostgreSQL searches the columns themselves.
INCIDENTS_FTS = register_fts_index(FtsIndex("incidents_incident", fields_text("title", "summary")))
ROOM_ITEMS_FTS = register_fts_index(FtsIndex("incidents_roomitem", fields_text("body")))


def incident_hits(user, terms, offset: int, limit: int) -> list[SearchHit]:
    incidents = Incident.objects.filter(visible_incidents_q(user))
    found = matching(incidents, fields=["title", "summary"], terms=terms, fts=INCIDENTS_FTS)
    return [
        SearchHit(
            title=f"#{incident.pk} {incident.title}",
            url=reverse("incidents:detail", args=[incident.pk]),
            snippet=snippet_html(incident.search_snippet, terms),
            context=f"{incident.get_tlp_display()} · {incident.get_status_display()}",
        )
        for incident in found[offset : offset + limit]
    ]


def room_item_hits(user, terms, offset: int, limit: int) -> list[SearchHit]:
    # System lines are the portal's own words about changes, not what people wrote.
    items = (
        RoomItem.objects.filter(incident__in=entered_rooms(user).values("pk"))
        .exclude(kind=ItemKind.SYSTEM)
        .select_related("incident", "author")
    )
    # A room is read as a timeline, and ranking a common word's every match in a large room is
    # slow (docs/performance.md, "Search"): newest first.
    found = matching(items, fields=["body"], terms=terms, newest_first=True, fts=ROOM_ITEMS_FTS)
    return [
        SearchHit(
            title=f"#{item.incident_id} {item.incident.title}",
            url=reverse("incidents:detail", args=[item.incident_id]),
            snippet=snippet_html(item.search_snippet, terms),
            context=item.author.display_name if item.author else "",
        )
        for item in found[offset : offset + limit]
    ]


def register_search() -> None:
    register_search_kind("incidents.incidents", _("Incidents"), incident_hits, order=50)
    register_search_kind("incidents.room", _("Room messages"), room_item_hits, order=60)
