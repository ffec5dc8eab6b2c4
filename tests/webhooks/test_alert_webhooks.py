"""Alert webhooks (`alert.opened`, `alert.escalated`, `alert.acknowledged`, `alert.resolved`)
against a real HTTP receiver, in each payload format (the portal's, PagerDuty Events API v2,
Opsgenie's Alert API), signed per Standard Webhooks and verified with the `standardwebhooks`
library, under the TLP rule: each step of an escalation chain escalates the alert once, and
closing the incident or uninviting the organisation resolves it."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from incidents import services as incidents
from incidents.alert_webhooks import alert_key
from incidents.models import Acknowledgement, Status, Tier, Tlp
from incidents.services import chains
from portal import services as portal_services
from portal.models import Membership, Role
from portal.webhooks import services, signing
from portal.webhooks.models import ALERT_EVENTS, WebhookDelivery, WebhookEndpoint
from tests.helpers.webhooks import Receiver
from tests.incidents.factories import responder_of
from tests.portal.factories import MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]

ROUTING_KEY = "R0UTINGKEY0123456789abcdefABCDEF"
GENIE_KEY = "eb243592-faa2-4ba2-a551q-1afdf565c889"


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.SITE_URL = "https://portal.example"
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def provider(db):
    return OrganizationFactory(name="Streamwave")


@pytest.fixture
def bystander(db):
    return OrganizationFactory(name="Bystander")


@pytest.fixture
def admin(provider):
    return MembershipFactory(organization=provider, role=Role.ADMIN).user


def endpoint(admin, provider, receiver, payload_format="portal", integration_key=""):
    return services.create_endpoint(
        actor=admin,
        organization=provider,
        url=receiver.url,
        events=list(ALERT_EVENTS),
        payload_format=payload_format,
        integration_key=integration_key,
    )


def declare(secretariat, organizations, capture, *, tlp=Tlp.AMBER):
    with capture(execute=True):
        return incidents.declare_incident(
            actor=secretariat,
            title="Livestreamed attack",
            summary="Video spreading on three platforms",
            tier=Tier.FULL_PROTOCOL,
            tlp=tlp,
            organizations=organizations,
        )


def escalate(incident, capture):
    Acknowledgement.objects.filter(incident=incident).update(window_started_at=timezone.now() - timedelta(hours=2))
    with capture(execute=True):
        incidents.escalate_overdue()


def close(incident, secretariat, capture):
    with capture(execute=True):
        incidents.change_status(actor=secretariat, incident=incident, status=Status.CLOSED)


def acknowledge(incident, organization, capture):
    with capture(execute=True):
        incidents.acknowledge_alert(incident=incident, organization=organization, user=responder_of(organization))


def verified(secret, receiver) -> list[tuple[str, dict, dict]]:
    """Every request as (path, headers, body), each verified by the Standard Webhooks library
    with the endpoint's secret in its documented form, and by the deprecated header's rule."""
    checked = []
    for path, headers, body in receiver.requests:
        parsed = Webhook(signing.standard_secret(secret)).verify(body, headers)
        timestamp = int(headers["webhook-timestamp"])
        assert headers["X-CallPortal-Signature"] == signing.sign(secret=secret, timestamp=timestamp, body=body.decode())
        assert headers["webhook-id"] == headers["X-CallPortal-Delivery"]
        checked.append((path, headers, parsed))
    return checked


def test_the_portal_format_carries_each_alert_event_signed_per_standard_webhooks(
    receiver, admin, provider, bystander, secretariat, django_capture_on_commit_callbacks
):
    _endpoint, secret = endpoint(admin, provider, receiver)
    capture = django_capture_on_commit_callbacks
    incident = declare(secretariat, [provider, bystander], capture)
    escalate(incident, capture)
    acknowledge(incident, provider, capture)
    acknowledge(incident, bystander, capture)  # another organisation's: not this endpoint's business

    bodies = [body for _path, _headers, body in verified(secret, receiver)]
    assert [b["event"] for b in bodies] == ["alert.opened", "alert.escalated", "alert.acknowledged"]
    assert {b["organization"] for b in bodies} == {provider.pk}
    opened, escalated, acknowledged = (b["data"] for b in bodies)
    assert opened["incident"]["title"] == "Livestreamed attack"
    assert opened["alert"]["organization"] == {"id": provider.pk, "name": "Streamwave"}
    assert opened["alert"]["key"] == escalated["alert"]["key"] == alert_key(incident.pk, provider.pk)
    assert escalated["alert"]["escalated_at"] and acknowledged["alert"]["acknowledged_at"]

    # A Standard Webhooks receiver refuses a body that was changed on the way.
    _path, headers, body = receiver.requests[0]
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(signing.standard_secret(secret)).verify(body.replace(b"Livestreamed", b"Livestreamer"), headers)


def test_pagerduty_gets_trigger_then_acknowledge_with_one_dedup_key(
    receiver, admin, provider, secretariat, django_capture_on_commit_callbacks
):
    _endpoint, secret = endpoint(admin, provider, receiver, "pagerduty", ROUTING_KEY)
    capture = django_capture_on_commit_callbacks
    incident = declare(secretariat, [provider], capture)
    escalate(incident, capture)
    acknowledge(incident, provider, capture)
    close(incident, secretariat, capture)

    requests = verified(secret, receiver)
    assert {path for path, _h, _b in requests} == {"/hook"}
    trigger, escalation, ack, resolve = (body for _p, _h, body in requests)
    assert resolve == {
        "dedup_key": alert_key(incident.pk, provider.pk),
        "event_action": "resolve",
        "routing_key": ROUTING_KEY,
    }
    key = alert_key(incident.pk, provider.pk)
    assert trigger["routing_key"] == escalation["routing_key"] == ack["routing_key"] == ROUTING_KEY
    assert trigger["dedup_key"] == escalation["dedup_key"] == ack["dedup_key"] == key
    assert [trigger["event_action"], escalation["event_action"], ack["event_action"]] == [
        "trigger",
        "trigger",
        "acknowledge",
    ]
    assert trigger["payload"]["summary"] == (
        f"Incident #{incident.pk} (tier 3): Livestreamed attack needs your organisation's acknowledgement"
    )
    assert trigger["payload"]["source"] == "Call Portal"
    assert trigger["payload"]["severity"] == escalation["payload"]["severity"] == "critical"
    assert trigger["payload"]["custom_details"]["incident"]["title"] == "Livestreamed attack"
    assert trigger["links"] == [{"href": f"https://portal.example/incidents/{incident.pk}/", "text": "Call Portal"}]
    assert escalation["payload"]["summary"] == "Not acknowledged: Streamwave on Livestreamed attack"
    assert "payload" not in ack


def test_opsgenie_creates_an_alert_and_acknowledges_it_by_alias(
    receiver, admin, provider, secretariat, django_capture_on_commit_callbacks
):
    _endpoint, secret = endpoint(admin, provider, receiver, "opsgenie", GENIE_KEY)
    capture = django_capture_on_commit_callbacks
    incident = declare(secretariat, [provider], capture)
    acknowledge(incident, provider, capture)
    close(incident, secretariat, capture)

    (create_path, create_headers, create), (ack_path, ack_headers, ack), (close_path, _h, closing) = verified(
        secret, receiver
    )
    key = alert_key(incident.pk, provider.pk)
    assert create_path == "/hook"
    assert create_headers["Authorization"] == ack_headers["Authorization"] == f"GenieKey {GENIE_KEY}"
    assert create["alias"] == key and create["priority"] == "P1" and create["source"] == "Call Portal"
    assert create["message"].startswith(f"Incident #{incident.pk} (tier 3): Livestreamed attack")
    assert create["description"].startswith("Video spreading on three platforms")
    assert all(isinstance(value, str) for value in create["details"].values())
    assert ack_path == f"/hook/{key}/acknowledge?identifierType=alias"
    assert ack == {"note": f"Incident #{incident.pk}: acknowledged by Streamwave", "source": "Call Portal"}
    assert close_path == f"/hook/{key}/close?identifierType=alias"
    assert closing == {"note": f"Incident #{incident.pk} is closed.", "source": "Call Portal"}


def test_an_escalation_to_a_higher_tier_opens_the_alert_again_more_urgent(
    receiver, admin, provider, secretariat, django_capture_on_commit_callbacks
):
    _endpoint, secret = endpoint(admin, provider, receiver, "pagerduty", ROUTING_KEY)
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        incident = incidents.declare_incident(
            actor=secretariat, title="Spreading", tier=Tier.COMMUNICATIONS, tlp=Tlp.GREEN, organizations=[provider]
        )
    with capture(execute=True):
        incidents.change_tier(actor=secretariat, incident=incident, tier=Tier.FULL_PROTOCOL)
    first, second = (body for _p, _h, body in verified(secret, receiver))
    assert first["dedup_key"] == second["dedup_key"]
    assert (first["payload"]["severity"], second["payload"]["severity"]) == ("warning", "critical")
    assert second["payload"]["custom_details"]["alert"]["tier"] == 3


@pytest.mark.parametrize("payload_format", ["portal", "pagerduty", "opsgenie"])
def test_red_and_amber_strict_alerts_carry_no_content(
    receiver, admin, provider, secretariat, django_capture_on_commit_callbacks, payload_format
):
    key = "" if payload_format == "portal" else ROUTING_KEY
    _endpoint, secret = endpoint(admin, provider, receiver, payload_format, key)
    capture = django_capture_on_commit_callbacks
    for tlp in (Tlp.AMBER_STRICT, Tlp.RED):
        incident = declare(secretariat, [provider], capture, tlp=tlp)
        escalate(incident, capture)
    raw = b" ".join(body for _p, _h, body in receiver.requests).decode()
    assert len(receiver.requests) == 4
    assert "Livestreamed" not in raw and "Video spreading" not in raw
    assert "needs your organisation's acknowledgement" in raw
    if payload_format == "pagerduty":
        summaries = [body["payload"]["summary"] for _p, _h, body in verified(secret, receiver)]
        assert summaries[-1] == f"Incident #{incident.pk} needs your organisation's acknowledgement"


def test_a_tool_format_takes_alert_events_and_a_clean_key_only(receiver, admin, provider):
    cases = [
        ({"events": ["incident.declared"], "integration_key": ROUTING_KEY}, "events"),
        ({"events": list(ALERT_EVENTS), "integration_key": ""}, "integration_key"),
        ({"events": list(ALERT_EVENTS), "integration_key": "key\r\nX-Injected: 1"}, "integration_key"),
        ({"events": list(ALERT_EVENTS), "payload_format": "slack"}, "payload_format"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as error:
            services.create_endpoint(
                actor=admin, organization=provider, url=receiver.url, **{"payload_format": "pagerduty", **fields}
            )
        assert field in error.value.message_dict
    assert not WebhookEndpoint.objects.exists()
    with pytest.raises(TypeError, match="notice"):  # an alert event without what a tool shows
        services.emit_event(organization_ids=[provider.pk], event="alert.opened", payload={})

    tool, _secret = endpoint(admin, provider, receiver, "pagerduty", ROUTING_KEY)
    with pytest.raises(ValidationError):
        services.update_endpoint(actor=admin, endpoint=tool, events=["incident.item"])
    tool.refresh_from_db()
    assert tool.events == list(ALERT_EVENTS) and tool.integration_key == ROUTING_KEY


def test_the_test_event_reaches_a_tool_as_a_low_priority_alert(
    receiver, admin, provider, django_capture_on_commit_callbacks
):
    tool, secret = endpoint(admin, provider, receiver, "pagerduty", ROUTING_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_test_event(actor=admin, endpoint=tool)
    ((_path, _headers, body),) = verified(secret, receiver)
    assert body["event_action"] == "trigger" and body["payload"]["severity"] == "info"
    assert body["dedup_key"] == f"callportal-test-{tool.pk}"


def test_the_api_registers_a_tool_endpoint_and_shows_the_standard_secret_once(admin, provider, receiver):
    from tests.portal.factories import make_totp

    make_totp(admin)
    client = APIClient()
    client.force_authenticate(admin)
    body = {
        "organization": provider.pk,
        "url": receiver.url,
        "events": ["alert.opened", "alert.acknowledged"],
        "payload_format": "opsgenie",
        "integration_key": GENIE_KEY,
    }
    response = client.post("/api/v1/webhooks/", body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["payload_format"] == "opsgenie" and "integration_key" not in created
    assert created["standard_secret"] == signing.standard_secret(created["secret"])
    shown = client.get(f"/api/v1/webhooks/{created['id']}/").json()
    assert "secret" not in shown and "standard_secret" not in shown and shown["payload_format"] == "opsgenie"

    refused = client.post("/api/v1/webhooks/", {**body, "events": ["incident.item"]}, format="json")
    assert refused.status_code == 400 and "events" in refused.json()
    assert WebhookEndpoint.objects.count() == 1 and not WebhookDelivery.objects.exists()
    assert json.loads(json.dumps(created))  # plain JSON


def test_the_webhook_page_registers_a_pagerduty_endpoint(client, admin, provider, receiver):
    client.force_login(admin)
    page = f"/organisations/{provider.slug}/manage/webhooks/"
    form = {"url": receiver.url, "events": ["alert.opened"], "payload_format": "pagerduty"}
    refused = client.post(page, form)  # no routing key
    assert refused.status_code == 200 and not WebhookEndpoint.objects.exists()
    assert "routing key" in refused.content.decode()

    response = client.post(page, {**form, "integration_key": ROUTING_KEY})
    created = WebhookEndpoint.objects.get()
    assert (created.payload_format, created.integration_key) == ("pagerduty", ROUTING_KEY)
    html = response.content.decode()
    assert signing.standard_secret(created.secret) in html
    assert "PagerDuty Events API v2" in client.get(page).content.decode()


def give_chain(organization, minutes=(10, 15, 20)):
    """Two responders then the organisation's admin, waiting these minutes at each step."""
    people = [responder_of(organization), responder_of(organization), responder_of(organization, role=Role.ADMIN)]
    steps = [
        portal_services.StepInput(membership_id=Membership.objects.get(user=user).pk, wait_minutes=wait)
        for user, wait in zip(people, minutes, strict=True)
    ]
    portal_services.set_escalation_chain(actor=people[-1], organization=organization, steps=steps)


