"""Incident events in people's notification centres (incidents/inbox.py): who hears of each,
decided by the audience rules when it is sent, and once per event and person."""

from datetime import timedelta

import pytest

from incidents import services, tasks
from incidents.models import Acknowledgement, Tier, Tlp
from incidents.services import chains
from portal import services as portal_services
from portal.models import Membership, Role
from portal.notifications.stream_models import Notification
from tests.portal.factories import MembershipFactory, OrganizationFactory

from .factories import responder_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


def kinds_of(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("seq").values_list("kind", flat=True))


def texts_of(user, kind) -> list[str]:
    return [n.text for n in Notification.objects.filter(user=user, kind=kind).order_by("seq")]


@pytest.fixture
def member_a(provider_a):
    return MembershipFactory(organization=provider_a, role=Role.MEMBER).user


@pytest.fixture
def outsider():
    return MembershipFactory(organization=OrganizationFactory(name="Not invited"), role=Role.RESPONDER).user


def declare(secretariat, organizations, capture, *, tlp=Tlp.AMBER, tier=Tier.COORDINATED):
    with capture(execute=True):
        return services.declare_incident(
            actor=secretariat, title="Livestreamed attack", tier=tier, tlp=tlp, organizations=organizations
        )


def test_declaring_tells_the_invited_organisations_people_and_alerts_their_responders(
    secretariat, provider_a, responder_a, member_a, outsider, django_capture_on_commit_callbacks
):
    incident = declare(secretariat, [provider_a], django_capture_on_commit_callbacks)
    assert kinds_of(responder_a) == ["incident.declared", "alert.opened"]
    assert kinds_of(member_a) == ["incident.declared"]  # not a responder: nothing to acknowledge
    assert kinds_of(outsider) == [] and kinds_of(secretariat) == []  # the declarer needs no telling
    declared = Notification.objects.get(user=member_a)
    assert declared.text == f"Incident #{incident.pk} was declared." and declared.url == f"/incidents/{incident.pk}/"
    assert "Livestreamed" not in "".join(n.text for n in Notification.objects.all())  # no content, whatever the TLP
    assert texts_of(responder_a, "alert.opened") == [
        f"Incident #{incident.pk} needs your organisation's acknowledgement"
    ]


def test_at_red_only_named_recipients_hear(
    secretariat, provider_a, responder_a, member_a, django_capture_on_commit_callbacks
):
    declare(secretariat, [provider_a], django_capture_on_commit_callbacks, tlp=Tlp.RED)
    assert kinds_of(responder_a) == [] and kinds_of(member_a) == []


def test_inviting_later_and_raising_the_tier(
    secretariat, provider_a, provider_b, responder_a, responder_b, django_capture_on_commit_callbacks
):
    incident = declare(secretariat, [provider_a], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_organization(actor=secretariat, incident=incident, organization=provider_b)
    assert kinds_of(responder_b) == ["incident.declared", "alert.opened"]
    with django_capture_on_commit_callbacks(execute=True):
        services.change_tier(actor=secretariat, incident=incident, tier=Tier.FULL_PROTOCOL)
    assert kinds_of(responder_a)[-2:] == ["incident.escalated", "alert.opened"]
    assert texts_of(responder_b, "incident.escalated") == [f"Incident #{incident.pk} was escalated to tier 3."]
    with django_capture_on_commit_callbacks(execute=True):  # down and up again: the same tier, told once
        services.change_tier(actor=secretariat, incident=incident, tier=Tier.COORDINATED)
        services.change_tier(actor=secretariat, incident=incident, tier=Tier.FULL_PROTOCOL)
    assert kinds_of(responder_b).count("incident.escalated") == 1


@pytest.fixture
def chain(provider_a):
    first, backup = responder_of(provider_a), responder_of(provider_a)
    admin = responder_of(provider_a, role=Role.ADMIN)
    steps = [
        portal_services.StepInput(membership_id=Membership.objects.get(user=user).pk, wait_minutes=minutes)
        for user, minutes in ((first, 10), (backup, 15), (admin, 20))
    ]
    portal_services.set_escalation_chain(actor=admin, organization=provider_a, steps=steps)
    return {"first": first, "backup": backup, "admin": admin}


def test_each_chain_step_and_the_escalation_notify_once_whatever_reruns(
    secretariat, provider_a, chain, django_capture_on_commit_callbacks
):
    incident = declare(secretariat, [provider_a], django_capture_on_commit_callbacks, tier=Tier.FULL_PROTOCOL)
    window = Acknowledgement.objects.get(incident=incident)
    for minutes in (10, 10, 30, 45, 45):
        with django_capture_on_commit_callbacks(execute=True):
            chains.advance_chains(now=window.window_started_at + timedelta(minutes=minutes))
    tasks.send_chain_step_task(acknowledgement_id=window.pk, step=2)  # a worker restarted mid-task
    tasks.send_escalation_task(acknowledgement_id=window.pk)
    assert texts_of(chain["backup"], "alert.chain_step") == [
        f"Incident #{incident.pk} is not acknowledged: you are step 2 of the chain."
    ]
    assert kinds_of(chain["admin"]).count("alert.chain_step") == 1
    assert kinds_of(chain["admin"]).count("alert.escalated") == 1
    assert kinds_of(secretariat) == ["alert.escalated"]
    assert "alert.chain_step" not in kinds_of(chain["first"])  # the first step had the alert itself


def test_no_escalation_notification_once_acknowledged(
    secretariat, provider_a, chain, django_capture_on_commit_callbacks
):
    incident = declare(secretariat, [provider_a], django_capture_on_commit_callbacks, tier=Tier.FULL_PROTOCOL)
    services.acknowledge_alert(incident=incident, organization=provider_a, user=chain["first"])
    window = Acknowledgement.objects.get(incident=incident)
    with django_capture_on_commit_callbacks(execute=True):
        chains.advance_chains(now=window.window_started_at + timedelta(minutes=60))
    tasks.send_chain_step_task(acknowledgement_id=window.pk, step=2)
    assert "alert.chain_step" not in kinds_of(chain["backup"])
    assert kinds_of(secretariat) == []


def test_activation_requests_reach_the_secretariat_and_the_decision_the_requester(
    secretariat, responder_a, provider_a, django_capture_on_commit_callbacks
):
    asked = services.request_activation(actor=responder_a, organization=provider_a, title="Attack video spreading")
    assert texts_of(secretariat, "activation.requested") == [
        "Provider A requests the activation of the crisis protocol: Attack video spreading"
    ]
    services.decline_activation(actor=secretariat, request=asked, reason="Not a violent event")
    assert texts_of(responder_a, "activation.decided") == [
        "Your activation request “Attack video spreading” was declined: Not a violent event"
    ]
    again = services.request_activation(actor=responder_a, organization=provider_a, title="Second attack")
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.confirm_activation(actor=secretariat, request=again)
    assert texts_of(responder_a, "activation.decided")[-1] == (
        f"Your activation request “Second attack” was confirmed: incident #{incident.pk}."
    )


def test_an_action_tells_the_assigned_organisations_people(
    secretariat, provider_a, provider_b, responder_a, responder_b, django_capture_on_commit_callbacks
):
    incident = declare(secretariat, [provider_a, provider_b], django_capture_on_commit_callbacks)
    services.create_action(actor=responder_a, incident=incident, title="Hash the clip", organization=provider_b)
    assert texts_of(responder_b, "action.assigned") == [
        f"Incident #{incident.pk}: an action was assigned to your organisation."
    ]
    assert "action.assigned" not in kinds_of(responder_a)
