"""Every read in the commitments app. One selector per resource decides what a user
may see; pages, the API and exports all go through it.

Visibility of progress updates:
- an organisation's own members and the secretariat see all of its updates;
- everyone else sees accepted updates only: public ones, plus supporters-only ones
  when they belong to a supporter or endorser organisation.
An implementation's status and progress are those of the latest accepted update the
viewer may see, so a secretariat-only update never shows through in a public figure.
"""

import datetime

from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.models import PARTICIPATING_STANDINGS, PUBLIC_STANDINGS, Standing
from portal.permissions import is_secretariat, memberships_of

from .. import conf
from ..cache import cached_aggregate
from ..models import (
    Commitment,
    CommitmentRevision,
    Implementation,
    ProgressAttachment,
    ProgressStatus,
    ProgressUpdate,
    ReviewState,
    Visibility,
    catalogue_order,
)
from .reporting import missed_cycle, not_reporting_exists

# --- Who is looking -------------------------------------------------------------


class Viewer:
    """What one user may see, computed once per request (one query) and cached on the user."""

    def __init__(self, user, memberships: list[tuple[int, str]] | None = None):
        """`memberships`: the user's (organisation id, standing) pairs, when the caller has read them already."""
        self.secretariat = is_secretariat(user)
        self.own_org_ids: frozenset[int] = frozenset()
        self.participant = False
        if user is not None and user.is_authenticated and not self.secretariat:
            rows = memberships
            if rows is None:  # the registry's read, shared with its own permission checks
                rows = [(org_id, standing) for org_id, standing, _roles in memberships_of(user)]
            self.own_org_ids = frozenset(org_id for org_id, _standing in rows)
            self.participant = any(standing in PARTICIPATING_STANDINGS for _org, standing in rows)

    @property
    def levels(self) -> tuple[str, ...]:
        if self.secretariat:
            return tuple(Visibility.values)
        return (Visibility.PUBLIC, Visibility.SUPPORTERS) if self.participant else (Visibility.PUBLIC,)

    @property
    def audience(self) -> str:
        """Everything about the viewer that changes what the progress pages show: a cache key's part."""
        if self.secretariat:
            return "secretariat"
        kind = "supporter" if self.participant else "public"
        return f"{kind}:{','.join(map(str, sorted(self.own_org_ids)))}"

    @property
    def pointer(self) -> str:
        """The Implementation field naming the latest accepted update this viewer may see (for others' orgs)."""
        if self.secretariat:
            return "latest_accepted"
        return "latest_supporters" if self.participant else "latest_public"


def viewer_for(user, *, memberships: list[tuple[int, str]] | None = None) -> Viewer:
    if user is None:
        return Viewer(None)
    cached = user.__dict__.get("_commitments_viewer")
    if cached is None:
        cached = Viewer(user, memberships)
        user.__dict__["_commitments_viewer"] = cached
    return cached


def forget_viewer(user) -> None:
    user.__dict__.pop("_commitments_viewer", None)


# --- Commitments ----------------------------------------------------------------


def list_commitments(*, include_retired: bool = False) -> QuerySet[Commitment]:
    """The catalogue is public."""
    qs = Commitment.objects.select_related("current_revision")
    if not include_retired:
        qs = qs.filter(is_active=True)
    return qs.order_by(*catalogue_order())


def list_revisions(commitment: Commitment) -> QuerySet[CommitmentRevision]:
    """Every wording of a public commitment, newest first: the catalogue's history is public too."""
    return CommitmentRevision.objects.filter(commitment=commitment).order_by("-number")


# --- Implementations --------------------------------------------------------------


def _current(viewer: Viewer, field: str):
    """The viewer's view of a field of the implementation's latest accepted update."""
    own = F(f"latest_accepted__{field}")
    theirs = F(f"{viewer.pointer}__{field}")
    if viewer.secretariat or not viewer.own_org_ids:
        return theirs
    return Case(When(organization_id__in=viewer.own_org_ids, then=own), default=theirs)


