"""Builders for the commitments world. Supporters and memberships are background rows
(tests.portal.factories); progress goes through the services, as a reporter and a reviewer
would record and accept it."""

import datetime

from django.utils import timezone

from commitments.models import PROGRESS_BANDS, Implementation
from commitments.services import ensure_implementations, record_progress, review_progress
from portal.models import OrganizationKind, Role, Standing
from tests.portal.factories import MembershipFactory, OrganizationFactory


def supporter(name: str | None = None, kind=OrganizationKind.PROVIDER, **fields):
    """A supporter organisation with its implementations (the catalogue must be loaded)."""
    if name is not None:
        fields["name"] = name
    org = OrganizationFactory(kind=kind, standing=Standing.SUPPORTER, **fields)
    ensure_implementations(organization=org)
    return org


def member_of(org, role=Role.MEMBER, **user_fields):
    """A new user with `role` in `org`; `user_fields` set on the user (email=..., language=...)."""
    return MembershipFactory(organization=org, role=role, **{f"user__{k}": v for k, v in user_fields.items()}).user


def implementation_of(org, code):
    return Implementation.objects.select_related("organization", "commitment").get(
        organization=org, commitment__code=code
    )


def yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


def _number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def record(actor, implementation, **overrides):
    """A progress update recorded by `actor`, awaiting review."""
    fields = {
        "status": "limited",
        "progress": 30,
        "as_of": yesterday(),
        "visibility": "public",
        "narrative": "We did **something**.",
        "evidence_links": ["https://example.org/evidence"],
    }
    fields.update(overrides)
    if "status" not in overrides:  # the status that agrees with the progress asked for
        progress = fields["progress"]
        agrees = [s for s, (low, high) in PROGRESS_BANDS.items() if _number(progress) and low <= progress <= high]
        fields["status"] = agrees[0] if agrees else "limited"
    return record_progress(actor=actor, implementation=implementation, **fields)


def accepted(actor, implementation, reviewer, **overrides):
    """A progress update recorded by `actor` and accepted by `reviewer`."""
    update = record(actor, implementation, **overrides)
    return review_progress(actor=reviewer, update=update, decision="accept")
