import uuid

import pytest
from rest_framework.test import APIClient

from incidents import selectors, services
from incidents.models import (
    ActionItem,
    ActionStatus,
    Incident,
    Indicator,
    IndicatorPlatformStatus,
    RoomItem,
    Status,
    Tier,
    Tlp,
)
from portal.services import create_api_token
from tests.helpers.api_client import api

from .factories import responder_of

pytestmark = pytest.mark.django_db


def url(incident, rest=""):
    return f"/api/v1/incidents/{incident.pk}/{rest}"


@pytest.fixture
def outsider_responder(db):
    from tests.portal.factories import OrganizationFactory

    return responder_of(OrganizationFactory(name="Uninvited"))


def test_list_shows_only_what_the_caller_may_see(incident_with_two_orgs, secretariat, responder_a, outsider_responder):
    public = services.declare_incident(actor=secretariat, title="Public debrief", tlp=Tlp.CLEAR)
    ids = lambda user: {row["id"] for row in api(user).get("/api/v1/incidents/").json()["results"]}  # noqa: E731
    assert ids(responder_a) == {incident_with_two_orgs.pk, public.pk}
    assert ids(outsider_responder) == {public.pk}
    assert ids(None) == {public.pk}
    assert ids(secretariat) == {incident_with_two_orgs.pk, public.pk}


def test_detail_404_for_invisible_and_missing(incident_with_two_orgs, responder_a, outsider_responder):
    assert api(responder_a).get(url(incident_with_two_orgs)).json()["livestreamed"] is True
    assert api(outsider_responder).get(url(incident_with_two_orgs)).status_code == 404
    assert api(outsider_responder).get("/api/v1/incidents/999999/").status_code == 404
    assert api(None).get(url(incident_with_two_orgs)).status_code == 404


def test_clear_incident_shows_only_the_public_summary_to_the_public(secretariat):
    public = services.declare_incident(actor=secretariat, title="Debrief", summary="What happened", tlp=Tlp.CLEAR)
    body = api(None).get(url(public)).json()
    assert body["summary"] == "What happened"
    assert "invited_organizations" not in body and "commander" not in body
    assert api(None).get(url(public, "items/")).status_code in (401, 403)


def test_secretariat_declares_and_changes_status(secretariat, provider_a):
    response = api(secretariat).post(
        "/api/v1/incidents/",
        {"title": "Attack", "tier": 3, "tlp": "amber", "livestreamed": True, "organizations": [provider_a.pk]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["invited_organizations"] == [{"id": provider_a.pk, "name": provider_a.name}]
    incident = Incident.objects.get(pk=body["id"])
    response = api(secretariat).post(url(incident, "status/"), {"status": "active"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "active"
    response = api(secretariat).post(url(incident, "status/"), {"status": "declared"}, format="json")
    assert response.status_code == 400
    incident.refresh_from_db()
    assert incident.status == Status.ACTIVE


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"title": "x", "tier": 9, "tlp": "amber"},
        {"title": "x", "tier": 1, "tlp": "blue"},
        {"title": 5, "tier": 1, "tlp": "red"},
    ],
)
def test_bad_declarations_change_nothing(secretariat, payload):
    assert api(secretariat).post("/api/v1/incidents/", payload, format="json").status_code == 400
    assert not Incident.objects.exists()


def test_non_secretariat_cannot_manage(incident_with_two_orgs, responder_a):
    status_before = incident_with_two_orgs.status
    assert (
        api(responder_a).post("/api/v1/incidents/", {"title": "x", "tier": 1, "tlp": "red"}, format="json").status_code
        == 403
    )
    assert (
        api(responder_a).post(url(incident_with_two_orgs, "status/"), {"status": "closed"}, format="json").status_code
        == 403
    )
    assert api(None).post("/api/v1/incidents/", {}, format="json").status_code in (401, 403)
    assert list(Incident.objects.values_list("pk", flat=True)) == [incident_with_two_orgs.pk]
    incident_with_two_orgs.refresh_from_db()
    assert incident_with_two_orgs.status == status_before


def test_invite_and_uninvite(incident_with_two_orgs, secretariat, responder_a, provider_a):
    assert api(secretariat).delete(url(incident_with_two_orgs, f"organizations/{provider_a.pk}/")).status_code == 204
    assert api(responder_a).get(url(incident_with_two_orgs)).status_code == 404
    response = api(secretariat).post(
        url(incident_with_two_orgs, "organizations/"), {"organization": provider_a.pk}, format="json"
    )
    assert response.status_code == 200
    assert api(responder_a).get(url(incident_with_two_orgs)).status_code == 200


def test_post_message_through_the_api_with_a_token(incident_with_two_orgs, responder_a):
    _token, key = create_api_token(user=responder_a, name="bot")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client_id = str(uuid.uuid4())
    first = client.post(
        url(incident_with_two_orgs, "items/"), {"client_id": client_id, "body": "via API"}, format="json"
    )
    again = client.post(
        url(incident_with_two_orgs, "items/"), {"client_id": client_id, "body": "via API"}, format="json"
    )
    assert first.status_code == 201, first.json()
    assert first.json()["ack"] == again.json()["ack"] == {"client_id": client_id, "seq": 2}
    assert first.json()["item"]["body"] == "via API"
    assert RoomItem.objects.filter(client_id=client_id).count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"body": ""},
        {"body": 5},
        {"body": "x" * 8193},
        {"client_id": "nope", "body": "x"},
        {"body": "x", "extra": 1},
    ],
)
def test_bad_messages_are_400_and_store_nothing(incident_with_two_orgs, responder_a, payload):
    response = api(responder_a).post(url(incident_with_two_orgs, "items/"), payload, format="json")
    assert response.status_code == 400
    assert RoomItem.objects.count() == 1


