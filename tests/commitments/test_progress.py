import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from commitments.models import ProgressUpdate, ProgressUpdateVersion, ReviewState
from commitments.selectors import list_implementations_for
from commitments.services import edit_progress, retire_commitment, review_progress, withdraw_progress
from portal.models import Role

from .factories import accepted, implementation_of, member_of, record, yesterday

pytestmark = pytest.mark.django_db


def test_reporter_records_progress(reporter, osp1):
    update = record(reporter, osp1, narrative="Launched **hash matching**.")

    assert update.review_state == ReviewState.SUBMITTED
    assert update.commitment_revision == osp1.commitment.current_revision
    assert update.narrative_html == "<p>Launched <strong>hash matching</strong>.</p>"
    assert update.versions.count() == 1


def test_admin_may_record_too(provider, osp1):
    assert record(member_of(provider, Role.ADMIN), osp1).pk


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"progress": 101}, "progress"),
        ({"progress": -1}, "progress"),
        ({"progress": "50"}, "progress"),
        ({"status": "complete", "progress": 90}, "progress"),
        ({"status": "not_applicable", "progress": 0, "justification": "  "}, "justification"),
        ({"status": "done"}, "status"),
        ({"as_of": timezone.localdate() + datetime.timedelta(days=1)}, "as_of"),
        ({"as_of": "not a date"}, "as_of"),
        ({"evidence_links": ["javascript:alert(1)"]}, "evidence_links"),
        ({"evidence_links": ["ftp://example.org/file"]}, "evidence_links"),
        ({"evidence_links": "https://example.org"}, "evidence_links"),
        ({"visibility": "everyone"}, "visibility"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(reporter, osp1, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        record(reporter, osp1, **overrides)
    assert field in excinfo.value.message_dict
    assert not ProgressUpdate.objects.exists()


def test_not_applicable_with_justification_is_accepted(reporter, osp1):
    update = record(reporter, osp1, status="not_applicable", progress=0, justification="We offer no uploads.")
    assert update.justification == "We offer no uploads."


def test_script_in_markdown_is_stripped(reporter, osp1):
    update = record(
        reporter,
        osp1,
        narrative='Hello <script>alert("x")</script> [click](javascript:alert(1)) <img src=x onerror=alert(1)>',
    )
    html = update.narrative_html
    assert "<script" not in html and "alert" not in html and "onerror" not in html and "javascript:" not in html
    assert "Hello" in html


def test_reporter_of_another_organisation_is_refused(government_reporter, osp1):
    with pytest.raises(PermissionDenied):
        record(government_reporter, osp1)
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.RESPONDER])
def test_member_without_reporter_role_is_refused(provider, osp1, role):
    with pytest.raises(PermissionDenied):
        record(member_of(provider, role), osp1)
    assert not ProgressUpdate.objects.exists()


def test_retired_commitment_takes_no_progress(reporter, osp1, secretariat):
    retire_commitment(actor=secretariat, commitment=osp1.commitment)
    with pytest.raises(ValidationError):
        record(reporter, osp1)


def test_secretariat_accepts(reporter, osp1, secretariat):
    update = review_progress(actor=secretariat, update=record(reporter, osp1), decision="accept")
    assert update.review_state == ReviewState.ACCEPTED and update.reviewed_by == secretariat
    with pytest.raises(ValidationError):
        review_progress(actor=secretariat, update=update, decision="accept")


def test_send_back_requires_a_comment(reporter, osp1, secretariat):
    update = record(reporter, osp1)
    with pytest.raises(ValidationError) as excinfo:
        review_progress(actor=secretariat, update=update, decision="return", comment=" ")
    assert "comment" in excinfo.value.message_dict
    update = review_progress(actor=secretariat, update=update, decision="return", comment="Add evidence.")
    assert update.review_state == ReviewState.RETURNED and update.review_comment == "Add evidence."


def test_only_the_secretariat_reviews(reporter, osp1):
    update = record(reporter, osp1)
    with pytest.raises(PermissionDenied):
        review_progress(actor=reporter, update=update, decision="accept")


def test_bad_decision_is_refused(reporter, osp1, secretariat):
    with pytest.raises(ValidationError):
        review_progress(actor=secretariat, update=record(reporter, osp1), decision="maybe")


