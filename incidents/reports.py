"""The after-action report, read from the stored record (reads only; callers authorise
with access_room). Built in a fixed number of queries whatever the incident's size,
and rendered as HTML (templates/incidents/report.html) or Markdown (here)."""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import selectors
from .models import (
    Acknowledgement,
    ActionItem,
    ActionStatus,
    Incident,
    IncidentOrganization,
    IndicatorKind,
    ItemKind,
    PlatformStatus,
    RoomItem,
    Status,
    Tier,
)

TIMELINE_KINDS = (ItemKind.STATUS, ItemKind.SYSTEM, ItemKind.INDICATOR, ItemKind.ACTION)


@dataclass
class Participation:
    name: str
    invited: bool = False
    people: int = 0
    messages: int = 0
    indicators: int = 0
    platform_updates: int = 0
    actions_assigned: int = 0
    actions_done: int = 0


@dataclass
class Report:
    incident: Incident
    status_changes: list
    changes: list
    timeline: list
    indicators: list
    actions: list
    participation: list[Participation] = field(default_factory=list)
    declared_at: datetime | None = None
    closed_at: datetime | None = None
    first_acknowledgement_at: datetime | None = None
    first_removal_at: datetime | None = None
    generated_at: datetime | None = None

    @property
    def to_first_acknowledgement(self) -> timedelta | None:
        return _since(self.declared_at, self.first_acknowledgement_at)

    @property
    def to_first_removal(self) -> timedelta | None:
        return _since(self.declared_at, self.first_removal_at)


def _since(start, end):
    return end - start if start and end else None


def first_acknowledgement_at(incident: Incident) -> datetime | None:
    return (
        Acknowledgement.objects.filter(incident=incident, acknowledged_at__isnull=False)
        .aggregate(first=Min("acknowledged_at"))
        .get("first")
    )


def build_report(incident: Incident) -> Report:
    incident = Incident.objects.select_related("commander", "criteria_decided_by", "created_by").get(pk=incident.pk)
    status_changes = list(incident.status_changes.select_related("actor"))
    closed = [c.changed_at for c in status_changes if c.to_status == Status.CLOSED]
    first_removal = (
        RoomItem.objects.filter(selectors.removal_items_q(), incident=incident)
        .order_by("seq")
        .values_list("created_at", flat=True)
        .first()
    )
    return Report(
        incident=incident,
        status_changes=status_changes,
        changes=list(selectors.incident_changes(incident)),
        timeline=list(selectors.room_items(incident).filter(kind__in=TIMELINE_KINDS)),
        indicators=list(selectors.incident_indicators(incident)),
        actions=list(selectors.incident_actions(incident).select_related("created_by")),
        participation=_participation(incident),
        declared_at=incident.criteria_decided_at or incident.created_at,
        closed_at=closed[-1] if closed else None,
        first_acknowledgement_at=first_acknowledgement_at(incident),
        first_removal_at=first_removal,
        generated_at=timezone.now(),
    )


