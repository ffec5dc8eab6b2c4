from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _recheck_rooms(sender, user_ids=(), **kwargs):
    from . import events

    events.recheck_access(user_ids)


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incident coordination")

    def ready(self):
        from portal.signals import access_changed

        access_changed.connect(_recheck_rooms, dispatch_uid="incidents.recheck_rooms")

    def seed_demo(self, *, stdout):
        """One open tier-3 incident at TLP:AMBER, inviting the demo providers that have responders."""
        from portal.models import Membership, Role, User

        from . import services
        from .models import Incident, Status, Tier, Tlp
        from .permissions import PARTICIPANT_STANDINGS

        if Incident.objects.exclude(status=Status.CLOSED).exists():
            return
        secretariat = User.objects.filter(is_secretariat=True, is_active=True).order_by("pk").first()
        org_ids = (
            Membership.objects.filter(role=Role.RESPONDER, organization__standing__in=PARTICIPANT_STANDINGS)
            .values_list("organization_id", flat=True)
            .distinct()
        )
        from portal.models import Organization

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
