"""Writes to the commitment catalogue. The secretariat curates it in the site;
`load_catalogue` brings a data file in (idempotent: unchanged text changes nothing,
changed text becomes a new revision)."""

import json
import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.services import actor_or_none, record_audit

from .. import permissions
from ..cache import bump_catalogue_version
from ..models import Audience, Commitment, CommitmentGroup, CommitmentRevision
from .implementations import ensure_implementations

CODE_RE = re.compile(r"^[A-Z][A-Z0-9_-]{0,19}$")
DEFAULT_CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "christchurch_call.json"


def _require_curator(actor) -> None:
    # actor=None is the system itself (the loader run from a command or a migration).
    if actor is not None and not permissions.can_edit_catalogue(actor):
        raise PermissionDenied


def clean_translations(translations) -> dict:
    """{"en": {"title", "description"}, ...}: English required, only the site's languages, text trimmed."""
    if not isinstance(translations, dict):
        raise ValidationError({"translations": _("Give the title and description per language.")})
    languages = {code for code, _name in settings.LANGUAGES}
    unknown = set(translations) - languages
    if unknown:
        raise ValidationError(
            {"translations": _("Unknown languages: %(langs)s") % {"langs": ", ".join(sorted(map(str, unknown)))}}
        )
    cleaned = {}
    for lang in sorted(translations):
        entry = translations[lang]
        if not isinstance(entry, dict):
            raise ValidationError({"translations": _("Give a title and a description for each language.")})
        title = " ".join(str(entry.get("title") or "").split())
        description = str(entry.get("description") or "").strip()
        if len(title) > 200:
            raise ValidationError({"translations": _("A title has at most 200 characters.")})
        if title or description:
            cleaned[lang] = {"title": title, "description": description}
    english = cleaned.get("en") or {}
    if not (english.get("title") and english.get("description")):
        raise ValidationError({"translations": _("An English title and description are required.")})
    return cleaned


def _clean_source_url(source_url) -> str:
    source_url = str(source_url or "").strip()
    if source_url:
        try:
            URLValidator(schemes=["http", "https"])(source_url)
        except ValidationError:
            raise ValidationError({"source_url": _("Enter a valid http or https address.")}) from None
    return source_url


def _clean_meta(*, audience, group, order) -> dict:
    errors = {}
    if audience not in Audience.values:
        errors["audience"] = _("Choose a valid audience.")
    if group not in CommitmentGroup.values:
        errors["group"] = _("Choose a valid group.")
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        errors["order"] = _("The order is a whole number of at least 0.")
    if errors:
        raise ValidationError(errors)
    return {"audience": audience, "group": group, "order": order}


def create_commitment(
    *, actor, code: str, audience: str, group: str, order: int, translations: dict, source_url: str = ""
) -> Commitment:
    """Also creates the implementations of every supporter it applies to."""
    with transaction.atomic():
        commitment = _create_commitment(
            actor=actor,
            code=code,
            audience=audience,
            group=group,
            order=order,
            translations=translations,
            source_url=source_url,
        )
        ensure_implementations(commitment=commitment)
    return commitment


def _create_commitment(*, actor, code, audience, group, order, translations, source_url) -> Commitment:
    _require_curator(actor)
    code = str(code or "").strip().upper()
    if not CODE_RE.match(code):
        raise ValidationError({"code": _("A code is a letter then up to 19 letters, digits, '-' or '_'.")})
    meta = _clean_meta(audience=audience, group=group, order=order)
    translations = clean_translations(translations)
    source_url = _clean_source_url(source_url)
    with transaction.atomic():
        try:
            with transaction.atomic():
                commitment = Commitment.objects.create(code=code, **meta)
        except IntegrityError:
            raise ValidationError({"code": _("A commitment with this code already exists.")}) from None
        revision = CommitmentRevision.objects.create(
            commitment=commitment,
            number=1,
            translations=translations,
            source_url=source_url,
            created_by=actor_or_none(actor),
        )
        commitment.current_revision = revision
        commitment.save(update_fields=["current_revision"])
        record_audit(actor=actor, action="commitment.created", target=code)
    return commitment


