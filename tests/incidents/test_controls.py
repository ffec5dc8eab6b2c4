"""The secretariat's controls: tier, TLP level, commander and named individuals."""

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError

from incidents import services
from incidents.models import ChangeKind, Incident, IncidentChange, IncidentRecipient, ItemKind, RoomItem, Status, Tlp
from tests.helpers.api_client import api
from tests.portal.factories import UserFactory

from .factories import responder_of

pytestmark = pytest.mark.django_db


def system_items(incident):
    return list(RoomItem.objects.filter(incident=incident, kind=ItemKind.SYSTEM).order_by("seq"))


# --- services ----------------------------------------------------------------------------------


def test_escalate_and_de_escalate_are_recorded(incident_with_two_orgs, secretariat):
    incident = incident_with_two_orgs
    assert services.change_tier(actor=secretariat, incident=incident, tier=2) is True
    assert services.change_tier(actor=secretariat, incident=incident, tier=3, note="spreading") is True
    incident.refresh_from_db()
    assert incident.tier == 3
    changes = list(IncidentChange.objects.filter(incident=incident).values_list("kind", "from_value", "to_value"))
    assert changes == [("tier", "3", "2"), ("tier", "2", "3")]
    assert all(c.actor == secretariat and c.changed_at for c in IncidentChange.objects.all())
    items = system_items(incident)
    assert [i.data["change"] for i in items] == ["tier", "tier"]
    assert "de-escalated" in items[0].text and "escalated" in items[1].text
    assert items[1].data["tier"] == 3 and items[1].author == secretariat


def test_a_repeated_or_stale_tier_change(incident_with_two_orgs, secretariat):
    services.change_tier(actor=secretariat, incident=incident_with_two_orgs, tier=2)
    stale = Incident.objects.get(pk=incident_with_two_orgs.pk)
    stale.tier = 3  # a second request that saw the old tier and asked for the same change
    assert services.change_tier(actor=secretariat, incident=stale, tier=2) is False
    stale.tier = 3  # one that saw the old tier and asks for something else
    with pytest.raises(ValidationError):
        services.change_tier(actor=secretariat, incident=stale, tier=1)
    assert IncidentChange.objects.count() == 1
    assert len(system_items(incident_with_two_orgs)) == 1


@pytest.mark.parametrize("tier", [0, 4, "3", None])
def test_bad_tiers_change_nothing(incident_with_two_orgs, secretariat, tier):
    with pytest.raises(ValidationError):
        services.change_tier(actor=secretariat, incident=incident_with_two_orgs, tier=tier)
    assert not IncidentChange.objects.exists()


def test_only_the_secretariat_and_not_once_closed(incident_with_two_orgs, secretariat, responder_a):
    with pytest.raises(PermissionDenied):
        services.change_tier(actor=responder_a, incident=incident_with_two_orgs, tier=1)
    with pytest.raises(PermissionDenied):
        services.change_tlp(actor=responder_a, incident=incident_with_two_orgs, tlp=Tlp.GREEN)
    with pytest.raises(PermissionDenied):
        services.set_commander(actor=responder_a, incident=incident_with_two_orgs, commander=responder_a)
    with pytest.raises(PermissionDenied):
        services.add_recipient(actor=responder_a, incident=incident_with_two_orgs, user=responder_a)
    services.change_status(actor=secretariat, incident=incident_with_two_orgs, status=Status.CLOSED)
    with pytest.raises(ValidationError):
        services.change_tier(actor=secretariat, incident=incident_with_two_orgs, tier=1)
    # Access can still be managed after the incident closes.
    assert services.change_tlp(actor=secretariat, incident=incident_with_two_orgs, tlp=Tlp.RED) is True
    assert not IncidentChange.objects.filter(kind=ChangeKind.TIER).exists()


