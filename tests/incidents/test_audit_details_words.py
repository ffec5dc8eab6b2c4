"""The audit log says each action's details from its stored data in the reader's language:
codes as words, the incident not repeated beside its target (#15)."""

import pytest
from django.utils import translation

from incidents import services as incident_services
from incidents.models import Status, Tlp
from portal import audit_log, services
from portal.models import AuditEvent, Role
from tests.portal.factories import OrganizationFactory, UserFactory, make_totp

pytestmark = pytest.mark.django_db


def details(action: str, language: str = "en") -> str:
    with translation.override(language):
        (row,) = audit_log.rows(AuditEvent.objects.filter(action=action))
        return row.details


def test_a_role_change_reads_as_words(secretariat):
    services.record_audit(actor=secretariat, action="membership.role_changed", before=Role.REPORTER, after=Role.ADMIN)
    assert details("membership.role_changed") == "from Reporter to Admin"


def test_incident_changes_read_as_words_in_each_language(incident_with_two_orgs, secretariat):
    incident_services.change_tlp(actor=secretariat, incident=incident_with_two_orgs, tlp=Tlp.GREEN, note="calmer")
    incident_services.change_status(actor=secretariat, incident=incident_with_two_orgs, status=Status.ACTIVE)
    incident_services.change_tier(actor=secretariat, incident=incident_with_two_orgs, tier=2)
    assert details("incident.tlp_changed") == "TLP from AMBER to GREEN; note: calmer"
    assert details("incident.tlp_changed", "fr") == "TLP de AMBRE à VERT\u00a0; note : calmer"
    assert details("incident.tlp_changed", "ar") == "بروتوكول إشارات المرور من كهرماني إلى أخضر؛ ملاحظة: calmer"
    assert details("incident.status_changed") == "from Declared to Active"
    assert details("incident.tier_changed") == "from tier 3 to tier 2"


def test_an_invitation_keeps_its_organisation_name_and_drops_the_incident_id(incident_with_two_orgs, secretariat):
    fiji = OrganizationFactory(name="Government of Fiji")
    incident_services.invite_organization(actor=secretariat, incident=incident_with_two_orgs, organization=fiji)
    assert details("incident.organization_invited") == "invited Government of Fiji"


def test_an_action_without_a_writer_still_shows_its_data(secretariat):
    services.record_audit(actor=UserFactory(), action="other.thing", size=3)
    assert details("other.thing") == "size: 3"


def test_people_and_organisations_are_named_not_numbered(incident_with_two_orgs, secretariat, provider_a):
    incident = incident_with_two_orgs
    ana = UserFactory(full_name="Ana Silva")
    make_totp(ana)
    bo = UserFactory(full_name="Bo Tamata")
    incident_services.set_commander(actor=secretariat, incident=incident, commander=ana)
    incident_services.add_recipient(actor=secretariat, incident=incident, user=bo)
    incident_services.remove_recipient(actor=secretariat, incident=incident, user=bo)
    incident_services.uninvite_organization(actor=secretariat, incident=incident, organization=provider_a)
    assert details("incident.commander_changed") == "incident commander: from Sam Secretariat to Ana Silva"
    french = "commandant de l\u2019incident : de Sam Secretariat à Ana Silva"
    assert details("incident.commander_changed", "fr") == french
    assert details("incident.recipient_added") == "named individual: Bo Tamata"
    assert details("incident.recipient_removed") == "no longer named: Bo Tamata"
    assert details("incident.organization_uninvited") == f"withdrew the invitation of {provider_a.name}"
    assert details("incident.declared") == "tier 3; TLP:AMBER; invited Provider A, Provider B"


def test_the_registrys_codes_read_as_words(secretariat):
    fiji = OrganizationFactory(name="Government of Fiji")
    services.record_audit(
        actor=secretariat, action="membership.created", organization=fiji, roles=["admin"], via="invitation"
    )
    services.record_audit(
        actor=secretariat, action="organization.updated", organization=fiji, fields=["name", "website"]
    )
    services.record_audit(actor=secretariat, action="application.approved", standing="supporter", roles=[])
    assert details("membership.created") == "through an invitation; roles: Admin"
    assert details("organization.updated") == "changed: name, website"
    assert details("organization.updated", "fr") == "modifié : nom, site web"
    assert details("application.approved") == "standing: Supporter"


def test_commitments_events_have_names_and_words(secretariat):
    services.record_audit(actor=secretariat, action="progress.recorded", target="G1", update=5, status="limited")
    assert audit_log.action_name("progress.recorded") == "Progress reported"
    assert details("progress.recorded") == "status: Limited"


@pytest.mark.parametrize("n", [2, 12])
def test_names_for_a_page_of_events_take_two_queries(secretariat, n, django_assert_num_queries):
    for _ in range(n):
        user, org = UserFactory(), OrganizationFactory()
        services.record_audit(actor=secretariat, action="incident.commander_changed", before=user.pk, after=user.pk)
        services.record_audit(actor=secretariat, action="incident.declared", organizations=[org.pk], tier=1, tlp="red")
        services.record_audit(actor=secretariat, action="incident.action_created", assigned=org.pk, action_item=3)
    events = list(AuditEvent.objects.all())
    with django_assert_num_queries(2):
        rows = audit_log.rows(events)
    assigned = [row.details for row in rows if "assigned" in row.event.data]
    assert len(assigned) == n and all(d.startswith("assigned to ") and "deleted" not in d for d in assigned)


@pytest.mark.parametrize(
    "data",
    [{"numbers": None}, {"steps": "x"}, {"steps": [["a@b"]]}, {"reason": "repeated_failures", "failures": "7"}, {}],
)
def test_details_of_an_unexpected_shape_are_said_as_stored_not_failed(secretariat, data):
    for action in ("contact.updated", "escalation_chain.changed", "webhook.disabled"):
        services.record_audit(actor=secretariat, action=action, **data)
    for language in ("en", "fr", "ar"):
        with translation.override(language):
            audit_log.rows(AuditEvent.objects.all())  # no exception, whatever an older version stored
