"""Annotations: the public sees those not hidden, on updates the public may see; the
annotating organisation also sees its own hidden ones (and why); the secretariat sees all."""

from django.db.models import Q, QuerySet

from ..models import Annotation
from .progress import publicly_visible_updates, viewer_for


def list_annotations_for(user, *, hidden: bool | None = None) -> QuerySet[Annotation]:
    viewer = viewer_for(user)
    qs = Annotation.objects.select_related(
        "organization",
        "author",
        "moderated_by",
        "update__implementation__organization",
        "update__implementation__commitment__current_revision",
    )
    if not viewer.secretariat:
        visible = Q(is_hidden=False) & publicly_visible_updates("update__")
        if viewer.own_org_ids:
            visible |= Q(organization_id__in=viewer.own_org_ids)
        qs = qs.filter(visible)
    if hidden is not None:
        qs = qs.filter(is_hidden=hidden)
    return qs.order_by("created_at", "id")


def annotations_by_update(user, update_ids) -> dict[int, list[Annotation]]:
    """For a page: the annotations of many updates in one query."""
    grouped: dict[int, list[Annotation]] = {}
    for annotation in list_annotations_for(user).filter(update_id__in=list(update_ids)):
        grouped.setdefault(annotation.update_id, []).append(annotation)
    return grouped
