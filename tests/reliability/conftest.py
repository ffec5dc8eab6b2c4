"""Drills run against the real stack only: PostgreSQL and Redis, set through DATABASE_URL and REDIS_URL."""

import os

import pytest
from django.conf import settings

from incidents import services as incidents
from incidents.models import Tier, Tlp
from portal.models import Role
from portal.services import create_api_token
from tests.portal.factories import MembershipFactory, OrganizationFactory, SecretariatFactory, UserFactory, make_totp


@pytest.fixture(autouse=True)
def _real_stack():
    # A drill on the embedded default would prove nothing; failing says so louder than a skip.
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
    if missing or not settings.USING_POSTGRES:
        pytest.fail(
            f"The reliability drills need the real stack: set {' and '.join(missing) or 'DATABASE_URL'} "
            "(PostgreSQL and Redis), or deselect them with -m 'not reliability'."
        )


def _responder(organization):
    user = UserFactory()
    MembershipFactory(user=user, organization=organization, role=Role.RESPONDER)
    make_totp(user)
    return user


@pytest.fixture
def room(transactional_db):
    """An open incident with three responders from two organisations, each with an API token."""
    secretariat = SecretariatFactory()
    provider_a, provider_b = OrganizationFactory(name="Provider A"), OrganizationFactory(name="Provider B")
    users = [_responder(provider_a), _responder(provider_b), _responder(provider_a)]
    incident = incidents.declare_incident(
        actor=secretariat,
        title="Livestreamed attack",
        summary="Video spreading",
        tier=Tier.FULL_PROTOCOL,
        tlp=Tlp.AMBER,
        livestreamed=True,
        organizations=[provider_a, provider_b],
    )
    keys = [create_api_token(user=user, name="drill")[1] for user in users]
    return incident, keys
