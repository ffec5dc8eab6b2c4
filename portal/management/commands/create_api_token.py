from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal import services


class Command(BaseCommand):
    help = "Create a personal API token for a user and print its key (only the key, for scripts)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The user's email address.")
        parser.add_argument("--name", default="", help="A name to recognise the token by.")

    def handle(self, *args, email, name, **options):
        try:
            user = get_user_model()._default_manager.get(email__iexact=email.strip())
        except get_user_model().DoesNotExist:
            raise CommandError(_("No user has the email address %(email)s.") % {"email": email}) from None
        try:
            _token, key = services.create_api_token(user=user, name=name, by_operator=True)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", None) or [str(exc)])) from None
        self.stdout.write(key)
