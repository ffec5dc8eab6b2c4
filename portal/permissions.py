"""Who may do what in the registry: the one place views, API, commands and
other apps ask.

`access_*` helpers raise Http404 for something the user may not see (the same
answer as for something that does not exist) and PermissionDenied for something
they may see but not change.
"""

import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission

from . import hot_reads, second_factor
from .models import (
    PUBLIC_STANDINGS,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Membership,
    Organization,
    Role,
)
from .roles import holding, holds


def is_secretariat(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_secretariat)


def memberships_of(user) -> list[tuple[int, str, tuple[str, ...]]]:
    """(organisation id, its standing, roles held) for each of the user's memberships: one query
    per request however many checks read it (the commitments viewer too), cached on the user."""
    if not (user and user.is_authenticated):
        return []
    cached = user.__dict__.get("_portal_memberships")
    if cached is None:
        cached = user.__dict__["_portal_memberships"] = hot_reads.membership_rows(user.pk)
    return cached


def roles_of(user) -> dict[int, tuple[str, ...]]:
    """The roles the user holds in each of their organisations, by organisation id. Cached on
    the user for the request."""
    if not (user and user.is_authenticated):
        return {}
    cached = user.__dict__.get("_portal_roles")
    if cached is None:
        cached = user.__dict__["_portal_roles"] = {org_id: roles for org_id, _standing, roles in memberships_of(user)}
    return cached


def can_read_metrics(authorization: str) -> bool:
    """The metrics page is for the monitoring system alone: `Authorization: Bearer
    <METRICS_TOKEN>`, compared in constant time. No token configured, no reader; a session,
    the secretariat's included, is none."""
    expected = settings.METRICS_TOKEN
    scheme, _, given = authorization.partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def roles_in(user, organization) -> tuple[str, ...] | None:
    """The roles the user holds in the organisation, or None when they are not a member."""
    org_id = organization if isinstance(organization, int) else organization.pk
    return roles_of(user).get(org_id)


def holds_role_in(user, organization, *roles: str) -> bool:
    return holds(roles_in(user, organization), *roles)


def forget_roles(user) -> None:
    user.__dict__.pop("_portal_memberships", None)
    user.__dict__.pop("_portal_roles", None)


def can_view_organization(user, organization: Organization) -> bool:
    return organization.standing in PUBLIC_STANDINGS or is_secretariat(user) or roles_in(user, organization) is not None


def can_edit_organization(user, organization: Organization) -> bool:
    return is_secretariat(user) or holds_role_in(user, organization, Role.ADMIN)


def can_manage_members(user, organization: Organization) -> bool:
    return is_secretariat(user) or holds_role_in(user, organization, Role.ADMIN)


def check_manages(user, organization: Organization) -> Organization:
    """The organisation back if the user may manage it (its admins, the secretariat): the one check
    behind its members, invitations and single sign-on, pages and API alike."""
    if not can_manage_members(user, organization):
        raise PermissionDenied(gettext_lazy("Only this organisation's admins and the secretariat can manage it."))
    return organization


def can_view_members(user, organization: Organization) -> bool:
    return is_secretariat(user) or roles_in(user, organization) is not None


def can_name_deputy(user, membership: Membership) -> bool:
    """A responder names their own deputy; the organisation's admins and the secretariat name
    anyone's."""
    if can_manage_members(user, membership.organization):
        return True
    return bool(user and user.is_authenticated) and membership.user_id == user.pk and holds(membership, Role.RESPONDER)


def responders_whose_deputy_user_names(user, organization: Organization):
    """The organisation's active responders this user may name a deputy for (can_name_deputy's
    rule as a filter, for the form's choices): all for its admins and the secretariat, else themselves."""
    responders = Membership.objects.filter(organization=organization, user__is_active=True).filter(
        holding(Role.RESPONDER)
    )
    if can_manage_members(user, organization):
        return responders.select_related("user")
    return responders.filter(user=user).select_related("user")


