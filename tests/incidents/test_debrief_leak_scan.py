"""The leak scan before a debrief is published at TLP:CLEAR (incidents/debrief_scan.py): the
scanner on its own, then the service's rules, the report page and the API."""

import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.debrief_scan import Needles, scan
from incidents.models import Debrief, DebriefConfirmation, Status
from incidents.selectors.debrief_scan import debrief_findings, leak_needles
from portal.models import AuditEvent
from tests.helpers.api_client import api

from .factories import responder_of

pytestmark = pytest.mark.django_db

SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
MD5 = "5d41402abc4b2a76b9719d911017c592"
NEEDLES = Needles(
    urls=frozenset({"https://bad.example/live"}),
    hashes=frozenset({SHA256}),
    names=("Aroha Ngata",),
    emails=frozenset({"aroha@provider-a.example"}),
    regions=("NZ",),
)
PROSE = (
    "On 15 March 2019 at 13:40 the attack was livestreamed; within 24 hours platforms removed 1.5 million "
    "copies (see section 3.2). Provider A and Provider B shared hashes, e.g. of the video, and the "
    "secretariat coordinated the response [1]. Next review: 2026-06-30, at 10:00 UTC."
)


def kinds(title="Debrief", summary=""):
    return [(f.kind, f.text) for f in scan(title=title, summary=summary, needles=NEEDLES)]


# --- the scanner -------------------------------------------------------------------------------


def test_ordinary_prose_has_no_finding():
    assert kinds("What the community did in March", PROSE) == []


@pytest.mark.parametrize(
    "written",
    [
        "https://bad.example/live",
        "hxxps://bad[.]example/live",
        "hXXps[:]//bad(.)example/live",
        "bad[.]example",
        "bad [.] example/other",
        "BAD.EXAMPLE",
    ],
)
def test_the_incidents_url_is_found_raw_or_defanged(written):
    found = kinds(summary=f"Copies were at {written}, now gone.")
    assert found == [("url", written)]


def test_another_url_is_not_a_finding():
    assert kinds(summary="Read https://www.christchurchcall.org/ and good.example for more.") == []


def test_any_hash_is_found_and_the_incidents_own_is_marked_known():
    found = scan(title="t", summary=f"Hashes {SHA256.upper()} and {MD5}.", needles=NEEDLES)
    assert [(f.kind, f.text, f.known) for f in found] == [("hash", SHA256.upper(), True), ("hash", MD5, False)]


def test_names_emails_and_phones_are_found_with_their_positions():
    summary = "Thanks to aroha  NGATA (aroha[@]provider-a[.]example, +64 21 555 0123) and ops@other.example."
    found = scan(title="Aroha Ngata's account", summary=summary, needles=NEEDLES)
    assert [(f.field, f.kind, f.text, f.known) for f in found] == [
        ("title", "name", "Aroha Ngata", True),
        ("summary", "name", "aroha  NGATA", True),
        ("summary", "email", "aroha[@]provider-a[.]example", True),
        ("summary", "phone", "+64 21 555 0123", False),
        ("summary", "email", "ops@other.example", False),
    ]
    for finding in found:
        text = "Aroha Ngata's account" if finding.field == "title" else summary
        assert text[finding.start : finding.end] == finding.text


def test_a_national_number_is_found_in_an_invited_organisations_country():
    assert kinds(summary="Call the desk on 021 555 0123 any time.") == [("phone", "021 555 0123")]
    assert scan(title="t", summary="Call the desk on 021 555 0123 any time.", needles=Needles()) == []


def test_a_finding_id_is_tied_to_the_text():
    first = scan(title="t", summary=f"Hash {MD5}.", needles=NEEDLES)[0]
    assert scan(title="t", summary=f"Hash {MD5}.", needles=NEEDLES)[0].id == first.id
    assert scan(title="t", summary=f"Hash {MD5}. Edited.", needles=NEEDLES)[0].id != first.id


# --- the service -------------------------------------------------------------------------------