def test_flooding_the_api_is_429(incident_with_two_orgs, responder_a):
    for n in range(services.FLOOD_LIMIT):
        services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=None, body=f"{n}")
    response = api(responder_a).post(url(incident_with_two_orgs, "items/"), {"body": "more"}, format="json")
    assert response.status_code == 429


def test_room_needs_audience_and_two_factor(incident_with_two_orgs, provider_a, outsider_responder):
    no_2fa = responder_of(provider_a, two_factor=False)
    assert api(no_2fa).get(url(incident_with_two_orgs)).status_code == 200
    for rest in ("items/", "indicators/", "actions/"):
        assert api(no_2fa).get(url(incident_with_two_orgs, rest)).status_code == 403
        assert api(outsider_responder).get(url(incident_with_two_orgs, rest)).status_code == 404
    items_before = RoomItem.objects.filter(incident=incident_with_two_orgs).count()
    assert api(no_2fa).post(url(incident_with_two_orgs, "items/"), {"body": "x"}, format="json").status_code == 403
    assert RoomItem.objects.filter(incident=incident_with_two_orgs).count() == items_before


def test_history_pages_by_seq(incident_with_two_orgs, responder_a):
    for n in range(9):
        services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=None, body=f"m{n}")
    client = api(responder_a)
    latest = client.get(url(incident_with_two_orgs, "items/?limit=4")).json()
    assert [i["seq"] for i in latest["results"]] == [7, 8, 9, 10] and latest["has_more"]
    older = client.get(url(incident_with_two_orgs, "items/?limit=4&before=7")).json()
    assert [i["seq"] for i in older["results"]] == [3, 4, 5, 6] and older["has_more"]
    oldest = client.get(url(incident_with_two_orgs, "items/?limit=4&before=3")).json()
    assert [i["seq"] for i in oldest["results"]] == [1, 2] and not oldest["has_more"]
    forward = client.get(url(incident_with_two_orgs, "items/?after=8")).json()
    assert [i["seq"] for i in forward["results"]] == [9, 10] and not forward["has_more"]
    for bad in ("after=-1", "after=x", "limit=0", "limit=501", "before=0"):
        assert client.get(url(incident_with_two_orgs, f"items/?{bad}")).status_code == 400


@pytest.mark.parametrize("size", [5, 40])
def test_history_query_count_is_bounded(
    incident_with_two_orgs, secretariat, provider_a, django_assert_max_num_queries, size
):
    writers = [responder_of(provider_a) for _ in range(3)]
    for n in range(size):
        services.post_message(incident=incident_with_two_orgs, actor=writers[n % 3], client_id=None, body=f"m{n}")
    client = api(secretariat)
    with django_assert_max_num_queries(6):
        response = client.get(url(incident_with_two_orgs, "items/?after=0&limit=500"))
    assert len(response.json()["results"]) == size + 1
    # The selector itself: one query for a page, in either direction.
    with django_assert_max_num_queries(1):
        page = selectors.room_items_page(incident_with_two_orgs, after=None, before=None, limit=4)
    assert [item.seq for item in page.items] == list(range(size - 2, size + 2)) and page.has_more
    with django_assert_max_num_queries(1):
        page = selectors.room_items_page(incident_with_two_orgs, after=size - 1, before=None, limit=4)
    assert [item.seq for item in page.items] == [size, size + 1] and not page.has_more


