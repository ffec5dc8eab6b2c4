"""The registry's own kind: organisations, as the directory and the API show them
(selectors.list_organizations_for: public standings, one's own, everything for the secretariat)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .. import selectors
from .backend import matching, snippet_html
from .registry import SearchHit, register_search_kind
from .sqlite_fts import FtsIndex, fields_text, register_fts_index

ORGANIZATIONS_FTS = register_fts_index(FtsIndex("portal_organization", fields_text("name", "description")))


def organization_hits(user, terms, offset: int, limit: int) -> list[SearchHit]:
    found = matching(
        selectors.list_organizations_for(user), fields=["name", "description"], terms=terms, fts=ORGANIZATIONS_FTS
    )
    return [
        SearchHit(
            title=organization.name,
            url=reverse("portal:organization_detail", args=[organization.slug]),
            snippet=snippet_html(organization.search_snippet, terms),
            context=organization.get_kind_display(),
        )
        for organization in found[offset : offset + limit]
    ]


def register_search() -> None:
    register_search_kind("portal.organizations", _("Organisations"), organization_hits, order=10)
