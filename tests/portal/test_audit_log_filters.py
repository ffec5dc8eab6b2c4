"""The secretariat reads the audit log as people do: filtered, in words, exported (#15)."""

import csv
import io
import json

import pytest
from django.urls import reverse

from portal import services
from portal.models import AuditEvent
from tests.portal.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(secretariat):
    fiji = OrganizationFactory(name="Government of Fiji")
    tonga = OrganizationFactory(name="Government of Tonga")
    ana = UserFactory(full_name="Ana Fifita", email="ana@tonga.example")
    services.record_audit(actor=ana, action="membership.role_changed", organization=tonga, target="Role")
    services.record_audit(actor=secretariat, action="incident.organization_invited", target="#1", invited=fiji.pk)
    return {"fiji": fiji, "tonga": tonga, "ana": ana}


def _page(client, **query):
    return client.get(reverse("portal:audit_log"), query).content.decode()


def test_details_are_written_for_people(client, secretariat, log):
    client.force_login(secretariat)
    html = _page(client)
    assert "invited Government of Fiji" in html and f"invited: {log['fiji'].pk}" not in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"actor": "fifita"}, "Role changed", "Organisation invited to an incident"),
        ({"action": "incident.organization_invited"}, "Organisation invited to an incident", "Role changed"),
    ],
)
def test_filters_select_events(client, secretariat, log, query, shown, hidden):
    client.force_login(secretariat)
    html = _page(client, **query)
    table = html[html.index("<table") :]
    assert shown in table and hidden not in table


def test_organisation_and_date_filters(client, secretariat, log):
    client.force_login(secretariat)
    table = _page(client, organization=log["tonga"].pk)
    assert "Role changed" in table[table.index("<table") :]
    assert "Nothing recorded yet." in _page(client, since="2000-01-01", until="2000-01-02")
    html = _page(client, since="2026-02-01", until="2026-01-01")  # backwards: an error, nothing shown
    assert "The end date is before the start date." in html and "Nothing recorded yet." in html


def test_export_follows_the_filters_in_csv_and_json(client, secretariat, log):
    client.force_login(secretariat)
    response = client.get(reverse("portal:audit_export", args=["csv"]), {"actor": "fifita"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["action"] for r in rows] == ["membership.role_changed"] and rows[0]["actor"] == "ana@tonga.example"
    data = json.loads(client.get(reverse("portal:audit_export", args=["json"])).content)
    assert {e["action"] for e in data} >= {"membership.role_changed", "incident.organization_invited"}
    assert any(e["details"] == "invited Government of Fiji" for e in data)
    assert client.get(reverse("portal:audit_export", args=["xml"])).status_code == 404


def test_others_cannot_export(client, log):
    client.force_login(log["ana"])
    before = AuditEvent.objects.count()
    assert client.get(reverse("portal:audit_export", args=["csv"])).status_code == 403
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("n", [2, 20])
def test_the_page_reads_names_in_fixed_queries(client, secretariat, n, django_assert_max_num_queries):
    fiji = OrganizationFactory()
    for _ in range(n):
        services.record_audit(actor=secretariat, action="incident.organization_invited", invited=fiji.pk)
    client.force_login(secretariat)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("portal:audit_log")).status_code == 200


def test_the_api_gives_the_same_log_with_the_same_filters(secretariat, log):
    from tests.helpers.api_client import api

    client = api(secretariat)
    body = client.get("/api/v1/audit/", {"actor": "fifita"}).json()
    assert [e["action"] for e in body["results"]] == ["membership.role_changed"]
    assert body["results"][0]["actor"] == "ana@tonga.example" and body["results"][0]["action_name"] == "Role changed"
    invited = client.get("/api/v1/audit/", {"action": "incident.organization_invited"}).json()["results"]
    assert invited[0]["details"] == "invited Government of Fiji"
    assert client.get("/api/v1/audit/", {"since": "2026-02-01", "until": "2026-01-01"}).status_code == 400
    assert api(log["ana"]).get("/api/v1/audit/").status_code == 403


def test_details_in_arabic_take_arabic_punctuation_on_the_page_and_in_the_csv(client, secretariat):
    fiji, tonga = OrganizationFactory(name="Government of Fiji"), OrganizationFactory(name="Government of Tonga")
    services.record_audit(
        actor=secretariat, action="incident.organization_invited", target="#1", invited=[fiji.pk, tonga.pk], note="عاجل"
    )
    client.force_login(secretariat)
    client.cookies["django_language"] = "ar"
    said = "ملاحظة: عاجل؛ دعا Government of Fiji، Government of Tonga"
    assert f'dir="auto">{said}</td>' in _page(client)
    response = client.get(reverse("portal:audit_export", args=["csv"]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["details"] == said


def test_what_an_account_event_concerns_reads_in_the_readers_language(client, secretariat):
    services.record_audit(actor=secretariat, action="account.deleted", target="user #41")
    client.force_login(secretariat)
    client.cookies["django_language"] = "ar"
    assert "<td>المستخدم رقم 41</td>" in _page(client)
    response = client.get(reverse("portal:audit_export", args=["csv"]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["target"] == "المستخدم رقم 41"


def test_a_deleted_actor_reads_in_the_readers_language_in_the_export(client, secretariat):
    AuditEvent.objects.create(actor=None, actor_ref=41, action="account.deleted", target="user #41", data={})
    client.force_login(secretariat)
    client.cookies["django_language"] = "ar"
    response = client.get(reverse("portal:audit_export", args=["csv"]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["actor"] == "مستخدم محذوف رقم 41"
