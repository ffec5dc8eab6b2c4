from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from commitments.services import ensure_implementations, load_catalogue


class Command(BaseCommand):
    help = "Load a commitment catalogue file (default: the Christchurch Call). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", help="JSON catalogue file (default: commitments/data/christchurch_call.json)"
        )
        parser.add_argument(
            "--overwrite-site-edits",
            action="store_true",
            help="Apply the file's wording even where the secretariat edited it in the site since the last load.",
        )

    def handle(self, *args, path=None, overwrite_site_edits=False, **options):
        try:
            counts = load_catalogue(path=path, overwrite_site_edits=overwrite_site_edits)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        created = ensure_implementations()
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Catalogue: {summary}; {created} implementations created."))
        for code in counts.conflicting_codes:
            self.stderr.write(
                self.style.WARNING(
                    f"{code}: edited in the site and changed in the file; the file's wording was not applied. "
                    "Reconcile it in the catalogue editor, or run again with --overwrite-site-edits."
                )
            )
