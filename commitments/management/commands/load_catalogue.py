from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from commitments.services import ensure_implementations, load_catalogue


class Command(BaseCommand):
    help = "Load a commitment catalogue file (default: the Christchurch Call). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", help="JSON catalogue file (default: commitments/data/christchurch_call.json)"
        )

    def handle(self, *args, path=None, **options):
        try:
            counts = load_catalogue(path=path)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        created = ensure_implementations()
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Catalogue: {summary}; {created} implementations created."))