def test_tlp_change_is_recorded_and_changes_who_sees(incident_with_two_orgs, secretariat, responder_a):
    from incidents.permissions import access_incident

    assert access_incident(responder_a, incident_with_two_orgs.pk)
    assert services.change_tlp(actor=secretariat, incident=incident_with_two_orgs, tlp=Tlp.RED) is True
    assert services.change_tlp(actor=secretariat, incident=incident_with_two_orgs, tlp=Tlp.RED) is False
    with pytest.raises(ValidationError):
        services.change_tlp(actor=secretariat, incident=incident_with_two_orgs, tlp="purple")
    change = IncidentChange.objects.get()
    assert (change.kind, change.from_value, change.to_value, change.actor) == ("tlp", "amber", "red", secretariat)
    assert system_items(incident_with_two_orgs)[0].data == {"change": "tlp", "from": "amber", "to": "red", "tlp": "red"}
    from django.http import Http404

    with pytest.raises(Http404):
        access_incident(responder_a, incident_with_two_orgs.pk)


def test_named_individuals_of_a_red_incident(incident_with_two_orgs, secretariat, responder_a, responder_b):
    from incidents.permissions import can_enter_room

    services.change_tlp(actor=secretariat, incident=incident_with_two_orgs, tlp=Tlp.RED)
    assert not can_enter_room(responder_a, incident_with_two_orgs)
    assert services.add_recipient(actor=secretariat, incident=incident_with_two_orgs, user=responder_a) is True
    assert services.add_recipient(actor=secretariat, incident=incident_with_two_orgs, user=responder_a) is False
    assert can_enter_room(responder_a, incident_with_two_orgs)
    assert not can_enter_room(responder_b, incident_with_two_orgs)
    assert services.remove_recipient(actor=secretariat, incident=incident_with_two_orgs, user=responder_a) is True
    assert services.remove_recipient(actor=secretariat, incident=incident_with_two_orgs, user=responder_a) is False
    assert not can_enter_room(responder_a, incident_with_two_orgs)
    kinds = list(IncidentChange.objects.values_list("kind", flat=True))
    assert kinds == ["tlp", "recipient_added", "recipient_removed"]
    assert all(c.user == responder_a for c in IncidentChange.objects.exclude(kind="tlp"))
    inactive = UserFactory(is_active=False)
    with pytest.raises(ValidationError):
        services.add_recipient(actor=secretariat, incident=incident_with_two_orgs, user=inactive)
    assert not IncidentRecipient.objects.exists()


def test_commander_is_appointed_and_needs_two_factor(incident_with_two_orgs, secretariat, provider_a):
    from incidents.permissions import access_incident

    outsider = responder_of(provider_a)
    services.change_tlp(actor=secretariat, incident=incident_with_two_orgs, tlp=Tlp.RED)
    assert services.set_commander(actor=secretariat, incident=incident_with_two_orgs, commander=outsider) is True
    assert services.set_commander(actor=secretariat, incident=incident_with_two_orgs, commander=outsider) is False
    assert access_incident(outsider, incident_with_two_orgs.pk)  # the commander sees it whatever the level
    no_2fa = responder_of(provider_a, two_factor=False)
    with pytest.raises(ValidationError):
        services.set_commander(actor=secretariat, incident=incident_with_two_orgs, commander=no_2fa)
    incident_with_two_orgs.refresh_from_db()
    assert incident_with_two_orgs.commander == outsider
    change = IncidentChange.objects.get(kind=ChangeKind.COMMANDER)
    assert (change.from_value, change.to_value) == (str(secretariat.pk), str(outsider.pk))


# --- disconnecting who may no longer see or enter -----------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_raising_the_tlp_disconnects_who_may_no_longer_see(
    incident_with_two_orgs, responder_a, secretariat, rooms
):
    from .test_consumers import receive

    alice = await rooms.join(responder_a, incident_with_two_orgs)
    boss = await rooms.join(secretariat, incident_with_two_orgs)
    await sync_to_async(services.change_tlp)(actor=secretariat, incident=incident_with_two_orgs, tlp=Tlp.RED)
    while (message := await alice.receive_output(timeout=5))["type"] != "websocket.close":
        pass
    assert message["code"] == 4403
    item = await receive(boss)  # the secretariat stays and sees the change in the timeline
    assert item["kind"] == "system" and item["data"]["tlp"] == "red"
    await alice.disconnect()
    await boss.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_removing_a_named_individual_disconnects_them(secretariat, responder_a, rooms):
    incident = await sync_to_async(services.declare_incident)(
        actor=secretariat, title="Named only", tlp=Tlp.RED, recipients=[responder_a]
    )
    alice = await rooms.join(responder_a, incident)
    await sync_to_async(services.remove_recipient)(actor=secretariat, incident=incident, user=responder_a)
    while (message := await alice.receive_output(timeout=5))["type"] != "websocket.close":
        pass
    assert message["code"] == 4403
    await alice.disconnect()


