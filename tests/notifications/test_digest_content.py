"""What a digest holds: only what its recipient may see, own organisation first, in the
recipient's language, as HTML mail clients render plus a plain-text part."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import formats, timezone, translation

from portal.models import DigestPreference
from portal.notifications import digests, preferences
from portal.notifications.models import DigestFrequency, DigestScope
from tests.commitments.factories import member_of

from .conftest import html_of, report, sent_to

pytestmark = pytest.mark.django_db


def send_now(now=None):
    batch = digests.queue_due_digests(now=now or timezone.now(), limit=100)
    return [digests.send_digest(delivery_id=pk) for pk in batch.delivery_ids]


@pytest.fixture
def kestrel_reports(kestrel, secretariat):
    """Kestrel's updates: one of each visibility and review state."""
    return {
        "public": report(kestrel, "OSP1", reviewer=secretariat, visibility="public", progress=40),
        "secretariat": report(kestrel, "OSP2", reviewer=secretariat, visibility="secretariat", progress=70),
        "submitted": report(kestrel, "OSP3", visibility="public", progress=90),
        "supporters": report(kestrel, "OSP4", reviewer=secretariat, visibility="supporters", progress=55),
    }


def test_a_member_sees_own_organisation_first_then_the_community(streamwave, streamwave_member, kestrel_reports):
    report(streamwave, "OSP5", progress=20)  # awaiting review: its own members see it
    digest = digests.preview_digest(streamwave_member)
    keys = [section.key for section in digest.sections]
    assert keys[:2] == ["own", "community"]
    (own_item,) = digest.sections[0].items
    assert own_item.title.startswith("Streamwave — OSP5")
    assert "Awaiting review" in own_item.detail
    assert own_item.progress == 20


def test_a_digest_never_shows_what_its_recipient_may_not_see(streamwave_member, kestrel_reports):
    send_now()
    (message,) = sent_to(streamwave_member.email)
    for body in (message.body, html_of(message)):
        assert "Kestrel Streams — OSP1" in body  # public, accepted
        assert "Kestrel Streams — OSP4" in body  # supporters only: a supporter's member may see it
        assert "Kestrel Streams — OSP2" not in body  # secretariat only
        assert "Kestrel Streams — OSP3" not in body  # not accepted yet


def test_recipients_in_one_batch_each_see_only_what_their_audience_may_see(
    streamwave, streamwave_member, kestrel, secretariat, kestrel_reports
):
    """A worker builds a batch's sections once per audience and shares them: recipients whose
    audiences differ (organisations, levels, secretariat) must never get each other's."""
    report(streamwave, "OSP5", progress=20)  # awaiting review: Streamwave's members only
    colleague = member_of(streamwave, email="ben@streamwave.example")  # same audience as streamwave_member
    kestrel_reader = member_of(kestrel, email="kim@kestrel.example")
    outsider = streamwave_member.__class__.objects.create_user("outsider@example.org", "x" * 12)
    preferences.update_digest_preference(user=outsider, frequency="weekly", scope="community")
    preferences.update_digest_preference(user=secretariat, frequency="weekly", scope="community")
    send_now()
    bodies = {user.email: sent_to(user.email)[0].body for user in (streamwave_member, colleague, kestrel_reader)}
    bodies[outsider.email] = sent_to(outsider.email)[0].body
    bodies[secretariat.email] = sent_to(secretariat.email)[0].body
    for email in (streamwave_member.email, colleague.email):
        assert "Streamwave — OSP5" in bodies[email]
        assert "Kestrel Streams — OSP4" in bodies[email]  # supporters only
        assert "Kestrel Streams — OSP2" not in bodies[email] and "Kestrel Streams — OSP3" not in bodies[email]
    # Colleagues get the same digest, but for their own unsubscribe link.
    assert re.sub(r"/unsubscribe/\S+", "", bodies[colleague.email]) == re.sub(
        r"/unsubscribe/\S+", "", bodies[streamwave_member.email]
    )
    assert bodies[colleague.email] != bodies[streamwave_member.email]
    # Kestrel's own members see all of Kestrel's updates, and none of Streamwave's unaccepted one.
    for code in ("OSP1", "OSP2", "OSP3", "OSP4"):
        assert f"Kestrel Streams — {code}" in bodies[kestrel_reader.email]
    assert "Streamwave — OSP5" not in bodies[kestrel_reader.email]
    # Outside every organisation: public and accepted only.
    assert "Kestrel Streams — OSP1" in bodies[outsider.email]
    for hidden in ("Kestrel Streams — OSP2", "Kestrel Streams — OSP3", "Kestrel Streams — OSP4", "Streamwave — OSP5"):
        assert hidden not in bodies[outsider.email]
    # The secretariat: accepted progress of every visibility.
    for code in ("OSP1", "OSP2", "OSP4"):
        assert f"Kestrel Streams — {code}" in bodies[secretariat.email]


def test_someone_outside_every_organisation_sees_public_progress_only(kestrel, kestrel_reports):
    outsider = member_of(kestrel).__class__.objects.create_user("outsider@example.org", "x" * 12)
    preferences.update_digest_preference(user=outsider, frequency="daily", scope="community")
    send_now()
    (message,) = sent_to(outsider.email)
    assert "Kestrel Streams — OSP1" in message.body
    for hidden in ("OSP2", "OSP3", "OSP4"):
        assert f"Kestrel Streams — {hidden}" not in message.body


def test_the_secretariat_sees_accepted_progress_of_every_visibility(secretariat, kestrel_reports):
    preferences.update_digest_preference(user=secretariat, frequency="weekly", scope="community")
    titles = [
        item.title for s in digests.preview_digest(secretariat).sections if s.key == "community" for item in s.items
    ]
    assert {t.split(" ")[3] for t in titles} == {"OSP1", "OSP2", "OSP4"}


