"""The indicators exports: CSV and STIX 2.1. In the CSV, values are defanged, and every cell
that a spreadsheet would read as a formula is prefixed with a quote (CSV injection). The STIX
bundle is for machines: values in full, marked with the incident's TLP (exchange/stix.py)."""

import csv
import io

from django.utils.translation import gettext as _

from . import selectors
from .exchange import stix
from .models import Incident
from .selectors.exchange import near_match_links, shared_incident, shared_indicators

STIX_CONTENT_TYPE = stix.STIX_MEDIA_TYPE

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


def indicators_stix(incident: Incident, viewer) -> str:
    """The incident's STIX bundle, serialised, with the PDQ near-matches `viewer` may see. A
    fixed number of queries whatever its size."""
    shared = shared_incident(incident)
    links = near_match_links(viewer, shared)
    # Not stix2's pretty=True: its key sorting is quadratic (146 s for 1,000 indicators, 0.5 s without).
    return stix.bundle(shared, shared_indicators(shared), links).serialize(indent=2)


def stix_filename(incident: Incident) -> str:
    return f"incident-{incident.pk}-indicators.stix.json"
