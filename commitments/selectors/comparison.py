"""Transparency reports side by side: chosen supporters' published metrics, year by year.

Supporters report by quarter, half-year or year. A year's cell says how it was reported: a
yearly figure as it is, shorter periods each with its label and, for counts, their sum for the
year once every period of that year is in (a share cannot be summed, so it is shown per
period). One query whatever the number of supporters and years."""

from dataclasses import dataclass, field

from ..metrics import Metric, metrics_for
from ..models import PERIODS_PER_YEAR, PeriodKind
from .transparency import list_published_reports_for

MAX_COMPARED = 8


@dataclass
class Cell:
    parts: list[tuple[str, object]] = field(default_factory=list)  # (period label, value)
    total: int | None = None  # a count's year total, when every period of the year is in
    bar: int = 0  # the value as a share of the table's largest, for its bar (0 to 100)

    @property
    def value(self):
        """The figure to compare and draw: the yearly figure, the year's total, or nothing."""
        if len(self.parts) == 1 and self.parts[0][0].isdigit():
            return self.parts[0][1]
        return self.total


@dataclass
class MetricTable:
    metric: Metric
    years: list[int]
    rows: list[tuple[object, list[Cell]]]  # (organisation, one cell per year)
    top: float = 0  # the largest comparable value, for the bars


@dataclass
class Comparison:
    kind: str
    organizations: list
    years: list[int]
    tables: list[MetricTable]


def compare(user, *, kind: str, organization_ids: list[int]) -> Comparison:
    reports = list(
        list_published_reports_for(user, kind=kind).filter(organization_id__in=organization_ids[:MAX_COMPARED])
    )
    organizations = sorted({r.organization for r in reports}, key=lambda o: o.name)
    years = sorted({r.year for r in reports})
    tables = []
    for metric in metrics_for(kind):
        grid = {(o.pk, y): Cell() for o in organizations for y in years}
        complete: dict[tuple[int, int], int] = {}
        for report in sorted(reports, key=lambda r: (r.period_start, r.period_kind)):
            cell = grid[(report.organization_id, report.year)]
            value = report.metrics.get(metric.key)
            label = str(report.year) if report.period_kind == PeriodKind.YEAR else report.period_label
            cell.parts.append((label, value))
            if report.period_kind != PeriodKind.YEAR:
                complete[(report.organization_id, report.year)] = PERIODS_PER_YEAR[report.period_kind]
        for key, needed in complete.items():
            cell = grid[key]
            values = [v for _label, v in cell.parts]
            if not metric.is_share and len(values) == needed and all(isinstance(v, int) for v in values):
                cell.total = sum(values)
        rows = [(o, [grid[(o.pk, y)] for y in years]) for o in organizations]
        comparable = [c.value for _o, cells in rows for c in cells if isinstance(c.value, (int, float))]
        top = max(comparable, default=0)
        for _o, cells in rows:
            for cell in cells:
                if top and isinstance(cell.value, (int, float)):
                    cell.bar = round(100 * cell.value / top)
        tables.append(MetricTable(metric=metric, years=years, rows=rows, top=top))
    return Comparison(kind=kind, organizations=organizations, years=years, tables=tables)


def comparable_organizations(user, *, kind: str) -> list[tuple[int, str]]:
    """(id, name) of the organisations of this kind with a published report, for the chooser."""
    rows = list_published_reports_for(user, kind=kind).values_list("organization_id", "organization__name")
    return sorted(set(rows), key=lambda row: row[1])
