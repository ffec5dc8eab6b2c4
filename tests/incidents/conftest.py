import pytest

from incidents import services
from incidents.models import Tier, Tlp
from tests.incidents.factories import responder_of
from tests.portal.factories import OrganizationFactory


@pytest.fixture
def provider_a(db):
    return OrganizationFactory(name="Provider A")


@pytest.fixture
def provider_b(db):
    return OrganizationFactory(name="Provider B")


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


@pytest.fixture
async def rooms():
    """Opens room connections (tests/helpers/rooms.py) and ends every one at teardown, even when
    the test failed halfway; then checks that those that ended cleanly left their groups."""
    from tests.helpers.rooms import Rooms

    opened = Rooms()
    yield opened
    await opened.close_all()
    await opened.assert_left()
