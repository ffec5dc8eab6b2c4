"""Delete expired notifications and dead push subscriptions now, in batches, with a progress
bar (what the daily beat task does; portal/notifications/pruning.py says what expires).
`--dry-run` counts them and deletes nothing."""

import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.notifications import conf, pruning

from .send_digests import ProgressBar


class Command(BaseCommand):
    help = "Delete expired notifications and dead push subscriptions (--dry-run counts them)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; delete nothing.")
        parser.add_argument("--batch-size", type=int, default=conf.prune_batch_size(), help="Rows per batch.")

    def handle(self, *args, dry_run: bool, batch_size: int, **options):
        if batch_size < 1:
            self.stderr.write("--batch-size must be at least 1.")
            sys.exit(2)
        now = timezone.now()
        notifications = pruning.expired_notifications(now=now).count()
        subscriptions = pruning.dead_subscriptions(now=now).count()
        if dry_run:
            self.stdout.write(
                f"Dry run: {notifications} notification(s) and {subscriptions} push subscription(s) "
                "would be deleted; nothing was."
            )
            return
        deleted = {
            "notifications": self._run(pruning.prune_notifications, now, notifications, batch_size, "Notifications"),
            "subscriptions": self._run(pruning.prune_subscriptions, now, subscriptions, batch_size, "Subscriptions"),
        }
        self.stdout.write(
            f"Deleted {deleted['notifications']} notification(s) and {deleted['subscriptions']} push subscription(s)."
        )

    def _run(self, prune, now, total: int, batch_size: int, label: str) -> int:
        if not total:
            return 0
        bar, deleted = ProgressBar(self.stderr, total, label), 0
        while True:
            batch = prune(now=now, limit=batch_size)
            deleted += batch.deleted
            for _row in range(batch.deleted):
                bar.advance()
            if not batch.more:
                break
        bar.close()
        return deleted
