"""Web Push: subscriptions, and sending a stored notification to its user's browsers.

Sent with pywebpush (RFC 8291 aes128gcm encryption, RFC 8292 VAPID) by a task on the crisis
queue, queued after the notification commits. A push service's 404 or 410 means the
subscription is gone for good: it is removed. The browser shows a push under the
notification's id as its tag, so a push repeated by a retried task replaces the first
rather than alerting twice."""

import base64
import json
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pywebpush import WebPushException, webpush

from . import push_endpoints, push_keys, stream
from .push_models import PushSubscription
from .stream_models import Notification

logger = logging.getLogger(__name__)

GONE = (404, 410)
TIMEOUT_SECONDS = 10


class TransientPushError(Exception):
    """A push service that did not answer, or answered 429/5xx: the task retries."""


def _key_bytes(value: str, *, size: int, name: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(str(value) + "=" * (-len(str(value)) % 4))
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != size:
        raise ValidationError({name: _("Give the browser's key as it gave it (base64url).")})
    return str(value)


@transaction.atomic
def subscribe(*, user, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Stores a browser's subscription for this user. The endpoint must be a public https URL
    (push_endpoints.py: the portal will post there); one already stored moves to this user, since a
    browser profile that signs in as someone else now belongs to them."""
    endpoint = str(endpoint or "").strip()
    if len(endpoint) > 1000:
        raise ValidationError({"endpoint": _("The endpoint is too long.")})
    try:
        push_endpoints.check(endpoint)
    except push_endpoints.RefusedEndpointError as error:
        raise ValidationError({"endpoint": str(error)}) from None
    p256dh = _key_bytes(p256dh, size=65, name="p256dh")
    auth = _key_bytes(auth, size=16, name="auth")
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth, "failing_since": None}
    )
    return subscription


def unsubscribe(*, user, endpoint: str) -> bool:
    """Removes one of the user's own subscriptions; False when there was none."""
    deleted, _rows = PushSubscription.objects.filter(user=user, endpoint=str(endpoint or "")).delete()
    return bool(deleted)


def payload(notification: Notification, *, language: str) -> str:
    with translation.override(language):
        return json.dumps(
            {
                "title": _("Call Portal"),
                "body": notification.text,
                "url": notification.url,
                "tag": f"notification-{notification.pk}",
            },
            ensure_ascii=False,
        )


def send_push(*, notification_id: int) -> int:
    """Pushes the notification to every subscription of its user; returns how many took it.
    Raises TransientPushError after trying them all when one may be retried. Each endpoint is
    checked again here and the connection pinned to the address checked (push_endpoints.py)."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or not notification.user.is_active:
        logger.info("Notification %s gone or its user inactive; nothing pushed", notification_id)
        return 0
    data = payload(notification, language=stream.language_of(notification.user))
    claims = {"sub": push_keys.subject()}
    sent, transient = 0, None
    for subscription in PushSubscription.objects.filter(user_id=notification.user_id):
        try:
            _send_one(subscription, data=data, claims=claims)
            sent += 1
            _mark(subscription, failing=False)
        except push_endpoints.RefusedEndpointError as error:
            logger.warning("push to subscription %s refused before sending: %s", subscription.pk, error)
            _mark(subscription, failing=True)
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            if status in GONE:
                subscription.delete()  # expired or unsubscribed at the push service
                continue
            _mark(subscription, failing=True)
            if status is None or status == 429 or status >= 500:
                transient = transient or TransientPushError(str(error))
            else:
                logger.warning("push to subscription %s refused (%s): %s", subscription.pk, status, error)
        except OSError as error:  # requests' ConnectionError and Timeout are OSErrors
            _mark(subscription, failing=True)
            transient = transient or TransientPushError(str(error))
    if transient is not None:
        raise transient
    return sent


def _send_one(subscription: PushSubscription, *, data: str, claims: dict) -> None:
    target = push_endpoints.check(subscription.endpoint)
    info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
    with push_endpoints.pinned_session(target) as session:
        webpush(
            info,
            data=data,
            vapid_private_key=push_keys.vapid(),
            vapid_claims=dict(claims),
            content_encoding="aes128gcm",
            ttl=settings.WEB_PUSH_TTL_SECONDS,
            timeout=TIMEOUT_SECONDS,
            requests_session=session,
        )


def _mark(subscription: PushSubscription, *, failing: bool) -> None:
    """Keeps when a subscription started failing (pruning.py removes it after long enough);
    conditional, so the first failure's time stays and a healthy one costs no query."""
    if failing and subscription.failing_since is None:
        PushSubscription.objects.filter(pk=subscription.pk, failing_since__isnull=True).update(
            failing_since=timezone.now()
        )
    elif not failing and subscription.failing_since is not None:
        PushSubscription.objects.filter(pk=subscription.pk).update(failing_since=None)


def queue_pushes(notifications: list[Notification]) -> None:
    """After the notifications commit: one task for each whose user has a browser subscribed."""
    from .tasks import send_web_push_task

    users = set(
        PushSubscription.objects.filter(user_id__in={n.user_id for n in notifications}).values_list(
            "user_id", flat=True
        )
    )
    for notification in notifications:
        if notification.user_id in users:
            send_web_push_task.delay(notification_id=notification.pk)
