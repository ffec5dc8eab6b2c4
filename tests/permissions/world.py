"""The one world every matrix request runs against: an organisation with a user in each
role, another organisation, and one object of every kind a URL names.

The `kwargs` of a matrix entry name keys of `World.values`."""

import datetime
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from commitments import services as commitment_services
from commitments.models import Commitment, Implementation
from incidents import alert_emails, misp
from incidents import services as incident_services
from incidents.exchange import stix
from incidents.models import Debrief, IncidentRecipient, Tier, Tlp
from portal import services as portal_services
from portal.calendar import services as calendar_services
from portal.models import OrganizationKind, Role, Standing
from portal.notifications import inbox
from portal.notifications.contact_checks import contact_token
from portal.notifications.tokens import unsubscribe_token
from portal.webhooks import services as webhook_services
from tests.portal.factories import MembershipFactory, OrganizationFactory, SecretariatFactory, UserFactory, make_totp

from .matrix import ROLES

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


@dataclass
class World:
    users: dict = field(default_factory=dict)  # role -> User, None for anonymous
    values: dict = field(default_factory=dict)  # name used in matrix kwargs -> pk, slug or token
    tokens: dict = field(default_factory=dict)  # role -> API token key (TAXII)


def _member(organization, role, *, two_factor=False):
    user = MembershipFactory(organization=organization, role=role).user
    if two_factor:
        make_totp(user)
    return user


def build_world() -> World:
    commitment_services.load_catalogue()
    org = OrganizationFactory(name="Own Provider", kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
    # Civil society, so that the other organisation's user is the one who may annotate.
    other_org = OrganizationFactory(name="Other Watchdog", kind=OrganizationKind.CIVIL_SOCIETY)
    commitment_services.ensure_implementations(organization=org)

    secretariat = SecretariatFactory()
    users = {
        "anonymous": None,
        "verified": UserFactory(),
        "member": _member(org, Role.MEMBER),
        "reporter": _member(org, Role.REPORTER),
        "admin": _member(org, Role.ADMIN),
        "responder": _member(org, Role.RESPONDER, two_factor=True),
        "other": _member(other_org, Role.ADMIN),
        "secretariat": secretariat,
    }
    assert tuple(users) == ROLES
    admin, reporter, responder = users["admin"], users["reporter"], users["responder"]

    # The registry.
    invitation = portal_services.invite_member(actor=admin, organization=org, email="invitee@example.org")
    join_request = portal_services.request_to_join(applicant=UserFactory(), organization=org)
    token, _key = portal_services.create_api_token(user=users["member"], name="member's token")
    [notification] = inbox.notify(recipients=[users["member"]], kind="world", key="world", message="Nothing yet.")
    endpoint, _secret = webhook_services.create_endpoint(
        actor=admin, organization=org, url="http://127.0.0.1:9/hook", events=["incident.item"]
    )

    # Commitments: an update awaiting review (its organisation and the secretariat see it),
    # an accepted public one with another organisation's annotation, a draft report.
    implementations = Implementation.objects.filter(organization=org).order_by("commitment__order", "pk")
    first, second = implementations[0], implementations[1]
    progress = {
        "status": "limited",
        "progress": 30,
        "as_of": timezone.localdate() - datetime.timedelta(days=1),
        "narrative": "Matrix.",
    }
    update = commitment_services.record_progress(
        actor=reporter,
        implementation=first,
        visibility="public",
        attachments=[SimpleUploadedFile("evidence.pdf", PDF, content_type="application/pdf")],
        **progress,
    )
    public_update = commitment_services.record_progress(
        actor=reporter, implementation=second, visibility="public", **progress
    )
    commitment_services.review_progress(actor=secretariat, update=public_update, decision="accept")
    annotation = commitment_services.annotate_progress(actor=users["other"], update=public_update, body="Noted.")
    report = commitment_services.create_transparency_report(
        actor=reporter, organization=org, period_kind="quarter", year=timezone.localdate().year - 1, number=1
    )

    # Incidents: TLP:AMBER with the own organisation invited, so the other organisation,
    # a user without one and anonymous visitors must not learn it exists.
    incident = incident_services.declare_incident(
        actor=secretariat,
        title="Matrix incident",
        summary="Amber",
        tier=Tier.COORDINATED,
        tlp=Tlp.AMBER,
        organizations=[org],
    )
    indicator, _created = incident_services.add_indicator(
        actor=secretariat, incident=incident, kind="url", value="https://bad.example/video"
    )
    action = incident_services.create_action(actor=secretariat, incident=incident, title="Remove", organization=org)
    IncidentRecipient.objects.create(incident=incident, user=users["member"], added_by=secretariat)
    activation = incident_services.request_activation(actor=responder, organization=org, title="Please activate")
    debrief = Debrief.objects.create(
        incident=incident, title="Public account", summary="What happened.", published_at=timezone.now()
    )

    # TAXII takes API tokens only: one per signed-in role.
    tokens = {
        role: portal_services.create_api_token(user=user, name="TAXII")[1]
        for role, user in users.items()
        if user is not None
    }

    values = {
        "org": org.slug,
        "org_id": org.pk,
        "other_org": other_org.slug,
        "membership": users["member"].memberships.get().pk,
        "invitation": invitation.pk,
        "invitation_token": portal_services.invitation_token(invitation),
        "application": join_request.pk,
        "token": token.pk,
        "notification": notification.pk,
        "webhook": endpoint.pk,
        "webhook_action": "disable",
        "unsubscribe_token": unsubscribe_token(users["member"]),
        "calendar_key": calendar_services.create_calendar_feed(user=users["member"])[1],
        "contact_token": contact_token(responder.memberships.get()),
        # Starting next month, so the member is nobody's deputy yet (which would widen their access).
        "deputy": portal_services.name_deputy(
            actor=responder,
            membership=responder.memberships.get(),
            deputy=users["member"].memberships.get(),
            starts_at=timezone.now() + datetime.timedelta(days=30),
            ends_at=timezone.now() + datetime.timedelta(days=40),
        ).pk,
        "commitment": Commitment.objects.order_by("pk").first().pk,
        "implementation": first.pk,
        "update": update.pk,
        "public_update": public_update.pk,
        "attachment": update.attachments.get().pk,
        "annotation": annotation.pk,
        "report": report.pk,
        "fmt": "csv",
        "incident": incident.pk,
        "indicator": indicator.pk,
        "action": action.pk,
        "recipient": users["member"].pk,
        "activation": activation.pk,
        "debrief": debrief.pk,
        "collection": stix.collection_id(incident.pk),
        "taxii_status": "00000000-0000-4000-8000-000000000000",
        "stix_indicator": stix.indicator_id(incident.pk, indicator.pk),
        "misp_event": misp.event_uuid(incident.pk),
        "ack_token": alert_emails.acknowledge_token(
            incident_id=incident.pk, organization_id=org.pk, user_id=responder.pk
        ),
    }
    return World(users=users, values=values, tokens=tokens)
