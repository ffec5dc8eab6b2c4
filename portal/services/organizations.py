"""Organisations: creating one, changing its details and changing its standing.

A name is unique whatever its case, also against a concurrent create. A standing change is
recorded in the organisation's dated history (StandingChange) and, once it commits, announced
to the other apps (signals.standing_changed, and access_changed for its members)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_countries import countries

from .. import permissions, signals
from ..models import Membership, Organization, OrganizationKind, Standing, StandingChange
from .audit import actor_or_none, record_audit


def _clean_organization_fields(*, name=None, kind=None, country=None, website=None, exclude_pk=None) -> dict:
    errors = {}
    cleaned = {}
    if name is not None:
        name = " ".join(str(name).split())
        if not name or len(name) > 200:
            errors["name"] = _("Enter a name of at most 200 characters.")
        elif (
            Organization.objects.annotate(lname=Lower("name"))
            .filter(lname=name.lower())
            .exclude(pk=exclude_pk)
            .exists()
        ):
            errors["name"] = _("An organisation with this name already exists.")
        cleaned["name"] = name
    if kind is not None:
        if kind not in OrganizationKind.values:
            errors["kind"] = _("Choose a valid kind of organisation.")
        cleaned["kind"] = kind
    if country is not None:
        country = str(country).strip().upper()
        if country and country not in dict(countries):
            errors["country"] = _("Enter a valid ISO 3166-1 alpha-2 country code.")
        cleaned["country"] = country
    if website is not None:
        website = str(website).strip()
        if website:
            try:
                URLValidator(schemes=["http", "https"])(website)
            except ValidationError:
                errors["website"] = _("Enter a valid http or https address.")
        cleaned["website"] = website
    if errors:
        raise ValidationError(errors)
    return cleaned


def unique_slug(name: str) -> str:
    """A slug for a new organisation named `name`, numbered when the plain one is taken."""
    base = slugify(name)[:200] or "organisation"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_organization(
    *,
    actor,
    name: str,
    kind: str,
    country: str = "",
    website: str = "",
    description: str = "",
    standing: str = Standing.APPLICANT,
    reason: str = "",
) -> Organization:
    cleaned = _clean_organization_fields(name=name, kind=kind, country=country, website=website)
    with transaction.atomic():
        try:
            with transaction.atomic():
                organization = Organization.objects.create(
                    slug=unique_slug(cleaned["name"]), description=description, standing=standing, **cleaned
                )
        except IntegrityError:  # a concurrent create of the same name in another case
            raise ValidationError({"name": _("An organisation with this name already exists.")}) from None
        StandingChange.objects.create(
            organization=organization, to_standing=standing, actor=actor_or_none(actor), reason=reason
        )
        record_audit(actor=actor, action="organization.created", organization=organization, target=organization.name)
    return organization


def update_organization(*, actor, organization: Organization, **fields) -> Organization:
    allowed = {"name", "kind", "country", "website", "description"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    if "kind" in fields and fields["kind"] != organization.kind and not permissions.is_secretariat(actor):
        raise PermissionDenied(_("Only the secretariat can change an organisation's kind."))
    cleaned = _clean_organization_fields(
        name=fields.get("name"),
        kind=fields.get("kind"),
        country=fields.get("country"),
        website=fields.get("website"),
        exclude_pk=organization.pk,
    )
    if "description" in fields:
        cleaned["description"] = str(fields["description"])
    changed = {k: v for k, v in cleaned.items() if getattr(organization, k) != v}
    if not changed:
        return organization
    with transaction.atomic():
        for key, value in changed.items():
            setattr(organization, key, value)
        try:
            with transaction.atomic():
                organization.save(update_fields=list(changed))
        except IntegrityError:
            raise ValidationError({"name": _("An organisation with this name already exists.")}) from None
        record_audit(
            actor=actor,
            action="organization.updated",
            organization=organization,
            target=organization.name,
            fields=sorted(changed),
        )
    return organization


def change_standing(*, actor, organization: Organization, standing: str, reason: str = "") -> Organization:
    if not permissions.can_change_standing(actor):
        raise PermissionDenied
    if standing not in Standing.values:
        raise ValidationError({"standing": _("Choose a valid standing.")})
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        if locked.standing == standing:
            return locked
        previous = locked.standing
        now = timezone.now()
        locked.standing, locked.standing_since = standing, now
        locked.save(update_fields=["standing", "standing_since"])
        StandingChange.objects.create(
            organization=locked,
            from_standing=previous,
            to_standing=standing,
            actor=actor_or_none(actor),
            reason=reason,
            changed_at=now,
        )
        record_audit(
            actor=actor,
            action="organization.standing_changed",
            organization=locked,
            target=locked.name,
            before=previous,
            after=standing,
            reason=reason,
        )
        member_ids = list(Membership.objects.filter(organization=locked).values_list("user_id", flat=True))
        transaction.on_commit(lambda: _announce_standing(locked.pk, standing, member_ids))
    organization.standing, organization.standing_since = locked.standing, locked.standing_since
    return organization


def _announce_standing(organization_id: int, standing: str, member_ids: list[int]) -> None:
    signals.standing_changed.send(sender=Organization, organization_id=organization_id, standing=standing)
    signals.access_changed.send(sender=Organization, user_ids=member_ids)
