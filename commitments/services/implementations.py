"""Implementations: one per supporter and commitment that applies to its kind."""

from django.db import transaction

from portal.models import Organization, Standing

from ..cache import bump_aggregate_version
from ..models import AUDIENCE_KINDS, Commitment, Implementation


def ensure_implementations(
    *, organization: Organization | int | None = None, commitment: Commitment | None = None
) -> int:
    """Create the missing implementations for current supporters and active commitments
    (narrowed to one organisation and/or one commitment). Idempotent and safe to run
    concurrently: the unique constraint absorbs a race. Returns how many were created."""
    organizations = Organization.objects.filter(standing=Standing.SUPPORTER)
    if organization is not None:
        organizations = organizations.filter(pk=getattr(organization, "pk", organization))
    commitments = Commitment.objects.filter(is_active=True)
    if commitment is not None:
        commitments = commitments.filter(pk=commitment.pk)
    by_kind: dict[str, list[int]] = {}
    for org_id, kind in organizations.values_list("pk", "kind"):
        by_kind.setdefault(kind, []).append(org_id)
    wanted = {
        (org_id, commitment_id)
        for commitment_id, audience in commitments.values_list("pk", "audience")
        for kind in AUDIENCE_KINDS[audience]
        for org_id in by_kind.get(kind, ())
    }
    if not wanted:
        return 0
    existing = set(
        Implementation.objects.filter(
            organization_id__in={o for o, _c in wanted}, commitment_id__in={c for _o, c in wanted}
        ).values_list("organization_id", "commitment_id")
    )
    missing = [Implementation(organization_id=o, commitment_id=c) for o, c in sorted(wanted - existing)]
    with transaction.atomic():
        Implementation.objects.bulk_create(missing, ignore_conflicts=True, batch_size=1000)
        # Now and again after commit: a request in between must not cache the old figures as new.
        bump_aggregate_version()
        transaction.on_commit(bump_aggregate_version)
    return len(missing)
