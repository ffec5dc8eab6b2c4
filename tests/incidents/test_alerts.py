import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from incidents import alert_emails, reports, services, tasks
from incidents.models import Acknowledgement, ItemKind, RoomItem, Tier, Tlp
from portal.models import Role
from portal.notifications.models import Delivery
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

from .factories import responder_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://portal.example"


@pytest.fixture
def two_responders_each(provider_a, provider_b):
    return {
        provider_a: [responder_of(provider_a), responder_of(provider_a)],
        provider_b: [responder_of(provider_b)],
    }


@pytest.fixture
def outsider_responder(db):
    return responder_of(OrganizationFactory(name="Not invited"))


def declare(secretariat, organizations, django_capture_on_commit_callbacks, **fields):
    fields = {"title": "Livestreamed attack", "tier": Tier.FULL_PROTOCOL, "tlp": Tlp.AMBER, **fields}
    with django_capture_on_commit_callbacks(execute=True):
        return services.declare_incident(actor=secretariat, organizations=organizations, **fields)


@pytest.fixture
def alerted_incident(secretariat, provider_a, provider_b, two_responders_each, django_capture_on_commit_callbacks):
    return declare(secretariat, [provider_a, provider_b], django_capture_on_commit_callbacks)


def sent_to(user) -> list:
    return [message for message in mail.outbox if user.email in message.to]


def acknowledge_path(message) -> str:
    url = re.search(r"https://portal\.example(/incidents/acknowledge/\S+/)", message.body)
    assert url, message.body
    return url.group(1)


def make_overdue(incident, *, minutes=11):
    Acknowledgement.objects.filter(incident=incident).update(
        window_started_at=timezone.now() - timedelta(minutes=minutes)
    )


