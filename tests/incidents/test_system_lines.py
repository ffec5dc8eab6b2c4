"""System lines (#15): stored as an event with parameters, said in the reader's language
wherever they are shown: room frames, the items API, the timeline and the report."""

import importlib
import re

import pytest
from asgiref.sync import sync_to_async
from django.utils import translation
from rest_framework.test import APIClient

from incidents import lines, reports, services
from incidents.models import ItemKind, RoomItem, Status, Tlp
from tests.helpers.rooms import WAIT

from .factories import responder_of

LATIN = re.compile(r"[A-Za-z]")
migration = importlib.import_module("incidents.migrations.0007_room_item_event_params")


def said_in(language: str, item: RoomItem) -> str:
    with translation.override(language):
        return item.text


def last_item(incident) -> RoomItem:
    return RoomItem.objects.filter(incident=incident).order_by("-seq").first()


def test_a_tlp_change_is_stored_as_an_event_not_a_sentence(incident_with_two_orgs, secretariat):
    services.change_tlp(actor=secretariat, incident=incident_with_two_orgs, tlp=Tlp.GREEN)
    item = last_item(incident_with_two_orgs)
    assert (item.kind, item.body, item.event) == (ItemKind.SYSTEM, "", "tlp.changed")
    assert item.params == {"who": "Sam Secretariat", "a": "amber", "b": "green"}


def test_a_french_and_an_arabic_reader_see_the_same_stored_line_in_their_language(incident_with_two_orgs, secretariat):
    services.change_tlp(actor=secretariat, incident=incident_with_two_orgs, tlp=Tlp.GREEN)
    item = last_item(incident_with_two_orgs)
    assert said_in("en", item) == "TLP changed from AMBER to GREEN by Sam Secretariat."
    assert said_in("fr", item) == "Niveau TLP changé de AMBRE à VERT par Sam Secretariat."
    assert said_in("ar", item) == "غيّر Sam Secretariat مستوى بروتوكول إشارات المرور من كهرماني إلى أخضر."


def test_status_lines_name_the_status_in_words(incident_with_two_orgs, secretariat):
    services.change_status(actor=secretariat, incident=incident_with_two_orgs, status=Status.ACTIVE, note="go")
    item = last_item(incident_with_two_orgs)
    assert (item.event, item.params["a"], item.params["b"]) == ("status.changed_with_note", "declared", "active")
    assert said_in("en", item) == "Sam Secretariat changed the status from Declared to Active: go"
    assert "Declared" not in said_in("fr", item) and "go" in said_in("fr", item)


def test_the_items_api_says_the_line_in_the_request_language_and_keeps_event_and_params(
    incident_with_two_orgs, secretariat
):
    services.change_tlp(actor=secretariat, incident=incident_with_two_orgs, tlp=Tlp.RED)
    client = APIClient()
    client.force_authenticate(secretariat)
    url = f"/api/v1/incidents/{incident_with_two_orgs.pk}/items/"
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").json()["results"][-1]
    assert french["body"] == "Niveau TLP changé de AMBRE à ROUGE par Sam Secretariat."
    assert (french["event"], french["params"]["b"]) == ("tlp.changed", "red")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["results"][-1]
    assert english["body"] == "TLP changed from AMBER to RED by Sam Secretariat."


def test_a_chat_message_has_no_event(incident_with_two_orgs, responder_a):
    item = services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=None, body="vu")
    assert (item.event, item.params, item.body, said_in("ar", item)) == ("", {}, "vu", "vu")


def test_an_unknown_event_or_a_missing_parameter_never_fails():
    assert lines.render("from.the.future", {"x": 1}) == ""
    assert lines.render("tlp.changed", {"who": "A"}) == ""
    assert lines.render(lines.LEGACY, {"text": "Old line."}) == "Old line."


@pytest.mark.parametrize("event", sorted(set(lines.LINES) - {lines.LEGACY}))
def test_every_line_is_translated_into_french_and_arabic(event):
    params = {
        "who": "W",
        "org": "O",
        "a": {"tier": 1, "status": "declared"}.get(event.split(".")[0], "amber"),
        "b": {"tier": 2, "status": "active"}.get(event.split(".")[0], "green"),
        "tier": 2,
        "tlp": "amber",
        "note": "N",
        "commander": "C",
        "user": "U",
        "title": "T",
        "kind": "url",
        "value": "V",
        "status": "found",
        "n": 3,
    }
    said = {}
    for language in ("en", "fr", "ar"):
        with translation.override(language):
            said[language] = lines.render(event, params)
    assert said["en"] and said["fr"] != said["en"] and said["ar"] != said["en"]
    # In Arabic, only the parameters (names, values people wrote) and technical acronyms may be
    # in Latin script.
    assert not LATIN.search(re.sub(r"\b([WOVNCUT]|URL)\b", "", said["ar"])), said["ar"]


# --- old rows, converted by the migration ---


