"""Incident and progress events reach organisations' systems under the TLP and visibility
rules (docs/operations.md, "Webhooks"): only invited organisations hear of an incident;
AMBER+STRICT and RED content never leaves; progress goes to others only once accepted
and public; an organisation's own systems get its own updates up to supporters level."""

import json

import pytest
from django.utils import timezone

from commitments.services import create_transparency_report, edit_progress, publish_transparency_report
from commitments.services import review_progress as review
from incidents import services as incidents
from incidents.models import Status, Tlp
from portal.models import OrganizationKind, Role, Standing
from portal.webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint, WebhookEvent
from tests.commitments.factories import member_of, supporter
from tests.helpers.webhooks import Receiver
from tests.notifications.conftest import report
from tests.portal.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

ALL_EVENTS = list(WebhookEvent.values)
REFERENCE_KEYS = {"id", "tier", "status", "tlp", "exercise", "url"}


@pytest.fixture
def receiver(settings, eager_celery):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def endpoint_for(organization, receiver, events=ALL_EVENTS):
    return WebhookEndpoint.objects.create(organization=organization, url=receiver.url, events=events, secret="s")


def received(receiver, organization, event) -> list[dict]:
    """The `data` of every envelope this organisation's endpoints got for `event`."""
    return [e["data"] for e in receiver.envelopes() if e["organization"] == organization.pk and e["event"] == event]


def raw_bodies(receiver, organization) -> str:
    return " ".join(
        body.decode() for _p, _h, body in receiver.requests if json.loads(body)["organization"] == organization.pk
    )


# --- Incidents -----------------------------------------------------------------------------


@pytest.fixture
def orgs(db, receiver):
    """Two invited providers and one supporter left out, each with an endpoint for every event."""
    invited_a, invited_b, left_out = (OrganizationFactory(name=n) for n in ("Invited A", "Invited B", "Left Out"))
    for organization in (invited_a, invited_b, left_out):
        endpoint_for(organization, receiver)
    return invited_a, invited_b, left_out


def declare(secretariat, orgs, capture, *, tlp, exercise=False):
    invited_a, invited_b, _left_out = orgs
    with capture(execute=True):
        return incidents.declare_incident(
            actor=secretariat,
            title="Attack video spreading",
            summary="Re-uploads of the perpetrator's stream",
            tlp=tlp,
            is_exercise=exercise,
            organizations=[invited_a, invited_b],
        )


@pytest.mark.parametrize("tlp", [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER])
def test_content_levels_send_the_incident_to_invited_organisations_only(
    secretariat, orgs, receiver, django_capture_on_commit_callbacks, tlp
):
    invited_a, invited_b, left_out = orgs
    incident = declare(secretariat, orgs, django_capture_on_commit_callbacks, tlp=tlp)

    for organization in (invited_a, invited_b):
        (data,) = received(receiver, organization, "incident.declared")
        assert data["incident"]["title"] == "Attack video spreading"
        assert data["incident"]["summary"] == "Re-uploads of the perpetrator's stream"
        assert data["incident"]["id"] == incident.pk and data["incident"]["tlp"] == tlp
        assert data["incident"]["exercise"] is False
        assert data["incident"]["url"] == f"https://portal.example/incidents/{incident.pk}/"
        assert "content_withheld" not in data
    # Even at CLEAR and GREEN, which every supporter's people may read: machines of the
    # organisations not invited are not told.
    assert raw_bodies(receiver, left_out) == ""
    assert WebhookDelivery.objects.filter(endpoint__organization=left_out).count() == 0


@pytest.mark.parametrize("tlp", [Tlp.AMBER_STRICT, Tlp.RED])
def test_strict_levels_send_only_a_reference(secretariat, orgs, receiver, django_capture_on_commit_callbacks, tlp):
    invited_a, _invited_b, left_out = orgs
    incident = declare(secretariat, orgs, django_capture_on_commit_callbacks, tlp=tlp)
    with django_capture_on_commit_callbacks(execute=True):
        incidents.post_message(incident=incident, actor=secretariat, client_id=None, body="Hash list attached")
        incidents.change_status(actor=secretariat, incident=incident, status=Status.ACTIVE, note="Confirmed livestream")

    for event in ("incident.declared", "incident.status_changed"):
        (data,) = received(receiver, invited_a, event)
        assert data == {
            "incident": {
                "id": incident.pk,
                "tier": incident.tier,
                "status": data["incident"]["status"],
                "tlp": tlp,
                "exercise": False,
                "url": f"https://portal.example/incidents/{incident.pk}/",
            },
            "content_withheld": True,
        }
    items = received(receiver, invited_a, "incident.item")
    assert len(items) == 3  # the declaration, the message and the status change: each a bare reference
    assert all(set(data["incident"]) == REFERENCE_KEYS and "item" not in data for data in items)
    bodies = raw_bodies(receiver, invited_a)
    for secret in (
        "Attack video spreading",
        "perpetrator",
        "Hash list",
        "Confirmed livestream",
        secretariat.display_name,
    ):
        assert secret not in bodies
    assert raw_bodies(receiver, left_out) == ""


