import datetime

import pytest
from django.core import mail
from django.utils import timezone

from commitments.models import PROGRESS_BANDS, Commitment
from commitments.services import load_catalogue, record_progress, review_progress
from portal.models import Role
from tests.commitments.factories import implementation_of, member_of, supporter

from .push_receiver import Receiver


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://portal.example"


@pytest.fixture
def catalogue(db):
    load_catalogue()
    return {c.code: c for c in Commitment.objects.select_related("current_revision")}


@pytest.fixture
def streamwave(catalogue):
    return supporter("Streamwave")


@pytest.fixture
def kestrel(catalogue):
    return supporter("Kestrel Streams")


@pytest.fixture
def streamwave_member(streamwave):
    return member_of(streamwave, email="ana@streamwave.example")


def report(org, code, *, reviewer=None, visibility="public", progress=30, status=None, narrative=""):
    """A progress update recorded by one of the organisation's reporters, accepted by
    `reviewer` when one is given (else left awaiting review)."""
    reporter = org.memberships.filter(is_reporter=True).first()
    reporter = reporter.user if reporter else member_of(org, Role.REPORTER)
    # Unless given, the status that agrees with the progress (commitments.models.PROGRESS_BANDS).
    status = status or next(s for s, (low, high) in PROGRESS_BANDS.items() if low <= progress <= high)
    update = record_progress(
        actor=reporter,
        implementation=implementation_of(org, code),
        status=status,
        progress=progress,
        as_of=timezone.localdate() - datetime.timedelta(days=1),
        visibility=visibility,
        narrative=narrative,
    )
    if reviewer is not None:
        update = review_progress(actor=reviewer, update=update, decision="accept")
    return update


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def html_of(message) -> str:
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


@pytest.fixture
def receiver(settings):
    settings.WEB_PUSH_ALLOW_HOSTS = ["127.0.0.1", "localhost"]  # the receiver is on 127.0.0.1, over http
    settings.VAPID_SUBJECT = "mailto:desk@portal.example"
    started = Receiver()
    yield started
    started.close()
