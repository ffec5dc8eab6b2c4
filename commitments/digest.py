"""The commitments sections of the portal's progress digest.

Everything is read through this app's visibility selectors, as the recipient: a digest
shows only what its recipient may see on the site. Each list is one query (a window
count gives the total beside the first rows), so a digest costs the same number of
queries whatever the size of the community.

Recipients who share an audience (what the visibility rules see of them: secretariat or
not, the levels they may read, their organisations), a choice of sections and a window
get the same sections, so a worker builds them once and reuses them for a short while:
a batch of digests costs one build per audience rather than one per recipient."""

import calendar
import datetime
import threading
from dataclasses import dataclass

from cachetools import TTLCache
from django.conf import settings
from django.db.models import Count, Q, Window
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.models import Membership, Standing
from portal.notifications.models import DigestScope
from portal.notifications.registry import DigestItem, DigestRequest, DigestSection, register_section

from . import conf, selectors
from .models import CommitmentRevision, ProgressStatus, ReviewState

ITEMS_PER_SECTION = 10
# A batch of digests shares one window and is sent within minutes, however loaded the worker.
# Accepted updates never change; a change of standing or a new report shows within this time,
# as on the dashboard (commitments.cache.AGGREGATE_TIMEOUT).
SHARED_SECTIONS_SECONDS = 300
SHARED_SECTIONS_MAX = 256  # audiences kept per process: bounds the memory, a few MiB at most

# Rows by audience and window, and the sections made of them in each language.
_shared_rows: TTLCache = TTLCache(maxsize=SHARED_SECTIONS_MAX, ttl=SHARED_SECTIONS_SECONDS)
_shared_sections: TTLCache = TTLCache(maxsize=SHARED_SECTIONS_MAX, ttl=SHARED_SECTIONS_SECONDS)
_shared_lock = threading.Lock()


def forget_shared_sections() -> None:
    """Drop every shared section (tests start clean; the data behind them changed)."""
    with _shared_lock:
        _shared_rows.clear()
        _shared_sections.clear()
    _revisions.clear()


def _deadline_horizon_days() -> int:
    return int(getattr(settings, "DIGEST_DEADLINE_HORIZON_DAYS", 45))


def _cycle_end(today: datetime.date) -> datetime.date:
    start = conf.cycle_start(today)
    last_month = start.month + conf.cycle_months() - 1
    return datetime.date(start.year, last_month, calendar.monthrange(start.year, last_month)[1])


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _first_rows(queryset) -> tuple[list, int]:
    """The first rows and how many were left out, in one query."""
    rows = list(queryset.annotate(digest_total=Window(expression=Count("pk")))[:ITEMS_PER_SECTION])
    total = rows[0].digest_total if rows else 0
    return rows, max(0, total - len(rows))


@dataclass(frozen=True)
class _Row:
    """What an item shows of an update or an implementation, in no language yet: small, so
    that rows shared between recipients of every language cost little memory."""

    organization: str
    slug: str
    code: str
    revision: CommitmentRevision | None  # the commitment's wording, translated when shown
    progress: int
    status: str = ""
    as_of: datetime.date | None = None
    review_state: str = ReviewState.ACCEPTED


# Revisions are never changed once written: one copy per process, whichever rows name it.
_revisions: dict[int, CommitmentRevision] = {}


def _row(implementation, **fields) -> _Row:
    revision = implementation.commitment.current_revision
    if revision is not None:
        revision = _revisions.setdefault(revision.pk, revision)
    organization = implementation.organization
    return _Row(organization.name, organization.slug, implementation.commitment.code, revision, **fields)


def _update_rows(queryset) -> tuple[list[_Row], int]:
    updates, more = _first_rows(queryset)
    rows = [
        _row(u.implementation, progress=u.progress, status=u.status, as_of=u.as_of, review_state=u.review_state)
        for u in updates
    ]
    return rows, more


def _implementation_rows(queryset) -> tuple[list[_Row], int]:
    implementations, more = _first_rows(queryset)
    return [_row(i, progress=i.current_progress, as_of=i.current_as_of) for i in implementations], more


def _title(row: _Row) -> str:
    return f"{row.organization} — {row.code} {row.revision.title if row.revision else ''}"


def _url(row: _Row) -> str:
    return _site(reverse("commitments:scorecard", args=[row.slug]))


def _update_item(row: _Row, *, with_state: bool) -> DigestItem:
    parts = [
        str(ProgressStatus(row.status).label),
        _("as of %(date)s") % {"date": formats.date_format(row.as_of, "DATE_FORMAT")},
    ]
    if with_state and row.review_state != ReviewState.ACCEPTED:
        parts.append(str(ReviewState(row.review_state).label))
    return DigestItem(title=_title(row), detail=" · ".join(parts), url=_url(row), progress=row.progress)


def _implementation_item(row: _Row, detail: str) -> DigestItem:
    return DigestItem(title=_title(row), detail=detail, url=_url(row), progress=row.progress)


