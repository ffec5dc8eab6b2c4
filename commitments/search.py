"""The commitments app's kinds in the portal's search (portal.search.registry), each read through
the selector its pages use, so search shows no more than they do: the catalogue (public),
progress updates (selectors.visible_updates: drafts and restricted ones only for their
organisation and the secretariat) and transparency reports (drafts only for their organisation)."""

from django.db.models import CharField
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.search.backend import matching, snippet_html
from portal.search.registry import SearchHit, register_search_kind
from portal.search.sqlite_fts import FtsIndex, fields_text, register_fts_index

from . import selectors
from .models import ProgressUpdate

# SQLite's indexes (portal.search.sqlite_fts): every wording of a revision, each language's
# title and description, matched against a commitment's current revision; updates' own text.
WORDINGS_FTS = register_fts_index(
    FtsIndex(
        "commitments_commitmentrevision",
        " || ' ' || ".join(
            f"coalesce(json_extract({{row}}.translations, '$.{language}.{part}'), '')"
            for language in ("en", "fr", "ar")
            for part in ("title", "description")
        ),
    )
)
UPDATES_FTS = register_fts_index(FtsIndex("commitments_progressupdate", fields_text("narrative", "justification")))


def _wording_fields(language: str) -> dict:
    """The commitment's current wording in English and in the reader's language (the page's fallback)."""
    fields = {}
    for lang in dict.fromkeys(["en", language]):
        for part in ("title", "description"):
            fields[f"search_{part}_{lang}"] = KeyTextTransform(
                part, KeyTransform(lang, "current_revision__translations")
            )
    return fields


def commitment_hits(user, terms, offset: int, limit: int) -> list[SearchHit]:
    language = (get_language() or "en").split("-")[0]
    fields = _wording_fields(language)
    catalogue = selectors.list_commitments(include_retired=True).alias(**fields)
    found = matching(catalogue, fields=list(fields), terms=terms, fts=WORDINGS_FTS, fts_field="current_revision")
    return [
        SearchHit(
            title=f"{commitment.code} {commitment.title}",
            url=reverse("commitments:commitment", args=[commitment.pk]),
            snippet=snippet_html(commitment.search_snippet, terms),
            context=commitment.get_group_display(),
        )
        for commitment in found[offset : offset + limit]
    ]


def progress_hits(user, terms, offset: int, limit: int) -> list[SearchHit]:
    updates = ProgressUpdate.objects.filter(selectors.visible_updates(user)).select_related(
        "implementation__organization", "implementation__commitment"
    )
    found = matching(updates, fields=["narrative", "justification"], terms=terms, fts=UPDATES_FTS)
    hits = []
    for update in found[offset : offset + limit]:
        organization = update.implementation.organization
        hits.append(
            SearchHit(
                title=f"{organization.name}: {update.implementation.commitment.code}",
                url=reverse("commitments:scorecard", args=[organization.slug]),
                snippet=snippet_html(update.search_snippet, terms),
                context=f"{update.get_status_display()} · {update.as_of.isoformat()}",
            )
        )
    return hits


def report_hits(user, terms, offset: int, limit: int) -> list[SearchHit]:
    # A report is numbers: it is found by its organisation's name and its year.
    reports = selectors.list_transparency_reports_for(user).alias(search_year=Cast("year", CharField()))
    found = matching(reports, fields=["organization__name", "search_year"], terms=terms)
    return [
        SearchHit(
            title=str(report),
            url=reverse("commitments:transparency", args=[report.organization.slug]),
            snippet=snippet_html(report.search_snippet, terms),
            context=report.get_state_display(),
        )
        for report in found[offset : offset + limit]
    ]


def register_search() -> None:
    register_search_kind("commitments.commitments", _("Commitments"), commitment_hits, order=20)
    register_search_kind("commitments.progress", _("Progress updates"), progress_hits, order=30)
    register_search_kind("commitments.reports", _("Transparency reports"), report_hits, order=40)
