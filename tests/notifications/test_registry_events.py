"""Registry and commitments events in the notification centre: an invitation to someone who
has an account, and the outcome of a progress review for its author."""

import pytest

from commitments.services import review_progress
from portal.models import Role
from portal.notifications.stream_models import Notification
from portal.services import invite_member
from tests.commitments.factories import member_of
from tests.portal.factories import MembershipFactory, UserFactory

from .conftest import report

pytestmark = pytest.mark.django_db


def test_an_invitation_reaches_an_existing_account_only(streamwave):
    admin = MembershipFactory(organization=streamwave, role=Role.ADMIN).user
    known = UserFactory(email="known@example.org")
    invitation = invite_member(actor=admin, organization=streamwave, email="KNOWN@example.org")
    invite_member(actor=admin, organization=streamwave, email="stranger@example.org")
    [notification] = Notification.objects.all()
    assert notification.user == known and notification.kind == "invitation"
    assert notification.text == "You are invited to join Streamwave."
    assert notification.url.startswith("/invitations/") and str(invitation.pk) in notification.url


def test_a_review_outcome_reaches_its_author_once(
    streamwave, secretariat, eager_celery, django_capture_on_commit_callbacks
):
    author = member_of(streamwave, Role.REPORTER, email="rua@streamwave.example")
    update = report(streamwave, "OSP1", visibility="supporters")
    with django_capture_on_commit_callbacks(execute=True):
        review_progress(actor=secretariat, update=update, decision="accept")
    [notification] = Notification.objects.filter(user=author)
    assert notification.text == "Your progress update on OSP1 was accepted."
    assert notification.url == "/commitments/organisations/streamwave/"
