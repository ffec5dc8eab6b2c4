"""Old notifications and dead push subscriptions are pruned in batches (beat task and
`prune_notifications` command), and the stream's seq / ?after contract still holds."""

import io
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command
from django.utils import timezone

from portal.models import User
from portal.notifications import inbox, pruning
from portal.notifications.push_models import PushSubscription
from portal.notifications.routing import websocket_urlpatterns
from portal.notifications.stream_models import Notification
from portal.notifications.tasks import prune_notifications_task
from portal.ws.router import InPlaceURLRouter
from tests.helpers.rooms import WAIT, RoomCommunicator
from tests.helpers.two_factor import signed_in
from tests.portal.factories import UserFactory

NOW = timezone.now()


def notify(user, key: str, *, days_ago: int = 0, read: bool = False) -> Notification:
    [notification] = inbox.notify(recipients=[user], kind="test", key=key, message="Incident #%(number)s was declared.")
    if read:
        inbox.mark_read(user=user, notification_id=notification.pk)
    Notification.objects.filter(pk=notification.pk).update(created_at=NOW - timedelta(days=days_ago))
    return notification


def unread_of(user) -> int:
    return User.objects.get(pk=user.pk).unread_notifications


def subscription(user, name: str, *, failing_days: int | None = None) -> PushSubscription:
    failing = None if failing_days is None else NOW - timedelta(days=failing_days)
    return PushSubscription.objects.create(
        user=user, endpoint=f"https://push.example.net/{name}", p256dh="p", auth="a", failing_since=failing
    )


@pytest.mark.django_db
def test_read_ones_go_after_the_keep_days_and_unread_ones_only_after_the_longer_age(settings):
    settings.NOTIFICATIONS_KEEP_DAYS, settings.NOTIFICATIONS_KEEP_UNREAD_DAYS = 90, 365
    ana = UserFactory()
    old_read = notify(ana, "1", days_ago=100, read=True)
    old_unread = notify(ana, "2", days_ago=100)
    ancient_unread = notify(ana, "3", days_ago=400)
    recent_read = notify(ana, "4", days_ago=10, read=True)
    assert unread_of(ana) == 2
    batch = pruning.prune_notifications(now=NOW)
    assert batch.deleted == 2 and not batch.more
    kept = set(Notification.objects.values_list("pk", flat=True))
    assert kept == {old_unread.pk, recent_read.pk} and old_read.pk not in kept and ancient_unread.pk not in kept
    assert unread_of(ana) == 1  # the bell counts the unread one that is left
    assert pruning.prune_notifications(now=NOW).deleted == 0  # a rerun deletes nothing


@pytest.mark.django_db
def test_the_task_works_in_capped_batches_and_queues_the_next(settings, eager_celery):
    settings.NOTIFICATIONS_PRUNE_BATCH_SIZE = 2
    ana, ben = UserFactory(), UserFactory()
    for index in range(5):
        notify(ana if index % 2 else ben, f"k{index}", days_ago=100, read=True)
    notify(ana, "fresh")
    first = pruning.prune_notifications(now=NOW)
    assert first.deleted == 2 and first.more
    prune_notifications_task.delay()  # eager: chains itself until a batch is not full
    assert list(Notification.objects.values_list("key", flat=True)) == ["fresh"]


@pytest.mark.django_db
def test_dead_push_subscriptions_go_and_live_ones_stay(settings):
    settings.WEB_PUSH_DEAD_AFTER_DAYS = 30
    ana, gone = UserFactory(), UserFactory(is_active=False)
    healthy = subscription(ana, "healthy")
    lately_failing = subscription(ana, "lately", failing_days=3)
    subscription(ana, "dead", failing_days=31)
    subscription(gone, "deactivated")
    assert pruning.prune_subscriptions(now=NOW).deleted == 2
    assert set(PushSubscription.objects.all()) == {healthy, lately_failing}


@pytest.mark.django_db
def test_the_command_shows_a_progress_bar_and_a_dry_run_deletes_nothing(settings):
    ana = UserFactory()
    for index in range(7):
        notify(ana, f"k{index}", days_ago=100, read=True)
    subscription(ana, "dead", failing_days=60)
    out = io.StringIO()
    call_command("prune_notifications", "--dry-run", stdout=out, stderr=io.StringIO())
    assert "7 notification(s) and 1 push subscription(s) would be deleted" in out.getvalue()
    assert Notification.objects.count() == 7
    out, err = io.StringIO(), io.StringIO()
    call_command("prune_notifications", "--batch-size", "3", stdout=out, stderr=err)
    assert "Deleted 7 notification(s) and 1 push subscription(s)." in out.getvalue()
    assert err.getvalue().strip().splitlines()[-2] == "Notifications [" + "#" * 30 + "] 7/7"
    assert not Notification.objects.exists() and not PushSubscription.objects.exists()


def test_the_daily_task_is_scheduled(settings):
    assert settings.CELERY_BEAT_SCHEDULE["prune-notifications"]["task"] == prune_notifications_task.name


@pytest.mark.django_db(transaction=True)
async def test_a_reconnect_from_before_the_oldest_kept_gets_what_is_kept_then_live_and_no_seq_is_reused():
    ana = await sync_to_async(UserFactory)()
    for key in ("1", "2", "3"):
        await sync_to_async(notify)(ana, key, days_ago=100, read=True)
    await sync_to_async(notify)(ana, "4", days_ago=1)
    await sync_to_async(notify)(ana, "5")
    assert (await sync_to_async(pruning.prune_notifications)(now=timezone.now())).deleted == 3
    communicator = RoomCommunicator(InPlaceURLRouter(websocket_urlpatterns), "/ws/notifications/?after=1")
    communicator.scope["user"] = signed_in(ana)
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected
    replayed = [await communicator.receive_json_from(timeout=WAIT) for _ in range(3)]
    assert [(f["type"], f.get("seq")) for f in replayed] == [("notification", 4), ("notification", 5), ("unread", None)]
    assert replayed[2]["count"] == 2
    await sync_to_async(notify)(ana, "6")
    live = await communicator.receive_json_from(timeout=WAIT)
    assert live["type"] == "notification" and live["seq"] == 6  # the counter was not pruned
    await communicator.disconnect()
