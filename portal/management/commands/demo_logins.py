"""`manage.py demo_logins`: what a new user needs to try the demo site (see portal.demo.logins)."""

from django.core.management.base import BaseCommand

from portal.demo import logins


class Command(BaseCommand):
    help = "Print the demo site's address, password, logins and their two-factor codes."

    def handle(self, *args, **options):
        logins.write_logins(stdout=self.stdout)
