"""After the incident: the timeline, the after-action report (HTML and Markdown), the
indicators as CSV and STIX, and the public debrief. Everything but the public debrief is for those
who may enter the room (base.incident_page, access_room); the debrief's editing is the
secretariat's."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.views.outcomes import run_service

from .. import exports, reports, selectors, services
from ..caching import no_store
from ..forms import DebriefForm
from ..models import ItemKind
from ..permissions import access_debrief_draft, access_published_debrief, can_manage_incident
from ..selectors.debrief_scan import debrief_findings
from .base import INCIDENT, ROOM, incident_action, incident_page

TIMELINE_PAGE = 200
DEBRIEF_PAGE = 50
PUBLISHABLE_ON_PAGE = 500


@no_store
@incident_page(access=ROOM)
def timeline(request, incident):
    kind = request.GET.get("kind", "")
    items = selectors.room_items(incident)
    if kind in ItemKind.values:
        items = items.filter(kind=kind)
    else:
        kind = ""
    page = Paginator(items, TIMELINE_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/timeline.html",
        {"incident": incident, "page": page, "kinds": ItemKind.choices, "kind": kind},
    )


@no_store
@incident_page(access=ROOM)
def report(request, incident):
    built = reports.build_report(incident)
    context = {
        "report": built,
        "incident": built.incident,
        "to_first_ack": reports.format_duration(built.to_first_acknowledgement),
        "to_first_removal": reports.format_duration(built.to_first_removal),
        "can_manage": can_manage_incident(request.user),
    }
    if context["can_manage"]:
        debrief = selectors.debrief_of(incident)
        context["debrief"] = debrief
        context["debrief_form"] = DebriefForm(
            initial={"title": debrief.title, "summary": debrief.summary} if debrief else None
        )
        context["findings"] = debrief_findings(debrief) if debrief else []
        context["unresolved"] = sum(1 for reviewed in context["findings"] if not reviewed.confirmed)
        # More than a page holds is chosen through the API (PUBLISHABLE_ON_PAGE, docs/exchange.md).
        context["publishable"] = selectors.publishable_indicators(incident)[:PUBLISHABLE_ON_PAGE]
    return render(request, "incidents/report.html", context)


@no_store
@incident_page(access=ROOM)
def report_markdown(request, incident):
    response = HttpResponse(
        reports.report_markdown(reports.build_report(incident)), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="incident-{incident.pk}-after-action-report.md"'
    return response


@no_store
@incident_page(access=ROOM)
def indicators_csv(request, incident):
    response = HttpResponse(exports.indicators_csv(incident), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.indicators_filename(incident)}"'
    return response


@no_store
@incident_page(access=ROOM)
def indicators_stix(request, incident):
    response = HttpResponse(exports.indicators_stix(incident, request.user), content_type=exports.STIX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{exports.stix_filename(incident)}"'
    return response


def _report_back(incident_id):
    return redirect("incidents:report", incident_id)


@incident_action(access=INCIDENT, write=True)
def save_debrief(request, incident):
    form = DebriefForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a public title and a public summary."))
        return _report_back(incident.pk)
    outcome = run_service(
        request,
        lambda: services.save_debrief(actor=request.user, incident=incident, **form.cleaned_data),
        done=_("The debrief is saved."),
    )
    if outcome.succeeded and outcome.result.was_withdrawn:
        messages.warning(
            request,
            _("The leak scan found something new in the text: the debrief is withdrawn until each finding is "
              "removed or confirmed."),
        )  # fmt: skip
    return _report_back(incident.pk)


@incident_action(access=INCIDENT, write=True)
def confirm_debrief_finding(request, incident):
    debrief = access_debrief_draft(request.user, incident)
    run_service(
        request,
        lambda: services.confirm_debrief_finding(
            actor=request.user, debrief=debrief, finding_id=request.POST.get("finding", "")
        ),
        done=_("Confirmed: this may be published."),
    )
    return _report_back(incident.pk)


@incident_action(access=INCIDENT, write=True)
def publish_debrief(request, incident):
    debrief = selectors.debrief_of(incident)
    if debrief is None:
        messages.error(request, _("Write the debrief first."))
        return _report_back(incident.pk)
    # A repeat changes nothing and still says where the debrief stands.
    if request.POST.get("publish") == "0":
        run_service(
            request,
            lambda: services.unpublish_debrief(actor=request.user, debrief=debrief),
            done=_("The debrief is no longer public."),
        )
    else:
        run_service(
            request,
            lambda: services.publish_debrief(
                actor=request.user, debrief=debrief, indicator_ids=request.POST.getlist("indicators")
            ),
            done=_("The debrief is public."),
        )
    return _report_back(incident.pk)


@no_store
def debrief_list(request):
    page = Paginator(selectors.published_debriefs(), DEBRIEF_PAGE).get_page(request.GET.get("page"))
    return render(request, "incidents/debriefs/list.html", {"page": page})


@no_store
def debrief_detail(request, debrief_id):
    return render(request, "incidents/debriefs/detail.html", {"debrief": access_published_debrief(debrief_id)})


@no_store
def tiers_help(request):
    return render(request, "incidents/help.html")