def test_chosen_commitments_narrow_the_community_section(streamwave_member, kestrel_reports):
    preferences.update_digest_preference(
        user=streamwave_member, frequency="weekly", scope="commitments", commitment_codes=["OSP4"]
    )
    (community,) = [s for s in digests.preview_digest(streamwave_member).sections if s.key == "community"]
    assert [item.title.split(" ")[3] for item in community.items] == ["OSP4"]
    assert community.title == "Commitments you follow"


def test_own_organisation_scope_leaves_out_the_community(streamwave, streamwave_member, kestrel_reports):
    report(streamwave, "OSP5")
    preferences.update_digest_preference(user=streamwave_member, frequency="weekly", scope="organization")
    keys = [s.key for s in digests.preview_digest(streamwave_member).sections]
    assert "own" in keys and "community" not in keys


def test_the_email_is_html_with_table_bars_and_a_plain_text_part(streamwave_member, kestrel_reports):
    send_now()
    (message,) = sent_to(streamwave_member.email)
    html = html_of(message)
    assert 'dir="ltr"' in html and 'lang="en"' in html
    assert "<style" not in html and "<script" not in html  # inline styles only
    # OSP1 at 40 %: a bar of two table cells, 64 of 160 pixels filled.
    assert re.search(r'<td width="64" height="10" style="[^"]*background:#1f7a5a', html)
    assert re.search(r'<td width="96" height="10"', html)
    assert "[########------------] 40%" in message.body
    assert "Your weekly Call Portal digest" in message.subject


def test_the_email_carries_one_click_unsubscribe_headers(streamwave_member, kestrel_reports):
    send_now()
    (message,) = sent_to(streamwave_member.email)
    headers = message.message()
    link = headers["List-Unsubscribe"]
    assert link.startswith("<https://portal.example/notifications/unsubscribe/") and link.endswith("/>")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link[1:-1] in message.body and link[1:-1] in html_of(message)


def test_an_arabic_digest_is_right_to_left_and_in_arabic(streamwave, kestrel_reports):
    reader = member_of(streamwave, email="layla@streamwave.example", language="ar")
    send_now()
    (message,) = sent_to(reader.email)
    html = html_of(message)
    assert '<html lang="ar" dir="rtl">' in html
    assert 'dir="rtl" style="width:600px' in html
    assert "text-align:right" in html
    with translation.override("ar"):
        assert formats.date_format(timezone.now(), "DATE_FORMAT") in message.subject  # Django's Arabic month names


def test_the_language_chosen_on_the_settings_page_is_the_accounts_one(streamwave_member, kestrel_reports):
    """One language per user: choosing Arabic for the digest is choosing it for pages, alerts and
    reminders too (they used to follow two different settings)."""
    from portal.emails import language_for

    preferences.update_digest_preference(user=streamwave_member, frequency="weekly", scope="community", language="ar")
    streamwave_member.refresh_from_db()
    assert streamwave_member.language == "ar" and language_for(streamwave_member) == "ar"
    send_now()
    (message,) = sent_to(streamwave_member.email)
    assert 'dir="rtl"' in html_of(message)


def test_the_next_digest_starts_where_the_last_one_ended(streamwave_member, kestrel, secretariat, kestrel_reports):
    send_now()
    assert len(sent_to(streamwave_member.email)) == 1
    report(kestrel, "OSP6", reviewer=secretariat, progress=10)
    mail.outbox.clear()
    send_now(timezone.now() + datetime.timedelta(days=7))  # the next weekly period
    (message,) = sent_to(streamwave_member.email)
    assert "Kestrel Streams — OSP6" in message.body
    assert "Kestrel Streams — OSP1" not in message.body  # in the previous digest already


def test_nothing_new_sends_nothing_and_counts_the_period(streamwave, catalogue):
    quiet = member_of(streamwave, email="quiet@streamwave.example")
    DigestPreference.objects.create(user=quiet, frequency=DigestFrequency.DAILY, scope=DigestScope.ORGANIZATION)
    # Outside the last weeks of a cycle a quiet organisation has nothing to report.
    now = timezone.make_aware(datetime.datetime(2026, 8, 3, 9))
    outcomes = send_now(now)
    assert outcomes == ["skipped"]
    assert mail.outbox == []
    assert send_now(now) == []  # the period is done


def test_deadlines_ahead_list_own_implementations_not_reported_this_cycle(streamwave, streamwave_member):
    until = timezone.make_aware(datetime.datetime(2026, 12, 10, 9))  # three weeks before the cycle ends
    digest = digests.build_digest(streamwave_member, frequency="weekly", period="2026-W50", until=until)
    (deadlines,) = [s for s in digest.sections if s.key == "deadlines"]
    assert formats.date_format(datetime.date(2026, 12, 31), "DATE_FORMAT") in deadlines.intro
    assert all(item.title.startswith("Streamwave — ") for item in deadlines.items)
    assert len(deadlines.items) + deadlines.more == streamwave.implementations.count()


def test_colleagues_sent_in_one_batch_each_get_their_own_language(streamwave, streamwave_member, kestrel_reports):
    """Colleagues share the rows of their digest, not its wording."""
    french = member_of(streamwave, email="lea@streamwave.example", language="fr")
    send_now()
    (english_message,) = sent_to(streamwave_member.email)
    (french_message,) = sent_to(french.email)
    assert "== Across the community ==" in english_message.body
    assert "== Dans l'ensemble de la communauté ==" in french_message.body
    assert "Across the community" not in french_message.body
    assert "Kestrel Streams — OSP1" in english_message.body and "Kestrel Streams — OSP1" in french_message.body
