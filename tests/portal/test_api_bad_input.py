"""Malformed requests to the registry API: each is a 400 with a clear message, and
nothing changes. Sent by the secretariat, so permissions never hide a bad payload."""

import json

import pytest
from rest_framework.test import APIClient

from portal import services
from portal.models import (
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    StandingChange,
)

from .factories import MembershipFactory, OrganizationFactory, SecretariatFactory

pytestmark = pytest.mark.django_db


class Raw(bytes):
    """A request body sent as is, not encoded as JSON by the test client."""


ORG = "/api/v1/organizations/{org}/"
ORGS = "/api/v1/organizations/"
MEMBER = "/api/v1/memberships/{member}/"
HUGE = "x" * 100_000

# (case, method, path, body, the error key the answer must name)
BAD_BODIES = [
    ("name is a number", "patch", ORG, {"name": 123}, "name"),
    ("name is a list", "patch", ORG, {"name": ["Streamwave"]}, "name"),
    ("name is null", "patch", ORG, {"name": None}, "name"),
    ("name is blank", "patch", ORG, {"name": "   "}, "name"),
    ("name taken in another case", "patch", ORG, {"name": "OTHER ORG"}, "name"),
    ("name is huge", "patch", ORG, {"name": HUGE}, "name"),
    ("name holds a NUL", "patch", ORG, {"name": "Stream\x00wave"}, "name"),
    ("unknown kind", "patch", ORG, {"kind": "company"}, "kind"),
    ("kind is a dict", "patch", ORG, {"kind": {"a": 1}}, "kind"),
    ("invalid country", "patch", ORG, {"country": "XX"}, "country"),
    ("three-letter country", "patch", ORG, {"country": "NZL"}, "country"),
    ("country is a number", "patch", ORG, {"country": 64}, "country"),
    ("website with a script scheme", "patch", ORG, {"website": "javascript:alert(1)"}, "website"),
    ("website not a url", "patch", ORG, {"website": "not a url"}, "website"),
    ("description is huge", "patch", ORG, {"description": HUGE}, "description"),
    ("description is a bool", "patch", ORG, {"description": True}, "description"),
    ("read-only field", "patch", ORG, {"standing": "withdrawn"}, "standing"),
    ("unknown field", "patch", ORG, {"nmae": "Typo"}, "nmae"),
    ("JSON list", "patch", ORG, [{"name": "x"}], "non_field_errors"),
    ("JSON string", "patch", ORG, Raw(b'"name"'), "non_field_errors"),
    ("JSON number", "patch", ORG, Raw(b"42"), "non_field_errors"),
    ("JSON null", "patch", ORG, Raw(b"null"), "non_field_errors"),
    ("broken JSON", "patch", ORG, Raw(b'{"name": '), "detail"),
    ("body over the upload limit", "patch", ORG, {"description": "x" * 3_000_000}, "detail"),
    ("not UTF-8", "patch", ORG, Raw(b'{"name": "\xff\xfe"}'), "detail"),
    ("create without kind", "post", ORGS, {"name": "Fresh"}, "kind"),
    ("create without name", "post", ORGS, {"kind": "government"}, "name"),
    ("create duplicate in another case", "post", ORGS, {"name": "streamwave", "kind": "provider"}, "name"),
    ("create with unknown standing", "post", ORGS, {"name": "Fresh", "kind": "partner", "standing": "vip"}, "standing"),
    ("create with invalid country", "post", ORGS, {"name": "Fresh", "kind": "partner", "country": "ZZ"}, "country"),
    ("create as a list", "post", ORGS, [], "non_field_errors"),
    ("unknown standing", "post", ORG + "standing/", {"standing": "champion"}, "standing"),
    ("standing missing", "post", ORG + "standing/", {"reason": "why"}, "standing"),
    ("standing is a list", "post", ORG + "standing/", {"standing": ["suspended"]}, "standing"),
    ("reason is huge", "post", ORG + "standing/", {"standing": "suspended", "reason": HUGE}, "reason"),
    ("invitation without email", "post", ORG + "invitations/", {"roles": ["member"]}, "email"),
    ("invitation to a non-address", "post", ORG + "invitations/", {"email": "not-an-email"}, "email"),
    ("invitation email is a number", "post", ORG + "invitations/", {"email": 42}, "email"),
    ("invitation email is huge", "post", ORG + "invitations/", {"email": HUGE + "@example.org"}, "email"),
    (
        "invitation with unknown role",
        "post",
        ORG + "invitations/",
        {"email": "a@example.org", "roles": ["owner"]},
        "roles",
    ),
    ("invitation with no role", "post", ORG + "invitations/", {"email": "a@example.org", "roles": []}, "roles"),
    (
        "invitation with a role repeated",
        "post",
        ORG + "invitations/",
        {"email": "a@example.org", "roles": ["member", "member"]},
        "roles",
    ),
    (
        "invitation role as a string",
        "post",
        ORG + "invitations/",
        {"email": "a@example.org", "roles": "admin"},
        "roles",
    ),
    (
        "invitation with the old role field",
        "post",
        ORG + "invitations/",
        {"email": "a@example.org", "role": "admin"},
        "role",
    ),
    ("invitation to a member", "post", ORG + "invitations/", {"email": "member@streamwave.example"}, "email"),
    ("unknown role", "patch", MEMBER, {"roles": ["owner"]}, "roles"),
    ("empty roles", "patch", MEMBER, {"roles": []}, "roles"),
    ("a role repeated", "patch", MEMBER, {"roles": ["reporter", "responder", "reporter"]}, "roles"),
    ("roles is null", "patch", MEMBER, {"roles": None}, "roles"),
    ("roles is a number", "patch", MEMBER, {"roles": 1}, "roles"),
    ("roles is a string", "patch", MEMBER, {"roles": "admin"}, "roles"),
    ("a role is an object", "patch", MEMBER, {"roles": [{"x": 1}]}, "roles"),
    ("the old role field is read-only", "patch", MEMBER, {"role": "admin"}, "role"),
    ("membership field not editable", "patch", MEMBER, {"organization": 1}, "organization"),
    ("token name too long", "post", "/api/v1/tokens/", {"name": "n" * 101}, "name"),
    ("token name is an object", "post", "/api/v1/tokens/", {"name": {"x": 1}}, "name"),
    ("token key cannot be chosen", "post", "/api/v1/tokens/", {"key": "cp_mine"}, "key"),
]