def list_implementations_for(
    user,
    *,
    organization_id: int | None = None,
    commitment_id: int | None = None,
    overdue: bool | None = None,
    kind: str | None = None,
    country: str | None = None,
    with_reporting: bool = False,
    today: datetime.date | None = None,
) -> QuerySet[Implementation]:
    """Implementations of organisations the user may see, annotated with `current_update_id`,
    `current_status`, `current_progress`, `current_as_of` and `is_overdue` as this user may see them.
    Status is "not started" and progress 0 until an update is accepted. `with_reporting` adds
    `organization_not_reporting` and `missed_latest_cycle` (see selectors.reporting), computed
    in the same query."""
    viewer = viewer_for(user)
    qs = Implementation.objects.select_related("organization", "commitment__current_revision")
    if not viewer.secretariat:
        qs = qs.filter(Q(organization__standing__in=PUBLIC_STANDINGS) | Q(organization_id__in=viewer.own_org_ids))
    cutoff = conf.reporting_cutoff(today or timezone.localdate())
    cutoff_at = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    qs = qs.annotate(
        current_update_id=_current(viewer, "id"),
        current_status=Coalesce(_current(viewer, "status"), Value(ProgressStatus.NOT_STARTED)),
        current_progress=Coalesce(_current(viewer, "progress"), Value(0)),
        current_as_of=_current(viewer, "as_of"),
    ).annotate(
        is_overdue=Case(
            When(
                Q(created_at__lt=cutoff_at) & (Q(current_as_of__isnull=True) | Q(current_as_of__lt=cutoff)),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    if commitment_id is not None:
        qs = qs.filter(commitment_id=commitment_id)
    if overdue is not None:
        qs = qs.filter(is_overdue=overdue)
    if kind:
        qs = qs.filter(organization__kind=kind)
    if country:
        qs = qs.filter(organization__country=country.upper())
    if with_reporting:
        qs = qs.annotate(
            organization_not_reporting=not_reporting_exists(today=today),
            missed_latest_cycle=Case(
                When(missed_cycle(today=today), then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
        )
    return qs.order_by("organization__name", *catalogue_order("commitment__"), "pk")


def commitment_dashboard(user, *, kind: str = "", country: str = "") -> list[dict]:
    """Per active commitment: counts of current supporters' implementations by status and
    their average progress, as this user may see them. Two queries whatever the data; the
    figures are cached per audience and filter until the next acceptance (commitments.cache)."""
    viewer = viewer_for(user)
    stats = cached_aggregate(
        "dashboard",
        (",".join(viewer.levels), ",".join(map(str, sorted(viewer.own_org_ids))), kind, country.upper()),
        lambda: _dashboard_stats(user, kind=kind, country=country),
    )
    result = []
    for commitment in list_commitments():
        entry = stats.get(commitment.pk, {"counts": {}, "total": 0, "progress_sum": 0})
        total = entry["total"]
        result.append(
            {
                "commitment": commitment,
                "total": total,
                "counts": {status: entry["counts"].get(status, 0) for status in ProgressStatus.values},
                "average_progress": round(entry["progress_sum"] / total) if total else 0,
            }
        )
    return result


def _dashboard_stats(user, *, kind: str, country: str) -> dict[int, dict]:
    rows = (
        list_implementations_for(user, kind=kind or None, country=country or None)
        .filter(organization__standing=Standing.SUPPORTER, commitment__is_active=True)
        .order_by()
        .values("commitment_id", "current_status")
        .annotate(n=Count("id"), progress_sum=Sum("current_progress"))
    )
    stats: dict[int, dict] = {}
    for row in rows:
        entry = stats.setdefault(row["commitment_id"], {"counts": {}, "total": 0, "progress_sum": 0})
        entry["counts"][row["current_status"]] = row["n"]
        entry["total"] += row["n"]
        entry["progress_sum"] += row["progress_sum"] or 0
    return stats


# --- Progress updates ---------------------------------------------------------------


def visible_updates(user, prefix: str = "") -> Q:
    """The progress updates this user may see, as a filter; `prefix` ("update__") applies it
    to a model that points at an update, so attachments and annotations follow the same rule."""
    viewer = viewer_for(user)
    if viewer.secretariat:
        return Q()
    visible = Q(
        **{
            f"{prefix}review_state": ReviewState.ACCEPTED,
            f"{prefix}visibility__in": viewer.levels,
            f"{prefix}implementation__organization__standing__in": PUBLIC_STANDINGS,
        }
    )
    if viewer.own_org_ids:
        visible |= Q(**{f"{prefix}implementation__organization_id__in": viewer.own_org_ids})
    return visible


def publicly_visible_updates(prefix: str = "") -> Q:
    """What an anonymous visitor may see: the only updates civil society annotates."""
    return Q(
        **{
            f"{prefix}review_state": ReviewState.ACCEPTED,
            f"{prefix}visibility": Visibility.PUBLIC,
            f"{prefix}implementation__organization__standing__in": PUBLIC_STANDINGS,
        }
    )


def list_progress_updates_for(user, *, review_state: str | None = None) -> QuerySet[ProgressUpdate]:
    qs = (
        ProgressUpdate.objects.filter(visible_updates(user))
        .select_related(
            "implementation__organization",
            "implementation__commitment__current_revision",
            "commitment_revision",
            "author",
            "reviewed_by",
        )
        .prefetch_related("attachments")
    )
    if review_state:
        qs = qs.filter(review_state=review_state)
    return qs.order_by("-as_of", "-id")


def list_timeline_for(user, *, organization_id: int) -> QuerySet[ProgressUpdate]:
    """One organisation's updates as this user may see them, for its scorecard's timelines:
    the same rule as list_progress_updates_for, without the joins a timeline does not show
    (decoding every row's commitment wording was most of the page's cost)."""
    return (
        ProgressUpdate.objects.filter(visible_updates(user), implementation__organization_id=organization_id)
        .defer("narrative", "justification")
        .prefetch_related("attachments")
        .order_by("-as_of", "-id")
    )


def list_updates_awaiting_review(user) -> QuerySet[ProgressUpdate]:
    """The secretariat's review queue (empty for anyone else)."""
    if not is_secretariat(user):
        return ProgressUpdate.objects.none()
    return list_progress_updates_for(user, review_state=ReviewState.SUBMITTED).order_by("created_at", "id")


def list_overdue_for(user, *, organization_id: int | None = None) -> QuerySet[Implementation]:
    """Current supporters' implementations of active commitments with no accepted update
    in the current cycle (after the grace period), as this user may see them, each with
    `organization_not_reporting`."""
    return list_implementations_for(user, organization_id=organization_id, overdue=True, with_reporting=True).filter(
        organization__standing=Standing.SUPPORTER, commitment__is_active=True
    )


def list_attachments_for(user) -> QuerySet[ProgressAttachment]:
    return ProgressAttachment.objects.filter(visible_updates(user, "update__")).select_related(
        "update__implementation__organization"
    )
