"""The incidents app's demo seed, which `manage.py seed_demo` runs after the registry's
(portal.demo): one open tier-3 exercise at TLP:AMBER, inviting the demo providers that have
responders. Idempotent: nothing is added while an incident is open.

Everything here is demo data: nothing is marked for translation."""

from portal.models import PARTICIPATING_STANDINGS, Membership, Organization, Role, User
from portal.roles import holding

from . import services
from .models import Incident, Status, Tier, Tlp


def seed_demo(*, stdout):
    """One open tier-3 incident at TLP:AMBER, inviting the demo providers that have responders."""
    if Incident.objects.exclude(status=Status.CLOSED).exists():
        return
    secretariat = User.objects.filter(is_secretariat=True, is_active=True).order_by("pk").first()
    org_ids = (
        Membership.objects.filter(holding(Role.RESPONDER), organization__standing__in=PARTICIPATING_STANDINGS)
        .values_list("organization_id", flat=True)
        .distinct()
    )
    organizations = list(Organization.objects.filter(pk__in=org_ids).order_by("name")[:4])
    if secretariat is None or not organizations:
        return
    incident = services.declare_incident(
        actor=secretariat,
        title="Exercise: livestreamed attack video spreading across platforms",
        summary="A drill of the crisis protocol: a perpetrator-produced livestream is being re-uploaded.",
        tier=Tier.FULL_PROTOCOL,
        tlp=Tlp.AMBER,
        is_exercise=True,
        ongoing_violent_event=True,
        perpetrator_produced=True,
        livestreamed=True,
        spreading_across_platforms=True,
        organizations=organizations,
    )
    services.change_status(actor=secretariat, incident=incident, status=Status.ACTIVE)
    services.post_message(
        incident=incident,
        actor=secretariat,
        client_id=None,
        body="Room open. Share URLs and hashes as indicators; providers, mark what you find and remove.",
    )
    stdout.write(f"Demo incident: {incident.title} (invited: {', '.join(o.name for o in organizations)})")