def revise_commitment(
    *, actor, commitment: Commitment, translations: dict | None = None, source_url: str | None = None
) -> CommitmentRevision | None:
    """A new revision when the text or link changed; None (and no write) when nothing did.
    Progress reported earlier keeps pointing at the revision it was reported against."""
    _require_curator(actor)
    with transaction.atomic():
        locked = (
            Commitment.objects.select_for_update(of=("self",)).select_related("current_revision").get(pk=commitment.pk)
        )
        current = locked.current_revision
        new_translations = clean_translations(translations) if translations is not None else current.translations
        new_source = _clean_source_url(source_url) if source_url is not None else current.source_url
        if new_translations == current.translations and new_source == current.source_url:
            return None
        revision = CommitmentRevision.objects.create(
            commitment=locked,
            number=current.number + 1,
            translations=new_translations,
            source_url=new_source,
            created_by=actor_or_none(actor),
        )
        locked.current_revision = revision
        locked.save(update_fields=["current_revision"])
        record_audit(actor=actor, action="commitment.revised", target=locked.code, revision=revision.number)
    commitment.current_revision = revision
    return revision


def update_commitment_meta(*, actor, commitment: Commitment, audience: str, group: str, order: int) -> bool:
    """Audience, group and order are not part of the wording, so they change in place. True if anything changed."""
    _require_curator(actor)
    meta = _clean_meta(audience=audience, group=group, order=order)
    changed = {k: v for k, v in meta.items() if getattr(commitment, k) != v}
    if not changed:
        return False
    with transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(**changed)
        bump_catalogue_version()  # update() sends no post_save
        for key, value in changed.items():
            setattr(commitment, key, value)
        if "audience" in changed:
            ensure_implementations(commitment=commitment)
        record_audit(actor=actor, action="commitment.updated", target=commitment.code, fields=sorted(changed))
    return True


def edit_commitment(
    *,
    actor,
    commitment: Commitment,
    translations: dict | None = None,
    source_url: str | None = None,
    audience: str | None = None,
    group: str | None = None,
    order: int | None = None,
) -> tuple[CommitmentRevision | None, bool]:
    """The catalogue editor's one save, for the page and the API: new wording becomes a revision,
    audience, group and order change in place; all or nothing. A field left out (None) keeps
    its value. Returns the new revision (None if the wording did not change) and whether the
    rest changed."""
    _require_curator(actor)
    with transaction.atomic():
        revision = None
        if isinstance(translations, dict):
            # Languages left out keep their wording (a page sends them all; the API may send one).
            translations = {**commitment.current_revision.translations, **translations}
        if translations is not None or source_url is not None:
            revision = revise_commitment(
                actor=actor, commitment=commitment, translations=translations, source_url=source_url
            )
        changed = update_commitment_meta(
            actor=actor,
            commitment=commitment,
            audience=commitment.audience if audience is None else audience,
            group=commitment.group if group is None else group,
            order=commitment.order if order is None else order,
        )
    return revision, changed


def retire_commitment(*, actor, commitment: Commitment) -> Commitment:
    """Retired commitments keep their implementations and history but take no new progress."""
    _require_curator(actor)
    with transaction.atomic():
        changed = Commitment.objects.filter(pk=commitment.pk, is_active=True).update(
            is_active=False, retired_at=timezone.now()
        )
        if changed:
            bump_catalogue_version()  # update() sends no post_save
            record_audit(actor=actor, action="commitment.retired", target=commitment.code)
    commitment.refresh_from_db()
    return commitment


