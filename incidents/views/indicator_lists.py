"""Sharing a list of indicators from a page: the room's "Share a list" form posts here, and
this page answers with every line's result (all the invalid lines, and the others up to
SHOWN_LINES; the API lists them all). Re-posting the same list adds nothing twice."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import services
from ..caching import no_store
from ..indicator_lines import INVALID, MAX_BYTES, MAX_LINES, read_upload
from ..models import IndicatorKind
from ..permissions import can_post_in_room
from .base import ROOM, incident_page

SHOWN_LINES = 2000


@no_store
@login_required
@require_http_methods(["GET", "POST"])
@incident_page(access=ROOM)
def share_list(request, incident):
    context = {
        "incident": incident,
        "indicator_kinds": IndicatorKind.choices,
        "may_post": incident.is_open and can_post_in_room(request.user, incident),
        "max_lines": number_format(MAX_LINES, force_grouping=True),
        "max_mb": MAX_BYTES // (1024 * 1024),
    }
    if request.method == "POST":
        context.update(_share(request, incident))
    return render(request, "incidents/indicator_list.html", context)


def _share(request, incident) -> dict:
    try:
        kind = request.POST.get("kind", "")
        upload = request.FILES.get("file")
        text = request.POST.get("text", "")
    except RequestDataTooBig:
        return {"error": _("Paste at most 2.5 MB here; upload a file for a longer list.")}
    try:
        if upload is not None and text.strip():
            raise ValidationError(_("Send the list as text or as a file, not both."))
        if upload is not None:
            text = read_upload(upload)
        if not text.strip():
            raise ValidationError(_("Paste a list or choose a file."))
        outcome = services.import_indicator_list(actor=request.user, incident=incident, text=text, kind=kind)
    except ValidationError as error:
        return {"error": " ".join(str(m) for m in error.messages), "draft": {"kind": kind, "text": text[:100_000]}}
    except PermissionDenied as error:
        return {"error": str(error) or _("You may not do that.")}
    invalid = [line for line in outcome.lines if line.result == INVALID]
    others = [line for line in outcome.lines if line.result != INVALID]
    shown = sorted(invalid + others[:SHOWN_LINES], key=lambda line: line.line)
    return {
        "outcome": outcome,
        "lines": shown,
        "invalid_lines": invalid,
        "not_shown": max(0, len(others) - SHOWN_LINES),
    }
