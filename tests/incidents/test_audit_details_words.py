"""The audit log says each action's details from its stored data in the reader's language:
codes as words, the incident not repeated beside its target (#15)."""

import pytest
from django.utils import translation

from incidents import services as incident_services
from incidents.models import Status, Tlp
from portal import audit_log, services
from portal.models import AuditEvent, Role
from tests.portal.factories import OrganizationFactory, UserFactory

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
    assert details("incident.tlp_changed", "fr") == "TLP de AMBRE à VERT; note : calmer"
    assert details("incident.tlp_changed", "ar") == "بروتوكول إشارات المرور من كهرماني إلى أخضر; ملاحظة: calmer"
    assert details("incident.status_changed") == "from Declared to Active"
    assert details("incident.tier_changed") == "from tier 3 to tier 2"


def test_an_invitation_keeps_its_organisation_name_and_drops_the_incident_id(incident_with_two_orgs, secretariat):
    fiji = OrganizationFactory(name="Government of Fiji")
    incident_services.invite_organization(actor=secretariat, incident=incident_with_two_orgs, organization=fiji)
    assert details("incident.organization_invited") == "invited Government of Fiji"


def test_an_action_without_a_writer_still_shows_its_data(secretariat):
    services.record_audit(actor=UserFactory(), action="other.thing", size=3)
    assert details("other.thing") == "size: 3"