def reinstate_commitment(*, actor, commitment: Commitment) -> Commitment:
    _require_curator(actor)
    with transaction.atomic():
        changed = Commitment.objects.filter(pk=commitment.pk, is_active=False).update(is_active=True, retired_at=None)
        if changed:
            bump_catalogue_version()  # update() sends no post_save
            ensure_implementations(commitment=commitment)
            record_audit(actor=actor, action="commitment.reinstated", target=commitment.code)
    commitment.refresh_from_db()
    return commitment


class CatalogueLoad(dict):
    """The counts load_catalogue returns, and the codes whose site edit it left in place."""

    def __init__(self):
        super().__init__(dict.fromkeys(("created", "revised", "updated", "retired", "unchanged", "conflicts"), 0))
        self.conflicting_codes: list[str] = []


def _wording(revision: CommitmentRevision) -> tuple[dict, str]:
    return revision.translations, revision.source_url


def _file_against_site(commitment: Commitment, wording: tuple[dict, str]) -> str:
    """What a file's wording does to a commitment: "same"; "revise" (the wording in force came
    from a file); "kept" (someone edited it in the site, and the file still says what it said
    when last loaded: the edit stands); "conflict" (both changed: a person must choose).
    A revision written by the loader has no author; one written in the site has its editor."""
    current = commitment.current_revision
    if wording == _wording(current):
        return "same"
    if current.created_by_id is None:
        return "revise"
    loaded = commitment.revisions.filter(created_by__isnull=True).order_by("-number").first()
    if loaded is not None and wording == _wording(loaded):
        return "kept"
    return "conflict"


def load_catalogue(*, path: str | Path | None = None, actor=None, overwrite_site_edits: bool = False) -> CatalogueLoad:
    """Bring a catalogue file in. Returns counts: created, revised, updated, retired, unchanged,
    conflicts. Running it twice changes nothing the second time. Commitments absent from the file
    are left alone (the secretariat may have added them in the site), and so is wording edited in
    the site: a file that changed it too is a conflict, reported (`conflicting_codes`) and not
    applied unless `overwrite_site_edits`."""
    path = Path(path) if path else DEFAULT_CATALOGUE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = document["commitments"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError(
            _("Cannot read the catalogue file %(path)s: %(error)s") % {"path": path, "error": exc}
        ) from None
    counts = CatalogueLoad()
    with transaction.atomic():
        for entry in entries:
            code = str(entry.get("code", "")).strip().upper()
            existing = Commitment.objects.select_related("current_revision").filter(code=code).first()
            if existing is None:
                _create_commitment(
                    actor=actor,
                    code=code,
                    audience=entry.get("audience"),
                    group=entry.get("group"),
                    order=entry.get("order", 0),
                    translations=entry.get("translations"),
                    source_url=entry.get("source_url", ""),
                )
                counts["created"] += 1
                touched = True
            else:
                translations = clean_translations(entry.get("translations"))
                wording = (translations, _clean_source_url(entry.get("source_url", "")))
                verdict = _file_against_site(existing, wording)
                revised = None
                if verdict == "conflict" and not overwrite_site_edits:
                    counts["conflicts"] += 1
                    counts.conflicting_codes.append(code)
                elif verdict in ("revise", "conflict"):
                    revised = revise_commitment(
                        actor=actor, commitment=existing, translations=wording[0], source_url=wording[1]
                    )
                updated = update_commitment_meta(
                    actor=actor,
                    commitment=existing,
                    audience=entry.get("audience"),
                    group=entry.get("group"),
                    order=entry.get("order", 0),
                )
                counts["revised"] += bool(revised)
                counts["updated"] += updated
                touched = bool(revised) or updated or verdict == "conflict"
            if entry.get("retired"):
                commitment = Commitment.objects.get(code=code)
                if commitment.is_active:
                    retire_commitment(actor=actor, commitment=commitment)
                    counts["retired"] += 1
                    touched = True
            if not touched:
                counts["unchanged"] += 1
        ensure_implementations()
    return counts
