"""The declare-incident page as a new secretariat user meets it: no tier chosen for them,
checkbox labels without a trailing colon, and the organisation filter's box and words in the
page (shown by its script; without script every organisation is listed)."""

import pytest
from django.utils import translation

from incidents.forms import ActivationRequestForm, DeclareIncidentForm
from incidents.models import Incident
from portal.models import Organization

pytestmark = pytest.mark.django_db


def _page(client, secretariat, language="en"):
    secretariat.language = language
    secretariat.save(update_fields=["language"])
    client.force_login(secretariat)
    return client.get("/incidents/declare/").content.decode()


def test_no_tier_is_preselected_and_one_must_be_chosen(client, secretariat):
    body = _page(client, secretariat)
    assert '<option value="" selected>Choose a tier</option>' in body
    assert body.count(" selected>") == 2  # the empty tier and TLP:AMBER, nothing else
    response = client.post("/incidents/declare/", {"title": "No tier", "tlp": "amber"})
    assert response.status_code == 200 and not Incident.objects.exists()
    assert "This field is required." in response.content.decode()
    client.post("/incidents/declare/", {"title": "Tier one", "tier": "1", "tlp": "amber"})
    assert Incident.objects.get().tier == 1


def test_exercise_label_has_no_colon():
    for form in (
        DeclareIncidentForm(organizations=Organization.objects.none()),
        ActivationRequestForm(organizations=Organization.objects.none()),
    ):
        assert form["is_exercise"].label_tag() == '<label for="id_is_exercise">This is an exercise (a drill)</label>'
        assert form["title"].label_tag() == '<label for="id_title">Title:</label>'  # text fields keep it


def test_the_filter_is_in_the_page_hidden_until_its_script_runs(client, secretariat, provider_a, provider_b):
    body = _page(client, secretariat)
    assert "incidents/organisation_filter" in body
    assert (
        '<div class="organisation-filter" data-organisation-filter'
        ' data-count="Organisations shown: {shown} of {total}." hidden>'
    ) in body
    assert '<label for="organisation-filter">Filter organisations</label>' in body
    assert body.count("<div data-organisation-choice>") == 2


def test_the_filter_words_come_translated_with_the_page(client, secretariat):
    body = _page(client, secretariat, "fr")
    with translation.override("fr"):
        label = translation.gettext("Filter organisations")
    assert f'<label for="organisation-filter">{label}</label>' in body
