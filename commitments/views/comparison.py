"""Transparency reports compared: chosen supporters' metrics side by side per year, with each
metric's definition, as a page with bars and as CSV. Published reports only (public)."""

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.models import OrganizationKind

from .. import selectors
from ..metrics import definitions
from ..selectors.comparison import MAX_COMPARED


def _choice(request) -> tuple[str, list[int]]:
    kinds = [k for k in definitions() if k in OrganizationKind.values]
    kind = request.GET.get("kind", "")
    kind = kind if kind in kinds else (kinds[0] if kinds else "")
    ids = []
    for raw in request.GET.getlist("org")[:MAX_COMPARED]:
        if raw.isdigit():
            ids.append(int(raw))
    return kind, ids


def compare_page(request):
    kind, ids = _choice(request)
    options = selectors.comparable_organizations(request.user, kind=kind)
    if not ids:  # a first look: the first few who report
        ids = [pk for pk, _name in options[:4]]
    comparison = selectors.compare(request.user, kind=kind, organization_ids=ids)
    kinds = [(k, OrganizationKind(k).label) for k in definitions() if k in OrganizationKind.values]
    return render(
        request,
        "commitments/compare.html",
        {"comparison": comparison, "kind": kind, "kinds": kinds, "options": options, "chosen": set(ids),
         "max_compared": MAX_COMPARED},
    )  # fmt: skip


def compare_csv(request):
    kind, ids = _choice(request)
    comparison = selectors.compare(request.user, kind=kind, organization_ids=ids)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="transparency-comparison.csv"'
    writer = csv.writer(response)
    writer.writerow(["organization", "metric", "metric_label", "year", "period", "value", "year_total"])
    for table in comparison.tables:
        for organization, cells in table.rows:
            for year, cell in zip(table.years, cells, strict=True):
                for period, value in cell.parts:
                    total = "" if cell.total is None else cell.total
                    writer.writerow([organization.name, table.metric.key, table.metric.label, year, period,
                                     "" if value is None else value, total])  # fmt: skip
    if not comparison.tables:
        writer.writerow([_("No published reports to compare.")])
    return response