@pytest.mark.parametrize(
    ("body", "data", "event", "params"),
    [
        (
            "Sam declared the incident (tier 3, TLP:AMBER).",
            {"status": "declared", "tier": 3, "tlp": "amber"},
            "incident.declared",
            {"who": "Sam", "tier": 3, "tlp": "amber"},
        ),
        (
            "Sam changed the status from Declared to Active.",
            {"from": "declared", "status": "active", "note": ""},
            "status.changed",
            {"who": "Sam", "a": "declared", "b": "active"},
        ),
        (
            "Sam changed the status from Active to Closed: done",
            {"from": "active", "status": "closed", "note": "done"},
            "status.changed_with_note",
            {"who": "Sam", "a": "active", "b": "closed", "note": "done"},
        ),
        (
            "Sam changed the TLP level from TLP:AMBER to TLP:GREEN.",
            {"change": "tlp", "from": "amber", "to": "green", "tlp": "green"},
            "tlp.changed",
            {"who": "Sam", "a": "amber", "b": "green"},
        ),
        (
            "Sam de-escalated the incident from tier 3 to tier 2.",
            {"change": "tier", "from": 3, "to": 2, "tier": 2},
            "tier.deescalated",
            {"who": "Sam", "a": 3, "b": 2},
        ),
        ("Government of Fiji was invited.", {"invited": 41}, "organization.invited", {"org": "Government of Fiji"}),
        (
            "Provider A: hxxps://bad[.]example is Removed.",
            {"indicator": 1, "platform": 2, "platform_name": "Provider A", "status": "removed"},
            "indicator.platform_status",
            {"org": "Provider A", "value": "hxxps://bad[.]example", "status": "removed"},
        ),
        ("3 indicators shared from a list.", {"list": True, "added": 3}, "indicators.imported", {"n": 3}),
        (
            "Provider B has not acknowledged within 45 minutes: its admins and the secretariat were alerted.",
            {"escalated": 9, "tier": 3},
            "alert.escalated",
            {"org": "Provider B", "n": 45},
        ),
    ],
)
def test_old_english_lines_are_read_back_as_events(body, data, event, params):
    assert migration.line_from_text(body, data) == (event, params)
    with translation.override("en"):
        assert lines.render(event, params)


def test_an_old_line_that_does_not_read_back_keeps_its_text():
    french = "Sam a changé le niveau TLP de TLP:AMBER à TLP:GREEN."
    assert migration.line_from_text(french, {"change": "tlp"}) == ("legacy", {"text": french})


# --- the Arabic room, timeline and report of a worked incident ---


@pytest.fixture
def worked_incident(incident_with_two_orgs, secretariat, provider_a, provider_b):
    incident = incident_with_two_orgs
    responder_a, responder_b = responder_of(provider_a), responder_of(provider_b)
    services.change_status(actor=secretariat, incident=incident, status=Status.ACTIVE)
    services.change_tier(actor=secretariat, incident=incident, tier=2)
    services.change_tlp(actor=secretariat, incident=incident, tlp=Tlp.GREEN)
    indicator, _ = services.add_indicator(actor=responder_b, incident=incident, kind="url", value="https://bad.example")
    services.set_platform_status(actor=responder_a, indicator=indicator, organization=provider_a, status="removed")
    action = services.create_action(actor=secretariat, incident=incident, title="Hash it", organization=provider_b)
    services.complete_action(actor=responder_b, action=action)
    services.change_status(actor=secretariat, incident=incident, status=Status.CLOSED)
    return incident, [secretariat.display_name, responder_a.display_name, responder_b.display_name]


def _without_names(text: str, names) -> str:
    known = [*names, "Provider A", "Provider B", "hxxps://bad[.]example", "hxxps://bad\\[.\\]example", "Hash it", "URL"]
    for name in known:
        text = text.replace(name, "")
    return text


def test_no_latin_script_system_text_in_the_arabic_timeline_and_report(client, worked_incident, secretariat):
    incident, names = worked_incident
    secretariat.language = "ar"
    secretariat.save(update_fields=["language"])
    client.force_login(secretariat)
    for path in ("timeline/", "report/"):
        html = client.get(f"/incidents/{incident.pk}/{path}").content.decode()
        cells = re.findall(r'<td class="room-body" dir="auto">(.*?)</td>', html, re.DOTALL)
        assert len(cells) >= 8
        for cell in cells:
            assert not LATIN.search(_without_names(cell, names)), (path, cell)
    with translation.override("ar"):
        markdown = reports.report_markdown(reports.build_report(incident))
        timeline = [line.split(" | ")[-1] for line in markdown.splitlines() if line.count(" | ") == 4]
    assert len(timeline) >= 8
    for line in timeline[1:]:  # after the header row
        assert not LATIN.search(_without_names(line.strip(" |"), names)), line


# --- the live room: each connection in its reader's language ---


@pytest.mark.django_db(transaction=True)
async def test_each_room_connection_gets_the_line_in_its_language_live_and_replayed(
    incident_with_two_orgs, secretariat, responder_a, responder_b, rooms
):
    async def next_item(communicator):
        if communicator.pending:
            return communicator.pending.pop(0)
        while True:
            frame = await communicator.receive_json_from(timeout=WAIT)
            if frame["type"] == "item":
                return frame

    responder_a.language, responder_b.language = "fr", "ar"
    await responder_a.asave(update_fields=["language"])
    await responder_b.asave(update_fields=["language"])
    french = await rooms.join(responder_a, incident_with_two_orgs)
    arabic = await rooms.join(responder_b, incident_with_two_orgs)
    await sync_to_async(services.change_tlp)(actor=secretariat, incident=incident_with_two_orgs, tlp=Tlp.GREEN)
    live_fr, live_ar = await next_item(french), await next_item(arabic)
    assert live_fr["body"] == "Niveau TLP changé de AMBRE à VERT par Sam Secretariat."
    assert live_ar["body"] == "غيّر Sam Secretariat مستوى بروتوكول إشارات المرور من كهرماني إلى أخضر."
    assert live_fr["event"] == live_ar["event"] == "tlp.changed" and live_fr["params"] == live_ar["params"]
    seq = live_fr["seq"]
    replayed = await rooms.join(responder_b, incident_with_two_orgs, f"?after={seq - 1}")
    assert (await next_item(replayed))["body"] == live_ar["body"]
