"""Reasons the portal gives for a change are said in the reader's language, whoever made the
change and in whatever language; reasons people type are shown as typed."""

import pytest
from django.urls import reverse
from django.utils import translation

from portal import services
from portal.models import Standing, StandingChange
from portal.reasons import APPLICATION_APPROVED, say_reason

from .factories import SecretariatFactory, UserFactory

pytestmark = pytest.mark.django_db

ARABIC = "قُبل الطلب"


@pytest.fixture
def approved_in_french(secretariat):
    """An organisation approved by a French-speaking secretariat member, in French."""
    secretariat.language = "fr"
    secretariat.save(update_fields=["language"])
    application = services.apply_for_organization(
        applicant=UserFactory(), name="Kestrel Streams", kind="provider", country="CA"
    )
    with translation.override("fr"):
        services.approve_application(actor=secretariat, application=application)
    return application.organization


def test_the_approval_reason_is_stored_as_its_source(approved_in_french):
    assert approved_in_french.standing_changes.last().reason == APPLICATION_APPROVED


def test_an_arabic_reader_sees_the_standing_history_in_arabic(client, approved_in_french):
    client.force_login(UserFactory(language="ar"))
    html = client.get(reverse("portal:organization_detail", args=[approved_in_french.slug])).content.decode()
    assert f"<bdi>{ARABIC}</bdi>" in html
    assert "Candidature approuvée" not in html and "Application approved" not in html


def test_an_arabic_reader_sees_the_audit_log_reason_in_arabic(client, approved_in_french):
    client.force_login(SecretariatFactory(language="ar"))
    html = client.get(reverse("portal:audit_log")).content.decode()
    assert f"السبب: {ARABIC}" in html
    assert "Candidature approuvée" not in html and "Application approved" not in html


def test_rows_written_in_the_approvers_language_are_said_in_the_readers(approved_in_french):
    # Before reasons were stored as their source, the approver's language was stored.
    StandingChange.objects.filter(organization=approved_in_french).update(reason="Candidature approuvée")
    with translation.override("ar"):
        assert say_reason(approved_in_french.standing_changes.last().reason) == ARABIC
    with translation.override("en"):
        assert say_reason(ARABIC) == "Application approved"


def test_reasons_people_type_are_shown_as_typed(client, secretariat, approved_in_french):
    typed = "Application approved by the board on 3 May"
    services.change_standing(
        actor=secretariat, organization=approved_in_french, standing=Standing.SUSPENDED, reason=typed
    )
    client.force_login(UserFactory(language="ar"))
    html = client.get(reverse("portal:organization_detail", args=[approved_in_french.slug])).content.decode()
    assert f"<bdi>{typed}</bdi>" in html
    with translation.override("ar"):
        assert say_reason("") == "" and say_reason(typed) == typed


def test_the_api_says_the_standing_history_reason_in_the_readers_language(approved_in_french):
    from rest_framework.test import APIClient

    url = f"/api/v1/organizations/{approved_in_french.pk}/"
    history = APIClient().get(url, HTTP_ACCEPT_LANGUAGE="ar").json()["standing_history"]
    assert history[-1]["reason"] == ARABIC
