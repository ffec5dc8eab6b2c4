"""Room lines become events with parameters (incidents/lines.py). Rows written before are read
back from their English text and the structured `data` stored beside it; a row that does not
read as one of the old English lines (one written in French or Arabic, say) keeps its text as
the `legacy` event's parameter, shown as it was."""

import re

from django.db import migrations, models

STATUS_LABELS = {"declared": "Declared", "active": "Active", "monitoring": "Monitoring", "closed": "Closed"}
PLATFORM_LABELS = {"reported": "Reported", "found": "Found", "removed": "Removed", "not_present": "Not present"}


def _declared(m, data):
    if "tlp" not in data:
        return None
    return {"who": m["who"], "tier": int(m["tier"]), "tlp": data["tlp"]}


def _status(m, data):
    if "from" not in data or "status" not in data:
        return None
    params = {"who": m["who"], "a": data["from"], "b": data["status"]}
    if data.get("note"):
        return "status.changed_with_note", {**params, "note": data["note"]}
    return "status.changed", params


def _change(m, data):
    if "from" not in data or "to" not in data:
        return None
    return {"who": m["who"], "a": data.get("from", ""), "b": data.get("to", "")}


def _platform(m, data):
    status = PLATFORM_LABELS.get(data.get("status"))
    name = data.get("platform_name")
    body = m.string
    prefix, suffix = f"{name}: ", f" is {status}."
    if not name or not status or not (body.startswith(prefix) and body.endswith(suffix)):
        return None
    return {"org": name, "value": body[len(prefix) : -len(suffix)], "status": data["status"]}


# (event, the old English line, how its parameters are read back); the event None means the
# reader returns (event, params) itself.
OLD_LINES = [
    ("incident.declared", r"(?P<who>.+) declared the incident \(tier (?P<tier>\d+), (?P<tlp>[^)]+)\)\.", _declared),
    (None, r"(?P<who>.+) changed the status from .+", _status),
    ("organization.invited", r"(?P<org>.+) was invited\.", lambda m, d: {"org": m["org"]}),
    ("organization.uninvited", r"(?P<org>.+) is no longer invited\.", lambda m, d: {"org": m["org"]}),
    ("tier.escalated", r"(?P<who>.+) escalated the incident from tier \d+ to tier \d+\.", _change),
    ("tier.deescalated", r"(?P<who>.+) de-escalated the incident from tier \d+ to tier \d+\.", _change),
    ("tlp.changed", r"(?P<who>.+) changed the TLP level from \S+ to \S+\.", _change),
    (
        "commander.appointed",
        r"(?P<who>.+) appointed (?P<user>.+) as incident commander\.",
        lambda m, d: {"who": m["who"], "commander": m["user"]},
    ),
    (
        "recipient.added",
        r"(?P<who>.+) named (?P<user>.+) as a recipient\.",
        lambda m, d: {"who": m["who"], "user": m["user"]},
    ),
    (
        "recipient.removed",
        r"(?P<who>.+) removed (?P<user>.+) from the named recipients\.",
        lambda m, d: {"who": m["who"], "user": m["user"]},
    ),
    (
        "action.assigned",
        r"Action for .+: .+",
        lambda m, d: {"org": d["assigned_name"], "title": d["title"]}
        if "assigned_name" in d and "title" in d
        else None,
    ),
    ("action.done", r"Done: (?P<title>.+)", lambda m, d: {"title": m["title"]}),
    (
        "indicator.shared",
        r"Indicator \((?P<kind>[^)]+)\): (?P<value>.+)",
        lambda m, d: {"kind": d.get("kind", m["kind"]), "value": d.get("value", m["value"])},
    ),
    ("indicator.platform_status", r".+: .+ is .+\.", _platform),
    ("indicators.imported", r"(?P<n>\d+) indicators? shared from a list\.", lambda m, d: {"n": int(m["n"])}),
    (
        "alert.acknowledged",
        r"(?P<org>.+) acknowledged the alert \((?P<who>.+)\)\.",
        lambda m, d: {"org": m["org"], "who": m["who"]},
    ),
    (
        "alert.escalated",
        r"(?P<org>.+) has not acknowledged within (?P<n>\d+) minutes?: its admins and the secretariat were alerted\.",
        lambda m, d: {"org": m["org"], "n": int(m["n"])},
    ),
]
COMPILED = [(event, re.compile(pattern, re.DOTALL), read) for event, pattern, read in OLD_LINES]


def line_from_text(body: str, data: dict) -> tuple[str, dict]:
    """(event, params) for an old line; ("legacy", {"text": body}) when it does not read back."""
    for event, pattern, read in COMPILED:
        match = pattern.fullmatch(body)
        if match is None:
            continue
        found = read(match, data or {})
        if found is None:
            continue
        return found if event is None else (event, found)
    return "legacy", {"text": body}


def convert(apps, schema_editor):
    RoomItem = apps.get_model("incidents", "RoomItem")
    rows = RoomItem.objects.exclude(kind="chat").filter(event="").only("pk", "body", "data")
    batch = []
    for item in rows.iterator(chunk_size=1000):
        item.event, item.params = line_from_text(item.body, item.data)
        item.body = ""
        batch.append(item)
        if len(batch) >= 1000:
            RoomItem.objects.bulk_update(batch, ["event", "params", "body"])
            batch = []
    if batch:
        RoomItem.objects.bulk_update(batch, ["event", "params", "body"])


def back_to_text(apps, schema_editor):
    """Going back, each line is stored again as the site's default language says it."""
    from django.utils import translation

    from incidents.lines import render

    RoomItem = apps.get_model("incidents", "RoomItem")
    with translation.override("en"):
        for item in RoomItem.objects.exclude(event="").iterator(chunk_size=1000):
            RoomItem.objects.filter(pk=item.pk).update(body=render(item.event, item.params))


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0006_room_item_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="roomitem",
            name="event",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.AddField(
            model_name="roomitem",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="roomitem",
            name="body",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(convert, back_to_text),
    ]
