"""Indicators from a STIX 2.1 bundle into an incident. Each indicator whose pattern names one
kind the portal holds (incidents.exchange.stix.PATTERN_PATHS) goes through add_indicator, which
normalises, deduplicates, posts it in the room and audits it, in its own transaction: a bad
object changes nothing, the good ones are kept. Callers authorise entry to the room."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .. import permissions
from ..exchange import stix
from ..models import Incident
from .indicators import add_indicator

MAX_BUNDLE_OBJECTS = 2000

ADDED, ALREADY_PRESENT, INVALID, UNSUPPORTED, IGNORED = "added", "already_present", "invalid", "unsupported", "ignored"
OUTCOMES = (ADDED, ALREADY_PRESENT, INVALID, UNSUPPORTED, IGNORED)


@dataclass(frozen=True)
class ImportResult:
    """What became of one object of the bundle, in the bundle's order."""

    id: str | None
    type: str | None
    result: str
    detail: str = ""
    kind: str | None = None
    indicator: int | None = None  # the portal's indicator, added or already there
    version: str | None = None  # the object's `modified` (or `created`), as sent

    @property
    def kept(self) -> bool:
        return self.result in (ADDED, ALREADY_PRESENT)


def bundle_objects(bundle, *, envelope: bool = False) -> list:
    """The objects of a STIX bundle (or, `envelope`, of a TAXII envelope: {"objects": [...]});
    ValidationError for anything else."""
    if not isinstance(bundle, dict) or (not envelope and bundle.get("type") != "bundle"):
        raise ValidationError({"type": _('Send a STIX bundle: a JSON object whose "type" is "bundle".')})
    objects = bundle.get("objects", [])
    if not isinstance(objects, list):
        raise ValidationError({"objects": _("The bundle's objects must be a list.")})
    if len(objects) > MAX_BUNDLE_OBJECTS:
        raise ValidationError({"objects": _("Send at most %(n)d objects in one bundle.") % {"n": MAX_BUNDLE_OBJECTS}})
    return objects


def import_stix_bundle(*, actor, incident: Incident, bundle, envelope: bool = False) -> list[ImportResult]:
    """PermissionDenied for someone who may not post in the room; ValidationError, and nothing
    changed, for anything but a bundle (or a TAXII envelope); otherwise one result per object."""
    permissions.check_room_posting(actor, incident)
    objects = bundle_objects(bundle, envelope=envelope)
    return [_import_object(actor, incident, obj) for obj in objects]


def _import_object(actor, incident: Incident, obj) -> ImportResult:
    if not isinstance(obj, dict):
        return ImportResult(id=None, type=None, result=INVALID, detail=_("Not a STIX object."))
    object_id = obj.get("id") if isinstance(obj.get("id"), str) else None
    object_type = obj.get("type") if isinstance(obj.get("type"), str) else None
    version = obj.get("modified", obj.get("created"))
    result = {"id": object_id, "type": object_type, "version": version if isinstance(version, str) else None}
    if object_type != "indicator":
        return ImportResult(**result, result=IGNORED, detail=_("Only indicators are imported."))
    if obj.get("pattern_type") != "stix":
        return ImportResult(**result, result=UNSUPPORTED, detail=_("Only STIX patterns (pattern_type stix) are read."))
    try:
        found = stix.candidate(obj.get("pattern"))
    except stix.InvalidPatternError as error:
        return ImportResult(**result, result=INVALID, detail=str(error))
    except stix.UnsupportedPatternError as error:
        return ImportResult(**result, result=UNSUPPORTED, detail=str(error))
    try:
        indicator, created = add_indicator(actor=actor, incident=incident, kind=found.kind, value=found.value)
    except ValidationError as error:
        return ImportResult(**result, result=INVALID, detail=" ".join(error.messages), kind=found.kind)
    return ImportResult(**result, result=ADDED if created else ALREADY_PRESENT, kind=found.kind, indicator=indicator.pk)