def can_view_deputies(user, organization: Organization) -> bool:
    """The deputies page: the organisation's responders, its admins and the secretariat."""
    return can_manage_members(user, organization) or holds_role_in(user, organization, Role.RESPONDER)


def can_keep_contact(user) -> bool:
    """24/7 numbers are kept by members of an organisation, the people a chain can call."""
    return bool(user and user.is_authenticated and user.is_active) and Membership.objects.filter(user=user).exists()


def can_manage_escalation_chain(user, organization: Organization) -> bool:
    """Ordering the chain, and so reading the members' numbers on its page: those who manage members."""
    return can_manage_members(user, organization)


def can_see_email(viewer, person, *, organization_ids=None) -> bool:
    """A person's email address is shown to the secretariat, to the person, and to the admins of
    one of the person's organisations; everyone else sees their display name alone. Pass the
    organisations already known (a members list is one organisation's) to save the query."""
    if not (viewer and viewer.is_authenticated and person is not None):
        return False
    if is_secretariat(viewer) or viewer.pk == person.pk:
        return True
    admin_of = {org for org, held in roles_of(viewer).items() if holds(held, Role.ADMIN)}
    if not admin_of:
        return False
    if organization_ids is None:
        organization_ids = Membership.objects.filter(user=person).values_list("organization_id", flat=True)
    return not admin_of.isdisjoint(organization_ids)


def can_see_member_emails(viewer, organization: Organization) -> bool:
    """The members list of an organisation shows addresses to the secretariat and its admins."""
    return is_secretariat(viewer) or holds_role_in(viewer, organization, Role.ADMIN)


def can_change_standing(user) -> bool:
    return is_secretariat(user)


def can_apply(user) -> bool:
    """Only a verified address may apply, so the secretariat can reach the applicant."""
    if not (user and user.is_authenticated):
        return False
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def can_review_applications(user) -> bool:
    """Who may open the review queue: the secretariat, and admins (for their join requests)."""
    return is_secretariat(user) or bool(
        user and user.is_authenticated and Membership.objects.filter(holding(Role.ADMIN), user=user).exists()
    )


def can_review_application(user, application: Application) -> bool:
    if application.applicant_id == getattr(user, "pk", None):
        return False  # nobody approves their own application
    if is_secretariat(user):
        return True
    return application.kind == ApplicationKind.JOIN and holds_role_in(user, application.organization_id, Role.ADMIN)


def access_organization(user, organization_id, *, for_write: bool = False) -> Organization:
    try:
        organization = Organization.objects.get(pk=organization_id)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not can_view_organization(user, organization):
        raise Http404
    if for_write and not can_edit_organization(user, organization):
        raise PermissionDenied
    return organization


def access_organization_by_slug(user, slug: str) -> Organization:
    try:
        organization = Organization.objects.get(slug=slug)
    except Organization.DoesNotExist:
        raise Http404 from None
    if not can_view_organization(user, organization):
        raise Http404
    return organization


def access_membership(user, membership_id, *, for_write: bool = False) -> Membership:
    try:
        membership = Membership.objects.select_related("organization", "user").get(pk=membership_id)
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not can_view_members(user, membership.organization):
        raise Http404
    if for_write and not can_manage_members(user, membership.organization):
        raise PermissionDenied
    return membership


