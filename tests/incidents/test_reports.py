"""After the incident: timeline, after-action report, indicators CSV and the public debrief."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from incidents import exports, reports, services
from incidents.models import Debrief, Status
from tests.portal.factories import OrganizationFactory

from .factories import responder_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked_incident(incident_with_two_orgs, secretariat, responder_a, responder_b, provider_a, provider_b):
    """A closed incident with chat, an indicator removed on one platform and an action done."""
    incident = incident_with_two_orgs
    services.change_status(actor=secretariat, incident=incident, status=Status.ACTIVE)
    services.post_message(incident=incident, actor=responder_a, client_id=None, body="We see it")
    services.post_message(incident=incident, actor=responder_b, client_id=None, body="Us too")
    indicator, _ = services.add_indicator(
        actor=responder_b, incident=incident, kind="url", value="https://bad.example/live"
    )
    services.set_platform_status(actor=responder_a, indicator=indicator, organization=provider_a, status="found")
    services.set_platform_status(actor=responder_a, indicator=indicator, organization=provider_a, status="removed")
    action = services.create_action(
        actor=secretariat, incident=incident, title="Hash the video", organization=provider_b
    )
    services.complete_action(actor=responder_b, action=action)
    services.change_status(actor=secretariat, incident=incident, status=Status.MONITORING)
    services.change_status(actor=secretariat, incident=incident, status=Status.CLOSED)
    return incident


def test_report_is_built_from_the_stored_items(worked_incident, provider_a, provider_b):
    report = reports.build_report(worked_incident)
    assert [item.kind for item in report.timeline] == [
        "status",
        "status",
        "indicator",
        "indicator",
        "indicator",
        "action",
        "action",
        "status",
        "status",
    ]
    assert report.closed_at is not None and report.declared_at == worked_incident.criteria_decided_at
    assert report.first_acknowledgement_at is None
    assert reports.format_duration(report.to_first_acknowledgement) == "not recorded"
    assert report.first_removal_at == report.timeline[4].created_at
    assert report.to_first_removal >= report.to_first_removal.__class__(0)
    rows = {p.name: p for p in report.participation}
    a, b = rows[provider_a.name], rows[provider_b.name]
    assert (a.invited, a.messages, a.indicators, a.platform_updates, a.people) == (True, 1, 0, 2, 1)
    assert (b.messages, b.indicators, b.actions_assigned, b.actions_done) == (1, 1, 1, 1)
    assert [p.status for p in report.indicators[0].platform_statuses.all()] == ["removed"]


def test_format_duration():
    from datetime import timedelta

    assert reports.format_duration(timedelta(seconds=65)) == "1 min 05 s"
    assert reports.format_duration(timedelta(hours=2, seconds=3)) == "2 h 00 min 03 s"
    assert reports.format_duration(None) == "not recorded"


def test_markdown_report(worked_incident):
    text = reports.report_markdown(reports.build_report(worked_incident))
    assert text.startswith("# After-action report: Livestreamed attack")
    assert "hxxps://bad[.]example/live" in text and "https://bad.example" not in text
    assert "Time from declaration to first acknowledgement: not recorded" in text
    assert "Hash the video" in text and "Provider A: Removed" in text
    # [ ] escaped, so (y) starts no link and is left as written.
    assert reports.md("[x](y) <b>|") == "\\[x\\](y) \\<b\\>\\|"


def test_markdown_report_escapes_user_text(incident_with_two_orgs, secretariat, provider_a):
    services.create_action(
        actor=secretariat,
        incident=incident_with_two_orgs,
        title="[click](https://evil.example) <script>x</script> | pipe\n# heading",
        organization=provider_a,
    )
    text = reports.report_markdown(reports.build_report(incident_with_two_orgs))
    assert "\\[click\\](https://evil.example) \\<script\\>x\\</script\\> \\| pipe \\# heading" in text
    assert "<script>" not in text and "\n# heading" not in text


def test_report_pages_and_downloads(client, worked_incident, responder_a):
    client.force_login(responder_a)
    base = f"/incidents/{worked_incident.pk}/"
    html = client.get(base + "report/").content.decode()
    assert "After-action report" in html and "incidents/print.css" in html and 'media="print"' in html
    assert 'id="to-first-ack">not recorded<' in html
    assert "hxxps://bad[.]example/live" in html and "https://bad.example" not in html
    assert "Public debrief" not in html  # the secretariat's form only
    md = client.get(base + "report.md")
    assert md["Content-Type"].startswith("text/markdown") and "attachment" in md["Content-Disposition"]
    assert "## Participation by organisation" in md.content.decode()
    timeline = client.get(base + "timeline/").content.decode()
    assert "We see it" in timeline and "Us too" in timeline
    chat_only = client.get(base + "timeline/?kind=chat").content.decode()
    assert "We see it" in chat_only and "Hash the video" not in chat_only
    assert client.get(base + "timeline/?kind=bogus&page=x").status_code == 200


def test_after_the_incident_pages_need_the_room(client, worked_incident, provider_a):
    outsider = responder_of(OrganizationFactory(name="Elsewhere"))
    no_2fa = responder_of(provider_a, two_factor=False)
    base = f"/incidents/{worked_incident.pk}/"
    for path in ("report/", "report.md", "timeline/", "indicators.csv"):
        client.force_login(outsider)
        assert client.get(base + path).status_code == 404
        client.force_login(no_2fa)
        assert client.get(base + path).status_code == 403
        client.logout()
        assert client.get(base + path).status_code == 404
    api = APIClient()
    api.force_authenticate(outsider)
    assert api.get(f"/api/v1/incidents/{worked_incident.pk}/indicators/csv/").status_code == 404


@pytest.mark.parametrize("size", [2, 10])
def test_report_and_timeline_query_counts(
    client, incident_with_two_orgs, secretariat, provider_a, provider_b, django_assert_max_num_queries, size
):
    incident = incident_with_two_orgs
    responders = [responder_of(provider_a), responder_of(provider_b)]
    for n in range(size):
        indicator, _ = services.add_indicator(actor=responders[n % 2], incident=incident, kind="md5", value=f"{n:032x}")
        services.set_platform_status(
            actor=responders[0], indicator=indicator, organization=provider_a, status="removed"
        )
        services.create_action(actor=secretariat, incident=incident, title=f"Action {n}", organization=provider_b)
        services.post_message(incident=incident, actor=responders[n % 2], client_id=None, body=f"m{n}")
    client.force_login(secretariat)
    base = f"/incidents/{incident.pk}/"
    with django_assert_max_num_queries(20):
        assert client.get(base + "report/").status_code == 200
    with django_assert_max_num_queries(19):
        assert client.get(base + "report.md").status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(base + "timeline/").status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(base + "indicators.csv").status_code == 200
    # The room page with its indicator and action panels, and (the secretariat) the invite menu
    # and the action form's menu of owners.
    with django_assert_max_num_queries(22):
        assert client.get(base).status_code == 200


# --- indicators CSV ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (None, ""),
        (5, "5"),
    ],
)
def test_safe_cell(raw, safe):
    assert exports.safe_cell(raw) == safe


def test_indicators_csv_is_defanged_and_injection_safe(client, incident_with_two_orgs, secretariat, responder_a):
    evil = OrganizationFactory(name="=cmd|' /C calc'!A0")
    services.invite_organization(actor=secretariat, incident=incident_with_two_orgs, organization=evil)
    evil_responder = responder_of(evil)
    indicator, _ = services.add_indicator(
        actor=evil_responder, incident=incident_with_two_orgs, kind="url", value="https://bad.example/=x"
    )
    services.set_platform_status(actor=evil_responder, indicator=indicator, organization=evil, status="removed")
    client.force_login(responder_a)
    response = client.get(f"/incidents/{incident_with_two_orgs.pk}/indicators.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["id", "kind", "value (defanged)"]
    assert rows[1][2] == "hxxps://bad[.]example/=x"
    assert rows[1][3] == "'=cmd|' /C calc'!A0"
    assert rows[1][5].startswith("'=cmd")
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    api = APIClient()
    api.force_authenticate(responder_a)
    assert api.get(f"/api/v1/incidents/{incident_with_two_orgs.pk}/indicators/csv/").content == response.content


# --- public debrief ------------------------------------------------------------------------------


SECRET_BITS = ("Livestreamed attack", "Video spreading", "Provider A", "bad[.]example", "We see it", "Hash the video")


def test_debrief_is_written_published_and_leaks_nothing(client, worked_incident, secretariat, responder_a):
    with pytest.raises(PermissionDenied):
        services.save_debrief(actor=responder_a, incident=worked_incident, title="x", summary="y")
    debrief = services.save_debrief(
        actor=secretariat, incident=worked_incident, title="May attack response", summary="Platforms removed copies."
    )
    # A draft is invisible to the public, on the page and in the API.
    assert client.get(f"/incidents/debriefs/{debrief.pk}/").status_code == 404
    assert APIClient().get(f"/api/v1/debriefs/{debrief.pk}/").status_code == 404
    assert "May attack response" not in client.get("/incidents/debriefs/").content.decode()
    assert services.publish_debrief(actor=secretariat, debrief=debrief) is True
    assert services.publish_debrief(actor=secretariat, debrief=debrief) is False
    for path in (f"/incidents/debriefs/{debrief.pk}/", "/incidents/debriefs/"):
        html = client.get(path).content.decode()
        assert "May attack response" in html and "TLP:CLEAR" in html
        for secret in SECRET_BITS:
            assert secret not in html, secret
        assert f"/incidents/{worked_incident.pk}/" not in html
    body = APIClient().get(f"/api/v1/debriefs/{debrief.pk}/").json()
    assert body == {
        "id": debrief.pk,
        "title": "May attack response",
        "summary": "Platforms removed copies.",
        "published_at": body["published_at"],
        "is_exercise": False,
        "tlp": "clear",
        "indicators": [],
    }
    assert APIClient().get("/api/v1/debriefs/").json()["count"] == 1
    # The incident itself stays where it was: not public.
    assert client.get(f"/incidents/{worked_incident.pk}/").status_code == 404
    assert services.unpublish_debrief(actor=secretariat, debrief=debrief) is True
    assert client.get(f"/incidents/debriefs/{debrief.pk}/").status_code == 404


def test_debrief_rules(incident_with_two_orgs, secretariat):
    with pytest.raises(ValidationError):
        services.save_debrief(actor=secretariat, incident=incident_with_two_orgs, title="", summary="x")
    with pytest.raises(ValidationError):
        services.save_debrief(actor=secretariat, incident=incident_with_two_orgs, title="x", summary=" ")
    debrief = services.save_debrief(actor=secretariat, incident=incident_with_two_orgs, title="x", summary="y")
    with pytest.raises(ValidationError):  # still open
        services.publish_debrief(actor=secretariat, debrief=debrief)
    again = services.save_debrief(actor=secretariat, incident=incident_with_two_orgs, title="x2", summary="y2")
    assert again.pk == debrief.pk and Debrief.objects.count() == 1


def test_debrief_pages(client, worked_incident, secretariat):
    client.force_login(secretariat)
    base = f"/incidents/{worked_incident.pk}/"
    assert "Public debrief (TLP:CLEAR)" in client.get(base + "report/").content.decode()
    assert client.post(base + "debrief/publish/").status_code == 302  # nothing written yet: a message
    assert client.post(base + "debrief/", {"title": "", "summary": ""}).status_code == 302
    assert not Debrief.objects.exists()
    client.post(base + "debrief/", {"title": "Public title", "summary": "Redacted"})
    client.post(base + "debrief/publish/", {"publish": "1"})
    debrief = Debrief.objects.get()
    assert debrief.is_published
    client.logout()
    assert "Redacted" in client.get(f"/incidents/debriefs/{debrief.pk}/").content.decode()
    assert client.get("/incidents/debriefs/999999/").status_code == 404
    assert client.get("/incidents/debriefs/?page=zz").status_code == 200


@pytest.mark.parametrize("size", [2, 12])
def test_debrief_lists_query_count(client, secretariat, django_assert_max_num_queries, size):
    for n in range(size):
        incident = services.declare_incident(actor=secretariat, title=f"Incident {n}")
        services.change_status(actor=secretariat, incident=incident, status=Status.CLOSED)
        debrief = services.save_debrief(actor=secretariat, incident=incident, title=f"Debrief {n}", summary="s")
        services.publish_debrief(actor=secretariat, debrief=debrief)
    with django_assert_max_num_queries(6):
        html = client.get("/incidents/debriefs/").content.decode()
    assert html.count("card-title") == size
    with django_assert_max_num_queries(4):
        assert APIClient().get("/api/v1/debriefs/").json()["count"] == size


def test_help_page_is_linked_from_the_incident_pages(client, incident_with_two_orgs, responder_a):
    html = client.get("/incidents/help/").content.decode()
    assert "Tier 1 — communications only" in html and "Tier 3 — full crisis protocol" in html
    assert "/incidents/help/" in client.get("/incidents/").content.decode()
    client.force_login(responder_a)
    assert "/incidents/help/" in client.get(f"/incidents/{incident_with_two_orgs.pk}/").content.decode()
