"""At TLP:CLEAR and GREEN every supporter's members read the room, but only the invited
organisations' people (and the secretariat and the commander) post in it: messages,
indicators, platform statuses, actions. Refused over the websocket, the API and the
room's forms alike, with nothing stored; the page offers a reader no composer."""

import uuid

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError

from incidents import services
from incidents.models import ActionItem, ActionStatus, Indicator, IndicatorPlatformStatus, RoomItem, Tlp
from incidents.permissions import can_post_in_room
from portal.models import OrganizationKind, Role
from tests.helpers.api_client import api
from tests.portal.factories import OrganizationFactory

from .factories import responder_of
from .test_consumers import receive, send

READER_NOTE = "You can read this room. Only people from the organisations invited to this incident can post."
REFUSAL = "Only people from the organisations invited to this incident can post in its room."


@pytest.fixture
def supporter_c(db):
    """A provider, so its responder could otherwise set its own platform's status."""
    return OrganizationFactory(name="Supporter C", kind=OrganizationKind.PROVIDER)


@pytest.fixture
def reader_c(supporter_c):
    return responder_of(supporter_c)


@pytest.fixture(params=[Tlp.GREEN, Tlp.CLEAR])
def open_incident(request, secretariat, provider_a):
    """A room every supporter's members enter, with only provider A invited."""
    return services.declare_incident(
        actor=secretariat, title=f"Spreading video ({request.param})", tlp=request.param, organizations=[provider_a]
    )


@pytest.fixture
def green_incident(secretariat, provider_a):
    return services.declare_incident(
        actor=secretariat, title="Spreading video", tlp=Tlp.GREEN, organizations=[provider_a]
    )


@pytest.fixture
def worked(open_incident, secretariat, responder_a, provider_a):
    """An indicator and an action for provider A, so the reader has something to touch."""
    indicator, _created = services.add_indicator(
        actor=responder_a, incident=open_incident, kind="url", value="https://bad.example/v"
    )
    action = services.create_action(actor=secretariat, incident=open_incident, title="Hash it", organization=provider_a)
    return indicator, action


def snapshot(incident):
    return (
        RoomItem.objects.filter(incident=incident).count(),
        Indicator.objects.filter(incident=incident).count(),
        ActionItem.objects.filter(incident=incident).count(),
        IndicatorPlatformStatus.objects.filter(indicator__incident=incident).count(),
        ActionItem.objects.filter(incident=incident, status=ActionStatus.DONE).count(),
    )


# --- The rule ---------------------------------------------------------------------------------


def test_who_posts_in_an_open_room(open_incident, secretariat, responder_a, reader_c, provider_b):
    member_of_a = responder_of(open_incident.invited_organizations.get(), role=Role.MEMBER)
    assert can_post_in_room(secretariat, open_incident)
    assert can_post_in_room(responder_a, open_incident)
    assert can_post_in_room(member_of_a, open_incident)
    assert not can_post_in_room(reader_c, open_incident)
    assert not can_post_in_room(responder_of(provider_b), open_incident)


def test_the_commander_posts_without_an_invited_organisation(green_incident, secretariat, reader_c):
    services.set_commander(actor=secretariat, incident=green_incident, commander=reader_c)
    assert can_post_in_room(reader_c, green_incident)
    item = services.post_message(incident=green_incident, actor=reader_c, client_id=None, body="Commander here")
    assert item.body == "Commander here"


def test_the_rule_reads_the_incident_as_it_is_now(secretariat, provider_a, responder_a):
    """A connection holds the incident it entered; an uninvitation after a TLP change counts at once."""
    incident = services.declare_incident(actor=secretariat, title="Amber", tlp=Tlp.AMBER, organizations=[provider_a])
    held = incident  # as the websocket consumer keeps it
    services.change_tlp(actor=secretariat, incident=incident, tlp=Tlp.GREEN)
    services.uninvite_organization(actor=secretariat, incident=incident, organization=provider_a)
    held.tlp = Tlp.AMBER
    assert not can_post_in_room(responder_a, held)
    with pytest.raises(PermissionDenied):
        services.post_message(incident=held, actor=responder_a, client_id=None, body="still invited?")


