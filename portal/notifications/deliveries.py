"""Exactly-once sending: write the record, claim it, send, mark it.

A delivery is created (unique key) before anything is sent. A sender claims it with a
conditional update that only succeeds while it is queued and unclaimed (or its lease
has lapsed), so two workers never both send it. After the send it is marked sent; a
rerun then finds it sent and does nothing. A crash between claim and send leaves it
queued with a lease that lapses, and the next attempt sends it once.

The one window left is a crash after the mail server accepted the message and before
the row is marked sent; the Message-ID is derived from the key so a receiving server
can recognise the repeat (see docs/operations.md)."""

import enum
import hashlib
import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone

from . import conf
from .models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

FINAL_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.FAILED)


class Outcome(enum.StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # nothing to say: recorded so the period counts as done
    FAILED = "failed"  # permanent: recorded with the reason
    DONE = "done"  # already finished by an earlier run
    BUSY = "busy"  # another sender holds the claim; try again after its lease


class TransientDeliveryError(Exception):
    """The send failed for a reason that may pass (connection refused, 4xx from SMTP).
    The delivery is released for a retry; the caller retries with backoff."""

    def __init__(self, delivery_id: int, error: BaseException):
        super().__init__(f"delivery {delivery_id}: {error}")
        self.delivery_id = delivery_id
        self.error = error


def ensure_delivery(
    *,
    key: str,
    kind: str,
    recipient=None,
    to_address: str = "",
    object_id: int | None = None,
    period: str = "",
) -> Delivery:
    """The delivery with this key, created queued if it does not exist yet."""
    defaults = {
        "kind": kind,
        "recipient": recipient,
        "to_address": to_address,
        "object_id": object_id,
        "period": period,
    }
    try:
        with transaction.atomic():
            delivery, _created = Delivery.objects.get_or_create(key=key, defaults=defaults)
    except IntegrityError:  # created by a concurrent sender between our read and write
        delivery = Delivery.objects.get(key=key)
    return delivery


def claim(delivery_id: int, *, now=None, load: QuerySet[Delivery] | None = None) -> Delivery | None:
    """Take the delivery for one attempt, or None if it is finished or held by another sender.
    `load` reads the claimed row (with what the sender needs beside it, in the same query)."""
    now = now or timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.QUEUED, attempts__lt=conf.max_attempts())
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=now + timedelta(seconds=conf.claim_seconds()), attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return (load if load is not None else Delivery.objects.select_related("recipient")).get(pk=delivery_id)


def why_not_claimed(delivery_id: int) -> Outcome:
    if give_up_exhausted(delivery_id=delivery_id):
        return Outcome.FAILED
    status = Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
    return Outcome.BUSY if status == DeliveryStatus.QUEUED else Outcome.DONE


def lease_remaining(delivery_id: int) -> float:
    until = Delivery.objects.filter(pk=delivery_id).values_list("claimed_until", flat=True).first()
    return max(0.0, (until - timezone.now()).total_seconds()) if until else 0.0


def _finish(delivery_id: int, status: str, error: str = "") -> None:
    fields = {"status": status, "claimed_until": None, "last_error": error[:2000]}
    if status == DeliveryStatus.SENT:
        fields["sent_at"] = timezone.now()
    Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.QUEUED).update(**fields)


def release(delivery_id: int, error: str) -> None:
    Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.QUEUED).update(
        claimed_until=None, last_error=error[:2000]
    )


def is_transient(error: BaseException) -> bool:
    """SMTP 4xx replies, dropped connections, timeouts and refused connections may pass;
    a 5xx reply (unknown mailbox, refused sender) will not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(400 <= code < 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return False
    return isinstance(error, OSError)  # SMTPServerDisconnected, ConnectionError, TimeoutError


def message_id_for(key: str) -> str:
    """The same Message-ID for every attempt at one delivery."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = conf.site_url().split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    return f"<{digest}@{domain}>"


def deliver(
    delivery_id: int, build: Callable[[Delivery], EmailMessage | None], *, load: QuerySet[Delivery] | None = None
) -> Outcome:
    """Claim, build, send and record one delivery. `build` returns the message, or None
    when there is nothing to send. Raises TransientDeliveryError when the send may be
    retried; a permanent failure, or the last allowed attempt, is recorded as failed."""
    delivery = claim(delivery_id, load=load)
    if delivery is None:
        return why_not_claimed(delivery_id)
    message = build(delivery)
    if message is None:
        _finish(delivery.pk, DeliveryStatus.SKIPPED)
        return Outcome.SKIPPED
    message.extra_headers.setdefault("Message-ID", message_id_for(delivery.key))
    try:
        message.send()
    except OSError as error:  # smtplib.SMTPException is an OSError
        reason = f"{type(error).__name__}: {error}"
        if not is_transient(error):
            logger.warning("Delivery %s failed for good: %s", delivery.key, reason)
            _finish(delivery.pk, DeliveryStatus.FAILED, reason)
            return Outcome.FAILED
        if delivery.attempts >= conf.max_attempts():
            logger.warning("Delivery %s gave up after %d attempts: %s", delivery.key, delivery.attempts, reason)
            _finish(delivery.pk, DeliveryStatus.FAILED, f"gave up after {delivery.attempts} attempts: {reason}")
            return Outcome.FAILED
        release(delivery.pk, reason)
        raise TransientDeliveryError(delivery.pk, error) from error
    _finish(delivery.pk, DeliveryStatus.SENT)
    return Outcome.SENT


def skip_queued(*, kind: str, object_id: int, keep_keys: set[str] | frozenset[str] = frozenset()) -> int:
    """Records as skipped the queued deliveries about an object that no longer calls for them
    (an invitation revoked, a recipient who left), so the sweep stops finding them."""
    return (
        Delivery.objects.filter(kind=kind, object_id=object_id, status=DeliveryStatus.QUEUED)
        .exclude(key__in=keep_keys)
        .update(status=DeliveryStatus.SKIPPED, claimed_until=None)
    )


def stale_deliveries(*, now=None, kinds: tuple[str, ...] | None = None):
    """Queued deliveries whose task was lost: unclaimed (or lease lapsed) and old."""
    now = now or timezone.now()
    qs = Delivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
        status=DeliveryStatus.QUEUED,
        created_at__lte=now - timedelta(seconds=conf.stale_after_seconds()),
    )
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.order_by("created_at", "pk")


def give_up_exhausted(*, now=None, delivery_id: int | None = None) -> int:
    """Record as failed the queued deliveries that used every attempt without a send
    (a message that crashes its worker each time, say), so none stays queued for ever."""
    now = now or timezone.now()
    qs = Delivery.objects.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)).filter(
        status=DeliveryStatus.QUEUED, attempts__gte=conf.max_attempts()
    )
    if delivery_id is not None:
        qs = qs.filter(pk=delivery_id)
    return qs.update(
        status=DeliveryStatus.FAILED,
        claimed_until=None,
        last_error=Concat(Value("gave up: every attempt was interrupted. "), F("last_error")),
    )