def test_status_changes_and_room_items_carry_content_at_amber(
    secretariat, orgs, receiver, django_capture_on_commit_callbacks
):
    invited_a, _invited_b, left_out = orgs
    incident = declare(secretariat, orgs, django_capture_on_commit_callbacks, tlp=Tlp.AMBER)
    with django_capture_on_commit_callbacks(execute=True):
        incidents.change_status(actor=secretariat, incident=incident, status=Status.ACTIVE, note="Stream confirmed")
        message = incidents.post_message(incident=incident, actor=secretariat, client_id=None, body="Share hashes")

    (changed,) = received(receiver, invited_a, "incident.status_changed")
    assert changed["from_status"] == Status.DECLARED and changed["incident"]["status"] == Status.ACTIVE
    assert changed["note"] == "Stream confirmed"
    items = {data["item"]["seq"]: data["item"] for data in received(receiver, invited_a, "incident.item")}
    assert items[message.seq]["body"] == "Share hashes" and items[message.seq]["kind"] == "chat"
    assert "author" not in items[message.seq]  # the organisation that speaks, not a person's account
    assert raw_bodies(receiver, left_out) == ""


def test_a_raised_tlp_level_withholds_what_follows(secretariat, orgs, receiver, django_capture_on_commit_callbacks):
    invited_a, _invited_b, _left_out = orgs
    incident = declare(secretariat, orgs, django_capture_on_commit_callbacks, tlp=Tlp.AMBER)
    with django_capture_on_commit_callbacks(execute=True):
        incidents.change_tlp(actor=secretariat, incident=incident, tlp=Tlp.RED)
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incidents.post_message(incident=incident, actor=secretariat, client_id=None, body="Names of the accounts")

    (data,) = received(receiver, invited_a, "incident.item")
    assert data["content_withheld"] is True and data["incident"]["tlp"] == Tlp.RED
    assert "Names of the accounts" not in raw_bodies(receiver, invited_a)


@pytest.mark.parametrize("tlp", [Tlp.AMBER, Tlp.RED])
def test_exercises_are_marked(secretariat, orgs, receiver, django_capture_on_commit_callbacks, tlp):
    invited_a, _invited_b, _left_out = orgs
    declare(secretariat, orgs, django_capture_on_commit_callbacks, tlp=tlp, exercise=True)
    (data,) = received(receiver, invited_a, "incident.declared")
    assert data["incident"]["exercise"] is True


def test_only_subscribed_active_endpoints_of_participants_hear(
    secretariat, orgs, receiver, django_capture_on_commit_callbacks
):
    invited_a, invited_b, _left_out = orgs
    WebhookEndpoint.objects.filter(organization=invited_a).update(events=["incident.status_changed"])
    WebhookEndpoint.objects.filter(organization=invited_b).update(is_active=False)
    declare(secretariat, orgs, django_capture_on_commit_callbacks, tlp=Tlp.AMBER)
    assert received(receiver, invited_a, "incident.declared") == []
    assert raw_bodies(receiver, invited_b) == ""


def test_the_declaration_is_delivered_and_signed(secretariat, orgs, receiver, django_capture_on_commit_callbacks):
    declare(secretariat, orgs, django_capture_on_commit_callbacks, tlp=Tlp.AMBER)
    deliveries = WebhookDelivery.objects.filter(event="incident.declared")
    assert deliveries.count() == 2
    assert set(deliveries.values_list("status", flat=True)) == {WebhookDeliveryStatus.DELIVERED}
    headers = [h for _p, h, body in receiver.requests if json.loads(body)["event"] == "incident.declared"]
    assert all(h["X-CallPortal-Signature"].startswith("v1=") for h in headers)


# --- Progress and transparency reports -------------------------------------------------------


@pytest.fixture
def community(catalogue, receiver):
    """Streamwave reports; Kestrel is a fellow supporter; an applicant and a suspended
    organisation also registered endpoints."""
    streamwave, kestrel = supporter("Streamwave"), supporter("Kestrel Streams")
    applicant = OrganizationFactory(name="Applicant Co", standing=Standing.APPLICANT)
    suspended = OrganizationFactory(name="Suspended Co", standing=Standing.SUSPENDED)
    for organization in (streamwave, kestrel, applicant, suspended):
        endpoint_for(organization, receiver)
    return streamwave, kestrel, applicant, suspended


