"""How incident events read in the registry's audit log (portal.audit_log): codes said as
words in the reader's language, registered in IncidentsConfig.ready (portal imports no app).
The incident itself is the event's target (#id and title), so its id is not repeated."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit_log import ACTION_NAMES, change_writer, register_details

from .lines import TLP_WORDS
from .models import IndicatorKind, PlatformStatus, Status


def _word(choices):
    return lambda code: str(choices(code).label) if code in choices.values else str(code or "")


def _tlp(code) -> str:
    return str(TLP_WORDS.get(code, code or ""))


def _without_incident(writer=None):
    def write(data: dict) -> tuple[list[str], set[str]]:
        parts, keys = writer(data) if writer else ([], set())
        return parts, keys | {"incident"}

    return write


def _indicator_kind(data: dict) -> tuple[list[str], set[str]]:
    if "kind" not in data:
        return [], set()
    return [_("kind: %(kind)s") % {"kind": _word(IndicatorKind)(data["kind"])}], {"kind"}


def _platform_status(data: dict) -> tuple[list[str], set[str]]:
    if "status" not in data:
        return [], set()
    return [_("status: %(status)s") % {"status": _word(PlatformStatus)(data["status"])}], {"status"}


WRITERS = {
    "incident.status_changed": change_writer(_word(Status)),
    "incident.tlp_changed": change_writer(_tlp, gettext_lazy("TLP from %(a)s to %(b)s")),
    "incident.tier_changed": change_writer(str, gettext_lazy("from tier %(a)s to tier %(b)s")),
    "incident.indicator_added": _indicator_kind,
    "incident.platform_status_set": _platform_status,
}


def register_audit_details() -> None:
    for action in ACTION_NAMES:
        if action.startswith("incident."):
            register_details(action, _without_incident(WRITERS.get(action)))
