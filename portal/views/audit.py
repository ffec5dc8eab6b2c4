"""The secretariat's view of the whole audit log: filtered, in words, and exported."""

import csv
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .. import audit_log, selectors
from ..decorators import secretariat_required
from .common import paginate

EXPORT_BATCH = 2000


def _filtered(request):
    form = audit_log.AuditFilterForm(request.GET or None)
    return form, audit_log.filtered(selectors.list_audit_events_for(request.user), form)


@never_cache  # it names incidents of every TLP level, RED included
@secretariat_required
def audit_log_page(request):
    form, events = _filtered(request)
    page = paginate(request, events, per_page=50)
    return render(
        request, "portal/audit_log.html", {"page": page, "rows": audit_log.rows(page.object_list), "filters": form}
    )


class _Echo:
    def write(self, value):
        return value


def _export_rows(events):
    """Every filtered event, in batches so names are looked up per batch, not per row."""
    for start in range(0, events.count(), EXPORT_BATCH):
        yield from audit_log.rows(events[start : start + EXPORT_BATCH])


def _record(row) -> dict:
    event = row.event
    return {
        "id": event.pk,
        "created_at": event.created_at,
        "actor": audit_log.actor_words(event),
        "action": event.action,
        "action_name": row.action,
        "organization": event.organization.name if event.organization else None,
        "target": row.target,
        "details": row.details,
        "data": event.data,
    }


@never_cache
@secretariat_required
def audit_export(request, fmt):
    """CSV or JSON of the log as filtered on its page (the same query string)."""
    if fmt not in ("csv", "json"):
        raise Http404
    _form, events = _filtered(request)
    if fmt == "json":
        body = json.dumps([_record(row) for row in _export_rows(events)], cls=DjangoJSONEncoder, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/json")
    else:
        writer = csv.writer(_Echo())
        header = ["id", "created_at", "actor", "action", "action_name", "organization", "target", "details"]

        def lines():
            yield writer.writerow(header)
            for row in _export_rows(events):
                record = _record(row)
                yield writer.writerow([record[key] if record[key] is not None else "" for key in header])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log.{fmt}"'
    return response