def test_an_accepted_public_update_goes_to_the_community(
    secretariat, community, receiver, django_capture_on_commit_callbacks
):
    streamwave, kestrel, applicant, suspended = community
    with django_capture_on_commit_callbacks(execute=True):
        update = report(streamwave, "OSP1", visibility="public", narrative="Hash sharing live")
    assert received(receiver, kestrel, "progress.updated") == []  # awaiting review: not yet published

    with django_capture_on_commit_callbacks(execute=True):
        review(actor=secretariat, update=update, decision="accept")
    (data,) = received(receiver, kestrel, "progress.updated")
    assert data["update"]["id"] == update.pk and data["update"]["narrative"] == "Hash sharing live"
    assert data["update"]["organization"]["slug"] == streamwave.slug and data["update"]["commitment"] == "OSP1"
    assert data["update"]["review_state"] == "accepted" and data["update"]["progress"] == 30
    assert raw_bodies(receiver, applicant) == "" and raw_bodies(receiver, suspended) == ""
    # Its own systems heard of it twice: recorded, then accepted.
    assert [d["update"]["review_state"] for d in received(receiver, streamwave, "progress.updated")] == [
        "submitted",
        "accepted",
    ]


def test_supporters_updates_stay_with_their_organisation(
    secretariat, community, receiver, django_capture_on_commit_callbacks
):
    streamwave, kestrel, _applicant, _suspended = community
    with django_capture_on_commit_callbacks(execute=True):
        update = report(streamwave, "OSP1", visibility="supporters", narrative="Detector trained", reviewer=secretariat)
    assert raw_bodies(receiver, kestrel) == ""
    own = received(receiver, streamwave, "progress.updated")
    assert [d["update"]["narrative"] for d in own] == ["Detector trained", "Detector trained"]
    assert own[-1]["update"]["id"] == update.pk


def test_secretariat_only_updates_reach_even_their_own_systems_by_reference(
    secretariat, community, receiver, django_capture_on_commit_callbacks
):
    streamwave, kestrel, _applicant, _suspended = community
    with django_capture_on_commit_callbacks(execute=True):
        report(streamwave, "OSP1", visibility="secretariat", narrative="Confidential vendor", reviewer=secretariat)
    own = received(receiver, streamwave, "progress.updated")
    assert len(own) == 2 and all(d["content_withheld"] is True for d in own)
    assert set(own[-1]["update"]) == {"id", "organization", "commitment", "visibility", "review_state", "url"}
    assert "Confidential vendor" not in raw_bodies(receiver, streamwave)
    assert raw_bodies(receiver, kestrel) == ""


def test_returned_and_edited_updates_are_told_to_their_own_systems_only(
    secretariat, community, receiver, django_capture_on_commit_callbacks
):
    streamwave, kestrel, _applicant, _suspended = community
    with django_capture_on_commit_callbacks(execute=True):
        update = report(streamwave, "OSP1", visibility="public")
        review(actor=secretariat, update=update, decision="return", comment="Add evidence")
        reporter = update.author
        edit_progress(actor=reporter, update=update, narrative="Now with evidence")
    states = [d["update"]["review_state"] for d in received(receiver, streamwave, "progress.updated")]
    assert states == ["submitted", "returned", "submitted"]
    assert raw_bodies(receiver, kestrel) == ""


def test_a_published_transparency_report_goes_to_the_community(community, receiver, django_capture_on_commit_callbacks):
    streamwave, kestrel, applicant, _suspended = community
    reporter = member_of(streamwave, Role.REPORTER)
    metrics = {
        "tvec_items_actioned": 1200,
        "share_found_proactively": 93.5,
        "accounts_actioned": 310,
        "appeals": 40,
        "reinstatements": 4,
        "livestreams_interrupted": 2,
    }
    year = timezone.localdate().year - 1
    with django_capture_on_commit_callbacks(execute=True):
        draft = create_transparency_report(
            actor=reporter, organization=streamwave, period_kind="quarter", year=year, number=1, metrics=metrics
        )
    assert receiver.requests == []  # a draft is nobody's business
    with django_capture_on_commit_callbacks(execute=True):
        publish_transparency_report(actor=reporter, report=draft)
    for organization in (streamwave, kestrel):
        (data,) = received(receiver, organization, "report.published")
        assert data["report"]["metrics"]["appeals"] == 40 and data["report"]["year"] == year
        assert data["report"]["organization"]["name"] == "Streamwave"
    assert raw_bodies(receiver, applicant) == ""


def test_no_endpoint_no_delivery(secretariat, catalogue, django_capture_on_commit_callbacks):
    government = supporter("Aotearoa", kind=OrganizationKind.GOVERNMENT)
    with django_capture_on_commit_callbacks(execute=True):
        report(government, "G1", reviewer=secretariat)
    assert not WebhookDelivery.objects.exists()
