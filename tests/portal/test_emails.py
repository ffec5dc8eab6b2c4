"""Registry emails: queued only after the transaction commits, rendered in the
recipient's language, and carrying a link that works."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import resolve, reverse
from django.utils import formats, translation

from portal import emails, services
from portal.models import Invitation, Role

from .factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@pytest.fixture
def render_languages(monkeypatch):
    """The language active while each email template was rendered, in order."""
    seen = []
    real_render = emails.render_to_string

    def render(template_name, context=None, *args, **kwargs):
        seen.append((template_name.rsplit("/", 1)[-1], translation.get_language()))
        return real_render(template_name, context, *args, **kwargs)

    monkeypatch.setattr(emails, "render_to_string", render)
    return seen


@pytest.fixture
def admin():
    return MembershipFactory(role=Role.ADMIN, organization__name="Streamwave", user__language="en").user


@pytest.fixture
def organization(admin):
    return admin.memberships.get().organization


def _links(message) -> list[str]:
    return [word for word in message.body.split() if word.startswith(("http://", "https://"))]


def _only_link(message) -> str:
    (link,) = _links(message)
    assert link.startswith(settings.SITE_URL.rstrip("/") + "/")
    return link


def _expiry_in(language: str, invitation: Invitation) -> str:
    with translation.override(language):
        return formats.date_format(invitation.expires_at, "DATE_FORMAT")


# --- invitations ---------------------------------------------------------------------------


def test_the_invitation_is_sent_only_after_commit(admin, organization, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = services.invite_member(actor=admin, organization=organization, email="kai@streamwave.example")
    assert mail.outbox == []
    for callback in callbacks:
        callback()

    (message,) = mail.outbox
    assert message.to == ["kai@streamwave.example"]
    assert "Streamwave" in message.subject
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    link = _only_link(message)
    match = resolve(urlsplit(link).path)
    assert match.view_name == "portal:invitation_accept"
    assert services.get_invitation_from_token(match.kwargs["token"]) == invitation


def test_a_rolled_back_invitation_sends_nothing(admin, organization, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.invite_member(actor=admin, organization=organization, email="kai@streamwave.example")
        raise RuntimeError("the request fails after the invitation was written")
    assert mail.outbox == []
    assert not Invitation.objects.exists()


def test_the_link_in_the_invitation_accepts_it(admin, organization, django_capture_on_commit_callbacks):
    invitee = UserFactory(email="kai@streamwave.example")
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_member(actor=admin, organization=organization, email=invitee.email, roles=[Role.REPORTER])
    token = resolve(urlsplit(_only_link(mail.outbox[0])).path).kwargs["token"]
    membership = services.accept_invitation(user=invitee, token=token)
    assert (membership.organization, membership.role) == (organization, Role.REPORTER)


def test_an_invitation_to_a_known_user_is_in_their_language(
    admin, organization, render_languages, django_capture_on_commit_callbacks
):
    UserFactory(email="kai@streamwave.example", language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_member(actor=admin, organization=organization, email="kai@streamwave.example")

    assert {language for _, language in render_languages} == {"fr"}
    body = mail.outbox[0].body
    assert _expiry_in("fr", invitation) in body  # Django's own French month names
    assert _expiry_in("fr", invitation) != _expiry_in("en", invitation)


def test_an_invitation_to_a_stranger_is_in_the_inviters_language(
    organization, render_languages, django_capture_on_commit_callbacks
):
    inviter = MembershipFactory(organization=organization, role=Role.ADMIN, user__language="ar").user
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_member(actor=inviter, organization=organization, email="new@example.org")
    assert {language for _, language in render_languages} == {"ar"}
    assert _expiry_in("ar", invitation) in mail.outbox[0].body


def test_an_invitation_revoked_before_sending_is_not_sent(admin, organization, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = services.invite_member(actor=admin, organization=organization, email="kai@streamwave.example")
    services.revoke_invitation(actor=admin, invitation=invitation)
    for callback in callbacks:
        callback()
    assert mail.outbox == []


# --- application submitted ----------------------------------------------------------------------


def test_a_new_application_tells_every_active_secretariat_member_after_commit(
    secretariat, render_languages, django_capture_on_commit_callbacks
):
    secretariat.language = "ar"
    secretariat.save(update_fields=["language"])
    colleague = UserFactory(is_secretariat=True, email="colleague@example.org", language="fr")
    UserFactory(is_secretariat=True, is_active=False, email="former@example.org")
    applicant = UserFactory(email="maya@kestrel.example")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.apply_for_organization(applicant=applicant, name="Kestrel Streams", kind="provider")
    assert mail.outbox == []
    for callback in callbacks:
        callback()

    assert sorted(m.to[0] for m in mail.outbox) == [colleague.email, secretariat.email]
    for message in mail.outbox:
        assert "Kestrel Streams" in message.subject
        assert applicant.email in message.body
        assert resolve(urlsplit(_only_link(message)).path).view_name == "portal:review_queue"
    languages = {language for template, language in render_languages if template.endswith("_body.txt")}
    assert languages == {"ar", "fr"}  # each in their own language


def test_a_join_request_tells_the_organisations_admins(admin, organization, django_capture_on_commit_callbacks):
    MembershipFactory(organization=organization, role=Role.MEMBER)
    applicant = UserFactory(email="kai@streamwave.example")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_to_join(applicant=applicant, organization=organization)

    (message,) = mail.outbox
    assert message.to == [admin.email]
    assert applicant.email in message.body
    assert urlsplit(_only_link(message)).path == reverse("portal:organization_manage", args=[organization.slug])


# --- application decided ---------------------------------------------------------------------------


@pytest.fixture
def french_applicant():
    return UserFactory(email="maya@kestrel.example", language="fr")


@pytest.fixture
def pending_application(french_applicant, secretariat):
    return services.apply_for_organization(applicant=french_applicant, name="Kestrel Streams", kind="provider")


def test_the_approval_is_sent_after_commit_in_the_applicants_language(
    secretariat, french_applicant, pending_application, render_languages, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.approve_application(actor=secretariat, application=pending_application)
    assert mail.outbox == []
    for callback in callbacks:
        callback()

    (message,) = mail.outbox
    assert message.to == [french_applicant.email]
    assert "Kestrel Streams" in message.subject
    assert resolve(urlsplit(_only_link(message)).path).view_name == "portal:my_organizations"
    assert {language for _, language in render_languages} == {"fr"}


def test_the_rejection_carries_the_reason(
    secretariat, french_applicant, pending_application, render_languages, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_application(
            actor=secretariat, application=pending_application, reason="Please apply as civil society"
        )
    (message,) = mail.outbox
    assert message.to == [french_applicant.email]
    assert "Please apply as civil society" in message.body
    assert resolve(urlsplit(_only_link(message)).path).view_name == "portal:my_organizations"
    assert {language for _, language in render_languages} == {"fr"}


def test_a_user_without_a_language_gets_the_site_default(secretariat, render_languages):
    applicant = UserFactory(language="")
    application = services.apply_for_organization(applicant=applicant, name="Kestrel Streams", kind="provider")
    services.approve_application(actor=secretariat, application=application)
    mail.outbox.clear()
    render_languages.clear()

    emails.send_registry_email(kind="application_decided", object_id=application.pk)
    assert mail.outbox[0].to == [applicant.email]
    assert {language for _, language in render_languages} == {settings.LANGUAGE_CODE}


def test_a_vanished_row_or_unknown_kind_sends_nothing():
    emails.send_registry_email(kind="application_decided", object_id=987654)
    emails.send_registry_email(kind="invitation", object_id=987654)
    emails.send_registry_email(kind="no_such_email", object_id=1)
    assert mail.outbox == []


def test_the_task_sends_the_same_email(secretariat, pending_application):
    from portal.tasks import send_registry_email_task

    send_registry_email_task.delay(kind="application_submitted", object_id=pending_application.pk)
    (message,) = mail.outbox
    assert message.to == [secretariat.email]
