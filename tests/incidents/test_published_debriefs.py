"""Published debriefs and the indicators the secretariat chooses to publish with them (TLP:CLEAR):
the service, the report page's choice, the public pages and the API."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from incidents import services
from incidents.models import Debrief, PublishedIndicator, Status
from portal.models import AuditEvent
from tests.helpers.api_client import api

pytestmark = pytest.mark.django_db

SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.fixture
def closed_with_indicators(incident_with_two_orgs, secretariat, responder_a):
    url, _ = services.add_indicator(
        actor=responder_a, incident=incident_with_two_orgs, kind="url", value="https://bad.example/x"
    )
    sha, _ = services.add_indicator(actor=responder_a, incident=incident_with_two_orgs, kind="sha256", value=SHA256)
    secret, _ = services.add_indicator(
        actor=responder_a, incident=incident_with_two_orgs, kind="url", value="https://secret.example/keep"
    )
    services.change_status(actor=secretariat, incident=incident_with_two_orgs, status=Status.CLOSED)
    return incident_with_two_orgs, url, sha, secret


def _debrief(incident, secretariat):
    return services.save_debrief(actor=secretariat, incident=incident, title="What happened", summary="Clean text.")


def test_the_chosen_indicators_are_published_with_the_debrief(closed_with_indicators, secretariat):
    incident, url, sha, secret = closed_with_indicators
    debrief = _debrief(incident, secretariat)
    assert services.publish_debrief(actor=secretariat, debrief=debrief, indicator_ids=[url.pk, sha.pk]) is True
    assert sorted(PublishedIndicator.objects.values_list("kind", "value")) == [
        ("sha256", SHA256),
        ("url", "https://bad.example/x"),
    ]
    assert AuditEvent.objects.get(action="incident.debrief_published").data["indicators"] == 2
    # A repeat changes nothing, the choice included.
    assert services.publish_debrief(actor=secretariat, debrief=debrief, indicator_ids=[secret.pk]) is False
    assert PublishedIndicator.objects.count() == 2
    # Withdrawing drops them; publishing again chooses again.
    services.unpublish_debrief(actor=secretariat, debrief=debrief)
    assert not PublishedIndicator.objects.exists()


@pytest.mark.parametrize("ids", [["x"], [999999], [None]])
def test_an_indicator_not_of_the_incident_refuses_and_changes_nothing(closed_with_indicators, secretariat, ids):
    incident, url, _sha, _secret = closed_with_indicators
    debrief = _debrief(incident, secretariat)
    with pytest.raises(ValidationError):
        services.publish_debrief(actor=secretariat, debrief=debrief, indicator_ids=[url.pk, *ids])
    assert not Debrief.objects.get().is_published and not PublishedIndicator.objects.exists()


def test_another_incidents_indicator_is_refused(closed_with_indicators, secretariat, responder_a):
    incident, _url, _sha, _secret = closed_with_indicators
    other = services.declare_incident(
        actor=secretariat, title="Other", organizations=list(incident.invited_organizations.all())
    )
    foreign, _ = services.add_indicator(actor=responder_a, incident=other, kind="md5", value="a" * 32)
    with pytest.raises(ValidationError, match=str(foreign.pk)):
        services.publish_debrief(actor=secretariat, debrief=_debrief(incident, secretariat), indicator_ids=[foreign.pk])


def test_the_report_page_offers_the_indicators_and_the_public_page_shows_the_chosen(
    client, closed_with_indicators, secretariat
):
    incident, url, sha, _secret = closed_with_indicators
    client.force_login(secretariat)
    base = f"/incidents/{incident.pk}/"
    client.post(base + "debrief/", {"title": "What happened", "summary": "Clean text."})
    html = client.get(base + "report/").content.decode()
    assert html.count('name="indicators"') == 3 and "hxxps://secret[.]example/keep" in html
    client.post(base + "debrief/publish/", {"publish": "1", "indicators": [url.pk, sha.pk]})
    debrief = Debrief.objects.get()
    assert debrief.is_published
    client.logout()
    public = client.get(f"/incidents/debriefs/{debrief.pk}/").content.decode()
    assert "hxxps://bad[.]example/x" in public and SHA256 in public
    assert "secret" not in public and "https://bad.example/x" not in public


def test_a_bad_choice_on_the_page_is_a_message(client, closed_with_indicators, secretariat):
    incident, _url, _sha, _secret = closed_with_indicators
    client.force_login(secretariat)
    base = f"/incidents/{incident.pk}/"
    client.post(base + "debrief/", {"title": "What happened", "summary": "Clean text."})
    response = client.post(base + "debrief/publish/", {"publish": "1", "indicators": ["zz"]}, follow=True)
    assert "Choose indicators by their numbers." in response.content.decode()
    assert not Debrief.objects.get().is_published


def test_the_api_publishes_with_indicators_and_lists_them_publicly(closed_with_indicators, secretariat):
    incident, url, _sha, _secret = closed_with_indicators
    client = api(secretariat)
    path = f"/api/v1/incidents/{incident.pk}/debrief/"
    client.put(path, {"title": "What happened", "summary": "Clean text."}, format="json")
    bad = client.post(path, {"published": True, "indicators": ["x"]}, format="json")
    assert bad.status_code == 400
    unknown = client.post(path, {"published": True, "indicators": [999999]}, format="json")
    assert unknown.status_code == 400 and "indicators" in unknown.json()
    assert client.post(path, {"published": True, "indicators": [url.pk]}, format="json").status_code == 200
    listed = APIClient().get("/api/v1/debriefs/").json()["results"][0]
    assert listed["indicators"] == [
        {"kind": "url", "value": "https://bad.example/x", "defanged": "hxxps://bad[.]example/x"}
    ]
    detail = APIClient().get(f"/api/v1/debriefs/{listed['id']}/").json()
    assert detail["indicators"] == listed["indicators"]
    assert "secret" not in str(detail)


def test_the_home_page_links_the_public_debriefs(client):
    assert 'href="/incidents/debriefs/"' in client.get("/").content.decode()


@pytest.mark.parametrize("size", [2, 10])
def test_the_public_lists_run_a_fixed_number_of_queries(
    client, secretariat, responder_a, provider_a, django_assert_max_num_queries, size
):
    for n in range(size):
        incident = services.declare_incident(actor=secretariat, title=f"Incident {n}", organizations=[provider_a])
        rows = [
            services.add_indicator(actor=responder_a, incident=incident, kind="md5", value=f"{n:016x}{i:016x}")[0]
            for i in range(3)
        ]
        services.change_status(actor=secretariat, incident=incident, status=Status.CLOSED)
        debrief = services.save_debrief(actor=secretariat, incident=incident, title=f"Debrief {n}", summary="s")
        services.publish_debrief(actor=secretariat, debrief=debrief, indicator_ids=[row.pk for row in rows])
    with django_assert_max_num_queries(5):
        body = APIClient().get("/api/v1/debriefs/").json()
    assert body["count"] == size and all(len(d["indicators"]) == 3 for d in body["results"])
    with django_assert_max_num_queries(6):
        assert client.get(f"/incidents/debriefs/{debrief.pk}/").content.decode().count("<code") == 3