@pytest.fixture
def closed_incident(incident_with_two_orgs, secretariat, responder_a):
    services.add_indicator(
        actor=responder_a, incident=incident_with_two_orgs, kind="url", value="https://bad.example/x"
    )
    services.add_indicator(actor=responder_a, incident=incident_with_two_orgs, kind="sha256", value=SHA256)
    services.change_status(actor=secretariat, incident=incident_with_two_orgs, status=Status.CLOSED)
    return incident_with_two_orgs


def test_needles_hold_the_incidents_indicators_and_people(closed_incident, responder_a, responder_b, secretariat):
    needles = leak_needles(closed_incident)
    assert needles.urls == {"https://bad.example/x"} and needles.hashes == {SHA256}
    assert {responder_a.full_name, responder_b.full_name, secretariat.full_name} <= set(needles.names)
    assert {responder_a.email, responder_b.email} <= needles.emails


def test_publishing_is_refused_until_each_finding_is_removed_or_confirmed(closed_incident, secretariat, responder_a):
    summary = f"{responder_a.full_name} found copies at hxxps://bad[.]example/x and hash {SHA256}."
    debrief = services.save_debrief(actor=secretariat, incident=closed_incident, title="Account", summary=summary)
    findings = debrief_findings(debrief)
    assert [r.finding.kind for r in findings] == ["name", "url", "hash"]
    with pytest.raises(ValidationError, match="3 things to remove from the text or confirm"):
        services.publish_debrief(actor=secretariat, debrief=debrief)
    assert not Debrief.objects.get().is_published
    # Removing the URL and the hash from the text, confirming the name.
    debrief = services.save_debrief(
        actor=secretariat, incident=closed_incident, title="Account", summary=f"{responder_a.full_name} found copies."
    )
    (name,) = debrief_findings(debrief)
    with pytest.raises(ValidationError):
        services.confirm_debrief_finding(actor=secretariat, debrief=debrief, finding_id="not-a-finding")
    assert services.confirm_debrief_finding(actor=secretariat, debrief=debrief, finding_id=name.finding.id) is True
    assert services.confirm_debrief_finding(actor=secretariat, debrief=debrief, finding_id=name.finding.id) is False
    event = AuditEvent.objects.get(action="incident.debrief_finding_confirmed")
    assert event.data["kind"] == "name" and event.data["matched"] == responder_a.full_name
    assert services.publish_debrief(actor=secretariat, debrief=debrief) is True


def test_an_edit_scans_again_and_withdraws_a_published_debrief(closed_incident, secretariat):
    debrief = services.save_debrief(actor=secretariat, incident=closed_incident, title="Account", summary=f"x {MD5}")
    (finding,) = debrief_findings(debrief)
    services.confirm_debrief_finding(actor=secretariat, debrief=debrief, finding_id=finding.finding.id)
    assert services.publish_debrief(actor=secretariat, debrief=debrief)
    # The same hash in an edited text is a new finding: the old confirmation is dropped.
    edited = services.save_debrief(actor=secretariat, incident=closed_incident, title="Account", summary=f"y {MD5}")
    assert edited.was_withdrawn and not Debrief.objects.get().is_published
    assert not DebriefConfirmation.objects.exists()
    assert [r.confirmed for r in debrief_findings(edited)] == [False]
    clean = services.save_debrief(actor=secretariat, incident=closed_incident, title="Account", summary="Clean.")
    assert not clean.was_withdrawn and services.publish_debrief(actor=secretariat, debrief=clean)
    assert not services.save_debrief(
        actor=secretariat, incident=closed_incident, title="Account", summary="Still clean."
    ).was_withdrawn


def test_only_the_secretariat_confirms(closed_incident, secretariat, responder_a):
    debrief = services.save_debrief(actor=secretariat, incident=closed_incident, title="A", summary=f"x {MD5}")
    (finding,) = debrief_findings(debrief)
    with pytest.raises(Exception, match="secretariat"):
        services.confirm_debrief_finding(actor=responder_a, debrief=debrief, finding_id=finding.finding.id)
    assert not DebriefConfirmation.objects.exists()


# --- the report page -----------------------------------------------------------------------------


