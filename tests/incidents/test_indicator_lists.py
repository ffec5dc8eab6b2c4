"""Indicator kinds (SHA-1, vPDQ, TMK+PDQF) and sharing a list of indicators: the service,
the API endpoint and the page."""

import struct

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents import indicator_lines, indicators, services
from incidents.models import Indicator, IndicatorKind, ItemKind, RoomItem, Status, Tlp
from portal.models import AuditEvent
from tests.helpers.api_client import api
from tests.portal.factories import OrganizationFactory

from .factories import responder_of

pytestmark = pytest.mark.django_db

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_2 = "0" * 63 + "1"
# Permission, organisation, the insert, the room item and the audit event: not one a line.
QUERIES_PER_LIST = 9
TMK = struct.pack("<256f", *[i / 256 for i in range(256)]).hex()


def _hashes(incident):
    return set(Indicator.objects.filter(incident=incident).values_list("kind", "value"))


# --- The new kinds --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        ("sha1", SHA1.upper(), SHA1),
        ("vpdq", f" {PDQ.upper()} , {PDQ_2},{PDQ} ", f"{PDQ},{PDQ_2}"),
        # vpdq's own per-frame lines: frame_number,quality,pdq_hex,timestamp
        ("vpdq", f"0,100,{PDQ},0.000\n1,98,{PDQ},1.000\n2,80,{PDQ_2},2.000\n", f"{PDQ},{PDQ_2}"),
        ("tmk", TMK.upper(), TMK),
    ],
)
def test_new_kinds_are_normalised(kind, raw, stored):
    assert indicators.normalise(kind, raw) == stored


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        ("sha1", "a" * 39, "Enter the SHA-1 hash as 40 hexadecimal digits."),
        ("vpdq", PDQ + ",abc", "separated by commas"),
        ("vpdq", ",".join(f"{i:064x}" for i in range(32)), "at most 31 distinct frames"),
        ("tmk", "ab" * 512, "2048 hexadecimal digits"),
        ("tmk", "0000c07f" * 256, "2048 hexadecimal digits"),  # NaN: not a feature
    ],
)
def test_new_kinds_refuse_what_they_cannot_be(kind, raw, message):
    with pytest.raises(ValidationError) as error:
        indicators.normalise(kind, raw)
    assert message in " ".join(error.value.message_dict["value"])


def test_tmk_level1_score_is_the_cosine_of_the_features():
    assert indicators.tmk_level1_score(TMK, TMK) == pytest.approx(1.0)
    opposite = struct.pack("<256f", *[-i / 256 for i in range(256)]).hex()
    assert indicators.tmk_level1_score(TMK, opposite) == pytest.approx(-1.0)


def test_pdq_words_round_trip_through_signed_64_bit_integers():
    words = indicators.pdq_words("f" * 16 + "0" * 15 + "1" + "8" + "0" * 15 + "7" + "f" * 15)
    assert words == (-1, 1, -(1 << 63), (1 << 63) - 1)
    assert indicators.pdq_distance(PDQ, PDQ) == 0 and indicators.pdq_distance("0" * 64, "f" * 64) == 256


# --- Reading a list -------------------------------------------------------------------


def test_each_line_is_recognised_or_refused_with_its_line_number():
    text = "\n".join(
        [
            "# a comment, skipped",
            "kind,value",
            MD5,
            SHA1,
            "hxxps://video[.]example/watch?v=1",
            SHA256,  # 64 digits: SHA-256 or PDQ?
            f"sha256,{SHA256}",
            f'vpdq,"{PDQ},{PDQ_2}"',
            f"{PDQ},{PDQ_2}",
            "",
            "not an indicator",
            f"PDQ,{PDQ}",
        ]
    )
    parsed = indicator_lines.parse_list(text)
    assert [(p.line, p.kind) for p in parsed.valid] == [
        (3, "md5"),
        (4, "sha1"),
        (5, "url"),
        (7, "sha256"),
        (8, "vpdq"),
        (9, "vpdq"),
        (12, "pdq"),
    ]
    assert [(r.line, r.result) for r in parsed.invalid] == [(6, "invalid"), (11, "invalid")]
    assert "SHA-256 or a PDQ hash" in parsed.invalid[0].reason
    # With the list's kind given, 64 digits are that kind.
    assert [p.kind for p in indicator_lines.parse_list(SHA256, kind="pdq").valid] == ["pdq"]


