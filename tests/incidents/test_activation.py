"""Activation requests: a responder asks; the secretariat confirms or declines."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents import services
from incidents.models import ActivationRequest, Incident, RequestStatus, Tlp
from incidents.selectors import incident_statistics
from portal.models import Role, Standing
from tests.helpers.api_client import api
from tests.portal.factories import OrganizationFactory

from .factories import responder_of

pytestmark = pytest.mark.django_db


def ask(responder, organization, **fields):
    defaults = {"title": "Attack video spreading", "summary": "Seen on three sites", "livestreamed": True}
    return services.request_activation(actor=responder, organization=organization, **{**defaults, **fields})


@pytest.fixture
def pending_request(responder_a, provider_a):
    return ask(responder_a, provider_a, perpetrator_produced=True)


def test_a_responder_requests_and_the_secretariat_confirms(pending_request, secretariat, provider_a, provider_b):
    assert pending_request.status == RequestStatus.PENDING
    incident = services.confirm_activation(
        actor=secretariat,
        request=pending_request,
        tier=3,
        tlp=Tlp.AMBER,
        organizations=[provider_b],
        criteria={"ongoing_violent_event": True, "perpetrator_produced": False},
    )
    pending_request.refresh_from_db()
    assert pending_request.status == RequestStatus.CONFIRMED and pending_request.incident == incident
    assert pending_request.decided_by == secretariat and pending_request.decided_at == incident.criteria_decided_at
    # The secretariat's answers, the requester's where it gave none; who decided and when.
    assert (incident.ongoing_violent_event, incident.perpetrator_produced, incident.livestreamed) == (
        True,
        False,
        True,
    )
    assert incident.criteria_decided_by == secretariat and incident.criteria_decided_at
    assert (incident.title, incident.tier, incident.tlp) == ("Attack video spreading", 3, Tlp.AMBER)
    assert set(incident.invited_organizations.all()) == {provider_a, provider_b}


def test_a_request_is_decided_once(pending_request, secretariat):
    services.decline_activation(actor=secretariat, request=pending_request, reason="Not a violent event")
    with pytest.raises(ValidationError):
        services.confirm_activation(actor=secretariat, request=pending_request)
    stale = ActivationRequest.objects.get(pk=pending_request.pk)
    stale.status = RequestStatus.PENDING  # a second secretariat member who loaded the page earlier
    with pytest.raises(ValidationError):
        services.confirm_activation(actor=secretariat, request=stale)
    with pytest.raises(ValidationError):
        services.decline_activation(actor=secretariat, request=stale, reason="again")
    assert not Incident.objects.exists()
    pending_request.refresh_from_db()
    assert pending_request.decline_reason == "Not a violent event"


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001, None])
def test_declining_needs_a_reason(pending_request, secretariat, reason):
    with pytest.raises(ValidationError):
        services.decline_activation(actor=secretariat, request=pending_request, reason=reason)
    pending_request.refresh_from_db()
    assert pending_request.is_pending


def test_who_may_request(provider_a, secretariat):
    member = responder_of(provider_a, role=Role.MEMBER)
    no_2fa = responder_of(provider_a, two_factor=False)
    applicant_org = OrganizationFactory(standing=Standing.APPLICANT)
    applicant_responder = responder_of(applicant_org)
    for user, organization in [
        (member, provider_a),
        (no_2fa, provider_a),
        (applicant_responder, applicant_org),
        (responder_of(OrganizationFactory()), provider_a),  # not theirs
    ]:
        with pytest.raises(PermissionDenied):
            ask(user, organization)
    assert not ActivationRequest.objects.exists()


def test_only_the_secretariat_decides_and_bad_input(pending_request, responder_a, secretariat):
    with pytest.raises(PermissionDenied):
        services.confirm_activation(actor=responder_a, request=pending_request)
    with pytest.raises(PermissionDenied):
        services.decline_activation(actor=responder_a, request=pending_request, reason="no")
    with pytest.raises(ValidationError):
        services.confirm_activation(actor=secretariat, request=pending_request, tier=5)
    with pytest.raises(ValidationError):
        services.confirm_activation(actor=secretariat, request=pending_request, criteria={"aliens": True})
    with pytest.raises(ValidationError):
        ask(responder_a, pending_request.organization, title=" ")
    assert not Incident.objects.exists()
    pending_request.refresh_from_db()
    assert pending_request.is_pending


def test_exercises_stay_exercises_and_are_left_out_of_statistics(responder_a, provider_a, secretariat):
    drill = ask(responder_a, provider_a, is_exercise=True)
    incident = services.confirm_activation(actor=secretariat, request=drill)
    assert incident.is_exercise
    services.declare_incident(actor=secretariat, title="Real one", organizations=[provider_a])
    stats = incident_statistics(secretariat)
    assert stats["total"] == 1 and stats["open"] == 1
    body = api(secretariat).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert body["is_exercise"] is True
    assert api(responder_a).get(f"/api/v1/activation-requests/{drill.pk}/").json()["is_exercise"] is True


# --- API -----------------------------------------------------------------------------------------


def test_api_request_confirm_decline(responder_a, provider_a, provider_b, secretariat, responder_b):
    response = api(responder_a).post(
        "/api/v1/activation-requests/",
        {"organization": provider_a.pk, "title": "Livestream", "livestreamed": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    request_id = response.json()["id"]
    assert response.json()["status"] == "pending" and response.json()["requested_by"]["id"] == responder_a.pk
    # Another supporter's responder cannot see it, nor decide it.
    assert api(responder_b).get(f"/api/v1/activation-requests/{request_id}/").status_code == 404
    assert api(responder_b).get("/api/v1/activation-requests/").json()["count"] == 0
    assert (
        api(responder_a).post(f"/api/v1/activation-requests/{request_id}/decline/", {"reason": "x"}).status_code == 403
    )
    response = api(secretariat).post(
        f"/api/v1/activation-requests/{request_id}/confirm/",
        {"tier": 3, "tlp": "amber", "organizations": [provider_b.pk], "criteria": {"ongoing_violent_event": True}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["ongoing_violent_event"] is True and response.json()["livestreamed"] is True
    again = api(secretariat).post(
        f"/api/v1/activation-requests/{request_id}/decline/", {"reason": "late"}, format="json"
    )
    assert again.status_code == 400
    assert api(responder_a).get(f"/api/v1/activation-requests/{request_id}/").json()["status"] == "confirmed"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"tier": 3},
        {"tier": 3, "tlp": "amber", "criteria": {"aliens": True}},
        {"tier": 3, "tlp": "amber", "criteria": "yes"},
        {"tier": 3, "tlp": "amber", "organizations": [999999]},
    ],
)
def test_api_bad_confirmations_change_nothing(pending_request, secretariat, payload):
    response = api(secretariat).post(
        f"/api/v1/activation-requests/{pending_request.pk}/confirm/", payload, format="json"
    )
    assert response.status_code == 400
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"title": "x"},
        {"organization": "x", "title": "x"},
        {"organization": "own", "title": 5},
        {"organization": "own", "title": " "},
        {"organization": "own", "title": "x", "tier": 3},
        {"organization": "own", "title": "x", "livestreamed": "perhaps"},
    ],
)
def test_api_bad_requests_change_nothing(responder_a, provider_a, payload):
    if payload.get("organization") == "own":
        payload["organization"] = provider_a.pk
    assert api(responder_a).post("/api/v1/activation-requests/", payload, format="json").status_code == 400
    assert not ActivationRequest.objects.exists()


def test_api_anonymous_and_member(provider_a):
    assert api().get("/api/v1/activation-requests/").status_code in (401, 403)
    member = responder_of(provider_a, role=Role.MEMBER)
    response = api(member).post(
        "/api/v1/activation-requests/", {"organization": provider_a.pk, "title": "x"}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("size", [2, 12])
def test_api_list_query_count(secretariat, provider_a, django_assert_max_num_queries, size):
    responders = [responder_of(provider_a) for _ in range(3)]
    for n in range(size):
        ask(responders[n % 3], provider_a, title=f"Request {n}")
    with django_assert_max_num_queries(5):
        response = api(secretariat).get("/api/v1/activation-requests/")
    assert response.json()["count"] == size


# --- pages -----------------------------------------------------------------------------------------


def test_pages_request_then_confirm(client, responder_a, provider_a, secretariat):
    client.force_login(responder_a)
    assert "Request activation" in client.get("/incidents/").content.decode()
    page = client.get("/incidents/requests/new/")
    assert page.status_code == 200 and "Is it being livestreamed?" in page.content.decode()
    # One organisation: it is chosen, not a blank "---------" first option.
    assert "---------" not in page.content.decode()
    assert f'<option value="{provider_a.pk}" selected>' in page.content.decode()
    response = client.post(
        "/incidents/requests/new/",
        {"organization": provider_a.pk, "title": "Stream", "livestreamed": "on", "is_exercise": "on"},
    )
    activation = ActivationRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/incidents/requests/{activation.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "EXERCISE" in html and "Confirm and declare" not in html
    client.force_login(secretariat)
    html = client.get(f"/incidents/requests/{activation.pk}/").content.decode()
    assert "Confirm and declare" in html and "EXERCISE" in html
    response = client.post(
        f"/incidents/requests/{activation.pk}/confirm/", {"tier": "3", "tlp": "amber", "livestreamed": "on"}
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.pk}/"
    assert incident.is_exercise and incident.livestreamed and not incident.ongoing_violent_event
    assert "EXERCISE" in client.get(response["Location"]).content.decode()


def test_pages_decline_and_bad_input(client, pending_request, secretariat, responder_a, provider_a):
    client.force_login(secretariat)
    base = f"/incidents/requests/{pending_request.pk}/"
    assert client.post(base + "decline/", {"reason": ""}).status_code == 302
    assert client.post(base + "confirm/", {"tier": "9", "tlp": "amber"}).status_code == 302
    pending_request.refresh_from_db()
    assert pending_request.is_pending
    client.post(base + "decline/", {"reason": "Handled by one platform"})
    pending_request.refresh_from_db()
    assert pending_request.status == RequestStatus.DECLINED
    client.force_login(responder_a)
    assert "Handled by one platform" in client.get(base).content.decode()
    assert client.post(base + "decline/", {"reason": "x"}).status_code == 403
    response = client.post("/incidents/requests/new/", {"organization": "x", "title": ""})
    assert response.status_code == 200 and ActivationRequest.objects.count() == 1
    client.force_login(responder_of(provider_a, two_factor=False))
    assert client.get("/incidents/requests/new/").status_code == 403
    client.force_login(responder_of(OrganizationFactory()))
    assert client.get(base).status_code == 404


@pytest.mark.parametrize("size", [2, 12])
def test_request_list_page_query_count(client, secretariat, provider_a, django_assert_max_num_queries, size):
    responders = [responder_of(provider_a) for _ in range(3)]
    for n in range(size):
        ask(responders[n % 3], provider_a, title=f"Request {n}")
    client.force_login(secretariat)
    with django_assert_max_num_queries(10):
        response = client.get("/incidents/requests/")
    assert response.content.decode().count("/incidents/requests/") >= size


def test_declare_page(client, secretariat, provider_a, provider_b, responder_a):
    client.force_login(responder_a)
    assert client.get("/incidents/declare/").status_code == 403
    assert "Declare an incident" not in client.get("/incidents/").content.decode()
    client.force_login(secretariat)
    assert "Declare an incident" in client.get("/incidents/").content.decode()
    assert client.post("/incidents/declare/", {"title": "", "tier": "7", "tlp": "x"}).status_code == 200
    assert not Incident.objects.exists()
    response = client.post(
        "/incidents/declare/",
        {
            "title": "Attack streamed",
            "tier": "3",
            "tlp": "amber",
            "livestreamed": "on",
            "organizations": [provider_a.pk, provider_b.pk],
        },
    )
    incident = Incident.objects.get()
    assert response["Location"] == f"/incidents/{incident.pk}/"
    assert (incident.tier, incident.tlp, incident.livestreamed, incident.is_exercise) == (3, "amber", True, False)
    assert set(incident.invited_organizations.all()) == {provider_a, provider_b}
