"""Template helpers for the registry's pages."""

from django import template
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Each language is offered in its own name, whatever language the page is in.
_OWN_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}


@register.simple_tag
def language_choices() -> list[tuple[str, str]]:
    return [(code, _OWN_NAMES.get(code) or get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


@register.inclusion_tag("portal/_status.html")
def standing_badge(organization_or_standing, label=None):
    """A standing as a word with a colour beside it, never colour alone."""
    value = getattr(organization_or_standing, "standing", organization_or_standing)
    if label is None and hasattr(organization_or_standing, "get_standing_display"):
        label = organization_or_standing.get_standing_display()
    return {"value": value, "label": label or value}


@register.simple_tag(takes_context=True)
def page_query(context, param: str, number: int) -> str:
    """The current query string with one page parameter changed, so filters survive paging."""
    query = context["request"].GET.copy()
    query[param] = number
    return "?" + query.urlencode()


_AUDIT_ACTIONS = {
    "organization.created": _("Organisation created"),
    "organization.updated": _("Details changed"),
    "organization.standing_changed": _("Standing changed"),
    "application.submitted": _("Application sent"),
    "application.approved": _("Application approved"),
    "application.rejected": _("Application rejected"),
    "membership.created": _("Member added"),
    "membership.role_changed": _("Role changed"),
    "membership.removed": _("Member removed"),
    "invitation.sent": _("Invitation sent"),
    "invitation.revoked": _("Invitation withdrawn"),
    "account.profile_updated": _("Profile changed"),
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "membership.contact_confirmed": _("Contact confirmed"),
    "contact.updated": _("Contact details changed"),
    "escalation_chain.changed": _("Escalation chain changed"),
    "sso.configured": _("Single sign-on set up"),
    "sso.removed": _("Single sign-on removed"),
    "sso.signed_in": _("Signed in through the organisation's provider"),
    "membership.joined_through_sso": _("Joined through single sign-on"),
    "webhook.created": _("Webhook added"),
    "webhook.updated": _("Webhook changed"),
    "webhook.deleted": _("Webhook deleted"),
    "webhook.enabled": _("Webhook enabled"),
    "webhook.disabled": _("Webhook disabled"),
    "webhook.test_sent": _("Webhook test sent"),
    "incident.declared": _("Incident declared"),
    "incident.status_changed": _("Incident status changed"),
    "incident.organization_invited": _("Organisation invited to an incident"),
    "incident.organization_uninvited": _("Organisation removed from an incident"),
    "incident.indicator_added": _("Indicator shared"),
    "incident.platform_status_set": _("Platform status set"),
    "incident.action_created": _("Action assigned"),
    "incident.action_completed": _("Action done"),
    "incident.tier_changed": _("Incident tier changed"),
    "incident.tlp_changed": _("Incident TLP changed"),
    "incident.commander_changed": _("Incident commander changed"),
    "incident.recipient_added": _("Named individual added"),
    "incident.recipient_removed": _("Named individual removed"),
    "incident.alert_acknowledged": _("Incident alert acknowledged"),
    "incident.activation_requested": _("Activation requested"),
    "incident.activation_confirmed": _("Activation confirmed"),
    "incident.activation_declined": _("Activation declined"),
    "incident.debrief_saved": _("Debrief saved"),
    "incident.debrief_published": _("Debrief published"),
    "incident.debrief_unpublished": _("Debrief withdrawn"),
}


@register.filter
def audit_action(action: str) -> str:
    """A readable name for an audit event's action code; unknown codes (from other apps) show as they are."""
    return str(_AUDIT_ACTIONS.get(action, action))
