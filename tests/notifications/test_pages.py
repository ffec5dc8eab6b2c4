"""The notification settings page, the digest preview and the signed unsubscribe link."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.models import DigestPreference
from portal.notifications import digests, render
from portal.notifications.models import DigestFrequency, DigestScope
from portal.notifications.tokens import unsubscribe_token
from tests.commitments.factories import member_of, supporter
from tests.portal.factories import UserFactory

from .conftest import report

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("portal:notification_settings")
PREVIEW_URL = reverse("portal:digest_preview")


@pytest.fixture
def member_client(client, streamwave_member):
    client.force_login(streamwave_member)
    return client


# --- Settings -------------------------------------------------------------------------------


def test_settings_need_a_signed_in_user(client, db):
    assert client.get(SETTINGS_URL).status_code == 302
    assert client.get(PREVIEW_URL).status_code == 302


def test_a_member_starts_on_a_weekly_community_digest(member_client):
    response = member_client.get(SETTINGS_URL)
    form = response.context["form"]
    assert (form["frequency"].value(), form["scope"].value()) == ("weekly", "community")
    assert 'value="OSP1"' in response.content.decode()  # offered by the commitments app's section provider


def test_saving_a_choice_of_commitments(member_client, streamwave_member):
    response = member_client.post(
        SETTINGS_URL,
        {"frequency": "daily", "scope": "commitments", "commitment_codes": ["OSP1", "OSP4"], "language": "fr"},
    )
    assert response.status_code == 302
    preference = DigestPreference.objects.get(user=streamwave_member)
    assert (preference.frequency, preference.scope, preference.commitment_codes) == (
        DigestFrequency.DAILY,
        DigestScope.COMMITMENTS,
        ["OSP1", "OSP4"],
    )
    streamwave_member.refresh_from_db()
    assert streamwave_member.language == "fr"  # the account's one language


@pytest.mark.parametrize(
    "data",
    [
        {"frequency": "hourly", "scope": "community"},
        {"frequency": "daily", "scope": "everything"},
        {"frequency": "daily", "scope": "commitments"},  # none chosen
        {"frequency": "daily", "scope": "commitments", "commitment_codes": ["NOPE"]},
        {"frequency": "daily", "scope": "community", "language": "xx"},
        {},
    ],
)
def test_bad_settings_show_an_error_and_change_nothing(member_client, streamwave_member, data):
    response = member_client.post(SETTINGS_URL, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not DigestPreference.objects.filter(user=streamwave_member).exists()


# --- Preview ---------------------------------------------------------------------------------


def test_the_preview_shows_the_next_digest(member_client, kestrel, secretariat):
    report(kestrel, "OSP1", reviewer=secretariat)
    page = member_client.get(PREVIEW_URL).content.decode()
    assert "Kestrel Streams — OSP1" in page
    assert "<script>" not in page.split("<main", 1)[1]


def test_the_preview_of_someone_with_nothing_new_says_so(client, streamwave):
    user = UserFactory()
    client.force_login(user)
    page = client.get(PREVIEW_URL).content.decode()
    assert "no digest would be sent" in page
    assert "Digests are turned off for you" in page


# Claim, load (delivery, recipient, preference, previous digest), memberships, own organisation's
# updates, community highlights, overdue implementations, deadlines, mark sent.
DIGEST_QUERIES = 8
# The next recipient of the same audience and window reuses the sections: claim, load, memberships, mark sent.
SHARED_DIGEST_QUERIES = 4


@pytest.mark.parametrize("size", [2, 8])
def test_a_digest_costs_the_same_queries_whatever_the_size_of_the_community(
    catalogue, secretariat, settings, size, django_assert_num_queries
):
    settings.DIGEST_DEADLINE_HORIZON_DAYS = 400  # every digest lists deadlines too
    orgs = [supporter(f"Supporter {n}") for n in range(size)]
    for org in orgs:
        for code in ("OSP1", "OSP2", "OSP3")[: 1 + size // 4]:
            report(org, code, reviewer=secretariat)
    readers = [member_of(orgs[0]), member_of(orgs[0])]
    digests.queue_due_digests(now=timezone.now(), limit=1000)
    first, second = (reader.deliveries.get() for reader in readers)
    with django_assert_num_queries(DIGEST_QUERIES):
        assert digests.send_digest(delivery_id=first.pk) == "sent"
    with django_assert_num_queries(SHARED_DIGEST_QUERIES):
        assert digests.send_digest(delivery_id=second.pk) == "sent"


# --- Unsubscribe --------------------------------------------------------------------------------


def unsubscribe_url(user):
    return reverse("portal:unsubscribe", args=[unsubscribe_token(user)])


def test_the_unsubscribe_link_asks_first_then_unsubscribes_without_signing_in(streamwave_member):
    browser = Client(enforce_csrf_checks=True)
    url = unsubscribe_url(streamwave_member)
    page = browser.get(url)
    assert page.status_code == 200 and streamwave_member.email in page.content.decode()
    assert not DigestPreference.objects.filter(user=streamwave_member).exists()  # a GET changes nothing

    assert browser.post(url).status_code == 200
    assert DigestPreference.objects.get(user=streamwave_member).frequency == DigestFrequency.OFF


def test_one_click_unsubscribe_from_a_mail_client(streamwave_member):
    response = Client(enforce_csrf_checks=True).post(
        unsubscribe_url(streamwave_member),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert DigestPreference.objects.get(user=streamwave_member).frequency == DigestFrequency.OFF
    assert digests.due_digest_users(timezone.now()).filter(pk=streamwave_member.pk).count() == 0


def test_the_link_in_a_sent_digest_works(streamwave_member, kestrel, secretariat):
    report(kestrel, "OSP1", reviewer=secretariat)
    link = render.unsubscribe_url(streamwave_member)
    path = link.removeprefix("https://portal.example")
    assert Client(enforce_csrf_checks=True).post(path).status_code == 200
    assert DigestPreference.objects.get(user=streamwave_member).frequency == DigestFrequency.OFF


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_is_refused_and_changes_nothing(client, streamwave_member, method):
    other = UserFactory()
    token = unsubscribe_token(streamwave_member)
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        unsubscribe_token(other).split(":")[0] + ":" + token.split(":", 1)[1],
        "not-a-token",
    ]
    for bad in forged:
        response = getattr(client, method)(reverse("portal:unsubscribe", args=[bad]))
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    assert not DigestPreference.objects.exists()


def test_a_link_for_an_address_that_changed_hands_is_refused(client, streamwave_member):
    url = unsubscribe_url(streamwave_member)
    streamwave_member.email = "someone.else@example.org"
    streamwave_member.save()
    assert client.post(url).status_code == 400


def test_the_api_reads_and_changes_the_same_settings(streamwave_member):
    from tests.helpers.api_client import api

    client = api(streamwave_member)
    current = client.get("/api/v1/me/notifications/").json()
    assert current["frequency"] == "weekly" and current["scope"] == "community"
    body = {"frequency": "daily", "scope": "commitments", "commitment_codes": ["OSP1"], "language": "ar"}
    changed = client.put("/api/v1/me/notifications/", body, format="json")
    assert changed.status_code == 200 and changed.json() == {**body}
    streamwave_member.refresh_from_db()
    assert streamwave_member.language == "ar"
    bad = client.put("/api/v1/me/notifications/", {"frequency": "hourly", "scope": "community"}, format="json")
    assert bad.status_code == 400 and "frequency" in bad.json()
    assert client.get("/api/v1/me/notifications/").json() == {**body}  # nothing changed


def test_the_api_previews_the_digest_without_sending_it(django_capture_on_commit_callbacks):
    from django.core import mail

    from portal.notifications.models import Delivery
    from tests.helpers.api_client import api
    from tests.portal.factories import UserFactory

    user = UserFactory(language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        response = api(user).get("/api/v1/me/notifications/preview/")
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "fr" and body["frequency"] == "weekly"
    assert body["subject"] and body["text"] and body["html"].lstrip().lower().startswith("<!doctype")
    assert mail.outbox == [] and not Delivery.objects.exists()
