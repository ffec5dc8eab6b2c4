"""The personal iCalendar feed (RFC 5545): reporting deadlines and grace periods of the user's
organisations (commitments) and the open actions assigned to them (incidents), at a secret
URL that is shown once and can be replaced or revoked; parsed back with icalendar."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from icalendar import Calendar

from commitments import conf
from commitments.services import ensure_implementations, load_catalogue
from incidents import services as incidents
from incidents.models import Status, Tier, Tlp
from portal.calendar import services
from portal.calendar.models import CalendarFeed
from portal.calendar.registry import entries_for
from portal.models import AuditEvent, Role, User
from tests.incidents.factories import responder_of
from tests.portal.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://portal.example"


@pytest.fixture
def provider(db):
    load_catalogue()
    provider = OrganizationFactory(name="Streamwave")
    ensure_implementations(organization=provider)
    return provider


@pytest.fixture
def member(provider):
    return responder_of(provider, role=Role.MEMBER, two_factor=False)


def declare(secretariat, provider, *, tlp, title):
    return incidents.declare_incident(
        actor=secretariat, title=title, tier=Tier.COORDINATED, tlp=tlp, organizations=[provider]
    )


def feed(client, key):
    return client.get(f"/calendar/{key}.ics")


def events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return list(calendar.walk("VEVENT"))


def by_summary(found) -> dict:
    return {str(event["SUMMARY"]): event for event in found}


def test_the_feed_holds_deadlines_and_open_actions_all_day_in_utc(client, secretariat, provider, member):
    amber = declare(secretariat, provider, tlp=Tlp.AMBER, title="Livestreamed attack")
    responder = responder_of(provider)
    open_action = incidents.create_action(
        actor=responder, incident=amber, title="Hash the video", organization=provider
    )
    done = incidents.create_action(actor=responder, incident=amber, title="Already done", organization=provider)
    incidents.complete_action(actor=responder, action=done)
    other = OrganizationFactory(name="Elsewhere")
    declare(secretariat, other, tlp=Tlp.GREEN, title="Not ours")
    _feed, key = services.create_calendar_feed(user=member)

    found = by_summary(events(feed(client, key)))
    today = timezone.now().date()
    assert found["Reporting cycle ends: Streamwave"]["DTSTART"].dt in {
        conf.cycle_end(today - datetime.timedelta(days=200)),
        conf.cycle_end(today),
        conf.cycle_end(conf.cycle_end(today) + datetime.timedelta(days=1)),
    }
    summaries = [str(event["SUMMARY"]) for event in events(feed(client, key))]
    assert summaries.count("Reporting cycle ends: Streamwave") == 3
    assert summaries.count("Reporting grace period ends: Streamwave") == 3
    ends = sorted(e["DTSTART"].dt for e in events(feed(client, key)) if "cycle ends" in str(e["SUMMARY"]))
    assert conf.cycle_end(today) in ends
    graces = sorted(e["DTSTART"].dt for e in events(feed(client, key)) if "grace" in str(e["SUMMARY"]))
    assert graces == [conf.grace_end(end) for end in ends]

    action = found["Action for Streamwave: Hash the video"]
    # Without a due time: an all-day reminder on the day it was created, in UTC.
    assert action["DTSTART"].dt == open_action.created_at.astimezone(datetime.UTC).date()
    assert not isinstance(action["DTSTART"].dt, datetime.datetime)
    assert action["DTEND"].dt - action["DTSTART"].dt == datetime.timedelta(days=1)
    assert action["DTSTAMP"].dt.utcoffset() == datetime.timedelta(0)
    assert str(action["URL"]) == f"https://portal.example/incidents/{amber.pk}/"
    assert str(action["UID"]) == f"incidents-action-{open_action.pk}@callportal"
    assert "Already done" not in str(found) and "Not ours" not in feed(client, key).content.decode()
    assert len({str(event["UID"]) for event in events(feed(client, key))}) == len(summaries)

    # With a due time: an event at that moment, in UTC.
    due = datetime.datetime(2030, 1, 2, 3, 4, tzinfo=datetime.UTC)
    incidents.create_action(actor=responder, incident=amber, title="Report back", organization=provider, due_at=due)
    timed = by_summary(events(feed(client, key)))["Action for Streamwave: Report back"]
    assert timed["DTSTART"].dt == due and timed["DTEND"].dt - due == datetime.timedelta(minutes=15)

    # A closed incident's actions leave the feed.
    incidents.change_status(actor=secretariat, incident=amber, status=Status.CLOSED)
    assert "Hash the video" not in feed(client, key).content.decode()


def test_amber_strict_and_red_actions_carry_no_title(client, secretariat, provider):
    responder = responder_of(provider)
    strict = declare(secretariat, provider, tlp=Tlp.AMBER_STRICT, title="Strict incident")
    incidents.create_action(actor=responder, incident=strict, title="Secret step", organization=provider)
    _feed, key = services.create_calendar_feed(user=responder)  # set up two-factor just now: passed it

    body = feed(client, key).content.decode()
    assert "Secret step" not in body and "Strict incident" not in body
    found = by_summary(events(feed(client, key)))
    assert f"Open action for Streamwave on incident #{strict.pk}" in found


def test_a_revoked_replaced_or_wrong_key_is_a_404_and_the_page_manages_the_link(client, member):
    client.force_login(member)
    page = client.post("/account/calendar/")
    assert page.status_code == 200
    first = CalendarFeed.objects.get(user=member)
    url = page.content.decode().split('id="calendar-url" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert url.startswith("https://portal.example/calendar/cal_") and url.endswith(".ics")
    key = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert feed(client, key).status_code == 200
    assert key not in client.get("/account/calendar/").content.decode()  # shown once
    assert CalendarFeed.objects.filter(key_hash=services.hash_key(key)).exists()

    _second, second_key = services.create_calendar_feed(user=member)  # replacing revokes the first
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert feed(client, key).status_code == 404
    assert feed(client, second_key).status_code == 200

    assert client.post("/account/calendar/revoke/").status_code == 302
    assert feed(client, second_key).status_code == 404
    assert not CalendarFeed.objects.filter(revoked_at__isnull=True).exists()
    assert client.post("/account/calendar/revoke/").status_code == 302  # nothing left: nothing recorded
    assert AuditEvent.objects.filter(action="calendar_feed.revoked").count() == 1
    assert AuditEvent.objects.filter(action="calendar_feed.created").count() == 2

    for wrong in ("cal_nothing", "x" * 300, "%00"):
        assert feed(client, wrong).status_code == 404
    member.is_active = False
    member.save()
    _third, third_key = CalendarFeed.objects.create(user=member, key_hash=services.hash_key("k"), prefix="k"), "k"
    assert feed(client, third_key).status_code == 404


def test_a_role_that_needs_two_factor_creates_a_link_only_after_passing_it(client, provider):
    responder = User.objects.get(pk=responder_of(provider).pk)  # owns an authenticator, passed nothing
    with pytest.raises(PermissionDenied):
        services.create_calendar_feed(user=responder)
    without = responder_of(provider, two_factor=False)
    client.force_login(without)
    page = client.post("/account/calendar/")
    assert "Set up two-factor authentication before creating a calendar link." in page.content.decode()
    assert not CalendarFeed.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="calendar_feed").exists()


def test_the_feed_runs_a_fixed_number_of_queries(secretariat, provider, member, django_assert_max_num_queries):
    responder = responder_of(provider)

    numbers = iter(range(100))

    def grow(n):
        for i in (next(numbers) for _ in range(n)):
            incident = declare(secretariat, provider, tlp=Tlp.AMBER, title=f"Incident {i}")
            incidents.create_action(actor=responder, incident=incident, title=f"Step {i}", organization=provider)
            extra = OrganizationFactory(name=f"Org {i}")
            ensure_implementations(organization=extra)
            responder_of(extra, two_factor=False).memberships.update(user=member)

    grow(1)
    with django_assert_max_num_queries(4):
        small = entries_for(member)
    grow(3)
    with django_assert_max_num_queries(4):
        large = entries_for(member)
    assert len(large) > len(small)
