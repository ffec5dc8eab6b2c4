"""The OpenAPI schema describes the registry API, and the docs page loads nothing from a CDN."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

REGISTRY_PATHS = {
    "/api/v1/organizations/": {"get", "post"},
    "/api/v1/organizations/{id}/": {"get", "patch"},
    "/api/v1/organizations/{id}/standing/": {"post"},
    "/api/v1/organizations/{id}/invitations/": {"post"},
    "/api/v1/organizations/{id}/escalation-chain/": {"get", "put"},
    "/api/v1/organizations/{id}/deputies/": {"get", "post"},
    "/api/v1/organizations/{id}/deputies/{deputy_id}/": {"delete"},
    "/api/v1/me/contact/": {"get", "put"},
    "/api/v1/audit/": {"get"},
    "/api/v1/search/": {"get"},
    "/api/v1/organizations/{id}/invitations/{invitation_id}/": {"delete"},
    "/api/v1/applications/": {"get", "post"},
    "/api/v1/applications/{id}/approve/": {"post"},
    "/api/v1/applications/{id}/reject/": {"post"},
    "/api/v1/me/notifications/": {"get", "put"},
    "/api/v1/me/notifications/preview/": {"get"},
    "/api/v1/me/": {"get", "patch"},
    "/api/v1/me/calendar/": {"get", "post", "delete"},
    "/api/v1/invitations/{token}/accept/": {"post"},
    "/api/v1/organizations/{id}/identity-provider/": {"get", "put", "delete"},
    "/api/v1/organizations/{id}/identity-provider/saml/": {"put"},
    "/api/v1/contacts/stale/": {"get"},
    "/api/v1/notifications/": {"get"},
    "/api/v1/notifications/{id}/read/": {"post"},
    "/api/v1/notifications/read-all/": {"post"},
    "/api/v1/push/key/": {"get"},
    "/api/v1/push/subscriptions/": {"post"},
    "/api/v1/push/subscriptions/remove/": {"post"},
    "/api/v1/memberships/": {"get"},
    "/api/v1/memberships/{id}/": {"get", "patch", "delete"},
    "/api/v1/tokens/": {"get", "post"},
    "/api/v1/tokens/{id}/": {"delete"},
    "/api/v1/tokens/{id}/revoke/": {"post"},
    "/api/v1/webhooks/": {"get", "post"},
    "/api/v1/webhooks/{id}/": {"get", "patch", "delete"},
    "/api/v1/webhooks/{id}/test/": {"post"},
    "/api/v1/webhooks/{id}/deliveries/": {"get"},
}


@pytest.mark.django_db
def test_schema_endpoint_serves_valid_openapi_3_with_the_registry():
    response = APIClient().get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    for url, methods in REGISTRY_PATHS.items():
        assert set(schema["paths"][url]) == methods, url
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "A personal API token: `Authorization: Token <key>`.",
    }
    created = schema["paths"]["/api/v1/tokens/"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ApiTokenCreated"
    assert "key" in schema["components"]["schemas"]["ApiTokenCreated"]["properties"]
    assert "key" not in schema["components"]["schemas"]["ApiToken"]["properties"]
    history = schema["components"]["schemas"]["OrganizationDetail"]["properties"]["standing_history"]
    assert history["items"]["$ref"] == "#/components/schemas/StandingChange"
    filters = {p["name"] for p in schema["paths"]["/api/v1/organizations/"]["get"]["parameters"]}
    assert {"kind", "country", "standing", "search", "ordering", "page", "page_size"} <= filters


def test_every_roles_input_asks_for_at_least_one_role_each_once():
    schema = APIClient().get("/api/schema/?format=json").json()["components"]["schemas"]
    inputs = {
        (name, field): spec
        for name, component in schema.items()
        for field, spec in component.get("properties", {}).items()
        if field in ("roles", "default_roles") and not spec.get("readOnly")
    }
    written = {key for key in inputs if "Input" in key[0]}
    assert {("InvitationInputRequest", "roles"), ("IdentityProviderInputRequest", "default_roles")} <= written
    for key in written:
        spec = inputs[key]
        assert (spec["type"], spec["minItems"], spec["uniqueItems"]) == ("array", 1, True), key
        assert spec["items"] == {"$ref": "#/components/schemas/RoleEnum"}, key


def test_registry_schema_generates_without_warnings():
    """What `manage.py spectacular --validate --fail-on-warn` checks, for this API's routes only."""
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/v1/", include("portal.api.urls"))])

    schema = generator.get_schema(request=None, public=True)

    validate_schema(schema)
    assert set(schema["paths"]) == set(REGISTRY_PATHS)
    assert not GENERATOR_STATS._warn_cache
    assert not GENERATOR_STATS._error_cache


def test_docs_page_uses_only_local_assets_and_no_inline_script():
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert "cdn" not in html.lower()
    # The site's Content-Security-Policy runs no inline script, so every script is a file.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    assert all("src=" in attributes for attributes in scripts)
    for asset in assets:
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/")), asset


def test_docs_script_is_served_as_javascript():
    response = APIClient().get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()
