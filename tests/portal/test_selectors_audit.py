"""Who reads which audit events: every branch of list_audit_events_for asks who is asking."""

import pytest
from django.contrib.auth.models import AnonymousUser

from portal import selectors, services
from portal.models import Role

from .factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    """One organisation's event, another organisation's event and an incident event (no organisation)."""
    own, other = OrganizationFactory(), OrganizationFactory()
    services.record_audit(actor=None, action="organization.updated", organization=own, target="own")
    services.record_audit(actor=None, action="organization.updated", organization=other, target="other")
    services.record_audit(actor=None, action="incident.declared", target="#1 RED incident", incident=1)
    # Incident services record no organisation; were one to, the organisation's log still leaves it out.
    services.record_audit(actor=None, action="incident.declared", organization=own, target="#2 RED incident")
    return own


def _targets(user, **kwargs):
    return sorted(selectors.list_audit_events_for(user, **kwargs).values_list("target", flat=True))


def _member(organization, role):
    return MembershipFactory(organization=organization, role=role).user


def test_the_secretariat_reads_the_whole_log(log):
    assert _targets(UserFactory(is_secretariat=True)) == ["#1 RED incident", "#2 RED incident", "other", "own"]


def test_the_secretariat_reads_one_organisations_events(log):
    assert _targets(UserFactory(is_secretariat=True), organization=log) == ["own"]


def test_an_admin_reads_their_organisations_events_without_incident_events(log):
    assert _targets(_member(log, Role.ADMIN), organization=log) == ["own"]


def test_an_admin_reads_nothing_of_the_whole_log(log):
    assert _targets(_member(log, Role.ADMIN)) == []


def test_an_admin_reads_nothing_of_another_organisation(log):
    assert _targets(_member(OrganizationFactory(), Role.ADMIN), organization=log) == []


def test_a_plain_member_reads_nothing(log):
    member = _member(log, Role.MEMBER)
    assert _targets(member, organization=log) == []
    assert _targets(member) == []


@pytest.mark.parametrize(
    "user", [lambda: AnonymousUser(), lambda: None, lambda: UserFactory()], ids=["anonymous", "none", "outsider"]
)
def test_anyone_else_reads_nothing(log, user):
    assert _targets(user(), organization=log) == []
    assert _targets(user()) == []