def sweep(incident, organization, minutes, capture):
    window = Acknowledgement.objects.get(incident=incident, organization=organization)
    with capture(execute=True):
        return chains.advance_chains(now=window.window_started_at + timedelta(minutes=minutes))


def test_each_step_of_the_chain_escalates_the_alert_once_then_the_run_out_window(
    receiver, admin, provider, secretariat, django_capture_on_commit_callbacks
):
    give_chain(provider)
    _endpoint, secret = endpoint(admin, provider, receiver)
    capture = django_capture_on_commit_callbacks
    incident = declare(secretariat, [provider], capture)
    sweep(incident, provider, 9, capture)  # the first step is the alert itself
    sweep(incident, provider, 30, capture)  # a late sweep: steps 2 and 3 are both due
    sweep(incident, provider, 30, capture)  # a rerun announces nothing again
    sweep(incident, provider, 45, capture)  # the chain ran out: admins and the secretariat

    bodies = [body for _path, _headers, body in verified(secret, receiver)]
    assert [(b["event"], b["data"]["alert"].get("chain_step")) for b in bodies] == [
        ("alert.opened", None),
        ("alert.escalated", 2),
        ("alert.escalated", 3),
        ("alert.escalated", None),
    ]
    assert bodies[1]["data"]["alert"]["summary"] == (
        "Not acknowledged: Streamwave on Livestreamed attack (step 2 of the escalation chain)"
    )
    assert {b["data"]["alert"]["key"] for b in bodies} == {alert_key(incident.pk, provider.pk)}


