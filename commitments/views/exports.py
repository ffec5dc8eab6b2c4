"""CSV and JSON exports, streamed: rows come from the same selectors as the pages and
the API, read in chunks, so an export of the whole community holds little in memory."""

import csv
import datetime
import json
from itertools import islice

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, StreamingHttpResponse

from .. import selectors
from ..metrics import all_metric_keys
from .pages import directory_filters

CHUNK = 1000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value):
        return value


def _cell(value):
    # A spreadsheet would run a cell that starts like a formula; names come from users.
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()  # ISO 8601 everywhere, as the JSON says it (2026-01-31T09:00:00+00:00)
    return "" if value is None else value


def _lines_in_batches(lines, size: int = 200) -> list[str]:
    return list(islice(lines, size))


async def _async_lines(lines):
    """Under ASGI (Daphne) Django would read a synchronous iterator to the end before
    sending anything; this hands over batches as the database cursor yields them."""
    while batch := await sync_to_async(_lines_in_batches, thread_sensitive=True)(lines):
        yield "".join(batch)


def _stream(request, rows, columns: list[str], fmt: str, filename: str):
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def lines():
            yield writer.writerow(columns)
            for row in rows:
                yield writer.writerow([_cell(row[c]) for c in columns])

        content, content_type = lines(), "text/csv; charset=utf-8"
    elif fmt == "json":

        def lines():
            yield "["
            for i, row in enumerate(rows):
                yield ("," if i else "") + "\n" + json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False)
            yield "\n]\n"

        content, content_type = lines(), "application/json"
    else:
        raise Http404
    if isinstance(request, ASGIRequest):
        content = _async_lines(content)
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


PROGRESS_COLUMNS = [
    "organization", "organization_slug", "kind", "country", "commitment", "commitment_title",
    "status", "progress", "as_of", "overdue",
]  # fmt: skip


def export_progress(request, fmt):
    """Every implementation the user may see, with status and progress as the user may see them."""
    kind, country = directory_filters(request)
    implementations = selectors.list_implementations_for(request.user, kind=kind or None, country=country or None)

    def rows():
        for i in implementations.iterator(chunk_size=CHUNK):
            yield {
                "organization": i.organization.name,
                "organization_slug": i.organization.slug,
                "kind": i.organization.kind,
                "country": str(i.organization.country or ""),
                "commitment": i.commitment.code,
                "commitment_title": i.commitment.title,
                "status": i.current_status,
                "progress": i.current_progress,
                "as_of": i.current_as_of,
                "overdue": i.is_overdue,
            }

    return _stream(request, rows(), PROGRESS_COLUMNS, fmt, "progress")


REPORT_COLUMNS = [
    "organization", "organization_slug", "kind", "country", "period_kind", "year", "number",
    "period_start", "period_end", "published_at",
]  # fmt: skip


def export_transparency(request, fmt):
    """Published reports only, one row each, one column per metric across kinds, so
    organisations and periods line up."""
    kind, country = directory_filters(request)
    reports = selectors.list_published_reports_for(request.user, kind=kind or None)
    if country:
        reports = reports.filter(organization__country=country)
    metric_keys = all_metric_keys()

    def rows():
        for report in reports.iterator(chunk_size=CHUNK):
            row = {
                "organization": report.organization.name,
                "organization_slug": report.organization.slug,
                "kind": report.organization.kind,
                "country": str(report.organization.country or ""),
                "period_kind": report.period_kind,
                "year": report.year,
                "number": report.number,
                "period_start": report.period_start,
                "period_end": report.period_end,
                "published_at": report.published_at,
            }
            row.update({key: report.metrics.get(key) for key in metric_keys})
            yield row

    return _stream(request, rows(), REPORT_COLUMNS + metric_keys, fmt, "transparency-reports")
