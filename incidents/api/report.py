"""The after-action report in the API (#15 parity): the page's record as JSON, or its Markdown
with `?as=markdown` (DRF keeps `format` for itself). Those who may read the room read it (IncidentEndpoint, ROOM)."""

from dataclasses import asdict

from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from .. import events, reports
from .base import ROOM, IncidentEndpoint


def _seconds(delta):
    return delta.total_seconds() if delta is not None else None


def report_data(built: reports.Report) -> dict:
    incident = built.incident
    return {
        "incident": {"id": incident.pk, "title": incident.title, "status": incident.status, "tier": incident.tier,
                     "tlp": incident.tlp, "exercise": incident.is_exercise},
        "declared_at": built.declared_at,
        "closed_at": built.closed_at,
        "first_acknowledgement_at": built.first_acknowledgement_at,
        "seconds_to_first_acknowledgement": _seconds(built.to_first_acknowledgement),
        "first_removal_at": built.first_removal_at,
        "seconds_to_first_removal": _seconds(built.to_first_removal),
        "status_changes": [
            {"from": c.from_status, "to": c.to_status, "at": c.changed_at, "note": c.note,
             "by": c.actor.display_name if c.actor else None}
            for c in built.status_changes
        ],
        "timeline": [events.item_frame(item) for item in built.timeline],
        "indicators": [
            {"kind": i.kind, "value": i.defanged, "organization": i.organization.name if i.organization else None,
             "shared_at": i.created_at}
            for i in built.indicators
        ],
        "actions": [
            {"title": a.title, "organization": a.assigned_organization.name, "status": a.status,
             "created_at": a.created_at, "completed_at": a.completed_at, "due_at": a.due_at}
            for a in built.actions
        ],
        "participation": [asdict(p) for p in built.participation],
        "generated_at": built.generated_at,
    }  # fmt: skip


class AfterActionReport(IncidentEndpoint):
    access = ROOM

    @extend_schema(
        summary=gettext_lazy("The after-action report (JSON, or Markdown with as=markdown)"),
        parameters=[OpenApiParameter("as", OpenApiTypes.STR, enum=["json", "markdown"])],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, incident_id):
        built = reports.build_report(self.incident)
        if request.query_params.get("as") == "markdown":
            return HttpResponse(reports.report_markdown(built), content_type="text/markdown; charset=utf-8")
        return Response(report_data(built))
