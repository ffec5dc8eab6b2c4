"""Contact checks: every 90 days each responder confirms by a signed link that they are
still their organisation's contact; the beat emails each stale responder once per period;
org admins and the secretariat see who is stale, in words."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from portal.models import AuditEvent, Membership, Role, Standing
from portal.notifications import contact_checks
from portal.notifications.deliveries import Outcome
from portal.notifications.models import Delivery, DeliveryStatus
from portal.notifications.tasks import queue_contact_checks_task
from tests.portal.factories import MembershipFactory, OrganizationFactory, SecretariatFactory, UserFactory

from .conftest import sent_to

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(days=120)


def responder(organization, *, joined_ago=LONG_AGO, email=None, role=Role.RESPONDER, **user_fields):
    user = UserFactory(**({"email": email} if email else {}), **user_fields)
    membership = MembershipFactory(user=user, organization=organization, role=role)
    # created_at is auto_now_add: move the clock's start back as if they joined long ago.
    Membership.objects.filter(pk=membership.pk).update(created_at=timezone.now() - joined_ago)
    membership.refresh_from_db()
    return membership


@pytest.fixture
def streamwave(db):
    return OrganizationFactory(name="Streamwave", slug="streamwave")


@pytest.fixture
def stale(streamwave):
    return responder(streamwave, email="ops@streamwave.example")


@pytest.fixture
def fresh(streamwave):
    return responder(streamwave, joined_ago=timedelta(days=10), email="new@streamwave.example")


def confirm_link(message) -> str:
    return re.search(r"https://portal\.example(/contacts/confirm/\S+/)", message.body).group(1)


# --- Who is stale ------------------------------------------------------------------------------


def test_the_clock_starts_at_joining_and_restarts_at_each_confirmation(stale, fresh):
    assert contact_checks.is_stale(stale) and not contact_checks.is_stale(fresh)
    contact_checks.confirm_contact(membership=stale)
    stale.refresh_from_db()
    assert not contact_checks.is_stale(stale)
    assert contact_checks.is_stale(stale, now=timezone.now() + timedelta(days=91))
    assert list(contact_checks.list_stale_contacts()) == []


def test_only_responders_of_supporters_and_endorsers_are_checked(streamwave, stale):
    responder(streamwave, role=Role.ADMIN)
    responder(streamwave, role=Role.MEMBER)
    responder(streamwave, is_active=False)
    responder(OrganizationFactory(standing=Standing.SUSPENDED))
    responder(OrganizationFactory(standing=Standing.APPLICANT))
    endorser = responder(OrganizationFactory(standing=Standing.ENDORSES))
    assert {m.pk for m in contact_checks.list_stale_contacts()} == {stale.pk, endorser.pk}


# --- The beat ----------------------------------------------------------------------------------


def test_the_beat_emails_each_stale_responder_once(stale, fresh, eager_celery):
    assert queue_contact_checks_task() == 1
    assert queue_contact_checks_task() == 0  # a second beat the same day: nothing more

    (message,) = sent_to(stale.user.email)
    assert "Streamwave" in message.subject
    assert confirm_link(message)
    assert sent_to(fresh.user.email) == []
    (delivery,) = Delivery.objects.filter(kind=contact_checks.KIND)
    assert delivery.status == DeliveryStatus.SENT and delivery.object_id == stale.pk
    assert contact_checks.send_contact_check(delivery_id=delivery.pk) == Outcome.DONE
    assert len(mail.outbox) == 1


def test_an_unconfirmed_responder_is_asked_again_a_period_later(stale, eager_celery):
    first = contact_checks.queue_due_contact_checks()
    assert contact_checks.queue_due_contact_checks(now=timezone.now() + timedelta(days=30)).delivery_ids == []
    later = contact_checks.queue_due_contact_checks(now=timezone.now() + timedelta(days=91))
    assert len(first.delivery_ids) == len(later.delivery_ids) == 1
    keys = set(Delivery.objects.filter(kind=contact_checks.KIND).values_list("key", flat=True))
    assert len(keys) == 2


def test_batches_are_capped_and_chained(streamwave, settings, eager_celery):
    settings.CONTACT_CHECK_BATCH_SIZE = 2
    for _ in range(5):
        responder(streamwave)
    queue_contact_checks_task()
    assert len(mail.outbox) == 5
    assert Delivery.objects.filter(kind=contact_checks.KIND, status=DeliveryStatus.SENT).count() == 5


def test_a_responder_who_confirmed_before_the_send_is_skipped(stale, eager_celery):
    batch = contact_checks.queue_due_contact_checks()
    contact_checks.confirm_contact(membership=stale)
    assert contact_checks.send_contact_check(delivery_id=batch.delivery_ids[0]) == Outcome.SKIPPED
    assert mail.outbox == []


def test_the_email_is_in_the_responders_language(streamwave, eager_celery):
    membership = responder(streamwave, language="ar")
    queue_contact_checks_task()
    (message,) = sent_to(membership.user.email)
    with translation.override("ar"):
        joined = date_format(timezone.localtime(membership.created_at), "DATE_FORMAT")
    assert joined in message.body  # Arabic month names: rendered in the responder's language


# --- The signed link ---------------------------------------------------------------------------


def test_the_link_confirms_without_signing_in(client, stale, eager_celery):
    queue_contact_checks_task()
    url = confirm_link(sent_to(stale.user.email)[0])

    page = client.get(url)
    assert page.status_code == 200 and "Streamwave" in page.content.decode()
    stale.refresh_from_db()
    assert stale.contact_confirmed_at is None  # opening the link (or a mail scanner) confirms nothing

    done = client.post(url)
    assert done.status_code == 200
    stale.refresh_from_db()
    assert stale.contact_confirmed_at is not None and not contact_checks.is_stale(stale)
    assert AuditEvent.objects.filter(action="membership.contact_confirmed", organization=stale.organization).exists()


def test_the_confirmation_page_reads_right_to_left_in_arabic(client, stale):
    url = reverse("portal:contact_confirm", args=[contact_checks.contact_token(stale)])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in html and 'lang="ar"' in html


@pytest.mark.parametrize("spoil", ["tampered", "role_changed", "email_changed", "left"])
def test_a_spoiled_link_changes_nothing(client, stale, spoil):
    token = contact_checks.contact_token(stale)
    if spoil == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif spoil == "role_changed":
        Membership.objects.filter(pk=stale.pk).update(is_admin=False, is_reporter=False, is_responder=False)
    elif spoil == "email_changed":
        type(stale.user).objects.filter(pk=stale.user_id).update(email="someone-else@example.org")
    else:
        stale.delete()
    url = reverse("portal:contact_confirm", args=[token])
    assert client.get(url).status_code == 400
    assert client.post(url).status_code == 400
    assert not Membership.objects.filter(contact_confirmed_at__isnull=False).exists()


# --- Who sees the stale ------------------------------------------------------------------------


def test_org_admins_see_stale_contacts_in_words_on_the_members_page(client, streamwave, stale, fresh):
    admin = responder(streamwave, role=Role.ADMIN).user
    client.force_login(admin)
    html = client.get(reverse("portal:organization_manage", args=[streamwave.slug])).content.decode()
    assert 'id="stale-contacts"' in html
    rows = {row for row in html.split("<tr>") if "@streamwave.example" in row}
    stale_row = next(row for row in rows if stale.user.email in row)
    fresh_row = next(row for row in rows if fresh.user.email in row)
    assert "Stale" in stale_row and "Confirmed" not in stale_row
    assert "Confirmed" in fresh_row and "Stale" not in fresh_row


def test_no_warning_when_every_responder_is_confirmed(client, streamwave, fresh):
    admin = responder(streamwave, role=Role.ADMIN).user
    client.force_login(admin)
    html = client.get(reverse("portal:organization_manage", args=[streamwave.slug])).content.decode()
    assert 'id="stale-contacts"' not in html and "Confirmed" in html


@pytest.fixture
def secretariat_client(client, db):
    user = SecretariatFactory()
    client.force_login(user)
    return client


def test_the_secretariat_lists_stale_contacts(secretariat_client, stale, fresh):
    html = secretariat_client.get(reverse("portal:stale_contacts")).content.decode()
    assert stale.user.email in html and "Stale" in html
    assert fresh.user.email not in html


def test_the_stale_list_is_the_secretariats_alone(client, streamwave, stale):
    assert client.get(reverse("portal:stale_contacts")).status_code == 302  # to sign in
    client.force_login(responder(streamwave, role=Role.ADMIN).user)
    assert client.get(reverse("portal:stale_contacts")).status_code == 403


@pytest.mark.parametrize("n", [2, 12])
def test_the_stale_list_runs_a_fixed_number_of_queries(secretariat_client, django_assert_max_num_queries, n):
    for i in range(n):
        responder(OrganizationFactory(name=f"Org {i}"))
    with django_assert_max_num_queries(8):
        response = secretariat_client.get(reverse("portal:stale_contacts"))
    assert response.status_code == 200 and response.content.decode().count("Stale") >= n


# --- The API counterpart (#15 API parity) ---------------------------------------------------------


def test_the_api_lists_stale_contacts_to_the_secretariat_alone(streamwave, stale, fresh, django_assert_max_num_queries):
    from tests.helpers.api_client import api

    secretariat = SecretariatFactory()
    with django_assert_max_num_queries(6):
        body = api(secretariat).get("/api/v1/contacts/stale/").json()
    assert [row["email"] for row in body["results"]] == [stale.user.email]
    row = body["results"][0]
    assert row["organization"] == {"id": streamwave.pk, "name": "Streamwave", "slug": "streamwave"}
    assert row["membership"] == stale.pk and row["last_confirmed_at"]
    assert api().get("/api/v1/contacts/stale/").status_code == 401
    assert api(responder(streamwave, role=Role.ADMIN).user).get("/api/v1/contacts/stale/").status_code == 403
    assert api(SecretariatFactory(totp=False)).get("/api/v1/contacts/stale/").status_code == 403