def _participation(incident: Incident) -> list[Participation]:
    rows: dict[int, Participation] = {}

    def row(org_id, name):
        return rows.setdefault(org_id, Participation(name=name))

    for org_id, name in IncidentOrganization.objects.filter(incident=incident).values_list(
        "organization_id", "organization__name"
    ):
        row(org_id, name).invited = True
    items = RoomItem.objects.filter(incident=incident, organization__isnull=False)
    for org_id, name, kind, is_platform, list_added, n in (
        items.values_list("organization_id", "organization__name", "kind", "data__platform", "data__added")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        entry = row(org_id, name)
        if kind == ItemKind.CHAT:
            entry.messages += n
        elif kind == ItemKind.INDICATOR and is_platform is not None:
            entry.platform_updates += n
        elif kind == ItemKind.INDICATOR:
            # A shared list is one item saying how many it added (services/indicator_lists.py).
            entry.indicators += n * (list_added if isinstance(list_added, int) else 1)
    for org_id, name, people in (
        items.exclude(author=None)
        .values_list("organization_id", "organization__name")
        .annotate(people=Count("author", distinct=True))
        .order_by()
    ):
        row(org_id, name).people = people
    for org_id, name, status, n in (
        ActionItem.objects.filter(incident=incident)
        .values_list("assigned_organization_id", "assigned_organization__name", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        entry = row(org_id, name)
        entry.actions_assigned += n
        if status == ActionStatus.DONE:
            entry.actions_done += n
    return sorted(rows.values(), key=lambda p: p.name.casefold())


def format_duration(delta: timedelta | None) -> str:
    if delta is None:
        return _("not recorded")
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return _("%(h)d h %(m)02d min %(s)02d s") % {"h": hours, "m": minutes, "s": seconds}
    return _("%(m)d min %(s)02d s") % {"m": minutes, "s": seconds}


# --- Markdown ------------------------------------------------------------------------

# Escaped wherever they are: these start code, emphasis, links, images, raw HTML, autolinks,
# headings and table cells. ( ) ! - + . are left alone, so the text reads as written: with
# [ ] and < escaped they start no link or image, and mid-line they start nothing else.
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>#|~"})
# At the start of a line (the summary's paragraph) these would start a list or a thematic break.
_MD_NUMBERED_START = re.compile(r"^(\d+)([.)])")
_MD_BULLET_START = re.compile(r"^([-+])")


def md(text) -> str:
    """User text made inert in Markdown: one line, every character that could start markup escaped."""
    text = " ".join(str(text or "").split()).translate(_MD_SPECIAL)
    text = _MD_NUMBERED_START.sub(r"\1\\\2", text)
    return _MD_BULLET_START.sub(r"\\\1", text)


def _when(value) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else "—"


def _who(user) -> str:
    return md(user.display_name) if user else "—"


def _by(item) -> str:
    """Who did it and for which organisation, as the HTML report's timeline shows it."""
    who = md(item.author.display_name) if item.author else _("System")
    return who + (" · " + md(item.organization.name) if item.organization else "")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(str(cell) for cell in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in cells) + " |" for cells in rows]
    return [*lines, ""]


def _item(label, value) -> str:
    return "- " + str(label) + ": " + str(value)


def _heading(level: int, text) -> list[str]:
    return ["#" * level + " " + str(text), ""]


def report_markdown(report: Report) -> str:
    i = report.incident
    yes, no = _("yes"), _("no")
    lines = _heading(1, _("After-action report") + ": " + md(i.title))
    if i.is_exercise:
        lines += ["**" + _("EXERCISE — this was a drill, not a real incident.") + "**", ""]
    lines += [
        _item(_("TLP level"), "**" + i.get_tlp_display() + "**"),
        _item(_("Tier"), Tier(i.tier).label),
        _item(_("Status"), i.get_status_display()),
        _item(_("Declared"), _when(report.declared_at)),
        _item(_("Closed"), _when(report.closed_at)),
        _item(_("Commander"), _who(i.commander)),
        _item(_("Time from declaration to first acknowledgement"), format_duration(report.to_first_acknowledgement)),
        _item(_("Time from declaration to first removal"), format_duration(report.to_first_removal)),
        "",
        *_heading(2, _("Activation criteria")),
        _item(_("Ongoing violent event"), yes if i.ongoing_violent_event else no),
        _item(_("Perpetrator-produced content"), yes if i.perpetrator_produced else no),
        _item(_("Livestream"), yes if i.livestreamed else no),
        _item(_("Spreading across platforms"), yes if i.spreading_across_platforms else no),
        _item(_("Decided by"), _who(i.criteria_decided_by) + ", " + _when(i.criteria_decided_at)),
        "",
    ]
    if i.summary:
        lines += [*_heading(2, _("Summary")), md(i.summary), ""]
    lines += _heading(2, _("Timeline"))
    lines += _table(
        [_("Time"), "#", _("Kind"), _("By"), _("What happened")],
        [[_when(it.created_at), str(it.seq), ItemKind(it.kind).label, _by(it), md(it.text)] for it in report.timeline],
    )
    lines += _heading(2, _("Indicators"))
    lines += _table(
        [_("Indicator"), _("Kind"), _("Shared by"), _("Platform statuses")],
        [
            [
                f"`{ind.defanged.replace('`', '')}`",
                IndicatorKind(ind.kind).label,
                md(ind.organization.name if ind.organization else ""),
                md(
                    "; ".join(
                        f"{p.organization.name}: {PlatformStatus(p.status).label}" for p in ind.platform_statuses.all()
                    )
                )
                or "—",
            ]
            for ind in report.indicators
        ],
    )
    lines += _heading(2, _("Actions"))
    lines += _table(
        [_("Action"), _("Assigned to"), _("Status"), _("Done")],
        [
            [md(a.title), md(a.assigned_organization.name), ActionStatus(a.status).label, _when(a.completed_at)]
            for a in report.actions
        ],
    )
    lines += _heading(2, _("Participation by organisation"))
    lines += _table(
        [
            _("Organisation"),
            _("Invited"),
            _("People"),
            _("Messages"),
            _("Indicators shared"),
            _("Platform updates"),
            _("Actions done / assigned"),
        ],
        [
            [
                md(p.name),
                yes if p.invited else no,
                str(p.people),
                str(p.messages),
                str(p.indicators),
                str(p.platform_updates),
                f"{p.actions_done} / {p.actions_assigned}",
            ]
            for p in report.participation
        ],
    )
    lines.append(_("Generated %(when)s from the incident's stored record.") % {"when": _when(report.generated_at)})
    return "\n".join(lines) + "\n"
