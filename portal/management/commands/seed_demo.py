"""`manage.py seed_demo`: loads the demo community. Idempotent; see portal.demo, which
also documents the `seed_demo(*, stdout)` hook other apps define on their AppConfig."""

from django.core.management.base import BaseCommand

from portal.demo import seed


class Command(BaseCommand):
    help = "Load the demo community (idempotent): the registry, then every app that defines AppConfig.seed_demo."

    def handle(self, *args, **options):
        seed.seed_demo(stdout=self.stdout)
