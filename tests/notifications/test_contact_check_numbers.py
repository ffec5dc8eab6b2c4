"""The 90-day contact check asks the responder to confirm their 24/7 numbers too: the email and
the page show the numbers on file (or say there are none), and confirming stamps them."""

import pytest

from portal import services
from portal.contacts.models import ResponderContact
from portal.notifications import contact_checks
from portal.notifications.tasks import queue_contact_checks_task
from tests.portal.factories import OrganizationFactory

from .conftest import sent_to
from .test_contact_checks import confirm_link, responder

pytestmark = pytest.mark.django_db


@pytest.fixture
def stale_with_numbers(db):
    membership = responder(OrganizationFactory(name="Streamwave"), email="ops@streamwave.example")
    services.update_contact(
        actor=membership.user,
        user=membership.user,
        numbers=[services.NumberInput(label="satellite", number="+64 21 123 4567")],
        time_zone="Pacific/Auckland",
        languages=[],
    )
    return membership


def test_the_email_and_the_page_show_the_numbers_and_confirming_stamps_them(client, stale_with_numbers, eager_celery):
    queue_contact_checks_task()
    (message,) = sent_to(stale_with_numbers.user.email)
    assert "+64 21 123 4567 (Satellite)" in message.body
    assert "https://portal.example/account/contact/" in message.body

    url = confirm_link(message)
    assert "+64 21 123 4567" in client.get(url).content.decode()
    assert ResponderContact.objects.get(user=stale_with_numbers.user).numbers_confirmed_at is None

    client.post(url)
    contact = ResponderContact.objects.get(user=stale_with_numbers.user)
    stale_with_numbers.refresh_from_db()
    assert contact.numbers_confirmed_at == stale_with_numbers.contact_confirmed_at


def test_a_responder_without_numbers_is_told_so_and_nothing_is_stamped(client, db, eager_celery):
    membership = responder(OrganizationFactory(name="Streamwave"))
    queue_contact_checks_task()
    (message,) = sent_to(membership.user.email)
    assert "no 24/7 number on file" in message.body
    contact_checks.confirm_contact(membership=membership)
    assert not ResponderContact.objects.exists()