def test_services_refuse_a_reader_and_store_nothing(open_incident, worked, reader_c, supporter_c):
    indicator, action = worked
    action.assigned_organization = supporter_c  # as if assigned before the rule: still refused
    action.save(update_fields=["assigned_organization"])
    before = snapshot(open_incident)
    writes = [
        lambda: services.post_message(incident=open_incident, actor=reader_c, client_id=None, body="hi"),
        lambda: services.add_indicator(actor=reader_c, incident=open_incident, kind="md5", value="a" * 32),
        lambda: services.set_platform_status(
            actor=reader_c, indicator=indicator, organization=supporter_c, status="removed"
        ),
        lambda: services.create_action(
            actor=reader_c, incident=open_incident, title="Mine", organization=open_incident.invited_organizations.get()
        ),
        lambda: services.complete_action(actor=reader_c, action=action),
    ]
    for write in writes:
        with pytest.raises(PermissionDenied, match="invited to this incident"):
            write()
    assert snapshot(open_incident) == before


def test_actions_go_to_invited_organisations_at_every_level(open_incident, secretariat, supporter_c):
    """An uninvited organisation only reads the room, so it could not mark its action done there."""
    with pytest.raises(ValidationError):
        services.create_action(actor=secretariat, incident=open_incident, title="Yours", organization=supporter_c)
    assert not ActionItem.objects.filter(incident=open_incident).exists()


# --- The websocket ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_reader_reads_live_and_is_refused_posting(green_incident, reader_c, responder_a, secretariat, rooms):
    reader = await rooms.join(reader_c, green_incident, "?after=0")
    assert (await receive(reader))["seq"] == 1  # the declaration, replayed
    client_id = await send(reader, "may I?")
    error = await receive(reader)
    assert error == {"type": "error", "code": "forbidden", "detail": REFUSAL, "client_id": client_id}
    assert not await RoomItem.objects.filter(client_id=client_id).aexists()

    # Still connected and reading: provider A's responder and the secretariat post as before.
    for user in (responder_a, secretariat):
        poster = await rooms.join(user, green_incident)
        sent = await send(poster, "from the invited side")
        frames = [await receive(poster) for _ in range(2)]  # the ack and the item, in either order
        assert sorted(f["type"] for f in frames) == ["ack", "item"]
        assert all(f["client_id"] == sent for f in frames)
        item = await receive(reader)
        assert item["type"] == "item" and item["client_id"] == sent
        await poster.disconnect()
    assert await RoomItem.objects.filter(incident=green_incident, kind="chat").acount() == 2
    await reader.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_an_uninvited_organisation_stays_in_a_green_room_as_a_reader(
    green_incident, secretariat, responder_a, rooms
):
    poster = await rooms.join(responder_a, green_incident)
    organization = await green_incident.invited_organizations.aget()
    await sync_to_async(services.uninvite_organization)(
        actor=secretariat, incident=green_incident, organization=organization
    )
    assert (await receive(poster))["type"] == "item"  # "... is no longer invited."
    client_id = await send(poster, "still here?")
    frame = await receive(poster)
    assert frame["code"] == "forbidden" and frame["client_id"] == client_id
    assert not await RoomItem.objects.filter(client_id=client_id).aexists()
    await poster.disconnect()


# --- The API -----------------------------------------------------------------------------------


def api_writes(incident, indicator, action, organization):
    base = f"/api/v1/incidents/{incident.pk}/"
    return [
        (base + "items/", {"client_id": str(uuid.uuid4()), "body": "hello"}),
        (base + "indicators/", {"kind": "md5", "value": uuid.uuid4().hex}),
        (base + f"indicators/{indicator.pk}/status/", {"organization": organization.pk, "status": "removed"}),
        (base + "actions/", {"title": "Check uploads", "organization": incident.invited_organizations.get().pk}),
        (base + f"actions/{action.pk}/complete/", None),
    ]


def test_the_api_refuses_a_reader_with_403_and_stores_nothing(open_incident, worked, reader_c, supporter_c):
    indicator, action = worked
    client = api(reader_c)
    assert client.get(f"/api/v1/incidents/{open_incident.pk}/items/").status_code == 200  # reads
    before = snapshot(open_incident)
    for path, body in api_writes(open_incident, indicator, action, supporter_c):
        response = client.post(path, body, format="json") if body is not None else client.post(path)
        assert response.status_code == 403, path
        assert response.json() == {"detail": REFUSAL}, path
    assert snapshot(open_incident) == before


