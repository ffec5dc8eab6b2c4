"""The indicators CSV export. Values are defanged, and every cell that a spreadsheet
would read as a formula is prefixed with a quote (CSV injection)."""

import csv
import io

from django.utils.translation import gettext as _

from . import selectors
from .models import Incident

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def indicators_csv(incident: Incident) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("id"), _("kind"), _("value (defanged)"), _("shared by"), _("shared at"), _("platform statuses")])
    for indicator in selectors.incident_indicators(incident):
        statuses = "; ".join(f"{p.organization.name}: {p.status}" for p in indicator.platform_statuses.all())
        writer.writerow(
            safe_cell(cell)
            for cell in (
                indicator.pk,
                indicator.kind,
                indicator.defanged,
                indicator.organization.name if indicator.organization else "",
                indicator.created_at.isoformat(),
                statuses,
            )
        )
    return buffer.getvalue()


def indicators_filename(incident: Incident) -> str:
    return f"incident-{incident.pk}-indicators.csv"
