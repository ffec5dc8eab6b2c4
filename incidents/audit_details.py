"""How incident events read in the registry's audit log (portal.audit_details): codes said as
words and ids as names in the reader's language, registered in IncidentsConfig.ready (portal
imports no app). The incident itself is the event's target (#id and title), so its id is not
repeated; the names are resolved for a whole page of events by portal.audit_log.rows."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit_details import change_writer, choice_word, register_details

from .lines import TLP_WORDS
from .models import IndicatorKind, PlatformStatus, Status


def _tlp(code) -> str:
    return str(TLP_WORDS.get(code, code or ""))


def _kind(data, names):
    return [_("kind: %(kind)s") % {"kind": choice_word(IndicatorKind)(data["kind"])}] if "kind" in data else []


def _platform_status(data, names):
    if "status" not in data:
        return []
    return [_("status: %(status)s") % {"status": choice_word(PlatformStatus)(data["status"])}]


def _declared(data, names):
    parts = []
    if data.get("tier"):
        parts.append(_("tier %(tier)s") % {"tier": data["tier"]})
    if data.get("tlp"):
        parts.append(_("TLP:%(tlp)s") % {"tlp": _tlp(data["tlp"])})
    if data.get("exercise"):
        parts.append(_("exercise"))
    return parts


def _uninvited(data, names):
    return [_("withdrew the invitation of %(name)s") % {"name": names.organization(data.get("invited"))}]


def _commander(data, names):
    after = names.user(data["after"]) if data.get("after") else "—"
    if not data.get("before"):
        return [_("incident commander: %(name)s") % {"name": after}]
    return [_("incident commander: from %(a)s to %(b)s") % {"a": names.user(data["before"]), "b": after}]


def _recipient_added(data, names):
    return [_("named individual: %(name)s") % {"name": names.user(data.get("after"))}]


def _recipient_removed(data, names):
    return [_("no longer named: %(name)s") % {"name": names.user(data.get("before"))}]


def _debrief_saved(data, names):
    return [_("first draft")] if data.get("created") else []


def _list_imported(data, names):
    return [
        _("%(added)s added, %(present)s already there, %(invalid)s not valid")
        % {"added": data.get("added", 0), "present": data.get("present", 0), "invalid": data.get("invalid", 0)}
    ]


CHANGE = ("before", "after")

WRITERS = {
    "incident.declared": dict(write=_declared, says=("tier", "tlp", "exercise")),
    "incident.status_changed": dict(write=change_writer(choice_word(Status)), says=CHANGE),
    "incident.tlp_changed": dict(write=change_writer(_tlp, gettext_lazy("TLP from %(a)s to %(b)s")), says=CHANGE),
    "incident.tier_changed": dict(write=change_writer(str, gettext_lazy("from tier %(a)s to tier %(b)s")), says=CHANGE),
    "incident.commander_changed": dict(write=_commander, says=CHANGE, users=CHANGE),
    "incident.recipient_added": dict(write=_recipient_added, says=CHANGE, users=CHANGE),
    "incident.recipient_removed": dict(write=_recipient_removed, says=CHANGE, users=CHANGE),
    "incident.organization_uninvited": dict(write=_uninvited, says=("invited",)),
    "incident.indicator_added": dict(write=_kind, says=("kind",)),
    "incident.platform_status_set": dict(write=_platform_status, says=("status",)),
    "incident.debrief_saved": dict(write=_debrief_saved),
    "incident.indicator_list_imported": dict(write=_list_imported, says=("added", "present", "invalid")),
}


def register_audit_details() -> None:
    for action, spec in WRITERS.items():
        register_details(action, **spec)
