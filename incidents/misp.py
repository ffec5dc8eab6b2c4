"""An incident as a MISP event, and a MISP feed of the incidents a caller may read
(views/misp.py serves it; docs/indicators.md says how a MISP instance subscribes).

Pure functions over rows already read: nothing here queries. Event and attribute UUIDs
are derived from the portal's address and the row ids (uuid5), so the same incident is the
same MISP event on every pull and MISP updates it rather than adding a copy.

Values leave as stored, not defanged: a MISP instance matches them (to_ids) and defangs
them itself when it shows them."""

import hashlib
import uuid

from portal.notifications import conf

from .models import Incident, Indicator, IndicatorKind, Status, Tier, Tlp

# The one kind → MISP table: (attribute type, category, to_ids). MISP has no type for
# perceptual hashes, so PDQ, vPDQ and TMK+PDQF go as `text`, named in the comment, and are
# not for intrusion detection (MISP cannot match them).
MISP_ATTRIBUTES = {
    IndicatorKind.URL: ("url", "Network activity", True),
    IndicatorKind.MD5: ("md5", "Payload delivery", True),
    IndicatorKind.SHA1: ("sha1", "Payload delivery", True),
    IndicatorKind.SHA256: ("sha256", "Payload delivery", True),
    IndicatorKind.PDQ: ("text", "Payload delivery", False),
    IndicatorKind.VPDQ: ("text", "Payload delivery", False),
    IndicatorKind.TMK: ("text", "Payload delivery", False),
}
# MISP's TLP 2.0 tags, and the event distribution each level allows: 0 your organisation
# only, 1 this community only, 2 connected communities, 3 all communities.
TLP_TAGS = {
    Tlp.CLEAR: "tlp:clear",
    Tlp.GREEN: "tlp:green",
    Tlp.AMBER: "tlp:amber",
    Tlp.AMBER_STRICT: "tlp:amber+strict",
    Tlp.RED: "tlp:red",
}
TLP_DISTRIBUTION = {Tlp.CLEAR: 3, Tlp.GREEN: 2, Tlp.AMBER: 1, Tlp.AMBER_STRICT: 0, Tlp.RED: 0}
INHERIT_EVENT = 5  # an attribute's distribution: the event's
THREAT_LEVEL = {Tier.FULL_PROTOCOL: 1, Tier.COORDINATED: 2, Tier.COMMUNICATIONS: 3}
ONGOING, COMPLETED = 1, 2


def _namespace() -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, conf.site_url())


def event_uuid(incident_id: int) -> str:
    return str(uuid.uuid5(_namespace(), f"incident/{incident_id}"))


def attribute_uuid(indicator_id: int) -> str:
    return str(uuid.uuid5(_namespace(), f"indicator/{indicator_id}"))


def creator() -> dict:
    return {"name": conf.site_url().split("//", 1)[-1], "uuid": str(_namespace())}


def _timestamp(moment) -> str:
    return str(int(moment.timestamp()))


def event_summary(incident: Incident, last_indicator_at=None) -> dict:
    """What the feed's manifest.json says of an event, and the event's own head. The timestamp
    moves with the status and with each new indicator, so MISP pulls the event again."""
    changed = max(filter(None, [incident.status_changed_at, incident.created_at, last_indicator_at]))
    return {
        "info": f"{'[Exercise] ' if incident.is_exercise else ''}{incident.title}",
        "date": incident.created_at.date().isoformat(),
        "timestamp": _timestamp(changed),
        "analysis": str(COMPLETED if incident.status == Status.CLOSED else ONGOING),
        "threat_level_id": str(THREAT_LEVEL.get(incident.tier, 4)),
        "Orgc": creator(),
        "Tag": [{"name": TLP_TAGS[incident.tlp]}],
    }


def attribute(indicator: Indicator) -> dict:
    kind, category, to_ids = MISP_ATTRIBUTES[indicator.kind]
    comment = "" if kind != "text" else IndicatorKind(indicator.kind).label
    if indicator.organization is not None:
        comment = f"{comment} shared by {indicator.organization.name}".strip()
    return {
        "uuid": attribute_uuid(indicator.pk),
        "type": kind,
        "category": category,
        "value": indicator.value,
        "to_ids": to_ids,
        "comment": comment,
        "distribution": str(INHERIT_EVENT),
        "timestamp": _timestamp(indicator.created_at),
    }


def event(incident: Incident, indicators: list[Indicator]) -> dict:
    """The incident as a MISP event (the JSON of a feed's <uuid>.json and of MISP's own export)."""
    head = event_summary(incident, max((i.created_at for i in indicators), default=None))
    return {
        "Event": {
            "uuid": event_uuid(incident.pk),
            **head,
            "published": True,
            "publish_timestamp": head["timestamp"],
            "distribution": str(TLP_DISTRIBUTION[incident.tlp]),
            "Attribute": [attribute(indicator) for indicator in indicators],
        }
    }


def manifest(incidents: list[Incident]) -> dict:
    """Each incident may carry `last_indicator_at` (selectors.misp_incidents annotates it)."""
    return {
        event_uuid(incident.pk): event_summary(incident, getattr(incident, "last_indicator_at", None))
        for incident in incidents
    }


def hashes_csv(rows) -> str:
    """MISP's hashes.csv: for each attribute, the MD5 of its value and its event's UUID."""
    lines = [f"{hashlib.md5(value.encode()).hexdigest()},{event_uuid(incident_id)}" for incident_id, value in rows]  # noqa: S324
    return "\n".join(lines) + ("\n" if lines else "")
