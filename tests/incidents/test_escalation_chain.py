"""Escalation follows the organisation's chain: after each step's minutes the next person is
emailed, then (after the last step's minutes) the admins and the secretariat, until someone
acknowledges. Exactly once per step, whatever the sweep, a retry or a lost task does."""

from datetime import timedelta

import pytest
from django.core import mail

from incidents import services, tasks
from incidents.alert_emails import CHAIN_STEP_KIND, chain_step_key
from incidents.models import Acknowledgement, ItemKind, RoomItem, Tier, Tlp
from incidents.services import chains
from portal import services as portal_services
from portal.models import Membership, Role
from portal.notifications import deliveries
from portal.notifications.models import Delivery, DeliveryStatus

from .factories import responder_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://portal.example"


@pytest.fixture
def people(provider_a):
    """provider_a's chain: first (10 min), backup (15 min), then its admin as a step (20 min)."""
    first, backup = responder_of(provider_a), responder_of(provider_a)
    admin = responder_of(provider_a, role=Role.ADMIN)
    steps = [
        portal_services.StepInput(membership_id=Membership.objects.get(user=user).pk, wait_minutes=minutes)
        for user, minutes in ((first, 10), (backup, 15), (admin, 20))
    ]
    portal_services.set_escalation_chain(actor=admin, organization=provider_a, steps=steps)
    return {"first": first, "backup": backup, "admin": admin}


