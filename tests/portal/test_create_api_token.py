"""`manage.py create_api_token EMAIL [--name NAME]` prints only the key."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from portal.models import ApiToken, Role

from .factories import MembershipFactory, UserFactory, make_totp

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    stdout = StringIO()
    call_command("create_api_token", *args, stdout=stdout)
    return stdout.getvalue()


def test_prints_a_key_that_authenticates():
    user = UserFactory(email="ops@example.org")

    output = run("OPS@example.org", "--name", "deploy")

    key = output.strip()
    assert output == key + "\n"
    token = ApiToken.objects.get(user=user)
    assert token.name == "deploy"
    assert token.prefix == key[:10]
    response = APIClient().get("/api/v1/tokens/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert [t["name"] for t in response.json()["results"]] == ["deploy"]


def test_each_run_makes_a_new_token():
    UserFactory(email="ops@example.org")
    assert run("ops@example.org") != run("ops@example.org")
    assert ApiToken.objects.count() == 2


def test_unknown_email_is_an_error():
    with pytest.raises(CommandError, match=re.escape("No user has the email address nobody@example.org")):
        run("nobody@example.org")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "make_user", [lambda: UserFactory(is_secretariat=True), lambda: MembershipFactory(role=Role.RESPONDER).user]
)
def test_two_factor_is_required_first_for_secretariat_and_responders(make_user):
    user = make_user()
    with pytest.raises(CommandError, match=re.escape("Set up two-factor authentication before creating an API token.")):
        run(user.email)
    assert not ApiToken.objects.exists()

    make_totp(user)
    assert run(user.email).startswith("cp_")


def test_inactive_user_is_an_error():
    user = UserFactory(is_active=False)
    with pytest.raises(CommandError, match=re.escape("This account is not active.")):
        run(user.email)