def escalate(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.escalate_overdue_acknowledgements_task()


# --- Alerts -------------------------------------------------------------------------------


def test_declaring_alerts_every_responder_of_every_invited_organisation_once(
    alerted_incident, two_responders_each, outsider_responder, provider_a
):
    responders = [user for users in two_responders_each.values() for user in users]
    for user in responders:
        (message,) = sent_to(user)
        assert alerted_incident.title in message.subject
        assert "/incidents/acknowledge/" in message.body
        assert "EXERCISE" not in message.subject
    assert sent_to(outsider_responder) == []
    tasks.send_alerts_task(incident_id=alerted_incident.pk, tier=alerted_incident.tier)
    tasks.send_alerts_task(incident_id=alerted_incident.pk, tier=alerted_incident.tier)
    assert len(mail.outbox) == len(responders)
    assert Delivery.objects.filter(kind=alert_emails.ALERT_KIND).count() == len(responders)


def test_members_and_admins_are_not_alerted_where_there_is_a_responder(
    secretariat, provider_a, django_capture_on_commit_callbacks
):
    admin = responder_of(provider_a, role=Role.ADMIN)
    member = responder_of(provider_a, role=Role.MEMBER)
    responder = responder_of(provider_a)
    declare(secretariat, [provider_a], django_capture_on_commit_callbacks)
    assert sent_to(admin) == [] and sent_to(member) == [] and len(sent_to(responder)) == 1


def test_tlp_red_alerts_only_the_named_responders(secretariat, provider_a, django_capture_on_commit_callbacks):
    named, unnamed = responder_of(provider_a), responder_of(provider_a)
    declare(secretariat, [provider_a], django_capture_on_commit_callbacks, tlp=Tlp.RED, recipients=[named])
    assert len(sent_to(named)) == 1 and sent_to(unnamed) == []


def test_alert_is_in_the_recipients_language_and_marks_exercises(
    secretariat, provider_a, django_capture_on_commit_callbacks
):
    french = responder_of(provider_a)
    french.language = "fr"
    french.save(update_fields=["language"])
    english = responder_of(provider_a)
    declare(secretariat, [provider_a], django_capture_on_commit_callbacks, is_exercise=True)
    declare(secretariat, [provider_a], django_capture_on_commit_callbacks, title="Real one")
    exercise_fr, real_fr = sent_to(french)
    assert exercise_fr.subject.startswith("[EXERCICE]") and exercise_fr.body.startswith("EXERCICE")
    assert "EXERCICE" not in real_fr.subject + real_fr.body
    exercise_en, _real_en = sent_to(english)
    assert exercise_en.subject.startswith("[EXERCISE]") and exercise_en.body.startswith("EXERCISE")


def test_escalating_the_tier_alerts_again_once(
    secretariat, provider_a, two_responders_each, django_capture_on_commit_callbacks
):
    incident = declare(secretariat, [provider_a], django_capture_on_commit_callbacks, tier=Tier.COMMUNICATIONS)
    responder = two_responders_each[provider_a][0]
    assert len(sent_to(responder)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.change_tier(actor=secretariat, incident=incident, tier=Tier.FULL_PROTOCOL)
    assert len(sent_to(responder)) == 2
    tasks.send_alerts_task(incident_id=incident.pk, tier=Tier.FULL_PROTOCOL)
    assert len(sent_to(responder)) == 2


def test_an_organisation_invited_later_is_alerted(
    alerted_incident, secretariat, django_capture_on_commit_callbacks, outsider_responder
):
    organization = outsider_responder.memberships.get().organization
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_organization(actor=secretariat, incident=alerted_incident, organization=organization)
    assert len(sent_to(outsider_responder)) == 1
    assert len(mail.outbox) == before + 1


# --- Acknowledging ------------------------------------------------------------------------


def test_acknowledging_through_the_link_records_once_and_shows_on_the_board(
    client, alerted_incident, two_responders_each, provider_a, provider_b, secretariat
):
    first, second = two_responders_each[provider_a]
    path = acknowledge_path(sent_to(first)[0])
    response = client.get(path)
    assert response.status_code == 200 and b'method="post"' in response.content
    assert not Acknowledgement.objects.filter(acknowledged_at__isnull=False).exists()  # GET changes nothing

    assert client.post(path).status_code == 200
    assert client.post(acknowledge_path(sent_to(second)[0])).status_code == 200
    ack = Acknowledgement.objects.get(incident=alerted_incident, organization=provider_a)
    assert ack.acknowledged_by == first and ack.acknowledged_at is not None
    items = RoomItem.objects.filter(incident=alerted_incident, kind=ItemKind.SYSTEM, data__acknowledged=provider_a.pk)
    assert items.count() == 1
    assert reports.first_acknowledgement_at(alerted_incident) == ack.acknowledged_at

    client.force_login(secretariat)
    html = client.get(f"/incidents/{alerted_incident.pk}/").content.decode()
    board = html.split('id="acknowledgement-board"', 1)[1].split("</section>", 1)[0]
    assert f'data-organization="{provider_a.pk}" data-acknowledged="1"' in board
    assert f'data-organization="{provider_b.pk}" data-acknowledged="0"' in board


def test_acknowledge_link_works_for_a_signed_in_user(client, alerted_incident, two_responders_each, provider_b):
    (responder,) = two_responders_each[provider_b]
    client.force_login(responder)
    assert client.post(acknowledge_path(sent_to(responder)[0])).status_code == 200
    assert Acknowledgement.objects.get(organization=provider_b).acknowledged_by == responder


def test_a_member_who_reports_and_responds_is_alerted(
    secretariat, provider_a, provider_b, django_capture_on_commit_callbacks
):
    both = UserFactory()
    MembershipFactory(user=both, organization=provider_a, roles=[Role.REPORTER, Role.RESPONDER])
    make_totp(both)
    responder_of(provider_b)
    declare(secretariat, [provider_a, provider_b], django_capture_on_commit_callbacks)
    assert len(sent_to(both)) == 1


def test_an_organisation_without_a_responder_has_its_admins_alerted_and_they_acknowledge(
    client, secretariat, provider_a, provider_b, django_capture_on_commit_callbacks
):
    lone_admin = responder_of(provider_a, role=Role.ADMIN)
    b_admin = responder_of(provider_b, role=Role.ADMIN)
    b_responder = responder_of(provider_b)
    incident = declare(secretariat, [provider_a, provider_b], django_capture_on_commit_callbacks)
    (message,) = sent_to(lone_admin)
    assert sent_to(b_admin) == []  # provider B has a responder: its admin is not alerted
    assert len(sent_to(b_responder)) == 1
    assert client.post(acknowledge_path(message)).status_code in (200, 302)
    ack = Acknowledgement.objects.get(incident=incident, organization=provider_a)
    assert ack.acknowledged_by == lone_admin


def test_tampered_link_is_refused_and_changes_nothing(client, alerted_incident, two_responders_each, provider_a):
    path = acknowledge_path(sent_to(two_responders_each[provider_a][0])[0])
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = alert_emails.acknowledge_token(incident_id=alerted_incident.pk, organization_id=provider_a.pk, user_id=1)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "not-a-token", forged + "x"):
        assert client.get(f"/incidents/acknowledge/{bad}/").status_code == 400
        assert client.post(f"/incidents/acknowledge/{bad}/").status_code == 400
    assert not Acknowledgement.objects.filter(acknowledged_at__isnull=False).exists()


def test_link_of_someone_no_longer_a_responder_is_refused(client, alerted_incident, two_responders_each, provider_a):
    responder = two_responders_each[provider_a][0]
    path = acknowledge_path(sent_to(responder)[0])
    responder.memberships.update(is_admin=False, is_reporter=False, is_responder=False)
    assert client.post(path).status_code == 400
    assert not Acknowledgement.objects.filter(acknowledged_at__isnull=False).exists()


# --- Escalation ---------------------------------------------------------------------------


def test_escalation_fires_when_nobody_acknowledges(
    alerted_incident, provider_a, secretariat, django_capture_on_commit_callbacks
):
    admin = responder_of(provider_a, role=Role.ADMIN)
    make_overdue(alerted_incident)
    assert escalate(django_capture_on_commit_callbacks) == 2
    (to_admin,) = sent_to(admin)
    assert provider_a.name in to_admin.subject
    assert len(sent_to(secretariat)) == 2  # one per organisation that did not acknowledge
    system = RoomItem.objects.filter(incident=alerted_incident, kind=ItemKind.SYSTEM, data__has_key="escalated")
    assert system.count() == 2


def test_no_escalation_before_the_window_ends_or_after_an_acknowledgement(
    alerted_incident, provider_a, provider_b, secretariat, two_responders_each, django_capture_on_commit_callbacks
):
    make_overdue(alerted_incident, minutes=9)  # tier 3 window is 10 minutes
    assert escalate(django_capture_on_commit_callbacks) == 0
    for organization in (provider_a, provider_b):
        services.acknowledge_alert(
            incident=alerted_incident, organization=organization, user=two_responders_each[organization][0]
        )
    make_overdue(alerted_incident, minutes=60)
    assert escalate(django_capture_on_commit_callbacks) == 0
    assert sent_to(secretariat) == []


def test_rerunning_escalation_escalates_nothing_twice(
    alerted_incident, provider_a, secretariat, django_capture_on_commit_callbacks
):
    admin = responder_of(provider_a, role=Role.ADMIN)
    make_overdue(alerted_incident)
    assert escalate(django_capture_on_commit_callbacks) == 2
    assert escalate(django_capture_on_commit_callbacks) == 0
    for ack in Acknowledgement.objects.filter(incident=alerted_incident):
        tasks.send_escalation_task(acknowledgement_id=ack.pk)
    assert len(sent_to(admin)) == 1 and len(sent_to(secretariat)) == 2
    assert RoomItem.objects.filter(incident=alerted_incident, data__has_key="escalated").count() == 2


def test_escalation_works_in_capped_batches(
    alerted_incident, secretariat, settings, django_capture_on_commit_callbacks
):
    settings.INCIDENT_ESCALATION_BATCH_SIZE = 1
    make_overdue(alerted_incident)
    # The full first batch queues the next one (run eagerly here).
    assert escalate(django_capture_on_commit_callbacks) == 1
    assert Acknowledgement.objects.filter(escalated_at__isnull=False).count() == 2


def test_windows_follow_the_setting_and_the_tier(secretariat, provider_a, settings, django_capture_on_commit_callbacks):
    settings.INCIDENT_ACK_WINDOWS = {1: 60, 2: 30, 3: 10}
    responder_of(provider_a)
    incident = declare(secretariat, [provider_a], django_capture_on_commit_callbacks, tier=Tier.COMMUNICATIONS)
    make_overdue(incident, minutes=30)
    assert escalate(django_capture_on_commit_callbacks) == 0
    make_overdue(incident, minutes=61)
    assert escalate(django_capture_on_commit_callbacks) == 1


def test_closed_incidents_and_uninvited_organisations_are_not_escalated(
    alerted_incident, provider_a, secretariat, django_capture_on_commit_callbacks
):
    services.uninvite_organization(actor=secretariat, incident=alerted_incident, organization=provider_a)
    make_overdue(alerted_incident)
    assert escalate(django_capture_on_commit_callbacks) == 1
    services.change_status(actor=secretariat, incident=alerted_incident, status="closed")
    Acknowledgement.objects.update(escalated_at=None)
    assert escalate(django_capture_on_commit_callbacks) == 0


def test_escalation_of_a_gone_acknowledgement_sends_nothing():
    tasks.send_escalation_task(acknowledgement_id=999999)
    tasks.send_alerts_task(incident_id=999999, tier=3)
    assert mail.outbox == []


# --- The board on the detail page ---------------------------------------------------------


@pytest.mark.parametrize("size", [2, 12])
def test_detail_page_with_the_board_runs_bounded_queries(
    client, secretariat, django_assert_max_num_queries, django_capture_on_commit_callbacks, size
):
    organizations = [OrganizationFactory(name=f"Org {n:02d}") for n in range(size)]
    incident = declare(secretariat, organizations, django_capture_on_commit_callbacks)
    responder = UserFactory()
    for organization in organizations[::2]:
        services.acknowledge_alert(incident=incident, organization=organization, user=responder)
    client.force_login(secretariat)
    with django_assert_max_num_queries(21):  # 21: the action form's menu of owners is one more
        response = client.get(f"/incidents/{incident.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count("data-acknowledged=") == size