def test_the_refusal_is_in_the_callers_language(green_incident, reader_c):
    response = api(reader_c).post(
        f"/api/v1/incidents/{green_incident.pk}/items/", {"body": "bonjour"}, format="json", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Seules les personnes des organisations invitées")


def test_the_api_lets_the_invited_and_the_secretariat_post(open_incident, worked, responder_a, provider_a, secretariat):
    indicator, action = worked
    expected = [201, 201, 200, 201, 200]
    for user in (responder_a, secretariat):
        client = api(user)
        for (path, body), status in zip(
            api_writes(open_incident, indicator, action, provider_a), expected, strict=True
        ):
            if user == secretariat and path.endswith("/status/"):
                continue  # a platform's status is its own responders'
            response = client.post(path, body, format="json") if body is not None else client.post(path)
            assert response.status_code == status, (user, path, response.content)


# --- The room's forms ------------------------------------------------------------------------


def form_posts(incident, indicator, action, organization):
    base = f"/incidents/{incident.pk}/"
    return [
        (base + "indicators/", {"kind": "md5", "value": "c" * 32}),
        (base + f"indicators/{indicator.pk}/status/", {"organization": organization.pk, "status": "removed"}),
        (base + "actions/", {"title": "Check uploads", "organization": incident.invited_organizations.get().pk}),
        (base + f"actions/{action.pk}/done/", {}),
    ]


def test_the_forms_refuse_a_reader_and_say_why(client, open_incident, worked, reader_c, supporter_c):
    indicator, action = worked
    client.force_login(reader_c)
    before = snapshot(open_incident)
    for path, data in form_posts(open_incident, indicator, action, supporter_c):
        response = client.post(path, data, follow=True)
        assert response.status_code == 200, path
        assert REFUSAL in response.content.decode(), path
        # Back at the panel's heading: the reader's page has no form to put a draft in.
        assert response.redirect_chain[-1][0].endswith(("#indicators-heading", "#actions-heading")), path
    assert snapshot(open_incident) == before


def test_the_forms_let_the_invited_post(client, open_incident, worked, responder_a, provider_a):
    indicator, action = worked
    client.force_login(responder_a)
    before = snapshot(open_incident)
    for path, data in form_posts(open_incident, indicator, action, provider_a):
        response = client.post(path, data)
        assert response.status_code == 302, path
    after = snapshot(open_incident)
    assert after[1:] == (before[1] + 1, before[2] + 1, before[3] + 1, before[4] + 1)


# --- The page ------------------------------------------------------------------------------


def page(client, user, incident) -> str:
    client.force_login(user)
    response = client.get(f"/incidents/{incident.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_reader_gets_the_note_and_no_write_controls(client, open_incident, worked, reader_c):
    html = page(client, reader_c, open_incident)
    assert READER_NOTE in html
    assert 'id="room-items"' in html  # the room itself is there to read
    for control in (
        'id="room-composer"',
        f'action="/incidents/{open_incident.pk}/indicators/"',
        f'action="/incidents/{open_incident.pk}/actions/"',
        "platform-form",
        "done-form",
    ):
        assert control not in html, control
    assert '"completes_any_action": false, "completes_for": []' in html


def test_a_poster_gets_the_composer_and_no_note(client, open_incident, worked, responder_a, secretariat):
    for user in (responder_a, secretariat):
        html = page(client, user, open_incident)
        assert READER_NOTE not in html
        assert 'id="room-composer"' in html
        assert f'action="/incidents/{open_incident.pk}/indicators/"' in html
        assert "done-form" in html


def test_the_help_page_states_the_rule(client):
    html = client.get("/incidents/help/").content.decode()
    assert "only people from the organisations invited to the incident may post" in html


@pytest.mark.parametrize("size", [2, 10])
def test_room_page_query_count_for_reader_and_poster(
    client, green_incident, secretariat, provider_a, reader_c, responder_a, django_assert_max_num_queries, size
):
    for n in range(size):
        indicator, _ = services.add_indicator(actor=responder_a, incident=green_incident, kind="md5", value=f"{n:032x}")
        services.set_platform_status(actor=responder_a, indicator=indicator, organization=provider_a, status="found")
        services.create_action(actor=secretariat, incident=green_incident, title=f"Action {n}", organization=provider_a)
    # The reader's page skips the forms' queries (their platforms, assignable organisations) and
    # the board's call tree (the chains' steps and their numbers: two for the poster).
    for user, queries in ((reader_c, 17), (responder_a, 22)):
        client.force_login(user)
        with django_assert_max_num_queries(queries):
            assert client.get(f"/incidents/{green_incident.pk}/").status_code == 200
