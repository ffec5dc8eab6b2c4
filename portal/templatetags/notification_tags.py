"""The bell in the page header. Its count is the signed-in user's row's (no query of its own),
rendered with the header, outside any cached fragment, and kept current by
static/portal/notifications.js over /ws/notifications/."""

from django import template

register = template.Library()


@register.inclusion_tag("portal/_bell.html", takes_context=True)
def notification_bell(context):
    request = context["request"]
    return {"unread": request.user.unread_notifications, "request": request}
