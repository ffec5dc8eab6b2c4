"""How a person is named on every page: `{% person user %}`."""

from django import template

from .. import permissions

register = template.Library()


@register.inclusion_tag("portal/_person.html", takes_context=True)
def person(context, user, email: bool = False, organization=None):
    """The display name, with pronouns and job title when the person gave them. With `email`,
    the address too, when the viewer may see it (permissions.can_see_email); `organization`
    names one organisation of the person's, which saves a query."""
    shown_email = ""
    if email and user is not None:
        request = context.get("request")
        viewer = getattr(request, "user", None)
        ids = [organization.pk] if organization is not None else None
        if permissions.can_see_email(viewer, user, organization_ids=ids):
            shown_email = user.email
    return {"person": user, "email": shown_email}
