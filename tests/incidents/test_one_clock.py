"""One clock (#12): each page is shown in the person's zone (chosen, else the browser's, else
their organisation's country's), every time shown names its zone and has its seconds, the
after-action report is in UTC with the offset, and the API keeps ISO 8601 in UTC."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import ActionItem, RoomItem, Status
from portal import services as portal_services
from portal.time_zones import COOKIE, country_zones

pytestmark = pytest.mark.django_db

AUCKLAND = ZoneInfo("Pacific/Auckland")


def local(moment, zone) -> str:
    return moment.astimezone(zone).strftime("%H:%M:%S")


def test_a_user_in_auckland_sees_local_times_to_the_second_with_the_zone(client, incident_with_two_orgs, secretariat):
    portal_services.update_profile(user=secretariat, full_name=secretariat.full_name, time_zone="Pacific/Auckland")
    services.change_status(actor=secretariat, incident=incident_with_two_orgs, status=Status.ACTIVE, note="Go")
    client.force_login(secretariat)
    item = RoomItem.objects.filter(incident=incident_with_two_orgs).latest("seq")
    zone = item.created_at.astimezone(AUCKLAND).tzname()  # NZDT or NZST, by the season
    timeline = client.get(f"/incidents/{incident_with_two_orgs.pk}/timeline/").content.decode()
    assert f"{local(item.created_at, AUCKLAND)} {zone}</time>" in timeline
    room = client.get(f"/incidents/{incident_with_two_orgs.pk}/").content.decode()
    change = incident_with_two_orgs.status_changes.latest("changed_at")
    assert f"{local(change.changed_at, AUCKLAND)} {zone}</time>" in room
    assert '<span dir="auto" class="status-note">Go</span>' in room  # the status change's note
    assert '<meta name="time-zone" content="Pacific/Auckland">' in room  # room.js formats live items in it too
    assert "Due (Pacific/Auckland, optional)" in room


def test_without_a_choice_the_browser_then_the_country_decides(client, secretariat, responder_a, provider_a):
    provider_a.country = "NZ"
    provider_a.save(update_fields=["country"])
    client.force_login(responder_a)  # the country's zone is read at sign-in
    assert '<meta name="time-zone" content="Pacific/Auckland">' in client.get("/incidents/").content.decode()
    client.cookies[COOKIE] = "Asia/Tokyo"
    assert '<meta name="time-zone" content="Asia/Tokyo">' in client.get("/incidents/").content.decode()
    client.cookies[COOKIE] = "Not/AZone"  # a cookie is input: an unknown zone is ignored
    assert '<meta name="time-zone" content="Pacific/Auckland">' in client.get("/incidents/").content.decode()
    assert country_zones()["US"] == "America/New_York"


def test_an_unknown_time_zone_is_refused_and_nothing_changes(secretariat):
    with pytest.raises(ValidationError) as error:
        portal_services.update_profile(user=secretariat, full_name="Sam", time_zone="Mars/Olympus")
    assert "time_zone" in error.value.message_dict
    secretariat.refresh_from_db()
    assert secretariat.time_zone == "" and secretariat.full_name == "Sam Secretariat"


def test_the_profile_page_and_api_set_it(client, secretariat):
    client.force_login(secretariat)
    client.post("/account/profile/", {"full_name": "Sam", "time_zone": "Pacific/Auckland"})
    secretariat.refresh_from_db()
    assert secretariat.time_zone == "Pacific/Auckland"
    answer = client.patch("/api/v1/me/", {"time_zone": "Nowhere"}, content_type="application/json")
    assert answer.status_code == 400
    answer = client.patch("/api/v1/me/", {"time_zone": ""}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["time_zone"] == ""


def test_a_due_time_is_read_in_the_persons_zone(client, incident_with_two_orgs, secretariat, provider_a):
    portal_services.update_profile(user=secretariat, full_name=secretariat.full_name, time_zone="Pacific/Auckland")
    client.force_login(secretariat)
    client.post(
        f"/incidents/{incident_with_two_orgs.pk}/actions/",
        {"title": "Block it", "organization": provider_a.pk, "due_at": "2030-01-02T09:00"},
    )
    assert ActionItem.objects.get().due_at == datetime.datetime(2030, 1, 2, 9, 0, tzinfo=AUCKLAND)


def test_the_report_is_in_utc_with_the_offset_and_the_api_in_iso_8601(client, incident_with_two_orgs, secretariat):
    portal_services.update_profile(user=secretariat, full_name=secretariat.full_name, time_zone="Pacific/Auckland")
    client.force_login(secretariat)
    item = RoomItem.objects.filter(incident=incident_with_two_orgs).earliest("seq")
    utc = item.created_at.astimezone(datetime.UTC).isoformat(timespec="seconds")
    report = client.get(f"/incidents/{incident_with_two_orgs.pk}/report/").content.decode()
    assert utc.endswith("+00:00") and f">{utc}</time>" in report
    items = client.get(f"/api/v1/incidents/{incident_with_two_orgs.pk}/items/").json()["results"]
    # The API is the same whoever asks: UTC, ISO 8601, with the offset.
    assert datetime.datetime.fromisoformat(items[0]["created_at"]).utcoffset() == datetime.timedelta(0)