def test_the_report_page_shows_findings_with_confirm_buttons(client, closed_incident, secretariat):
    client.force_login(secretariat)
    base = f"/incidents/{closed_incident.pk}/"
    client.post(base + "debrief/", {"title": "Account", "summary": f"Copies at bad[.]example and {MD5}."})
    html = client.get(base + "report/").content.decode()
    assert "Leak scan" in html and "bad[.]example" in html and html.count('name="finding"') == 2
    client.post(base + "debrief/publish/", {"publish": "1"})
    assert not Debrief.objects.get().is_published
    page = client.get(base + "report/").content.decode()
    assert "2 findings are still to remove from the text or confirm" in page
    assert client.post(base + "debrief/findings/confirm/", {"finding": "nope"}).status_code == 302
    assert not DebriefConfirmation.objects.exists()
    for reviewed in debrief_findings(Debrief.objects.get()):
        client.post(base + "debrief/findings/confirm/", {"finding": reviewed.finding.id})
    assert "Confirmed by" in client.get(base + "report/").content.decode()
    client.post(base + "debrief/publish/", {"publish": "1"})
    assert Debrief.objects.get().is_published


def test_confirming_without_a_debrief_is_a_404(client, closed_incident, secretariat):
    client.force_login(secretariat)
    response = client.post(f"/incidents/{closed_incident.pk}/debrief/findings/confirm/", {"finding": "x"})
    assert response.status_code == 404


# --- the API ------------------------------------------------------------------------------------


def test_the_api_lists_and_confirms_findings_and_refuses_to_publish(closed_incident, secretariat, responder_a):
    client = api(secretariat)
    path = f"/api/v1/incidents/{closed_incident.pk}/debrief/"
    assert client.get(path + "findings/").status_code == 404  # nothing written yet
    client.put(path, {"title": "Account", "summary": f"Hash {SHA256} shared."}, format="json")
    (finding,) = client.get(path + "findings/").json()
    assert finding == {
        "id": finding["id"],
        "kind": "hash",
        "text": SHA256,
        "field": "summary",
        "start": 5,
        "end": 69,
        "known": True,
        "confirmed": False,
        "confirmed_at": None,
        "confirmed_by": "",
    }
    refused = client.post(path, {"published": True}, format="json")
    assert refused.status_code == 400 and "leak scan" in str(refused.json())
    assert client.post(path + "findings/", {}, format="json").status_code == 400
    assert client.post(path + "findings/", {"finding": "stale"}, format="json").status_code == 400
    assert api(responder_a).post(path + "findings/", {"finding": finding["id"]}, format="json").status_code == 403
    confirmed = client.post(path + "findings/", {"finding": finding["id"]}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()[0]["confirmed"] is True
    assert confirmed.json()[0]["confirmed_by"] == secretariat.full_name
    assert client.post(path, {"published": True}, format="json").json()["is_published"] is True


@pytest.mark.parametrize("size", [2, 20])
def test_findings_run_a_fixed_number_of_queries(closed_incident, secretariat, django_assert_max_num_queries, size):
    for _n in range(size):
        responder_of(closed_incident.invited_organizations.first())
    summary = " ".join(f"{n:032x}" for n in range(size))
    services.save_debrief(actor=secretariat, incident=closed_incident, title="Account", summary=summary)
    client = api(secretariat)
    with django_assert_max_num_queries(7):
        assert len(client.get(f"/api/v1/incidents/{closed_incident.pk}/debrief/findings/").json()) == size


@pytest.mark.parametrize("size", [2, 20])
def test_the_report_page_with_findings_runs_a_fixed_number_of_queries(
    client, closed_incident, secretariat, django_assert_max_num_queries, size
):
    for _n in range(size):
        responder_of(closed_incident.invited_organizations.first())
    summary = " ".join(f"{n:032x}" for n in range(size))
    services.save_debrief(actor=secretariat, incident=closed_incident, title="Account", summary=summary)
    client.force_login(secretariat)
    with django_assert_max_num_queries(24):
        html = client.get(f"/incidents/{closed_incident.pk}/report/").content.decode()
    assert html.count('name="finding"') == size