def test_an_invalid_line_is_shown_back_defanged():
    parsed = indicator_lines.parse_list("url,https://exa mple.com/x", kind="")
    assert parsed.invalid[0].value == "url,hxxps://exa mple[.]com/x"


# --- The service ----------------------------------------------------------------------


def test_a_list_keeps_its_valid_lines_and_reports_every_line(incident_with_two_orgs, responder_a):
    incident = incident_with_two_orgs
    services.add_indicator(actor=responder_a, incident=incident, kind="md5", value=MD5)
    items_before = RoomItem.objects.filter(incident=incident).count()
    text = f"{MD5}\n{SHA1}\nnot a hash\npdq,{PDQ}\n{SHA1}\nhttps://video.example/v\n"
    outcome = services.import_indicator_list(actor=responder_a, incident=incident, text=text)
    assert [(r.line, r.result) for r in outcome.lines] == [
        (1, "present"),
        (2, "added"),
        (3, "invalid"),
        (4, "added"),
        (5, "present"),
        (6, "added"),
    ]
    assert (outcome.added, outcome.present, outcome.invalid) == (3, 2, 1)
    assert outcome.lines[4].reason == "Repeats line 2."
    assert outcome.lines[5].value == "hxxps://video[.]example/v"
    assert _hashes(incident) == {("md5", MD5), ("sha1", SHA1), ("pdq", PDQ), ("url", "https://video.example/v")}
    pdq = Indicator.objects.get(kind="pdq")
    assert (pdq.pdq_0, pdq.pdq_1, pdq.pdq_2, pdq.pdq_3) == indicators.pdq_words(PDQ)
    assert pdq.organization.name == "Provider A" and pdq.added_by == responder_a
    # One room item for the list, not one per indicator, and one audit event.
    items = RoomItem.objects.filter(incident=incident).order_by("seq")
    assert items.count() == items_before + 1
    item = items.last()
    assert item.kind == ItemKind.INDICATOR and item.text == "3 indicators shared from a list."
    assert item.data == {"list": True, "added": 3, "kinds": {"sha1": 1, "pdq": 1, "url": 1}}
    assert item.seq == incident.__class__.objects.get(pk=incident.pk).last_seq
    event = AuditEvent.objects.get(action="incident.indicator_list_imported")
    assert event.data == {"incident": incident.pk, "added": 3, "present": 2, "invalid": 1}


def test_sharing_the_same_list_again_adds_nothing_and_posts_nothing(incident_with_two_orgs, responder_a):
    incident = incident_with_two_orgs
    services.import_indicator_list(actor=responder_a, incident=incident, text=f"{MD5}\n{SHA1}")
    items = RoomItem.objects.filter(incident=incident).count()
    outcome = services.import_indicator_list(actor=responder_a, incident=incident, text=f"{SHA1}\n{MD5}")
    assert (outcome.added, outcome.present) == (0, 2)
    assert {r.reason for r in outcome.lines} == {"Already shared in this incident."}
    assert RoomItem.objects.filter(incident=incident).count() == items


@pytest.mark.parametrize("limit", ["lines", "bytes"])
def test_a_list_over_the_limits_is_refused_whole(incident_with_two_orgs, responder_a, monkeypatch, limit):
    monkeypatch.setattr(
        indicator_lines, "MAX_LINES" if limit == "lines" else "MAX_BYTES", 3 if limit == "lines" else 70
    )
    with pytest.raises(ValidationError) as error:
        services.import_indicator_list(actor=responder_a, incident=incident_with_two_orgs, text=f"{MD5}\n{SHA1}\n" * 2)
    assert "at most" in error.value.messages[0]
    assert not Indicator.objects.exists()