def test_a_chain_step_after_the_acknowledgement_escalates_nothing(
    receiver, admin, provider, secretariat, django_capture_on_commit_callbacks
):
    give_chain(provider)
    endpoint(admin, provider, receiver, "pagerduty", ROUTING_KEY)
    capture = django_capture_on_commit_callbacks
    incident = declare(secretariat, [provider], capture)
    acknowledge(incident, provider, capture)
    assert sweep(incident, provider, 30, capture).announced_steps == []
    assert [body["event_action"] for body in receiver.envelopes()] == ["trigger", "acknowledge"]


@pytest.mark.parametrize("payload_format", ["portal", "pagerduty", "opsgenie"])
def test_uninviting_an_organisation_resolves_its_alert_without_content(
    receiver, admin, provider, bystander, secretariat, django_capture_on_commit_callbacks, payload_format
):
    key = "" if payload_format == "portal" else ROUTING_KEY
    _endpoint, secret = endpoint(admin, provider, receiver, payload_format, key)
    capture = django_capture_on_commit_callbacks
    incident = declare(secretariat, [provider, bystander], capture)
    with capture(execute=True):
        assert incidents.uninvite_organization(actor=secretariat, incident=incident, organization=provider)
    with capture(execute=True):  # a repeat uninvites nothing and resolves nothing
        assert not incidents.uninvite_organization(actor=secretariat, incident=incident, organization=provider)
    close(incident, secretariat, capture)  # closing resolves the invited ones only

    requests = verified(secret, receiver)
    assert len(requests) == 2
    _opened, (path, _headers, resolved) = requests
    key = alert_key(incident.pk, provider.pk)
    raw = receiver.requests[1][2].decode()
    assert "Livestreamed" not in raw and "Video spreading" not in raw  # AMBER, but no longer invited
    note = f"Incident #{incident.pk}: Streamwave is no longer invited."
    if payload_format == "portal":
        assert resolved["event"] == "alert.resolved" and resolved["organization"] == provider.pk
        assert resolved["data"]["content_withheld"] is True
        assert resolved["data"]["alert"]["key"] == key and resolved["data"]["alert"]["summary"] == note
        assert resolved["data"]["incident"]["id"] == incident.pk
    elif payload_format == "pagerduty":
        assert resolved == {"dedup_key": key, "event_action": "resolve", "routing_key": ROUTING_KEY}
    else:
        assert path == f"/hook/{key}/close?identifierType=alias"
        assert resolved == {"note": note, "source": "Call Portal"}


def test_closing_resolves_in_the_portal_format_too(
    receiver, admin, provider, secretariat, django_capture_on_commit_callbacks
):
    _endpoint, secret = endpoint(admin, provider, receiver)
    capture = django_capture_on_commit_callbacks
    incident = declare(secretariat, [provider], capture, tlp=Tlp.RED)
    close(incident, secretariat, capture)
    _opened, (_path, _headers, resolved) = verified(secret, receiver)
    assert resolved["event"] == "alert.resolved" and resolved["data"]["content_withheld"] is True
    assert resolved["data"]["alert"]["summary"] == f"Incident #{incident.pk} is closed."
    assert resolved["data"]["alert"]["key"] == alert_key(incident.pk, provider.pk)
