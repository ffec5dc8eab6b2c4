"""Every registry endpoint and method x every kind of caller, as one table.

A refused request (4xx) must also leave the registry exactly as it was."""

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

from .factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

pytestmark = pytest.mark.django_db


CALLERS = ("anonymous", "applicant", "member", "reporter", "admin", "other_admin", "secretariat")

ORGS = "/api/v1/organizations/"
ORG = "/api/v1/organizations/{same_org}/"
PRIVATE = "/api/v1/organizations/{pending_org}/"
MISSING = "/api/v1/organizations/999999/"
MEMBERS = "/api/v1/memberships/"
MEMBER = "/api/v1/memberships/{target_membership}/"
TOKENS = "/api/v1/tokens/"
OWN_TOKEN = "/api/v1/tokens/{own_token}/"
OTHER_TOKEN = "/api/v1/tokens/{outsider_token}/"

NEW_ORG = {"name": "New Ministry", "kind": "government", "country": "FR"}
EDIT = {"description": "Edited"}
SUSPEND = {"standing": "suspended", "reason": "Breach"}
APPROVE = {"standing": "supporter"}
INVITE = {"email": "new@example.org", "roles": ["member"]}
ROLE = {"roles": ["reporter"]}
TOKEN = {"name": "ci"}

# fmt: off
MATRIX = [
    # endpoint             method    path                         body     anon appl memb repo admn othr secr
    ("org list",           "get",    ORGS,                        None,    (200, 200, 200, 200, 200, 200, 200)),
    ("org detail",         "get",    ORG,                         None,    (200, 200, 200, 200, 200, 200, 200)),
    ("applicant org",      "get",    PRIVATE,                     None,    (404, 404, 404, 404, 404, 404, 200)),
    ("missing org",        "get",    MISSING,                     None,    (404, 404, 404, 404, 404, 404, 404)),
    ("org create",         "post",   ORGS,                        NEW_ORG, (401, 403, 403, 403, 403, 403, 201)),
    ("org edit",           "patch",  ORG,                         EDIT,    (401, 403, 403, 403, 200, 403, 200)),
    ("applicant org edit", "patch",  PRIVATE,                     EDIT,    (401, 404, 404, 404, 404, 404, 200)),
    ("missing org edit",   "patch",  MISSING,                     EDIT,    (401, 404, 404, 404, 404, 404, 404)),
    ("org replace",        "put",    ORG,                         NEW_ORG, (401, 405, 405, 405, 405, 405, 405)),
    ("org delete",         "delete", ORG,                         None,    (401, 405, 405, 405, 405, 405, 405)),
    ("standing",           "post",   ORG + "standing/",           SUSPEND, (401, 403, 403, 403, 403, 403, 200)),
    ("applicant standing", "post",   PRIVATE + "standing/",       APPROVE, (401, 404, 404, 404, 404, 404, 200)),
    ("invite",             "post",   ORG + "invitations/",        INVITE,  (401, 403, 403, 403, 201, 403, 201)),
    # Only supporters and endorsers invite: the secretariat sees the applicant but gets a 400.
    ("applicant invite",   "post",   PRIVATE + "invitations/",    INVITE,  (401, 404, 404, 404, 404, 404, 400)),
    ("membership list",    "get",    MEMBERS,                     None,    (401, 200, 200, 200, 200, 200, 200)),
    ("membership detail",  "get",    MEMBER,                      None,    (401, 404, 200, 200, 200, 404, 200)),
    ("role change",        "patch",  MEMBER,                      ROLE,    (401, 404, 403, 403, 200, 404, 200)),
    ("member removal",     "delete", MEMBER,                      None,    (401, 404, 403, 403, 204, 404, 204)),
    ("token list",         "get",    TOKENS,                      None,    (401, 200, 200, 200, 200, 200, 200)),
    ("token create",       "post",   TOKENS,                      TOKEN,   (401, 201, 201, 201, 201, 201, 201)),
    ("own token revoke",   "post",   OWN_TOKEN + "revoke/",       None,    (401, 200, 200, 200, 200, 200, 200)),
    ("own token delete",   "delete", OWN_TOKEN,                   None,    (401, 204, 204, 204, 204, 204, 204)),
    ("other token revoke", "post",   OTHER_TOKEN + "revoke/",     None,    (401, 404, 404, 404, 404, 404, 404)),
    ("other token delete", "delete", OTHER_TOKEN,                 None,    (401, 404, 404, 404, 404, 404, 404)),
]
# fmt: on

CASES = [
    pytest.param(method, path, body, caller, expected, id=f"{name}-{method}-{caller}")
    for name, method, path, body, statuses in MATRIX
    for caller, expected in zip(CALLERS, statuses, strict=True)
]


@pytest.fixture
def registry():
    """Two supporters, an applicant waiting for review, and one user of every kind, each with a token."""
    same_org = OrganizationFactory(name="Streamwave", kind=OrganizationKind.PROVIDER)
    other_org = OrganizationFactory(name="Elsewhere", kind=OrganizationKind.GOVERNMENT)
    users = {
        "member": MembershipFactory(organization=same_org, role=Role.MEMBER).user,
        "reporter": MembershipFactory(organization=same_org, role=Role.REPORTER).user,
        "admin": MembershipFactory(organization=same_org, role=Role.ADMIN).user,
        "other_admin": MembershipFactory(organization=other_org, role=Role.ADMIN).user,
        "applicant": UserFactory(),
        "secretariat": UserFactory(is_secretariat=True),
    }
    make_totp(users["secretariat"])
    application = services.apply_for_organization(
        applicant=users["applicant"], name="Pending Platform", kind=OrganizationKind.PROVIDER, country="DE"
    )
    target = MembershipFactory(organization=same_org, role=Role.MEMBER)
    outsider_token, _key = services.create_api_token(user=UserFactory(), name="outsider")
    keys, spare_tokens = {}, {}
    for caller, user in users.items():
        keys[caller] = services.create_api_token(user=user, name="auth")[1]
        spare_tokens[caller] = services.create_api_token(user=user, name="spare")[0]
    return {
        "keys": keys,
        "spare_tokens": spare_tokens,
        "ids": {
            "same_org": same_org.pk,
            "pending_org": application.organization.pk,
            "target_membership": target.pk,
            "outsider_token": outsider_token.pk,
        },
    }


def registry_state():
    """Everything a registry request could change, except when a token was last used."""
    return (
        list(Organization.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
        list(StandingChange.objects.order_by("pk").values()),
        list(Invitation.objects.order_by("pk").values()),
        list(ApiToken.objects.order_by("pk").values("pk", "user_id", "name", "key_hash", "revoked_at")),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(("method", "path", "body", "caller", "expected"), CASES)
def test_permission_matrix(registry, method, path, body, caller, expected):
    client = APIClient()
    if caller != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Token {registry['keys'][caller]}")
    own_token = registry["spare_tokens"]["member" if caller == "anonymous" else caller].pk
    url = path.format(own_token=own_token, **registry["ids"])
    before = registry_state()

    response = getattr(client, method)(url, body, format="json")

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert "detail" in response.json()
        assert registry_state() == before
    elif method != "get":
        assert registry_state() != before