@pytest.fixture
def incident(secretariat, provider_a, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.declare_incident(
            actor=secretariat,
            title="Livestreamed attack",
            tier=Tier.FULL_PROTOCOL,
            tlp=Tlp.AMBER,
            organizations=[provider_a],
        )
    mail.outbox.clear()  # the alert round: both responders; what follows is the chain's
    return incident


def sweep(incident, minutes, django_capture_on_commit_callbacks):
    window = Acknowledgement.objects.get(incident=incident)
    with django_capture_on_commit_callbacks(execute=True):
        return chains.advance_chains(now=window.window_started_at + timedelta(minutes=minutes))


def recipients() -> list[str]:
    return [address for message in mail.outbox for address in message.to]


def test_each_step_is_emailed_after_the_minutes_before_it_then_the_admins_and_the_secretariat(
    incident, people, secretariat, django_capture_on_commit_callbacks
):
    sweep(incident, 9, django_capture_on_commit_callbacks)
    assert recipients() == []  # the first responder had the alert itself

    sweep(incident, 10, django_capture_on_commit_callbacks)
    assert recipients() == [people["backup"].email]
    assert "/incidents/acknowledge/" in mail.outbox[0].body  # a responder: the acknowledge link

    sweep(incident, 24, django_capture_on_commit_callbacks)
    assert recipients() == [people["backup"].email]

    sweep(incident, 25, django_capture_on_commit_callbacks)
    assert recipients() == [people["backup"].email, people["admin"].email]
    assert "/incidents/acknowledge/" not in mail.outbox[1].body  # an admin does not acknowledge

    batch = sweep(incident, 45, django_capture_on_commit_callbacks)
    assert batch.escalated == [Acknowledgement.objects.get(incident=incident).pk]
    assert sorted(recipients()[2:]) == sorted([people["admin"].email, secretariat.email])
    item = RoomItem.objects.get(incident=incident, kind=ItemKind.SYSTEM, data__has_key="escalated")
    assert "45 minutes" in item.text


def test_every_step_is_sent_once_however_often_the_sweep_and_the_task_run(
    incident, people, django_capture_on_commit_callbacks
):
    for _ in range(3):
        sweep(incident, 30, django_capture_on_commit_callbacks)
    window = Acknowledgement.objects.get(incident=incident)
    tasks.send_chain_step_task(acknowledgement_id=window.pk, step=2)
    assert sorted(recipients()) == sorted([people["backup"].email, people["admin"].email])
    keys = set(Delivery.objects.filter(kind=CHAIN_STEP_KIND).values_list("key", flat=True))
    assert {key.split(":")[4] for key in keys} == {"2", "3"}  # the step is in the key


def test_a_step_whose_task_was_lost_is_sent_by_the_next_sweep_once(
    incident, people, django_capture_on_commit_callbacks
):
    window = Acknowledgement.objects.get(incident=incident)
    key = chain_step_key(
        incident_id=incident.pk,
        organization_id=window.organization_id,
        tier=window.tier,
        step=2,
        user_id=people["backup"].pk,
    )
    # A worker wrote the record and died holding the claim.
    delivery = deliveries.ensure_delivery(
        key=key,
        kind=CHAIN_STEP_KIND,
        recipient=people["backup"],
        to_address=people["backup"].email,
        object_id=incident.pk,
    )
    assert deliveries.claim(delivery.pk) is not None
    Delivery.objects.filter(pk=delivery.pk).update(claimed_until=window.window_started_at)  # the lease lapsed
    sweep(incident, 11, django_capture_on_commit_callbacks)
    sweep(incident, 12, django_capture_on_commit_callbacks)
    assert recipients() == [people["backup"].email]
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT


def test_nothing_more_once_the_organisation_acknowledges(
    incident, people, provider_a, secretariat, django_capture_on_commit_callbacks
):
    sweep(incident, 10, django_capture_on_commit_callbacks)
    services.acknowledge_alert(incident=incident, organization=provider_a, user=people["backup"])
    sweep(incident, 60, django_capture_on_commit_callbacks)
    assert recipients() == [people["backup"].email]
    assert not RoomItem.objects.filter(incident=incident, data__has_key="escalated").exists()


def test_the_tier_window_sweep_leaves_an_organisation_with_a_chain_to_it(
    incident, people, secretariat, django_capture_on_commit_callbacks
):
    Acknowledgement.objects.filter(incident=incident).update(
        window_started_at=Acknowledgement.objects.get(incident=incident).window_started_at - timedelta(minutes=11)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.escalate_overdue_acknowledgements_task() == 0  # tier 3's 10 minutes are not its clock
    assert secretariat.email not in recipients()


def test_a_step_out_of_the_audience_is_recorded_unsent(
    incident, people, secretariat, django_capture_on_commit_callbacks
):
    # At AMBER+STRICT only responders are in the audience: the admin's step is not emailed.
    services.change_tlp(actor=secretariat, incident=incident, tlp=Tlp.AMBER_STRICT)
    mail.outbox.clear()
    sweep(incident, 26, django_capture_on_commit_callbacks)
    assert recipients() == [people["backup"].email]
    skipped = Delivery.objects.get(kind=CHAIN_STEP_KIND, recipient=people["admin"])
    assert skipped.status == DeliveryStatus.SKIPPED


def test_a_member_who_left_the_chain_is_not_called(incident, people, django_capture_on_commit_callbacks):
    Membership.objects.filter(user=people["backup"]).update(is_admin=False, is_reporter=False, is_responder=False)
    sweep(incident, 26, django_capture_on_commit_callbacks)
    assert recipients() == [people["admin"].email]


def test_a_step_reaches_the_deputy_of_a_responder_on_leave_once(
    incident, people, provider_a, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from tests.portal.factories import MembershipFactory

    stand_in = MembershipFactory(organization=provider_a, role=Role.MEMBER)
    now = timezone.now()
    portal_services.name_deputy(
        actor=people["admin"],
        membership=Membership.objects.get(user=people["backup"]),
        deputy=stand_in,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=7),
    )
    sweep(incident, 10, django_capture_on_commit_callbacks)
    assert sorted(recipients()) == sorted([people["backup"].email, stand_in.user.email])
    window = Acknowledgement.objects.get(incident=incident)
    tasks.send_chain_step_task(acknowledgement_id=window.pk, step=2)  # a retry: nobody twice
    sweep(incident, 11, django_capture_on_commit_callbacks)
    assert sorted(recipients()) == sorted([people["backup"].email, stand_in.user.email])
