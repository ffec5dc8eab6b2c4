"""Review-outcome emails: when the secretariat accepts a progress update or sends it back,
its author hears so, in their language, with the reviewer's comment.

Exactly once per review: the send is queued after the review commits, and the task writes
a delivery record (portal.notifications.deliveries) keyed by the update and the version the
review wrote before it sends. A rerun of the task finds the record sent; a later review of
the same update (after an edit) is a new version and a new email. The email tells what the
review decided at the time, read from that version, whatever happened since."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from portal.emails import language_for
from portal.notifications import conf, deliveries, inbox
from portal.notifications.models import Delivery

from . import permissions
from .models import ProgressUpdate, ProgressUpdateVersion, ReviewState

logger = logging.getLogger(__name__)

KIND = "review_outcome"
DECIDED_STATES = (ReviewState.ACCEPTED, ReviewState.RETURNED)


def delivery_key(update_id: int, version: int) -> str:
    """One email per review: the update has one author, and each review writes a version."""
    return f"{KIND}:{update_id}:{version}"


def lease_remaining(*, update_id: int, version: int) -> float:
    delivery_id = Delivery.objects.filter(key=delivery_key(update_id, version)).values_list("pk", flat=True).first()
    return deliveries.lease_remaining(delivery_id) if delivery_id else 0.0


def announce_review_outcome(*, update_id: int) -> None:
    """Call inside review_progress's transaction, after its version is saved."""
    from .tasks import send_review_outcome_task

    version = (
        ProgressUpdateVersion.objects.filter(update_id=update_id)
        .order_by("-number")
        .values_list("number", flat=True)[:1]
    )
    number = version[0]
    author = ProgressUpdate.objects.select_related("author").get(pk=update_id).author
    if author is not None:
        # Written with the review, so a task lost at commit (a broker outage) leaves a queued
        # delivery that requeue_lost_review_outcomes finds, instead of nothing at all.
        deliveries.ensure_delivery(
            key=delivery_key(update_id, number),
            kind=KIND,
            recipient=author,
            to_address=author.email,
            object_id=update_id,
            period=str(number),
        )
    # A lambda, not functools.partial: Django 5.2 logs a robust hook's failure by __qualname__.
    transaction.on_commit(lambda: send_review_outcome_task.delay(update_id=update_id, version=number), robust=True)


def _message(*, version: ProgressUpdateVersion, user) -> EmailMultiAlternatives:
    update = version.update
    implementation = update.implementation
    accepted = version.data.get("review_state") == ReviewState.ACCEPTED
    if accepted:
        path = reverse("commitments:scorecard", args=[implementation.organization.slug])
    else:
        path = reverse("commitments:edit_update", args=[update.pk])
    with translation.override(language_for(user)):
        context = {
            "accepted": accepted,
            "comment": version.data.get("review_comment", ""),
            "organization": implementation.organization,
            "code": implementation.commitment.code,
            "title": update.commitment_revision.title,
            "as_of": update.as_of,
            "url": conf.site_url() + path,
            "rtl": translation.get_language_bidi(),
            "language": translation.get_language(),
        }
        subject = " ".join(render_to_string("commitments/email/review_outcome_subject.txt", context).split())
        text = render_to_string("commitments/email/review_outcome_body.txt", context)
        html = render_to_string("commitments/email/review_outcome_body.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def _notify(*, version: ProgressUpdateVersion, user) -> None:
    """The same outcome in the author's notification centre; keyed like the email, so once per review."""
    accepted = version.data.get("review_state") == ReviewState.ACCEPTED
    if accepted:
        message = gettext_noop("Your progress update on %(code)s was accepted.")
    else:
        message = gettext_noop("Your progress update on %(code)s was sent back for changes.")
    implementation = version.update.implementation
    inbox.notify(
        recipients=[user],
        kind="review.outcome",
        key=delivery_key(version.update_id, version.number),
        message=message,
        params={"code": implementation.commitment.code},
        url=(
            reverse("commitments:scorecard", args=[implementation.organization.slug])
            if accepted
            else reverse("commitments:edit_update", args=[version.update_id])
        ),
    )


def lost_review_outcomes() -> list[tuple[int, int]]:
    """(update id, version) of review-outcome emails whose task was lost before sending."""
    rows = deliveries.stale_deliveries(kinds=(KIND,)).values_list("object_id", "period")
    return sorted({(update_id, int(period)) for update_id, period in rows if update_id and period.isdigit()})


def send_review_outcome(*, update_id: int, version: int) -> deliveries.Outcome | None:
    """Emails the author the outcome of the review that wrote this version. Skipped (recorded,
    not sent) when the author can no longer report for the organisation: the comment is the
    organisation's business. Raises deliveries.TransientDeliveryError when it may be retried."""
    found = (
        ProgressUpdateVersion.objects.select_related(
            "update__author",
            "update__implementation__organization",
            "update__implementation__commitment",
            "update__commitment_revision",
        )
        .filter(update_id=update_id, number=version)
        .first()
    )
    author = found.update.author if found else None
    if found is None or author is None or found.data.get("review_state") not in DECIDED_STATES:
        logger.info("Progress update %s version %s gone or not a review; nothing sent", update_id, version)
        return None
    delivery = deliveries.ensure_delivery(
        key=delivery_key(update_id, version),
        kind=KIND,
        recipient=author,
        to_address=author.email,
        object_id=update_id,
        period=str(version),
    )

    def build(_delivery):
        if not author.is_active:
            return None
        if not permissions.can_report_for(author, found.update.implementation.organization_id):
            return None
        _notify(version=found, user=author)
        return _message(version=found, user=author)

    return deliveries.deliver(delivery.pk, build)