@pytest.mark.parametrize("size", [2, 12])
def test_list_query_count_is_bounded(secretariat, provider_a, django_assert_max_num_queries, size):
    for n in range(size):
        services.declare_incident(actor=secretariat, title=f"Incident {n}", organizations=[provider_a])
    client = api(secretariat)
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/incidents/")
    assert response.json()["count"] == size


def test_indicators_and_platform_status(incident_with_two_orgs, responder_a, responder_b, provider_a):
    client = api(responder_a)
    created = client.post(
        url(incident_with_two_orgs, "indicators/"), {"kind": "url", "value": "https://bad.example/v"}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["value"] == "hxxps://bad[.]example/v"
    again = client.post(
        url(incident_with_two_orgs, "indicators/"), {"kind": "url", "value": "https://BAD.example/v"}, format="json"
    )
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    bad = client.post(url(incident_with_two_orgs, "indicators/"), {"kind": "md5", "value": "zz"}, format="json")
    assert bad.status_code == 400
    indicator_url = url(incident_with_two_orgs, f"indicators/{created.json()['id']}/status/")
    ok = client.post(indicator_url, {"organization": provider_a.pk, "status": "removed"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["platforms"] == [
        {"organization": {"id": provider_a.pk, "name": provider_a.name}, "status": "removed"}
    ]
    forbidden = api(responder_b).post(indicator_url, {"organization": provider_a.pk, "status": "found"}, format="json")
    assert forbidden.status_code == 403
    statuses = IndicatorPlatformStatus.objects.filter(indicator_id=created.json()["id"])
    assert list(statuses.values_list("organization_id", "status")) == [(provider_a.pk, "removed")]
    listed = client.get(url(incident_with_two_orgs, "indicators/")).json()
    assert [i["value"] for i in listed] == ["hxxps://bad[.]example/v"]
    assert Indicator.objects.count() == 1


def test_actions(incident_with_two_orgs, secretariat, responder_a, responder_b, provider_a):
    created = api(secretariat).post(
        url(incident_with_two_orgs, "actions/"), {"title": "Hash it", "organization": provider_a.pk}, format="json"
    )
    assert created.status_code == 201
    complete = url(incident_with_two_orgs, f"actions/{created.json()['id']}/complete/")
    assert api(responder_b).post(complete).status_code == 403
    assert ActionItem.objects.get(pk=created.json()["id"]).status == ActionStatus.OPEN
    done = api(responder_a).post(complete)
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert [a["status"] for a in api(responder_b).get(url(incident_with_two_orgs, "actions/")).json()] == ["done"]


def test_red_incident_is_declared_with_its_named_individuals(secretariat, responder_a, responder_b):
    response = api(secretariat).post(
        "/api/v1/incidents/",
        {"title": "Named only", "tier": 2, "tlp": "red", "recipients": [responder_a.pk]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    incident = Incident.objects.get(pk=response.json()["id"])
    assert api(responder_a).get(url(incident)).status_code == 200
    assert api(responder_b).get(url(incident)).status_code == 404


def test_the_list_filters_by_status_tier_tlp_and_date(incident_with_two_orgs, secretariat):
    quiet = services.declare_incident(
        actor=secretariat, title="Quiet", summary="", tier=Tier.COMMUNICATIONS, tlp=Tlp.GREEN
    )
    client = api(secretariat)

    def ids(query):
        response = client.get("/api/v1/incidents/?" + query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("tier=1") == {quiet.pk} and ids("tier=3") == {incident_with_two_orgs.pk}
    assert ids("tlp=green") == {quiet.pk} and ids("tlp=amber") == {incident_with_two_orgs.pk}
    assert ids(f"status={quiet.status}") == {quiet.pk, incident_with_two_orgs.pk}
    assert ids("declared_after=2000-01-01T00:00:00Z") == {quiet.pk, incident_with_two_orgs.pk}
    assert ids("declared_before=2000-01-01T00:00:00Z") == set()
    for bad in ("tier=9", "tlp=purple", "status=maybe", "declared_after=yesterday"):
        response = client.get("/api/v1/incidents/?" + bad)
        assert response.status_code == 400, bad
