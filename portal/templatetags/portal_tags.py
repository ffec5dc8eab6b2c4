"""Template helpers for the registry's pages."""

from django import template
from django.conf import settings
from django.utils.translation import get_language_info

from .. import audit_log, reasons

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
    # A cached fragment passes its own `query` (the filters it was rendered for), not the request.
    query = (context["query"] if "query" in context else context["request"].GET).copy()
    query[param] = number
    return "?" + query.urlencode()


@register.filter
def audit_action(action: str) -> str:
    """A readable name for an audit event's action code; unknown codes (from other apps) show as they are."""
    return audit_log.action_name(action)


@register.filter
def reason(text: str) -> str:
    """A stored reason in the reader's language when the portal gave it; as typed otherwise."""
    return reasons.say_reason(text)
