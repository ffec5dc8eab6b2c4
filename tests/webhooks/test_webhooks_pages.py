"""Webhook pages and API: only the organisation's admins (and the secretariat) manage
endpoints; others get 403 or 404; bad input gets a clear error and changes nothing."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from portal.models import Role
from portal.webhooks import services
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.portal.factories import MembershipFactory, OrganizationFactory, SecretariatFactory

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hook"  # never called: nothing here runs the send task


@pytest.fixture(autouse=True)
def _allow_private(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Streamwave")


@pytest.fixture
def admin(organization):
    return MembershipFactory(organization=organization, role=Role.ADMIN).user


@pytest.fixture
def reporter(organization):
    return MembershipFactory(organization=organization, role=Role.REPORTER).user


@pytest.fixture
def outsider_admin(db):
    return MembershipFactory(organization=OrganizationFactory(name="Kestrel"), role=Role.ADMIN).user


@pytest.fixture
def endpoint(admin, organization):
    return services.create_endpoint(actor=admin, organization=organization, url=URL, events=["incident.item"])[0]


def pages(organization, endpoint=None):
    urls = {"list": reverse("portal:webhooks", args=[organization.slug])}
    if endpoint is not None:
        urls["detail"] = reverse("portal:webhook_detail", args=[organization.slug, endpoint.pk])
        urls["test"] = reverse("portal:webhook_action", args=[organization.slug, endpoint.pk, "test"])
    return urls


# --- Pages ------------------------------------------------------------------------------------


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(client, admin, organization):
    client.force_login(admin)
    response = client.post(
        pages(organization)["list"], {"url": URL, "events": ["incident.declared", "report.published"]}
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["incident.declared", "report.published"]
    assert endpoint.secret in response.content.decode()
    later = client.get(pages(organization)["list"]).content.decode()
    assert URL in later and endpoint.secret not in later
    assert endpoint.secret not in client.get(pages(organization, endpoint)["detail"]).content.decode()


def test_the_detail_page_shows_the_delivery_log_and_sends_a_test_event(client, admin, organization, endpoint):
    client.force_login(admin)
    response = client.post(pages(organization, endpoint)["test"])
    assert response.status_code == 302
    ping = WebhookDelivery.objects.get(endpoint=endpoint)
    assert ping.event == "ping"
    WebhookDelivery.objects.filter(pk=ping.pk).update(status="failed", response_status=503, last_error="HTTP 503")
    page = client.get(pages(organization, endpoint)["detail"]).content.decode()
    assert str(ping.uuid) in page and "HTTP 503" in page and "503" in page


def test_an_admin_disables_enables_edits_and_deletes(client, admin, organization, endpoint):
    client.force_login(admin)
    action = lambda name: reverse("portal:webhook_action", args=[organization.slug, endpoint.pk, name])  # noqa: E731
    client.post(action("disable"))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    client.post(action("enable"))
    endpoint.refresh_from_db()
    assert endpoint.is_active
    client.post(pages(organization, endpoint)["detail"], {"events": ["progress.updated"], "description": "CRM"})
    endpoint.refresh_from_db()
    assert (endpoint.events, endpoint.description) == (["progress.updated"], "CRM")
    client.post(action("delete"))
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"url": "", "events": ["incident.item"]},
        {"url": "not a url", "events": ["incident.item"]},
        {"url": "ftp://example.org/x", "events": ["incident.item"]},
        {"url": "http://user:pw@127.0.0.1/x", "events": ["incident.item"]},
        {"url": "http://127.0.0.1:99999/x", "events": ["incident.item"]},
        {"url": URL, "events": ["incident.exploded"]},
        {"url": URL},
        {"url": "x" * 600, "events": ["incident.item"]},
    ],
)
def test_bad_registrations_get_form_errors_and_create_nothing(client, admin, organization, data):
    client.force_login(admin)
    response = client.post(pages(organization)["list"], data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not WebhookEndpoint.objects.exists()


def test_bad_edits_and_actions_change_nothing(client, admin, organization, endpoint):
    client.force_login(admin)
    response = client.post(pages(organization, endpoint)["detail"], {"events": ["nope"]})
    assert response.status_code == 200 and response.context["form"].errors
    assert (
        client.post(reverse("portal:webhook_action", args=[organization.slug, endpoint.pk, "explode"])).status_code
        == 404
    )
    assert client.get(pages(organization, endpoint)["test"]).status_code == 405
    endpoint.refresh_from_db()
    assert endpoint.events == ["incident.item"] and not endpoint.deliveries.exists()


def test_the_endpoint_cap_is_a_form_error(client, settings, admin, organization, endpoint):
    settings.WEBHOOKS_MAX_ENDPOINTS = 1
    client.force_login(admin)
    response = client.post(pages(organization)["list"], {"url": URL, "events": ["incident.item"]})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert WebhookEndpoint.objects.count() == 1


def test_others_cannot_manage_webhooks(client, reporter, outsider_admin, organization, endpoint):
    urls = pages(organization, endpoint)
    assert client.get(urls["list"]).status_code == 302  # to the login page
    client.force_login(reporter)
    assert client.get(urls["list"]).status_code == 403
    assert client.get(urls["detail"]).status_code == 403
    assert client.post(urls["test"]).status_code == 403
    client.force_login(outsider_admin)
    assert client.get(urls["list"]).status_code == 403
    assert client.get(urls["detail"]).status_code == 404
    assert client.post(urls["test"]).status_code == 404
    # Their own organisation's slug with this endpoint's id: still not found.
    own = outsider_admin.memberships.get().organization
    assert client.get(reverse("portal:webhook_detail", args=[own.slug, endpoint.pk])).status_code == 404
    assert not endpoint.deliveries.exists()


def test_the_secretariat_manages_any_organisations_webhooks(client, organization, endpoint):
    secretariat = SecretariatFactory()
    client.force_login(secretariat)
    assert client.get(pages(organization, endpoint)["detail"]).status_code == 200


@pytest.mark.parametrize("deliveries", [1, 30])
def test_the_delivery_log_runs_a_bounded_number_of_queries(
    client, django_assert_max_num_queries, admin, organization, endpoint, deliveries
):
    for _ in range(deliveries):
        services.send_test_event(actor=admin, endpoint=endpoint)
    client.force_login(admin)
    with django_assert_max_num_queries(12):
        assert client.get(pages(organization, endpoint)["detail"]).status_code == 200


@pytest.mark.parametrize("endpoints", [1, 8])
def test_the_endpoint_list_runs_a_bounded_number_of_queries(
    client, django_assert_max_num_queries, admin, organization, endpoints
):
    for _ in range(endpoints):
        services.create_endpoint(actor=admin, organization=organization, url=URL, events=["incident.item"])
    client.force_login(admin)
    with django_assert_max_num_queries(10):
        assert client.get(pages(organization)["list"]).status_code == 200


# --- API --------------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_create_returns_the_secret_once_and_lists_only_own_endpoints(admin, outsider_admin, organization):
    response = api(admin).post(
        "/api/v1/webhooks/", {"organization": organization.pk, "url": URL, "events": ["incident.item"]}, format="json"
    )
    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    assert response.json()["secret"] == endpoint.secret
    assert "secret" not in api(admin).get(f"/api/v1/webhooks/{endpoint.pk}/").json()
    assert [e["id"] for e in api(admin).get("/api/v1/webhooks/").json()["results"]] == [endpoint.pk]
    assert api(outsider_admin).get("/api/v1/webhooks/").json()["results"] == []


def test_api_update_test_send_log_and_delete(admin, endpoint):
    client = api(admin)
    response = client.patch(
        f"/api/v1/webhooks/{endpoint.pk}/", {"is_active": False, "events": ["report.published"]}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["events"]) == (False, ["report.published"])
    assert client.post(f"/api/v1/webhooks/{endpoint.pk}/test/").status_code == 202
    log = client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").json()
    assert [d["event"] for d in log["results"]] == ["ping"]
    assert client.delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_api_others_get_403_or_404(reporter, outsider_admin, organization, endpoint):
    body = {"organization": organization.pk, "url": URL, "events": ["incident.item"]}
    assert api(reporter).post("/api/v1/webhooks/", body, format="json").status_code == 403
    assert api(reporter).get(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 403
    assert api(outsider_admin).get(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 404
    assert api(outsider_admin).post(f"/api/v1/webhooks/{endpoint.pk}/test/").status_code == 404
    assert api(outsider_admin).delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 404
    assert APIClient().get("/api/v1/webhooks/").status_code in (401, 403)
    assert WebhookEndpoint.objects.count() == 1 and not endpoint.deliveries.exists()


ORG = object()  # replaced by the organisation's id


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"organization": "abc", "url": URL, "events": ["incident.item"]},
        {"organization": 999999, "url": URL, "events": ["incident.item"]},
        {"url": URL, "events": ["incident.item"]},
        {"organization": None, "url": URL, "events": ["incident.item"]},
        {"organization": ORG, "url": 5, "events": ["incident.item"]},
        {"organization": ORG, "url": URL, "events": "incident.item"},
        {"organization": ORG, "url": URL, "events": []},
        {"organization": ORG, "url": URL, "events": ["incident.exploded"]},
        {"organization": ORG, "url": URL, "events": [["incident.item"]]},
        {"organization": ORG, "url": "ftp://x.example/", "events": ["incident.item"]},
        {"organization": ORG, "url": URL, "events": ["incident.item"], "secret": "mine"},
        [1, 2],
    ],
)
def test_api_bad_input_is_a_4xx_and_creates_nothing(admin, organization, body):
    if isinstance(body, dict):
        body = {key: organization.pk if value is ORG else value for key, value in body.items()}
    response = api(admin).post("/api/v1/webhooks/", body, format="json")
    assert response.status_code in (400, 404)
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("host", ["[2002:a9fe:a9fe::1]", "[64:ff9b::7f00:1]", "[::ffff:10.0.0.1]"])
def test_ipv6_carrying_a_private_ipv4_is_refused_by_the_form_and_the_api(client, settings, admin, organization, host):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    url = f"https://{host}/hook"
    client.force_login(admin)
    response = client.post(pages(organization)["list"], {"url": url, "events": ["incident.item"]})
    assert response.status_code == 200
    assert "webhooks cannot go there" in response.context["form"].errors["url"][0]
    response = api(admin).post(
        "/api/v1/webhooks/", {"organization": organization.pk, "url": url, "events": ["incident.item"]}, format="json"
    )
    assert response.status_code == 400 and "webhooks cannot go there" in str(response.json())
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "body", [{"events": []}, {"events": ["nope"]}, {"is_active": "maybe"}, {"url": URL}, {"description": 3}]
)
def test_api_bad_updates_are_400_and_change_nothing(admin, endpoint, body):
    response = api(admin).patch(f"/api/v1/webhooks/{endpoint.pk}/", body, format="json")
    assert response.status_code == 400
    endpoint.refresh_from_db()
    assert (endpoint.events, endpoint.is_active, endpoint.description) == (["incident.item"], True, "")


@pytest.mark.parametrize("endpoints", [1, 8])
def test_api_lists_run_a_bounded_number_of_queries(django_assert_max_num_queries, admin, organization, endpoints):
    for _ in range(endpoints):
        endpoint = services.create_endpoint(actor=admin, organization=organization, url=URL, events=["incident.item"])[
            0
        ]
        services.send_test_event(actor=admin, endpoint=endpoint)
    client = api(admin)
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/webhooks/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").status_code == 200


def test_the_webhook_api_schema_generates_without_warnings():
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/v1/", include("portal.api.urls"))])
    schema = generator.get_schema(request=None, public=True)
    validate_schema(schema)
    assert set(schema["paths"]["/api/v1/webhooks/"]) == {"get", "post"}
    assert set(schema["paths"]["/api/v1/webhooks/{id}/"]) == {"get", "patch", "delete"}
    assert set(schema["paths"]["/api/v1/webhooks/{id}/test/"]) == {"post"}
    assert set(schema["paths"]["/api/v1/webhooks/{id}/deliveries/"]) == {"get"}
    assert "secret" in schema["components"]["schemas"]["WebhookEndpointCreated"]["properties"]
    assert "secret" not in schema["components"]["schemas"]["WebhookEndpoint"]["properties"]
    assert not GENERATOR_STATS._warn_cache
    assert not GENERATOR_STATS._error_cache
