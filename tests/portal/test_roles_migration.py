"""Migrations 0016-0018 turn each single role into the matching role flag, and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("portal", "0015_user_time_zone")]
AFTER = [("portal", "0018_remove_single_role")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def _latest_afterwards():
    # Every later test (and the browser tests' server, on the same database) needs every
    # migration applied again, of every app, not only up to AFTER.
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_latest_afterwards")
def test_every_membership_keeps_its_role():
    old = migrate(BEFORE)
    User = old.get_model("portal", "User")
    Organization = old.get_model("portal", "Organization")
    Membership = old.get_model("portal", "Membership")
    Invitation = old.get_model("portal", "Invitation")
    organization = Organization.objects.create(name="Streamwave", slug="streamwave", kind="provider")
    roles = ["admin", "reporter", "responder", "member"]
    for role in roles:
        user = User.objects.create(email=f"{role}@example.org")
        Membership.objects.create(user=user, organization=organization, role=role)
        Invitation.objects.create(
            organization=organization, email=f"new-{role}@example.org", role=role, expires_at="2030-01-01T00:00Z"
        )

    new = migrate(AFTER)
    flags = ("is_admin", "is_reporter", "is_responder")
    expected = {
        "admin": (True, False, False),
        "reporter": (False, True, False),
        "responder": (False, False, True),
        "member": (False, False, False),
    }
    memberships = new.get_model("portal", "Membership").objects.values_list("user__email", *flags)
    assert {email.split("@")[0]: tuple(rest) for email, *rest in memberships} == expected
    invitations = new.get_model("portal", "Invitation").objects.values_list("email", *flags)
    assert {email.split("@")[0][4:]: tuple(rest) for email, *rest in invitations} == expected

    back = migrate(BEFORE)
    assert dict(back.get_model("portal", "Membership").objects.values_list("user__email", "role")) == {
        f"{role}@example.org": role for role in roles
    }
