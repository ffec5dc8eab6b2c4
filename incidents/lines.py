"""The room's system lines: stored as an event code with parameters (RoomItem.event, .params),
said in the reader's language only when shown (room frames, timeline, report, API, webhooks).

Parameters hold what was true when the line was written: names as they were, and codes
(status, TLP level, platform status, indicator kind) that are turned into words here, so a
French and an Arabic reader see the same stored line each in their own language.
A row written before lines were events, and not recognised by the migration that converted
them, keeps its old text as the `legacy` event's only parameter."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

# TLP_WORDS lives beside Tlp (the controls timeline says it too); the lines and the audit log read it here.
from .models.incident import TLP_WORDS, IndicatorKind, PlatformStatus, Status, Tlp  # noqa: F401

LEGACY = "legacy"

# One template per event; named placeholders only, so a translation may reorder them.
LINES = {
    "incident.declared": _("%(who)s declared the incident (tier %(tier)d, TLP %(tlp)s)."),
    "status.changed": _("%(who)s changed the status from %(a)s to %(b)s."),
    "status.changed_with_note": _("%(who)s changed the status from %(a)s to %(b)s: %(note)s"),
    "organization.invited": _("%(org)s was invited."),
    "organization.uninvited": _("%(org)s is no longer invited."),
    "tier.escalated": _("%(who)s escalated the incident from tier %(a)d to tier %(b)d."),
    "tier.deescalated": _("%(who)s de-escalated the incident from tier %(a)d to tier %(b)d."),
    "tlp.changed": _("TLP changed from %(a)s to %(b)s by %(who)s."),
    "commander.appointed": _("%(who)s appointed %(commander)s as incident commander."),
    "recipient.added": _("%(who)s named %(user)s as a recipient."),
    "recipient.removed": _("%(who)s removed %(user)s from the named recipients."),
    "action.assigned": _("Action for %(org)s: %(title)s"),
    "action.done": _("Done: %(title)s"),
    "indicator.shared": _("Indicator (%(kind)s): %(value)s"),
    "indicator.platform_status": _("%(org)s: %(value)s is %(status)s."),
    "indicators.imported": ngettext_lazy(
        "%(n)d indicator shared from a list.", "%(n)d indicators shared from a list.", "n"
    ),
    "alert.acknowledged": _("%(org)s acknowledged the alert (%(who)s)."),
    "alert.escalated": ngettext_lazy(
        "%(org)s has not acknowledged within %(n)d minute: its admins and the secretariat were alerted.",
        "%(org)s has not acknowledged within %(n)d minutes: its admins and the secretariat were alerted.",
        "n",
    ),
    LEGACY: "%(text)s",
}


def _status(code) -> str:
    return str(Status(code).label) if code in Status.values else str(code)


def _tlp(code) -> str:
    return str(TLP_WORDS.get(code, code))


def _platform_status(code) -> str:
    return str(PlatformStatus(code).label) if code in PlatformStatus.values else str(code)


def _indicator_kind(code) -> str:
    return str(IndicatorKind(code).label) if code in IndicatorKind.values else str(code)


# Which parameters are codes, and how each event says them.
WORDS = {
    "incident.declared": {"tlp": _tlp},
    "status.changed": {"a": _status, "b": _status},
    "status.changed_with_note": {"a": _status, "b": _status},
    "tlp.changed": {"a": _tlp, "b": _tlp},
    "indicator.platform_status": {"status": _platform_status},
    "indicator.shared": {"kind": _indicator_kind},
}


def render(event: str, params: dict) -> str:
    """The line in the active language. An unknown event or a missing parameter (a row from a
    newer or older code) never fails a page: it shows what can be said."""
    template = LINES.get(event)
    if template is None:
        return str(params.get("text", ""))
    words = WORDS.get(event, {})
    values = {key: words[key](value) if key in words else value for key, value in params.items()}
    try:
        return str(template % values)
    except (KeyError, TypeError, ValueError):
        return str(params.get("text", ""))


def item_text(item) -> str:
    """What a room item says: a chat message as written, any other line rendered from its event."""
    return render(item.event, item.params) if item.event else item.body


def status_line(*, who: str, from_status: str, to_status: str, note: str = "") -> tuple[str, dict]:
    """(event, params) of a status change; a note makes it the line that quotes it."""
    params = {"who": who, "a": from_status, "b": to_status}
    if note:
        return "status.changed_with_note", {**params, "note": note}
    return "status.changed", params
