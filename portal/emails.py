"""Registry emails: invitations, application decisions, join requests.

Each is rendered in its recipient's language and sent exactly once per recipient: a
delivery record keyed by kind, object and address is written before the send (see
notifications/deliveries.py), so a task that runs again sends nothing twice."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Application, ApplicationKind, Invitation, Membership, Role, User
from .notifications import deliveries
from .roles import holding

logger = logging.getLogger(__name__)

KIND_PREFIX = "email:"


def language_for(user: User | None) -> str:
    return (user.language if user and user.language else None) or settings.LANGUAGE_CODE


def render_templated(*, to: list[str], template: str, context: dict, language: str) -> EmailMultiAlternatives:
    """Renders `portal/email/<template>_subject.txt` and `_body.txt` in `language`."""
    context = {**context, "site_url": settings.SITE_URL.rstrip("/")}
    with translation.override(language):
        subject = " ".join(render_to_string(f"portal/email/{template}_subject.txt", context).split())
        body = render_to_string(f"portal/email/{template}_body.txt", context)
    return EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)


@dataclass(frozen=True)
class RegistryEmail:
    load: Callable[[int], object | None]  # the object, or None when it is gone or no longer calls for mail
    recipients: Callable[[object], list[tuple[User | None, str]]]
    # (object, recipient user or None) -> (template, context, language)
    compose: Callable[[object, User | None], tuple[str, dict, str]]


def delivery_key(kind: str, object_id: int, address: str) -> str:
    return f"{KIND_PREFIX}{kind}:{object_id}:{address.lower()}"


def send_registry_email(*, kind: str, object_id: int) -> None:
    """Sends the email to every recipient who has not had it yet. Raises
    deliveries.TransientDeliveryError when a send may be retried (the task retries;
    recipients already served are skipped)."""
    spec = _EMAILS.get(kind)
    if spec is None:
        logger.error("Unknown registry email kind %s", kind)
        return
    obj = spec.load(object_id)
    if obj is None:
        logger.info("%s %s gone or closed; nothing sent", kind, object_id)
        deliveries.skip_queued(kind=KIND_PREFIX + kind, object_id=object_id)
        return
    recipients = spec.recipients(obj)
    keys = {delivery_key(kind, object_id, address) for _user, address in recipients}
    deliveries.skip_queued(kind=KIND_PREFIX + kind, object_id=object_id, keep_keys=keys)
    for user, address in recipients:
        delivery = deliveries.ensure_delivery(
            key=delivery_key(kind, object_id, address),
            kind=KIND_PREFIX + kind,
            recipient=user,
            to_address=address,
            object_id=object_id,
        )

        def build(_delivery, user=user, address=address):
            template, context, language = spec.compose(obj, user)
            return render_templated(to=[address], template=template, context=context, language=language)

        deliveries.deliver(delivery.pk, build)


def queue_registry_email(*, kind: str, object_id: int) -> None:
    """Queues registry email `kind` about `object_id` once the current transaction commits
    (at once outside one): the registry's services call it after their writes."""
    from .tasks import send_registry_email_task

    transaction.on_commit(lambda: send_registry_email_task.delay(kind=kind, object_id=object_id))


def stale_registry_emails() -> list[tuple[str, int]]:
    """(kind, object id) of registry emails whose task was lost before every recipient was served."""
    rows = deliveries.stale_deliveries().filter(kind__startswith=KIND_PREFIX).values_list("kind", "object_id")
    found = {(kind.removeprefix(KIND_PREFIX), object_id) for kind, object_id in rows if object_id is not None}
    return sorted(found)


# --- The emails ------------------------------------------------------------------------------


def _load_invitation(object_id: int):
    invitation = Invitation.objects.select_related("organization", "invited_by").filter(pk=object_id).first()
    return invitation if invitation is not None and invitation.is_open else None


def _invitation_recipients(invitation):
    return [(User.objects.filter(email__iexact=invitation.email).first(), invitation.email)]


def _compose_invitation(invitation, user):
    from .services.invitations import invitation_url  # here: the services import this module

    context = {"invitation": invitation, "url": invitation_url(invitation)}
    return "invitation", context, language_for(user or invitation.invited_by)


def _load_application(object_id: int):
    return Application.objects.select_related("organization", "applicant").filter(pk=object_id).first()


def _applicant(application):
    return [(application.applicant, application.applicant.email)]


def _compose_decided(application, user):
    context = {"application": application, "url": reverse("portal:my_organizations")}
    return "application_decided", context, language_for(user)


def _secretariat(_application):
    return [(user, user.email) for user in User.objects.filter(is_secretariat=True, is_active=True).order_by("pk")]


def _compose_submitted(application, user):
    context = {"application": application, "url": reverse("portal:review_queue")}
    return "application_submitted", context, language_for(user)


def _load_join_request(object_id: int):
    application = _load_application(object_id)
    return application if application is not None and application.kind == ApplicationKind.JOIN else None


def _organization_admins(application):
    admins = (
        Membership.objects.filter(holding(Role.ADMIN), organization=application.organization)
        .select_related("user")
        .order_by("user_id")
    )
    return [(membership.user, membership.user.email) for membership in admins]


def _compose_join_requested(application, user):
    url = reverse("portal:organization_manage", args=[application.organization.slug])
    return "application_submitted", {"application": application, "url": url}, language_for(user)


_EMAILS = {
    "invitation": RegistryEmail(_load_invitation, _invitation_recipients, _compose_invitation),
    "application_decided": RegistryEmail(_load_application, _applicant, _compose_decided),
    "application_submitted": RegistryEmail(_load_application, _secretariat, _compose_submitted),
    "join_requested": RegistryEmail(_load_join_request, _organization_admins, _compose_join_requested),
}
