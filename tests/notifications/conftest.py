import datetime

import pytest
from django.core import mail
from django.utils import timezone

from commitments.models import Commitment, Implementation
from commitments.services import ensure_implementations, load_catalogue, record_progress, review_progress
from portal.models import OrganizationKind, Role, Standing
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://portal.example"


@pytest.fixture
def catalogue(db):
    load_catalogue()
    return {c.code: c for c in Commitment.objects.select_related("current_revision")}


@pytest.fixture
def secretariat(db):
    return UserFactory(is_secretariat=True, email="desk@secretariat.example")


def supporter(name: str, kind=OrganizationKind.PROVIDER):
    org = OrganizationFactory(name=name, kind=kind, standing=Standing.SUPPORTER)
    ensure_implementations(organization=org)
    return org


def member_of(org, role=Role.MEMBER, **user_fields):
    return MembershipFactory(organization=org, role=role, **{f"user__{k}": v for k, v in user_fields.items()}).user


@pytest.fixture
def streamwave(catalogue):
    return supporter("Streamwave")


@pytest.fixture
def kestrel(catalogue):
    return supporter("Kestrel Streams")


@pytest.fixture
def streamwave_member(streamwave):
    return member_of(streamwave, email="ana@streamwave.example")


def implementation_of(org, code):
    return Implementation.objects.select_related("organization", "commitment").get(
        organization=org, commitment__code=code
    )


def report(org, code, *, reviewer=None, visibility="public", progress=30, status="limited", narrative=""):
    """A progress update recorded by one of the organisation's reporters, accepted by
    `reviewer` when one is given (else left awaiting review)."""
    reporter = org.memberships.filter(role=Role.REPORTER).first()
    reporter = reporter.user if reporter else member_of(org, Role.REPORTER)
    update = record_progress(
        actor=reporter,
        implementation=implementation_of(org, code),
        status=status,
        progress=progress,
        as_of=timezone.localdate() - datetime.timedelta(days=1),
        visibility=visibility,
        narrative=narrative,
    )
    if reviewer is not None:
        update = review_progress(actor=reviewer, update=update, decision="accept")
    return update


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def html_of(message) -> str:
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html
