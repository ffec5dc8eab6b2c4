"""A person downloads everything the portal holds about them (#14 data rights)."""

import json

import pytest
from django.urls import reverse

from commitments.services import record_progress
from incidents import services as incident_services
from incidents.models import Tier, Tlp
from portal.models import Role
from tests.commitments.conftest import catalogue  # noqa: F401 (the fixture)
from tests.commitments.factories import implementation_of, yesterday
from tests.incidents.factories import responder_of
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _download(client, user):
    client.force_login(user)
    response = client.get(reverse("portal:personal_data"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    return json.loads(response.content)


def test_the_download_holds_the_account_memberships_and_what_they_wrote(client, catalogue, secretariat):  # noqa: F811
    from commitments.services import ensure_implementations

    org = OrganizationFactory(name="Streamwave")
    ensure_implementations(organization=org)
    user = responder_of(org, role=Role.REPORTER)
    record_progress(
        actor=user, implementation=implementation_of(org, "OSP1"), status="limited", progress=20,
        as_of=yesterday(), visibility="public", narrative="Our words.", evidence_links=[],
    )  # fmt: skip
    incident = incident_services.declare_incident(
        actor=secretariat, title="Stream", summary="", tier=Tier.FULL_PROTOCOL, tlp=Tlp.AMBER, organizations=[org]
    )
    incident_services.post_message(incident=incident, actor=user, client_id=None, body="Seen on our platform.")
    data = _download(client, user)
    assert data["portal"]["account"]["email"] == user.email
    assert [m["organization"] for m in data["portal"]["memberships"]] == ["Streamwave"]
    assert data["commitments"]["progress_updates_written"][0]["narrative"] == "Our words."
    assert data["incidents"]["room_messages_written"][0]["body"] == "Seen on our platform."
    assert data["portal"]["second_factors"][0]["type"] == "totp"


def test_nobody_else_s_data_and_no_secrets(client):
    one, other = UserFactory(), UserFactory(email="other@example.org")
    MembershipFactory(user=other, organization=OrganizationFactory(name="Elsewhere"))
    data = _download(client, one)
    assert "other@example.org" not in json.dumps(data) and "Elsewhere" not in json.dumps(data)
    assert "password" not in json.dumps(data["portal"]["account"])


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("portal:personal_data"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_deleting_ones_account_keeps_the_log_pseudonymous(client, secretariat):
    from portal import services
    from portal.models import AuditEvent, User

    org = OrganizationFactory(name="Streamwave")
    user = UserFactory(email="leaving@streamwave.example")
    MembershipFactory(user=user, organization=org, role=Role.MEMBER)
    services.update_profile(user=user, full_name="Leaving Person")
    ref = user.pk
    client.force_login(user)
    response = client.post(reverse("portal:delete_account"), {"confirm_email": "wrong@example.org"})
    assert response.status_code == 400 and User.objects.filter(pk=ref).exists()
    response = client.post(reverse("portal:delete_account"), {"confirm_email": "Leaving@streamwave.example"})
    assert response.status_code == 302 and not User.objects.filter(pk=ref).exists()
    assert AuditEvent.objects.filter(actor_ref=ref, action="account.deleted").exists()
    client.force_login(secretariat)
    html = client.get(reverse("portal:audit_log")).content.decode()
    assert f"deleted user #{ref}" in html and "Leaving Person" not in html


def test_the_only_admin_of_an_organisation_with_members_cannot_leave_it_empty(client):
    from portal.models import User

    org = OrganizationFactory(name="Kestrel")
    admin = UserFactory()
    MembershipFactory(user=admin, organization=org, role=Role.ADMIN)
    MembershipFactory(user=UserFactory(), organization=org, role=Role.MEMBER)
    client.force_login(admin)
    response = client.post(reverse("portal:delete_account"), {"confirm_email": admin.email})
    assert response.status_code == 400 and "only admin of Kestrel" in response.content.decode()
    assert User.objects.filter(pk=admin.pk).exists()


def _notified_and_subscribed(user, count: int) -> None:
    from portal.notifications import inbox
    from portal.notifications.push_models import PushSubscription

    for index in range(count):
        inbox.notify(
            recipients=[user],
            kind="incident.declared",
            key=f"declared-{index}",
            message="Incident #%(number)s was declared.",
            params={"number": index},
            url=f"/incidents/{index}/",
        )
        PushSubscription.objects.create(
            user=user, endpoint=f"https://push.example.net/send/{user.pk}-{index}", p256dh="p" * 87, auth="a" * 22
        )


def test_the_download_holds_ones_notifications_and_push_subscriptions_without_their_keys(client):
    from portal.notifications import inbox

    user, other = UserFactory(), UserFactory()
    _notified_and_subscribed(user, 2)
    _notified_and_subscribed(other, 1)
    inbox.mark_read(user=user, notification_id=user.notifications.get(seq=1).pk)
    data = _download(client, user)["portal"]
    first, second = data["notifications"]
    assert first["event"] == "incident.declared" and first["message"] == "Incident #%(number)s was declared."
    assert first["params"] == {"number": 0} and first["read_at"] and first["created_at"]
    assert second["params"] == {"number": 1} and second["read_at"] is None
    assert [s["push_service"] for s in data["push_subscriptions"]] == ["push.example.net", "push.example.net"]
    text = json.dumps(data)
    assert "/send/" not in text and "p" * 87 not in text and "a" * 22 not in text  # no endpoint path, no keys


@pytest.mark.parametrize("count", [1, 6])
def test_the_registry_part_takes_a_fixed_number_of_queries(count, django_assert_max_num_queries):
    from portal import personal_data

    user = UserFactory()
    _notified_and_subscribed(user, count)
    with django_assert_max_num_queries(12):
        data = personal_data.registry_part(user)
    assert len(data["notifications"]) == count == len(data["push_subscriptions"])