# --- API and pages ---------------------------------------------------------------------------------


def test_api_controls(incident_with_two_orgs, secretariat, responder_a, responder_b):
    base = f"/api/v1/incidents/{incident_with_two_orgs.pk}/"
    client = api(secretariat)
    response = client.post(base + "tier/", {"tier": 1}, format="json")
    assert response.status_code == 200 and response.json()["tier"] == 1
    response = client.post(base + "tlp/", {"tlp": "amber+strict"}, format="json")
    assert response.status_code == 200 and response.json()["tlp"] == "amber+strict"
    response = client.post(base + "commander/", {"commander": responder_a.pk}, format="json")
    assert response.status_code == 200 and response.json()["commander"]["id"] == responder_a.pk
    assert client.post(base + "recipients/", {"user": responder_b.pk}, format="json").status_code == 204
    assert IncidentRecipient.objects.filter(user=responder_b).exists()
    assert client.delete(base + f"recipients/{responder_b.pk}/").status_code == 204
    assert not IncidentRecipient.objects.exists()
    assert client.delete(base + "recipients/999999/").status_code == 404


@pytest.mark.parametrize(
    ("rest", "payload"),
    [
        ("tier/", {"tier": 7}),
        ("tier/", {}),
        ("tier/", {"tier": 2, "extra": 1}),
        ("tlp/", {"tlp": "blue"}),
        ("tlp/", {"tlp": 3}),
        ("commander/", {"commander": 999999}),
        ("commander/", {"commander": "x"}),
        ("recipients/", {"user": None}),
    ],
)
def test_api_controls_refuse_bad_input(incident_with_two_orgs, secretariat, rest, payload):
    response = api(secretariat).post(f"/api/v1/incidents/{incident_with_two_orgs.pk}/{rest}", payload, format="json")
    assert response.status_code == 400
    assert not IncidentChange.objects.exists()


def test_api_controls_are_the_secretariats(incident_with_two_orgs, responder_a):
    from tests.portal.factories import OrganizationFactory

    base = f"/api/v1/incidents/{incident_with_two_orgs.pk}/"
    assert api(responder_a).post(base + "tier/", {"tier": 1}, format="json").status_code == 403
    outsider = responder_of(OrganizationFactory(name="Elsewhere"))
    assert api(outsider).post(base + "tlp/", {"tlp": "red"}, format="json").status_code == 404
    assert not IncidentChange.objects.exists()


def test_page_buttons(client, incident_with_two_orgs, secretariat, responder_a, responder_b):
    base = f"/incidents/{incident_with_two_orgs.pk}/"
    client.force_login(secretariat)
    html = client.get(base).content.decode()
    assert "Escalate to tier" not in html  # already tier 3
    assert "De-escalate to tier 2" in html and "Secretariat controls" in html
    assert client.post(base + "tier/", {"tier": "2"}).status_code == 302
    assert client.post(base + "tier/", {"tier": "nine"}).status_code == 302  # an error message, not a 500
    assert client.post(base + "tlp/", {"tlp": "red"}).status_code == 302
    client.post(base + "recipients/", {"email": responder_b.email.upper()})
    client.post(base + "recipients/", {"email": "nobody@example.org"})
    client.post(base + "commander/", {"email": responder_a.email})
    incident_with_two_orgs.refresh_from_db()
    assert (incident_with_two_orgs.tier, incident_with_two_orgs.tlp) == (2, "red")
    assert incident_with_two_orgs.commander == responder_a
    assert list(incident_with_two_orgs.recipients.all()) == [responder_b]
    html = client.get(base).content.decode()
    assert "Escalate to tier 3" in html and responder_b.email in html
    client.post(base + f"recipients/{responder_b.pk}/remove/")
    assert not incident_with_two_orgs.recipients.exists()
    response = client.post(base + "recipients/999999/remove/", follow=True)
    assert response.status_code == 200
    client.force_login(responder_a)  # the commander sees the page, but not the controls
    html = client.get(base).content.decode()
    assert "Secretariat controls" not in html
    assert client.post(base + "tier/", {"tier": "1"}).status_code == 403
