"""Registry emails: invitations, application decisions, join requests.

Each is rendered in its recipient's language. Delivery records and
exactly-once sending come with the notifications work; these are sent once per
task run.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Application, ApplicationKind, Invitation, Membership, Role, User

logger = logging.getLogger(__name__)


def _language_for(user: User | None) -> str:
    return (user.language if user and user.language else None) or settings.LANGUAGE_CODE


def send_templated(*, to: list[str], template: str, context: dict, language: str) -> None:
    """Renders `portal/email/<template>_subject.txt` and `_body.txt` in `language` and sends."""
    if not to:
        return
    context = {**context, "site_url": settings.SITE_URL.rstrip("/")}
    with translation.override(language):
        subject = " ".join(render_to_string(f"portal/email/{template}_subject.txt", context).split())
        body = render_to_string(f"portal/email/{template}_body.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)
    message.send()


def send_registry_email(*, kind: str, object_id: int) -> None:
    sender = _SENDERS.get(kind)
    if sender is None:
        logger.error("Unknown registry email kind %s", kind)
        return
    sender(object_id)


def _invitation(object_id: int) -> None:
    invitation = Invitation.objects.select_related("organization", "invited_by").filter(pk=object_id).first()
    if invitation is None or not invitation.is_open:
        logger.info("Invitation %s gone or closed; nothing sent", object_id)
        return
    from .services import invitation_url

    existing = User.objects.filter(email__iexact=invitation.email).first()
    send_templated(
        to=[invitation.email],
        template="invitation",
        context={"invitation": invitation, "url": invitation_url(invitation)},
        language=_language_for(existing or invitation.invited_by),
    )


def _application_decided(object_id: int) -> None:
    application = Application.objects.select_related("organization", "applicant").filter(pk=object_id).first()
    if application is None:
        return
    send_templated(
        to=[application.applicant.email],
        template="application_decided",
        context={"application": application, "url": reverse("portal:my_organizations")},
        language=_language_for(application.applicant),
    )


def _application_submitted(object_id: int) -> None:
    application = Application.objects.select_related("organization", "applicant").filter(pk=object_id).first()
    if application is None:
        return
    for user in User.objects.filter(is_secretariat=True, is_active=True):
        send_templated(
            to=[user.email],
            template="application_submitted",
            context={"application": application, "url": reverse("portal:review_queue")},
            language=_language_for(user),
        )


def _join_requested(object_id: int) -> None:
    application = Application.objects.select_related("organization", "applicant").filter(pk=object_id).first()
    if application is None or application.kind != ApplicationKind.JOIN:
        return
    admins = Membership.objects.filter(organization=application.organization, role=Role.ADMIN).select_related("user")
    for membership in admins:
        send_templated(
            to=[membership.user.email],
            template="application_submitted",
            context={
                "application": application,
                "url": reverse("portal:organization_manage", args=[application.organization.slug]),
            },
            language=_language_for(membership.user),
        )


_SENDERS = {
    "invitation": _invitation,
    "application_decided": _application_decided,
    "application_submitted": _application_submitted,
    "join_requested": _join_requested,
}
