"""Figures for the bar charts, computed once in Python so templates only draw them."""

from ..models import OrganizationKind


def kind_bars(counts: dict[str, int]) -> list[dict]:
    """One bar per kind of organisation, in the catalogue's order, scaled to the largest count."""
    largest = max(counts.values(), default=0) or 1
    return [
        {
            "kind": kind.value,
            "label": kind.label,
            "count": counts.get(kind.value, 0),
            "percent": round(100 * counts.get(kind.value, 0) / largest),
        }
        for kind in OrganizationKind
    ]