def test_readers_and_closed_rooms_are_refused(incident_with_two_orgs, responder_a, secretariat):
    green = services.declare_incident(actor=secretariat, title="Green", tlp=Tlp.GREEN)
    with pytest.raises(PermissionDenied):  # a supporter's member reads a GREEN room it is not invited to
        services.import_indicator_list(actor=responder_a, incident=green, text=MD5)
    for status in (Status.ACTIVE, Status.CLOSED):
        services.change_status(actor=secretariat, incident=incident_with_two_orgs, status=status)
    with pytest.raises(ValidationError):
        services.import_indicator_list(actor=responder_a, incident=incident_with_two_orgs, text=MD5)
    assert not Indicator.objects.exists()


def test_a_list_of_exactly_the_maximum_is_taken(incident_with_two_orgs, responder_a, monkeypatch):
    # bench/indicator_lists.py times the real maximum, 100,000 lines.
    monkeypatch.setattr(indicator_lines, "MAX_LINES", 5000)
    text = "".join(f"{i:032x}\n" for i in range(5000))
    outcome = services.import_indicator_list(actor=responder_a, incident=incident_with_two_orgs, text=text)
    assert outcome.added == 5000
    assert Indicator.objects.filter(incident=incident_with_two_orgs).count() == 5000


# --- The API and the page -------------------------------------------------------------


def _bulk(incident):
    return f"/api/v1/incidents/{incident.pk}/indicators/bulk/"


