import pytest

from incidents import services
from incidents.models import Tier, Tlp
from portal import services as portal_services

SHA256 = "a" * 64
MD5 = "b" * 32
PDQ = "c" * 64


def token_of(user) -> str:
    """A real API token's key, as a TAXII client would hold it."""
    return portal_services.create_api_token(user=user, name="TAXII client")[1]


@pytest.fixture
def shared_incident(secretariat, provider_a, provider_b, responder_a, responder_b):
    """An AMBER incident where two providers shared one indicator of each kind."""
    incident = services.declare_incident(
        actor=secretariat,
        title="Livestreamed attack",
        summary="Video spreading",
        tier=Tier.FULL_PROTOCOL,
        tlp=Tlp.AMBER,
        organizations=[provider_a, provider_b],
    )
    services.add_indicator(actor=responder_a, incident=incident, kind="url", value="https://bad.example/it's?a=1")
    services.add_indicator(actor=responder_a, incident=incident, kind="sha256", value=SHA256)
    services.add_indicator(actor=responder_b, incident=incident, kind="md5", value=MD5)
    services.add_indicator(actor=secretariat, incident=incident, kind="pdq", value=PDQ)
    return incident
