import datetime

import pytest
from django.utils import timezone

from commitments.models import Commitment, Implementation
from commitments.services import ensure_implementations, load_catalogue, record_progress, review_progress
from portal.models import OrganizationKind, Role, Standing
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture
def catalogue(db):
    load_catalogue()
    return {c.code: c for c in Commitment.objects.select_related("current_revision")}


@pytest.fixture
def secretariat(db):
    return UserFactory(is_secretariat=True)


@pytest.fixture
def provider(catalogue):
    org = OrganizationFactory(kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
    ensure_implementations(organization=org)
    return org


@pytest.fixture
def government(catalogue):
    org = OrganizationFactory(kind=OrganizationKind.GOVERNMENT, standing=Standing.SUPPORTER, country="FR")
    ensure_implementations(organization=org)
    return org


def member_of(org, role=Role.MEMBER):
    return MembershipFactory(organization=org, role=role).user


@pytest.fixture
def reporter(provider):
    return member_of(provider, Role.REPORTER)


@pytest.fixture
def provider_member(provider):
    return member_of(provider, Role.MEMBER)


@pytest.fixture
def government_reporter(government):
    return member_of(government, Role.REPORTER)


def implementation_of(org, code):
    return Implementation.objects.select_related("organization", "commitment").get(
        organization=org, commitment__code=code
    )


@pytest.fixture
def osp1(provider):
    return implementation_of(provider, "OSP1")


def yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


def record(actor, implementation, **overrides):
    fields = {
        "status": "limited",
        "progress": 30,
        "as_of": yesterday(),
        "visibility": "public",
        "narrative": "We did **something**.",
        "evidence_links": ["https://example.org/evidence"],
    }
    fields.update(overrides)
    return record_progress(actor=actor, implementation=implementation, **fields)


def accepted(actor, implementation, reviewer, **overrides):
    update = record(actor, implementation, **overrides)
    return review_progress(actor=reviewer, update=update, decision="accept")
