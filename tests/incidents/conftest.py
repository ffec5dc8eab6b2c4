import pytest

from incidents import services
from incidents.models import Tier, Tlp
from portal.models import Role
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp


@pytest.fixture
def secretariat(db):
    user = UserFactory(is_secretariat=True, full_name="Sam Secretariat")
    make_totp(user)
    return user


@pytest.fixture
def provider_a(db):
    return OrganizationFactory(name="Provider A")


@pytest.fixture
def provider_b(db):
    return OrganizationFactory(name="Provider B")


def responder_of(organization, *, two_factor=True, role=Role.RESPONDER):
    user = UserFactory()
    MembershipFactory(user=user, organization=organization, role=role)
    if two_factor:
        make_totp(user)
    return user


@pytest.fixture
def responder_a(provider_a):
    return responder_of(provider_a)


@pytest.fixture
def responder_b(provider_b):
    return responder_of(provider_b)


@pytest.fixture
def incident_with_two_orgs(secretariat, provider_a, provider_b):
    return services.declare_incident(
        actor=secretariat,
        title="Livestreamed attack",
        summary="Video spreading",
        tier=Tier.FULL_PROTOCOL,
        tlp=Tlp.AMBER,
        livestreamed=True,
        organizations=[provider_a, provider_b],
    )
