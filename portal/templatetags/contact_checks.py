"""The contact-check status of a membership, as a word (and a date) for pages."""

from django import template

from ..models import Role
from ..notifications import contact_checks
from ..roles import holds

register = template.Library()


@register.inclusion_tag("portal/contacts/_status.html")
def contact_status(membership):
    if not holds(membership, Role.RESPONDER):
        return {"applies": False}
    stale = contact_checks.is_stale(membership)
    return {
        "applies": True,
        "value": "stale" if stale else "confirmed",
        "label": contact_checks.STALE if stale else contact_checks.CONFIRMED,
        "last": contact_checks.last_confirmed(membership),
        "confirmed_at": membership.contact_confirmed_at,
    }


@register.simple_tag
def stale_responders(members) -> list:
    """The stale responders among memberships already loaded (no query)."""
    return [m for m in members if holds(m, Role.RESPONDER) and contact_checks.is_stale(m)]
