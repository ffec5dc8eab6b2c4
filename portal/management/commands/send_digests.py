"""Send every digest that is due now, in this process, with a progress bar.

Running it twice in a row sends nothing the second time: each digest's delivery record
(one per user and period) is written before it is sent. `--dry-run` lists who would
get what and writes and sends nothing."""

import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.notifications import conf, deliveries, digests
from portal.notifications.deliveries import Outcome, TransientDeliveryError


class ProgressBar:
    """A plain-text bar. On a terminal it redraws one line; elsewhere (logs, CI) it prints
    a line at each tenth of the way, so the output stays short and readable."""

    WIDTH = 30

    def __init__(self, stream, total: int, label: str):
        self.stream, self.total, self.label = stream, total, label
        self.done = 0
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self._last_tenth = -1

    def advance(self) -> None:
        self.done += 1
        tenth = self.done * 10 // max(self.total, 1)
        if self.tty:
            self.stream.write("\r" + self._line())
            self.stream.flush()
        elif tenth != self._last_tenth or self.done == self.total:
            self.stream.write(self._line() + "\n")
        self._last_tenth = tenth

    def close(self) -> None:
        if self.tty and self.done:
            self.stream.write("\n")

    def _line(self) -> str:
        total = max(self.total, self.done, 1)
        filled = self.WIDTH * self.done // total
        return f"{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.done}/{total}"


class Command(BaseCommand):
    help = "Send every progress digest that is due now (--dry-run lists them and sends nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List who would get what; send nothing.")
        parser.add_argument("--batch-size", type=int, default=conf.digest_batch_size(), help="Users per batch.")

    def handle(self, *args, dry_run: bool, batch_size: int, **options):
        now = timezone.now()
        if batch_size < 1:
            self.stderr.write("--batch-size must be at least 1.")
            sys.exit(2)
        if dry_run:
            self._dry_run(now)
            return
        total = (
            digests.due_digest_users(now).count()
            + deliveries.stale_deliveries(now=now, kinds=(digests.DIGEST_KIND,)).count()
        )
        if not total:
            self.stdout.write("No digest is due.")
            return
        bar = ProgressBar(self.stderr, total, "Digests")
        counts = {outcome: 0 for outcome in Outcome} | {"retry": 0}
        seen: set[int] = set()
        while True:
            batch = digests.queue_due_digests(now=now, limit=batch_size)
            fresh = [pk for pk in batch.delivery_ids if pk not in seen]
            for delivery_id in fresh:
                seen.add(delivery_id)
                try:
                    counts[digests.send_digest(delivery_id=delivery_id)] += 1
                except TransientDeliveryError as error:
                    counts["retry"] += 1
                    self.stderr.write(f"\n{error}; left queued for a retry")
                bar.advance()
            if not batch.more:
                break
        bar.close()
        self.stdout.write(
            f"Sent {counts[Outcome.SENT]}, nothing new for {counts[Outcome.SKIPPED]}, "
            f"failed {counts[Outcome.FAILED]}, left for a retry {counts['retry']}, "
            f"already handled elsewhere {counts[Outcome.DONE] + counts[Outcome.BUSY]}."
        )

    def _dry_run(self, now) -> None:
        users = digests.due_digest_users(now).select_related("digest_preference")
        count = 0
        for user in users.iterator(chunk_size=500):
            count += 1
            digest = digests.build_digest(user, frequency=user.digest_frequency, period=user.digest_period, until=now)
            if digest.is_empty:
                contents = "nothing new: would be skipped"
            else:
                contents = ", ".join(f"{s.key} {len(s.items) + s.more}" for s in digest.sections)
            self.stdout.write(f"{user.email}\t{digest.frequency}\t{digest.period}\t{digest.language}\t{contents}")
        stale = deliveries.stale_deliveries(now=now, kinds=(digests.DIGEST_KIND,)).count()
        if stale:
            self.stdout.write(f"{stale} queued digest(s) whose task was lost would be sent again.")
        self.stdout.write(f"Dry run: {count} digest(s) due; nothing was sent.")