class CommitmentsDigest:
    name = "commitments"

    def topic_choices(self) -> list[tuple[str, str]]:
        return [(c.code, f"{c.code} — {c.title}") for c in selectors.list_commitments()]

    def sections(self, request: DigestRequest) -> list[DigestSection]:
        # One query gives both the viewer's audience and the names of its own organisations.
        memberships = list(
            Membership.objects.filter(user=request.user).values_list(
                "organization_id", "organization__name", "organization__standing"
            )
        )
        viewer = selectors.viewer_for(request.user, memberships=[(org, standing) for org, _n, standing in memberships])
        own = {org: name for org, name, _standing in memberships}
        # Everything the rows depend on besides the data: the same key, the same rows.
        key = (
            viewer.secretariat,
            viewer.levels,
            viewer.own_org_ids,
            frozenset(own.items()),
            request.scope,
            request.topics if request.scope == DigestScope.COMMITMENTS else (),
            request.since,
            request.until,
            _deadline_horizon_days(),
        )
        with _shared_lock:
            sections = _shared_sections.get((key, request.language))
            rows = _shared_rows.get(key) if sections is None else None
        if sections is None:
            if rows is None:
                rows = self._rows(request, own)
            sections = self._present(request, own, rows)
            with _shared_lock:
                _shared_rows[key] = rows
                _shared_sections[(key, request.language)] = sections
        return list(sections)

    def _rows(self, request: DigestRequest, own: dict[int, str]) -> dict:
        """The rows of each section as `request.user` may see them (a query per section)."""
        user, since, until = request.user, request.since, request.until
        today = timezone.localdate(until)
        topics = Q(implementation__commitment__code__in=request.topics)
        # The selector decides visibility; the digest needs only the organisation and commitment of each row.
        updates = (
            selectors.list_progress_updates_for(user)
            .select_related(None)
            .select_related("implementation__organization", "implementation__commitment__current_revision")
            .prefetch_related(None)
        )
        rows = {}

        if own:
            changed = (
                Q(created_at__gt=since, created_at__lte=until)
                | Q(updated_at__gt=since, updated_at__lte=until)
                | Q(reviewed_at__gt=since, reviewed_at__lte=until)
            )
            rows["own"] = _update_rows(updates.filter(changed, implementation__organization_id__in=own))

        if request.scope != DigestScope.ORGANIZATION:
            accepted = updates.filter(
                review_state=ReviewState.ACCEPTED, reviewed_at__gt=since, reviewed_at__lte=until
            ).exclude(implementation__organization_id__in=own)
            if request.scope == DigestScope.COMMITMENTS:
                accepted = accepted.filter(topics)
            rows["community"] = _update_rows(accepted.order_by("-reviewed_at", "-id"))

        overdue = selectors.list_implementations_for(user, overdue=True, today=today).filter(
            organization__standing=Standing.SUPPORTER, commitment__is_active=True
        )
        if request.scope == DigestScope.ORGANIZATION:
            overdue = overdue.filter(organization_id__in=own)
        elif request.scope == DigestScope.COMMITMENTS:
            overdue = overdue.filter(commitment__code__in=request.topics)
        rows["overdue"] = _implementation_rows(overdue)

        deadline = _cycle_end(today)
        if own and (deadline - today).days <= _deadline_horizon_days():
            not_reported = (
                selectors.list_implementations_for(user, overdue=False, today=today)
                .filter(organization_id__in=own, organization__standing=Standing.SUPPORTER)
                .filter(commitment__is_active=True)
                .filter(Q(current_as_of__isnull=True) | Q(current_as_of__lt=conf.cycle_start(today)))
            )
            rows["deadlines"] = _implementation_rows(not_reported)
        return rows

    def _present(self, request: DigestRequest, own: dict[int, str], rows: dict) -> list[DigestSection]:
        """The sections in the active language."""
        sections = []
        if "own" in rows:
            items, more = rows["own"]
            sections.append(
                DigestSection(
                    key="own",
                    title=ngettext("Your organisation", "Your organisations", len(own)),
                    intro=", ".join(sorted(own.values())),
                    items=[_update_item(row, with_state=True) for row in items],
                    more=more,
                    order=10,
                )
            )
        if "community" in rows:
            items, more = rows["community"]
            sections.append(
                DigestSection(
                    key="community",
                    title=_("Commitments you follow")
                    if request.scope == DigestScope.COMMITMENTS
                    else _("Across the community"),
                    intro=_("Progress accepted by the secretariat since your last digest."),
                    items=[_update_item(row, with_state=False) for row in items],
                    more=more,
                    order=20,
                )
            )
        items, more = rows["overdue"]
        sections.append(
            DigestSection(
                key="overdue",
                title=_("Overdue implementations"),
                intro=_("No accepted report for the last reporting cycle."),
                items=[_implementation_item(row, self._last_report(row)) for row in items],
                more=more,
                order=30,
            )
        )
        if "deadlines" in rows:
            items, more = rows["deadlines"]
            date = formats.date_format(_cycle_end(timezone.localdate(request.until)), "DATE_FORMAT")
            sections.append(
                DigestSection(
                    key="deadlines",
                    title=_("Deadlines ahead"),
                    intro=_("Report by %(date)s: no accepted report yet in this cycle.") % {"date": date},
                    items=[_implementation_item(row, _("Due by %(date)s") % {"date": date}) for row in items],
                    more=more,
                    order=40,
                )
            )
        return sections

    @staticmethod
    def _last_report(row: _Row) -> str:
        if row.as_of is None:
            return _("No accepted report yet")
        date = formats.date_format(row.as_of, "DATE_FORMAT")
        return _("Last accepted report: %(date)s") % {"date": date}


def register_digest_sections() -> None:
    register_section(CommitmentsDigest())
