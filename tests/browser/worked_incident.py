"""An incident worked through every kind of system line (status, tier, TLP, invitation, message,
indicator, action), for the journeys that read its room, timeline and report in one language."""

import uuid
from dataclasses import dataclass

from incidents import services
from incidents.models import IndicatorKind, Status, Tier, Tlp
from portal.models import Role
from tests.portal.factories import MembershipFactory, OrganizationFactory, SecretariatFactory, make_totp

# Everyone and everything the story names: the language checks leave these out.
NAMES = ("Kiwi Video", "Harbour Social", "Sam Desk", "Rua Tane")
INDICATOR = "https://bad.example/v"


@dataclass(frozen=True)
class WorkedIncident:
    pk: int
    email: str  # the responder's, who reads it
    totp_secret: str


def build(*, title: str, message: str, action: str) -> WorkedIncident:
    """`title`, `message` and `action` are what people wrote, in the reader's language."""
    kiwi = OrganizationFactory(name="Kiwi Video")
    harbour = OrganizationFactory(name="Harbour Social")
    responder = MembershipFactory(organization=kiwi, role=Role.RESPONDER, user__full_name="Rua Tane").user
    secretariat = SecretariatFactory(full_name="Sam Desk")
    incident = services.declare_incident(
        actor=secretariat, title=title, tier=Tier.COORDINATED, tlp=Tlp.AMBER, organizations=[kiwi]
    )
    services.change_status(actor=secretariat, incident=incident, status=Status.ACTIVE)
    services.change_tier(actor=secretariat, incident=incident, tier=Tier.FULL_PROTOCOL)
    services.change_tlp(actor=secretariat, incident=incident, tlp=Tlp.GREEN)
    services.invite_organization(actor=secretariat, incident=incident, organization=harbour)
    services.post_message(incident=incident, actor=responder, client_id=str(uuid.uuid4()), body=message)
    services.add_indicator(actor=responder, incident=incident, kind=IndicatorKind.URL, value=INDICATOR)
    done = services.create_action(actor=secretariat, incident=incident, title=action, organization=kiwi)
    services.complete_action(actor=responder, action=done)
    return WorkedIncident(incident.pk, responder.email, make_totp(responder))