def access_application(user, application_id) -> Application:
    """An application its reviewer may decide; the applicant sees it but cannot decide."""
    try:
        application = Application.objects.select_related("organization", "applicant").get(pk=application_id)
    except (Application.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if application.applicant_id == getattr(user, "pk", None):
        raise PermissionDenied
    if not can_review_application(user, application):
        raise Http404
    if application.status != ApplicationStatus.PENDING:
        raise PermissionDenied
    return application


def has_two_factor(user) -> bool:
    """Whether the user has set up two-factor authentication (whatever their current session did):
    for checks about another user, such as naming an incident's commander."""
    return second_factor.owns_second_factor(user)


def can_enter_crisis_areas(user) -> bool:
    """Secretariat and responders must have two-factor authentication before entering an
    incident room or the secretariat's tools, and this request's credential must have passed
    it (portal.second_factor): owning an authenticator is not enough."""
    return second_factor.passed(user) and (second_factor.passed_through_identity_provider(user) or has_two_factor(user))


def must_use_two_factor(user) -> bool:
    """The secretariat and incident responders must have two-factor authentication."""
    if is_secretariat(user):
        return True
    return bool(
        user and user.is_authenticated and Membership.objects.filter(holding(Role.RESPONDER), user=user).exists()
    )


def lacks_secretariat_two_factor(user) -> bool:
    """The secretariat without a second factor yet: refused the secretariat's tools until it is set up."""
    return is_secretariat(user) and not can_enter_crisis_areas(user)


def can_read_audit_log(user) -> bool:
    """The whole audit log (page, export, API): the secretariat, having passed its second factor."""
    return is_secretariat(user) and not lacks_secretariat_two_factor(user)


def can_list_stale_contacts(user) -> bool:
    """The stale contacts list (page and API): the same people as the audit log."""
    return can_read_audit_log(user)


class TwoFactorRequired(PermissionDenied):
    """Refused until the user sets up a second factor (an authenticator app or a security key):
    the API answers 403 with its message (DRF's handler),
    pages wrapped in portal.decorators.two_factor_setup_on_refusal send the user to set it up."""


def check_secretariat_two_factor(user, message) -> None:
    """Raises TwoFactorRequired(message) for the secretariat without a second factor; others pass."""
    if lacks_secretariat_two_factor(user):
        raise TwoFactorRequired(message)


class SecretariatTwoFactor(BasePermission):
    """The registry API's writes follow the secretariat pages' rule (portal.decorators.secretariat_two_factor):
    a secretariat user without a second factor is refused (403) whatever the authentication. Reads and everyone
    else pass; what they may change is still each handler's access_* check."""

    message = gettext_lazy(
        "The secretariat's tools require two-factor authentication. "
        "Set up an authenticator app or a security key to continue."
    )

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or not lacks_secretariat_two_factor(request.user)


def can_use_admin(user) -> bool:
    """Django's admin: active staff (createsuperuser makes them secretariat), with the second
    factor passed by this request's credential, as for the secretariat's tools."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff) and can_enter_crisis_areas(user)


def can_create_api_token(user) -> bool:
    """A token counts as having passed the second factor (portal.second_factor), so whoever must
    use one creates it from a credential that passed it."""
    return bool(user and user.is_authenticated and user.is_active) and (
        not must_use_two_factor(user) or can_enter_crisis_areas(user)
    )


def can_issue_api_token(user) -> bool:
    """create_api_token run by an operator on the server (no session to ask): whoever must use
    two-factor needs it set up, as before a token bypassed it."""
    return bool(user and user.is_authenticated and user.is_active) and (
        not must_use_two_factor(user) or has_two_factor(user)
    )


def can_manage_webhooks(user, organization: Organization) -> bool:
    return is_secretariat(user) or holds_role_in(user, organization, Role.ADMIN)


def access_webhook_endpoint(user, endpoint_id, *, for_write: bool = False):
    """An endpoint of an organisation the user administers. Http404 when it does not exist or
    the user has no part in its organisation; PermissionDenied for its other members."""
    from .webhooks.models import WebhookEndpoint

    try:
        endpoint = WebhookEndpoint.objects.select_related("organization").get(pk=endpoint_id)
    except (WebhookEndpoint.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not (is_secretariat(user) or roles_in(user, endpoint.organization) is not None):
        raise Http404
    if not can_manage_webhooks(user, endpoint.organization):
        raise PermissionDenied
    return endpoint


def access_notification(user, notification_id):
    """One of the user's own notifications. Http404 when it does not exist or is someone else's:
    a notification is only ever its recipient's."""
    from .notifications.stream_models import Notification

    if not (user and user.is_authenticated):
        raise Http404
    try:
        return Notification.objects.get(pk=notification_id, user=user)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