def test_the_api_answers_every_lines_result(incident_with_two_orgs, responder_a):
    response = api(responder_a).post(
        _bulk(incident_with_two_orgs), {"text": f"{SHA256}\nbad", "kind": "sha256"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["added"], body["present"], body["invalid"]) == (1, 0, 1)
    assert body["lines"][0] == {"line": 1, "result": "added", "kind": "sha256", "value": SHA256, "reason": ""}
    assert body["lines"][1]["line"] == 2 and "SHA-256" in body["lines"][1]["reason"]
    again = api(responder_a).post(_bulk(incident_with_two_orgs), {"text": SHA256, "kind": "sha256"}, format="json")
    assert again.status_code == 200 and again.json()["present"] == 1


def test_the_api_takes_an_uploaded_file(incident_with_two_orgs, responder_a):
    upload = SimpleUploadedFile("list.csv", f"\ufeffkind,value\nmd5,{MD5}\n".encode(), content_type="text/csv")
    response = api(responder_a).post(_bulk(incident_with_two_orgs), {"file": upload}, format="multipart")
    assert response.status_code == 201 and response.json()["added"] == 1
    latin = SimpleUploadedFile("list.txt", b"caf\xe9", content_type="text/plain")
    refused = api(responder_a).post(_bulk(incident_with_two_orgs), {"file": latin}, format="multipart")
    assert refused.status_code == 400 and "UTF-8" in str(refused.json())


@pytest.mark.parametrize(
    "body",
    [{}, {"text": MD5, "file": None}, {"text": MD5, "kind": "sha512"}, {"text": 5}, {"text": MD5, "extra": 1}],
)
def test_the_api_refuses_a_bad_body_and_changes_nothing(incident_with_two_orgs, responder_a, body):
    body = {k: v for k, v in body.items() if v is not None} | ({"file": ""} if "file" in body else {})
    response = api(responder_a).post(_bulk(incident_with_two_orgs), body, format="json")
    assert response.status_code == 400
    assert not Indicator.objects.exists()


def test_the_api_follows_the_rooms_rules(incident_with_two_orgs, secretariat):
    outsider = responder_of(OrganizationFactory(name="Uninvited"))
    assert api(outsider).post(_bulk(incident_with_two_orgs), {"text": MD5}, format="json").status_code == 404
    assert api(None).post(_bulk(incident_with_two_orgs), {"text": MD5}, format="json").status_code in (401, 403)
    green = services.declare_incident(actor=secretariat, title="Green", tlp=Tlp.GREEN)
    assert api(outsider).post(_bulk(green), {"text": MD5}, format="json").status_code == 403
    assert not Indicator.objects.exists()


def test_the_page_shows_each_lines_result(client, incident_with_two_orgs, responder_a):
    client.force_login(responder_a)
    page = f"/incidents/{incident_with_two_orgs.pk}/indicators/list/"
    room = client.get(f"/incidents/{incident_with_two_orgs.pk}/").content.decode()
    assert f'action="{page}"' in room and 'enctype="multipart/form-data"' in room
    html = client.post(page, {"kind": "", "text": f"{MD5}\nnot a hash\n{SHA256}"}).content.decode()
    assert "1 indicator added, 0 already present, 2 invalid lines." in html
    assert 'data-line="2"' in html and "Not recognised" in html and "SHA-256 or a PDQ hash" in html
    assert html.index("Lines to fix") < html.index('id="list-results"')
    upload = SimpleUploadedFile("list.txt", f"{MD5}\n{SHA1}".encode())
    html = client.post(page, {"kind": "", "file": upload}).content.decode()
    assert "1 indicator added, 1 already present, 0 invalid lines." in html
    html = client.post(page, {"kind": "", "text": ""}).content.decode()
    assert "Paste a list or choose a file." in html
    assert _hashes(incident_with_two_orgs) == {("md5", MD5), ("sha1", SHA1)}
    assert IndicatorKind.SHA1 == "sha1"


def test_the_after_action_report_counts_each_indicator_of_a_list(incident_with_two_orgs, responder_a):
    from incidents.reports import build_report

    services.add_indicator(actor=responder_a, incident=incident_with_two_orgs, kind="md5", value=MD5)
    services.import_indicator_list(
        actor=responder_a, incident=incident_with_two_orgs, text=f"{SHA1}\n{SHA256}", kind=""
    )
    services.import_indicator_list(actor=responder_a, incident=incident_with_two_orgs, text=f"pdq,{PDQ}\n{TMK}")
    rows = {p.name: p for p in build_report(incident_with_two_orgs).participation}
    assert rows["Provider A"].indicators == 4  # one alone, one of the first list (64 digits alone: invalid), two


def test_the_room_lists_the_latest_indicators_only(client, incident_with_two_orgs, responder_a, monkeypatch):
    from incidents.selectors import room_page

    monkeypatch.setattr(room_page, "ROOM_PANEL_INDICATORS", 3)
    services.import_indicator_list(
        actor=responder_a, incident=incident_with_two_orgs, text="\n".join(f"{n:032x}" for n in range(5))
    )
    client.force_login(responder_a)
    html = client.get(f"/incidents/{incident_with_two_orgs.pk}/").content.decode()
    shown = [f"{n:032x}" for n in range(5) if f">{n:032x}</code>" in html]
    assert shown == [f"{n:032x}" for n in (2, 3, 4)]
    assert "Only the latest 3 indicators are listed here" in html


def test_a_paste_over_the_form_limit_says_to_upload_a_file(client, incident_with_two_orgs, responder_a):
    client.force_login(responder_a)
    page = f"/incidents/{incident_with_two_orgs.pk}/indicators/list/"
    response = client.post(page, {"text": f"{MD5}\n" * 90_000})  # about 3 MB: Django's form limit is 2.5 MB
    assert "Paste at most 2.5 MB here; upload a file for a longer list." in response.content.decode()
    assert not Indicator.objects.exists()


@pytest.mark.parametrize("size", [5, 500])
def test_a_list_costs_the_same_queries_whatever_its_length(
    incident_with_two_orgs, responder_a, django_assert_max_num_queries, size
):
    lines = [f"{i:032x}" for i in range(size)] + [f"pdq,{i:064x}" for i in range(size)] + ["not a hash"]
    text = "\n".join(lines)
    incident = incident_with_two_orgs
    responder_a = responder_a.__class__.objects.get(pk=responder_a.pk)
    with django_assert_max_num_queries(QUERIES_PER_LIST):
        outcome = services.import_indicator_list(actor=responder_a, incident=incident, text=text)
    assert (outcome.added, outcome.invalid) == (2 * size, 1)
    with django_assert_max_num_queries(QUERIES_PER_LIST):
        again = services.import_indicator_list(actor=responder_a, incident=incident, text=text)
    assert again.present == 2 * size