def test_edits_keep_history_and_resubmit(reporter, osp1, secretariat):
    update = record(reporter, osp1, progress=30)
    update = review_progress(actor=secretariat, update=update, decision="return", comment="More detail")

    edited = edit_progress(actor=reporter, update=update, progress=45, narrative="More detail here.")

    assert edited.review_state == ReviewState.SUBMITTED and edited.progress == 45
    versions = list(ProgressUpdateVersion.objects.filter(update=update).values_list("data", flat=True))
    assert [v["progress"] for v in versions] == [30, 30, 45]
    assert versions[1]["review_state"] == "returned"


def test_bad_edit_changes_nothing(reporter, osp1):
    update = record(reporter, osp1, progress=30)
    with pytest.raises(ValidationError):
        edit_progress(actor=reporter, update=update, status="complete")
    update.refresh_from_db()
    assert update.status == "limited" and update.versions.count() == 1


def test_accepted_update_cannot_be_edited_or_withdrawn(reporter, osp1, secretariat):
    update = accepted(reporter, osp1, secretariat)
    with pytest.raises(ValidationError):
        edit_progress(actor=reporter, update=update, progress=40)
    with pytest.raises(ValidationError):
        withdraw_progress(actor=reporter, update=update)


def test_withdrawn_update_is_kept(reporter, osp1):
    update = withdraw_progress(actor=reporter, update=record(reporter, osp1))
    assert ProgressUpdate.objects.get(pk=update.pk).review_state == ReviewState.WITHDRAWN


def current(user, implementation):
    return list_implementations_for(user).get(pk=implementation.pk)


def test_status_derives_from_the_latest_accepted_update(reporter, osp1, secretariat):
    assert current(secretariat, osp1).current_status == "not_started"
    accepted(
        reporter, osp1, secretariat, status="limited", progress=20, as_of=yesterday() - datetime.timedelta(days=10)
    )
    accepted(reporter, osp1, secretariat, status="substantial", progress=70)
    record(reporter, osp1, status="complete", progress=100)  # awaiting review: does not count
    # An older report accepted later does not win over a newer one.
    accepted(
        reporter, osp1, secretariat, status="limited", progress=10, as_of=yesterday() - datetime.timedelta(days=30)
    )

    row = current(secretariat, osp1)
    assert (row.current_status, row.current_progress) == ("substantial", 70)


def test_progress_keeps_pointing_at_the_revision_it_was_reported_against(reporter, osp1, secretariat):
    from commitments.services import revise_commitment

    update = record(reporter, osp1)
    old = osp1.commitment.current_revision
    revise_commitment(actor=secretariat, commitment=osp1.commitment, source_url="https://example.org/v2")
    update.refresh_from_db()
    assert update.commitment_revision == old
    assert record(reporter, osp1).commitment_revision.number == 2


def test_overdue_without_an_accepted_update_in_the_cycle(reporter, provider, secretariat, settings):
    settings.COMMITMENTS_REPORTING_CYCLE_MONTHS = 6
    settings.COMMITMENTS_REPORTING_GRACE_DAYS = 30
    osp1 = implementation_of(provider, "OSP1")
    from commitments.models import Implementation

    Implementation.objects.filter(organization=provider).update(
        created_at=timezone.now() - datetime.timedelta(days=800)
    )
    accepted(reporter, osp1, secretariat, as_of=datetime.date(2025, 2, 1))

    def overdue_codes(today):
        rows = list_implementations_for(secretariat, organization_id=provider.pk, overdue=True, today=today)
        return {row.commitment.code for row in rows}

    assert "OSP1" not in overdue_codes(datetime.date(2025, 5, 1))
    # Within the grace period of the next cycle the previous cycle still counts...
    assert "OSP1" not in overdue_codes(datetime.date(2025, 7, 20))
    # ...and after it, it does not.
    assert "OSP1" in overdue_codes(datetime.date(2025, 8, 15))
    assert "OSP2" in overdue_codes(datetime.date(2025, 5, 1))


def test_a_new_implementation_is_not_overdue_at_once(osp1, secretariat):
    row = list_implementations_for(secretariat).get(pk=osp1.pk)
    assert row.is_overdue is False


@pytest.mark.parametrize(
    ("status", "progress"), [("not_started", 60), ("limited", 95), ("substantial", 20), ("not_applicable", 40)]
)
def test_status_and_progress_must_agree(reporter, osp1, status, progress):
    with pytest.raises(ValidationError) as error:
        record(reporter, osp1, status=status, progress=progress, justification="Not offered.")
    assert "progress" in error.value.message_dict
    assert not ProgressUpdate.objects.filter(implementation=osp1).exists()
