"""Sending one webhook delivery: claim it, check where it goes, POST it, record the outcome.

A delivery is claimed with a conditional update that only succeeds while it is queued,
under its attempt limit and not held by another sender (or its lease lapsed), so two
workers never send it at once and a finished one is never sent again. Redirects are
never followed: http.client does not follow them, and a 3xx is a permanent failure.
The connection goes to an address that passed the check, not to a second lookup."""

import dataclasses
import enum
import http.client
import logging
import socket
import time
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..services import record_audit
from . import addresses, conf, formats, signing
from .models import TEST_EVENT, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint

logger = logging.getLogger(__name__)


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"  # permanent, or the last allowed attempt: recorded with the reason
    DONE = "done"  # already finished by an earlier run
    BUSY = "busy"  # another sender holds the claim; try again after its lease


class TransientWebhookError(Exception):
    """A network error, a 5xx or a 429: the delivery is released and the task retries with backoff."""

    def __init__(self, delivery_id: int, reason: str):
        super().__init__(f"webhook delivery {delivery_id}: {reason}")
        self.delivery_id = delivery_id
        self.reason = reason


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(target: addresses.Target, *, body: str, headers: dict[str, str]) -> int:
    """POSTs the body to the first resolved address; returns the HTTP status."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target.host, target.port, address=target.addresses[0], timeout=conf.timeout_seconds())
    try:
        connection.request("POST", target.path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)  # drain a little so the server is not cut off mid-reply
        return response.status
    finally:
        connection.close()


def is_transient_status(status: int) -> bool:
    return status == 429 or status == 408 or status >= 500


def claim(delivery_id: int) -> WebhookDelivery | None:
    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDeliveryStatus.QUEUED, attempts__lt=conf.max_attempts()
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(
            claimed_until=now + timedelta(seconds=conf.claim_seconds()),
            attempts=F("attempts") + 1,
            last_attempt_at=now,
        )
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def send_delivery(delivery_id: int) -> Outcome:
    """One attempt at one delivery. Raises TransientWebhookError when it may be retried;
    records a permanent failure (or the last allowed attempt) as failed."""
    delivery = claim(delivery_id)
    if delivery is None:
        return _finish_exhausted(delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active and delivery.event != TEST_EVENT:
        return _record_failure(delivery, None, "The endpoint was disabled before this delivery was sent.")
    try:
        target = addresses.resolve(endpoint.url)
    except addresses.RefusedAddressError as error:
        return _record_failure(delivery, None, str(error))
    if delivery.path:  # Opsgenie's acknowledge: on the same host, checked above
        target = dataclasses.replace(target, path=formats.join_path(target.path, delivery.path))
    timestamp = int(time.time())
    headers = signing.headers_for(
        secret=endpoint.secret,
        event=delivery.event,
        delivery_id=str(delivery.uuid),
        timestamp=timestamp,
        body=delivery.body,
    )
    headers |= formats.auth_headers(payload_format=endpoint.payload_format, integration_key=endpoint.integration_key)
    try:
        status = post(target, body=delivery.body, headers=headers)
    except (OSError, http.client.HTTPException) as error:  # refused, reset, timed out, TLS, bad reply
        return _record_transient(delivery, None, f"{type(error).__name__}: {error}")
    if 200 <= status < 300:
        return _record_success(delivery, status)
    if is_transient_status(status):
        return _record_transient(delivery, status, f"HTTP {status}")
    reason = f"HTTP {status} (redirects are not followed)" if 300 <= status < 400 else f"HTTP {status}"
    return _record_failure(delivery, status, reason)


def _finish_exhausted(delivery_id: int) -> Outcome:
    """Not claimed: finished, held by another sender, or out of attempts (every one interrupted)."""
    with transaction.atomic():
        gave_up = (
            WebhookDelivery.objects.filter(
                pk=delivery_id, status=WebhookDeliveryStatus.QUEUED, attempts__gte=conf.max_attempts()
            )
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=timezone.now()))
            .update(status=WebhookDeliveryStatus.FAILED, claimed_until=None, last_error="gave up: attempts used up")
        )
        if gave_up:
            endpoint_id = WebhookDelivery.objects.filter(pk=delivery_id).values_list("endpoint_id", flat=True).get()
            _count_failure(endpoint_id)
            return Outcome.FAILED
    status = WebhookDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
    return Outcome.BUSY if status == WebhookDeliveryStatus.QUEUED else Outcome.DONE


def lease_remaining(delivery_id: int) -> float:
    until = WebhookDelivery.objects.filter(pk=delivery_id).values_list("claimed_until", flat=True).first()
    return max(0.0, (until - timezone.now()).total_seconds()) if until else 0.0


def stale_delivery_ids(*, limit: int = 500) -> list[int]:
    """Queued deliveries whose task was lost (a broker outage, a purge): not held, and
    untouched for longer than the longest backoff, so one merely waiting to retry is left alone."""
    cutoff = timezone.now() - timedelta(seconds=conf.stale_after_seconds())
    return list(
        WebhookDelivery.objects.filter(status=WebhookDeliveryStatus.QUEUED)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=timezone.now()))
        .filter(Q(last_attempt_at__lte=cutoff) | Q(last_attempt_at__isnull=True, created_at__lte=cutoff))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def _update(delivery: WebhookDelivery, **fields) -> bool:
    fields.setdefault("claimed_until", None)
    return bool(WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDeliveryStatus.QUEUED).update(**fields))


def _record_success(delivery: WebhookDelivery, status: int) -> Outcome:
    with transaction.atomic():
        if _update(
            delivery,
            status=WebhookDeliveryStatus.DELIVERED,
            response_status=status,
            last_error="",
            delivered_at=timezone.now(),
        ):
            WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(consecutive_failures=0)
    return Outcome.DELIVERED


def _record_transient(delivery: WebhookDelivery, status: int | None, reason: str) -> Outcome:
    if delivery.attempts >= conf.max_attempts():
        return _record_failure(delivery, status, f"gave up after {delivery.attempts} attempts: {reason}")
    _update(delivery, response_status=status, last_error=reason[:2000])
    raise TransientWebhookError(delivery.pk, reason)


def _record_failure(delivery: WebhookDelivery, status: int | None, reason: str) -> Outcome:
    logger.warning("Webhook delivery %s failed: %s", delivery.uuid, reason)
    with transaction.atomic():
        if _update(delivery, status=WebhookDeliveryStatus.FAILED, response_status=status, last_error=reason[:2000]):
            _count_failure(delivery.endpoint_id)
    return Outcome.FAILED


def _count_failure(endpoint_id: int) -> None:
    """Counts a failed delivery; the one that reaches the limit disables the endpoint (once:
    a conditional update) and, after commit, has its admins emailed."""
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(consecutive_failures=F("consecutive_failures") + 1)
    now = timezone.now()
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint_id, is_active=True, consecutive_failures__gte=conf.disable_after_failures()
    ).update(is_active=False, disabled_at=now)
    if disabled:
        from .tasks import notify_endpoint_disabled_task

        logger.warning("Webhook endpoint %s disabled after repeated failures", endpoint_id)
        endpoint = WebhookEndpoint.objects.select_related("organization").get(pk=endpoint_id)
        record_audit(
            actor=None,
            action="webhook.disabled",
            organization=endpoint.organization,
            target=endpoint.url,
            reason="repeated_failures",
            failures=endpoint.consecutive_failures,
        )
        transaction.on_commit(lambda: notify_endpoint_disabled_task.delay(endpoint_id=endpoint_id))
