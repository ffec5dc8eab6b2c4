"""Contact checks: every CONTACT_CHECK_DAYS (90) each responder of a supporter or endorser
confirms, through a signed link that needs no login, that they are still their
organisation's contact. During a crisis, knowing who to call is the whole point.

A responder's clock starts when they became a member and restarts at each confirmation
(`Membership.contact_confirmed_at`). Once it runs out they are *stale*: org admins see it
on the members page, the secretariat on its stale-contacts page, and the beat task emails
them. Exactly once per period: a delivery record keyed by membership and period is written
before the send, and a responder already emailed within the last period is not picked again,
so a rerun, or a second beat, sends nothing twice; an unconfirmed responder is asked again
one period later.

The check also asks the responder to confirm the 24/7 numbers on file (portal.contacts): the
email and the page show them, and confirming stamps `ResponderContact.numbers_confirmed_at`."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from ..contacts.models import ContactNumber, ResponderContact
from ..contacts.selectors import contact_card
from ..emails import language_for, render_templated
from ..models import PARTICIPATING_STANDINGS, Membership, Role
from ..roles import holding
from . import conf, deliveries
from .models import Delivery

logger = logging.getLogger(__name__)

KIND = "contact_check"
SALT = "portal.notifications.contact_check"


def check_days() -> int:
    return int(getattr(settings, "CONTACT_CHECK_DAYS", 90))


def batch_size() -> int:
    return int(getattr(settings, "CONTACT_CHECK_BATCH_SIZE", 500))


# Words, not colours: pages show them as text beside any badge styling.
CONFIRMED = pgettext_lazy("contact check", "Confirmed")
STALE = pgettext_lazy("contact check", "Stale")


# --- Reading --------------------------------------------------------------------------------


def last_confirmed(membership: Membership):
    return membership.contact_confirmed_at or membership.created_at


def is_stale(membership: Membership, *, now=None) -> bool:
    now = now or timezone.now()
    return last_confirmed(membership) <= now - timedelta(days=check_days())


def responder_memberships():
    """Responders whose confirmation is asked: active users of supporters and endorsers."""
    return Membership.objects.filter(
        holding(Role.RESPONDER), user__is_active=True, organization__standing__in=PARTICIPATING_STANDINGS
    ).annotate(last_confirmed_at=Coalesce("contact_confirmed_at", "created_at"))


def stale_q(now) -> Q:
    return Q(last_confirmed_at__lte=now - timedelta(days=check_days()))


def list_stale_contacts(*, now=None):
    """Every stale responder, oldest confirmation first; for the secretariat (callers authorise)."""
    now = now or timezone.now()
    return (
        responder_memberships()
        .filter(stale_q(now))
        .select_related("user", "organization")
        .order_by("last_confirmed_at", "organization__name", "user__email")
    )


# --- The signed link ------------------------------------------------------------------------


def contact_token(membership: Membership) -> str:
    # The email is signed too: the link stops working if the account's address changes hands.
    return signing.dumps({"m": membership.pk, "u": membership.user_id, "e": membership.user.email.lower()}, salt=SALT)


def confirm_url(membership: Membership) -> str:
    return conf.site_url() + reverse("portal:contact_confirm", args=[contact_token(membership)])


def contact_page_url() -> str:
    return conf.site_url() + reverse("portal:my_contact")


def membership_from_token(token: str) -> Membership | None:
    """The responder membership the link was made for, or None when it is tampered, older than
    two periods, or its holder is no longer a responder of a supporter or endorser."""
    try:
        data = signing.loads(token, salt=SALT, max_age=timedelta(days=2 * check_days()))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("m"), int):
        return None
    membership = responder_memberships().select_related("user", "organization").filter(pk=data["m"]).first()
    if membership is None or membership.user_id != data.get("u") or membership.user.email.lower() != data.get("e"):
        return None
    return membership


# --- Writing --------------------------------------------------------------------------------


def confirm_contact(*, membership: Membership, now=None) -> None:
    """The token's holder says they are still the contact, and that the numbers shown are theirs:
    the clock restarts, and the numbers (if any are on file) are stamped confirmed. The link is
    the credential (callers check it with membership_from_token); a repeat just moves the dates."""
    from ..services import record_audit

    now = now or timezone.now()
    with transaction.atomic():
        Membership.objects.filter(holding(Role.RESPONDER), pk=membership.pk).update(contact_confirmed_at=now)
        has_numbers = ContactNumber.objects.filter(user_id=membership.user_id).exists()
        if has_numbers:
            ResponderContact.objects.update_or_create(
                user_id=membership.user_id, defaults={"numbers_confirmed_at": now}
            )
        record_audit(
            actor=membership.user,
            action="membership.contact_confirmed",
            organization=membership.organization,
            target=membership.user.email,
            numbers_confirmed=has_numbers,
        )
    membership.contact_confirmed_at = now


@dataclass
class ContactCheckBatch:
    delivery_ids: list[int]
    more: bool


def period_of(membership, *, now) -> str:
    """Which period of the responder's current clock this is: the clock's start and the count."""
    start = membership.last_confirmed_at
    return f"{start:%Y%m%d}.{(now - start).days // check_days()}"


def queue_due_contact_checks(*, now=None, limit: int | None = None) -> ContactCheckBatch:
    """Writes the delivery of a capped batch of stale responders not emailed within the last
    period; the caller queues a send per delivery. A full batch means more may be due."""
    now = now or timezone.now()
    limit = limit or batch_size()
    asked_recently = Delivery.objects.filter(
        kind=KIND, object_id=OuterRef("pk"), created_at__gt=now - timedelta(days=check_days())
    )
    due = list(
        responder_memberships()
        .filter(stale_q(now))
        .filter(~Exists(asked_recently))
        .select_related("user")
        .order_by("last_confirmed_at", "pk")[:limit]
    )
    delivery_ids = []
    for membership in due:
        period = period_of(membership, now=now)
        delivery = deliveries.ensure_delivery(
            key=f"{KIND}:{membership.pk}:{period}",
            kind=KIND,
            recipient=membership.user,
            to_address=membership.user.email,
            object_id=membership.pk,
            period=period,
        )
        delivery_ids.append(delivery.pk)
    return ContactCheckBatch(delivery_ids=delivery_ids, more=len(due) == limit)


def send_contact_check(*, delivery_id: int) -> deliveries.Outcome | None:
    """Sends one check. Skipped (recorded, not sent) when the responder confirmed meanwhile or
    is no longer a responder. Raises deliveries.TransientDeliveryError when it may be retried."""
    if not Delivery.objects.filter(pk=delivery_id, kind=KIND).exists():
        logger.info("Contact-check delivery %s gone; nothing sent", delivery_id)
        return None

    def build(delivery):
        membership = (
            responder_memberships().select_related("user", "organization").filter(pk=delivery.object_id).first()
        )
        if membership is None or membership.user_id != delivery.recipient_id or not is_stale(membership):
            return None
        context = {
            "membership": membership,
            "organization": membership.organization,
            "days": check_days(),
            "confirm_url": confirm_url(membership),
            "last_confirmed": last_confirmed(membership),
            "numbers": contact_card(membership.user).numbers,
            "contact_url": contact_page_url(),
        }
        user = membership.user
        return render_templated(to=[user.email], template="contact_check", context=context, language=language_for(user))

    return deliveries.deliver(delivery_id, build)


def stale_contact_check_ids() -> list[int]:
    """Contact checks whose task was lost (queued, unclaimed, old): the beat queues them again."""
    return list(deliveries.stale_deliveries(kinds=(KIND,)).values_list("pk", flat=True)[: batch_size()])