BAD_QUERIES = [
    ("unknown kind filter", "/api/v1/organizations/?kind=company", "kind"),
    ("invalid country filter", "/api/v1/organizations/?country=XX", "country"),
    ("unknown standing filter", "/api/v1/organizations/?standing=vip", "standing"),
    ("huge search", "/api/v1/organizations/?search=" + "x" * 201, "search"),
    ("organization filter not a number", "/api/v1/memberships/?organization=abc", "organization"),
    ("organization filter not an integer", "/api/v1/memberships/?organization=1.5", "organization"),
    ("unknown role filter", "/api/v1/memberships/?role=owner", "role"),
]


@pytest.fixture
def registry():
    organization = OrganizationFactory(name="Streamwave", kind=OrganizationKind.PROVIDER, country="NZ")
    OrganizationFactory(name="Other Org")
    MembershipFactory(organization=organization, role=Role.ADMIN)
    member = MembershipFactory(organization=organization, role=Role.MEMBER, user__email="member@streamwave.example")
    secretariat = SecretariatFactory()
    _token, key = services.create_api_token(user=secretariat, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.get("/api/v1/tokens/")  # the first use stamps last_used_at; later requests write nothing
    return client, {"org": organization.pk, "member": member.pk}


def registry_state():
    return (
        list(Organization.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
        list(StandingChange.objects.order_by("pk").values()),
        list(Invitation.objects.order_by("pk").values()),
        list(ApiToken.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "error_key"), [c[1:] for c in BAD_BODIES], ids=[c[0] for c in BAD_BODIES]
)
def test_malformed_body_is_a_400_and_changes_nothing(registry, method, path, body, error_key):
    client, ids = registry
    before = registry_state()

    data = body if isinstance(body, Raw) else json.dumps(body)
    response = client.generic(method.upper(), path.format(**ids), data, content_type="application/json")

    assert response.status_code == 400, response.content
    errors = response.json()
    assert error_key in errors
    message = errors[error_key] if isinstance(errors[error_key], str) else errors[error_key][0]
    assert isinstance(message, str)
    assert message
    assert registry_state() == before


@pytest.mark.parametrize(("url", "error_key"), [c[1:] for c in BAD_QUERIES], ids=[c[0] for c in BAD_QUERIES])
def test_malformed_filter_is_a_400(registry, url, error_key):
    client, _ids = registry
    response = client.get(url)
    assert response.status_code == 400
    assert error_key in response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/organizations/abc/",
        "/api/v1/organizations/99999999999999999999999/",
        "/api/v1/organizations/-1/",
        "/api/v1/memberships/abc/",
        "/api/v1/memberships/99999999999999999999999/",
        "/api/v1/tokens/abc/revoke/",
        "/api/v1/tokens/99999999999999999999999/revoke/",
        "/api/v1/organizations/?page=999",
    ],
)
def test_odd_ids_and_pages_are_404(registry, url):
    client, _ids = registry
    method = client.post if url.endswith("revoke/") else client.get
    response = method(url)
    assert response.status_code == 404
    assert "detail" in response.json()


def test_form_encoded_bodies_are_parsed_too(registry):
    client, ids = registry
    response = client.patch(ORG.format(**ids), "kind=company", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "kind" in response.json()


@pytest.mark.parametrize(
    ("roles", "message"), [([], "Choose at least one role."), (["admin", "admin"], "Give each role once.")]
)
def test_an_empty_or_repeated_roles_list_says_what_is_wrong(registry, roles, message):
    client, ids = registry
    before = registry_state()
    response = client.patch(MEMBER.format(**ids), {"roles": roles}, format="json")
    assert (response.status_code, response.json()) == (400, {"roles": [message]})
    assert registry_state() == before
