"""Who may see an incident and enter its room: the one place pages, API, websocket
and notifications ask (emails go to incident_audience, decided when they are sent).

TLP 2.0 as the crisis protocol applies it:
- CLEAR: anyone sees the incident's public summary; the room is for supporters' members.
- GREEN: members of every supporter (supporters and endorsers, not applicants or suspended).
  At CLEAR and GREEN only the invited organisations' people post in the room; the others
  read it (can_post_in_room).
- AMBER: members of the invited organisations.
- AMBER+STRICT: responders of the invited organisations.
- RED: the named individuals.
The secretariat sees everything, and an incident's commander sees it whatever its level.
An incident someone may not see raises Http404, the same as one that does not exist.
Entering the room also needs two-factor authentication, and so does managing an
incident: every management page and API endpoint goes through check_manage_two_factor
(via access_incident / access_activation_request for_write, or directly), not the
services, which seed_demo and tests call without a request.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils.translation import gettext as _

from portal.contacts.selectors import covering_now, responding_q
from portal.models import PARTICIPATING_STANDINGS, Membership, Role, User
from portal.permissions import can_enter_crisis_areas, check_secretariat_two_factor, is_secretariat
from portal.roles import holding, holding_or_admins
from portal.second_factor import FACTOR_TYPES
from portal.second_factor import passed as passed_second_factor

from .models import Debrief, Incident, IncidentOrganization, IncidentRecipient, Tlp

# The levels whose content (title, summary, room) may leave the site, in an email, a webhook or
# the acknowledge page reached without signing in. At AMBER+STRICT and RED it is for named
# responders or individuals, so those carry the incident's number and a link that needs signing in.
CONTENT_LEVELS = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER)


def shares_content(incident: Incident) -> bool:
    return incident.tlp in CONTENT_LEVELS


def _memberships(user, *, responders_only: bool = False):
    qs = Membership.objects.filter(user=user, organization__standing__in=PARTICIPATING_STANDINGS)
    if responders_only:
        qs = qs.filter(responding_q())
    return qs


def _invited_q(user, *, responders_only: bool) -> Q:
    invited = IncidentOrganization.objects.filter(
        incident=OuterRef("pk"),
        organization__in=_memberships(user, responders_only=responders_only).values("organization_id"),
    )
    return Q(Exists(invited))


def _audience_q(user) -> Q:
    """Incidents whose room the user belongs to (before the two-factor check)."""
    if is_secretariat(user):
        return Q()
    if not (user and user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    supporter_member = Q(Exists(_memberships(user)))
    return (
        Q(commander=user)
        | (Q(tlp__in=(Tlp.CLEAR, Tlp.GREEN)) & supporter_member)
        | (Q(tlp=Tlp.AMBER) & _invited_q(user, responders_only=False))
        | (Q(tlp=Tlp.AMBER_STRICT) & _invited_q(user, responders_only=True))
        | (Q(tlp=Tlp.RED) & Q(Exists(IncidentRecipient.objects.filter(incident=OuterRef("pk"), user=user))))
    )


def room_incidents_q(user) -> Q:
    """Incidents whose room (and so whose indicators) the user may read: is_in_audience as a
    condition. A CLEAR incident's summary is public, its room is not: near-matches
    (selectors/near_matches.py) compare only with these. Two-factor is entering's check,
    which every adapter has made before it asks."""
    return _audience_q(user)


def visible_incidents_q(user) -> Q:
    """Incidents the user may see at all; CLEAR ones are public."""
    if is_secretariat(user):
        return Q()
    return Q(tlp=Tlp.CLEAR) | _audience_q(user)


def can_manage_incident(user, incident: Incident | None = None) -> bool:
    """Declare, change status, invite: the secretariat's work."""
    return is_secretariat(user)


def check_manage_two_factor(user) -> None:
    """The secretariat must have a second factor before using the incident tools
    (portal.permissions.must_use_two_factor):
    portal's TwoFactorRequired, a 403 from the API and the set-up page from the pages
    (portal.decorators.two_factor_setup_on_refusal). Others pass: whether they may manage at
    all is can_manage_incident's answer."""
    check_secretariat_two_factor(
        user,
        _(
            "Managing incidents requires two-factor authentication. "
            "Set up an authenticator app or a security key to continue."
        ),
    )


def check_manage(user) -> None:
    """Declare or decide: PermissionDenied unless the secretariat with two-factor."""
    if not can_manage_incident(user):
        raise PermissionDenied
    check_manage_two_factor(user)


def access_incident(user, incident_id, *, for_write: bool = False) -> Incident:
    try:
        incident = Incident.objects.filter(visible_incidents_q(user)).get(pk=incident_id)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if for_write:
        check_manage(user)
    return incident


def is_in_audience(user, incident: Incident) -> bool:
    return Incident.objects.filter(_audience_q(user)).filter(pk=incident.pk).exists()


def can_enter_room(user, incident: Incident) -> bool:
    """Read and write the room (websocket, item history and posting): in the audience, with two-factor
    set up and passed by this request's credential (portal.second_factor)."""
    return holds_room_credential(user) and user.pk in room_audience(incident, [user.pk])


def holds_room_credential(user) -> bool:
    """can_enter_room's conditions on the user object: signed in, active, second factor passed."""
    return bool(user and user.is_authenticated and user.is_active and passed_second_factor(user))


def _audience_users_q(incident: Incident) -> Q:
    """_audience_q seen from the user's side: a condition on users, for one incident."""
    memberships = Membership.objects.filter(user=OuterRef("pk"), organization__standing__in=PARTICIPATING_STANDINGS)
    invited = IncidentOrganization.objects.filter(incident_id=incident.pk).values("organization_id")
    if incident.tlp in (Tlp.CLEAR, Tlp.GREEN):
        by_level = Q(Exists(memberships))
    elif incident.tlp == Tlp.AMBER:
        by_level = Q(Exists(memberships.filter(organization__in=invited)))
    elif incident.tlp == Tlp.AMBER_STRICT:
        by_level = Q(Exists(memberships.filter(responding_q(), organization__in=invited)))
    else:  # RED
        by_level = Q(Exists(IncidentRecipient.objects.filter(incident_id=incident.pk, user=OuterRef("pk"))))
    audience = Q(is_secretariat=True) | by_level
    if incident.commander_id is not None:
        audience |= Q(pk=incident.commander_id)
    return audience


def incident_audience(incident: "Incident | int", users=None):
    """Of these users (a User queryset, every user by default), the active ones in the incident's
    audience now: is_in_audience for many users in one query. Every incident email is sent only
    to them, decided when it is sent (incidents.services.alerts), and the acknowledge link works only for
    them. The rules are _audience_q's; tests/incidents/test_tlp_matrix.py holds the two to the
    same answers. CLEAR's public page is for anyone, but its emails too go to the audience only,
    so a suspended or withdrawn organisation's members get none at any level."""
    if not isinstance(incident, Incident):
        incident = Incident.objects.filter(pk=incident).only("tlp", "commander_id").first()
        if incident is None:
            return User.objects.none()
    users = User.objects.all() if users is None else users
    return users.filter(is_active=True).filter(_audience_users_q(incident))


def room_audience(incident: "Incident | int", user_ids) -> set[int]:
    """Of these users, those who may be in the incident's room now: can_enter_room for many
    users in one query, for the room's periodic re-check (room_checks.py) and for entering:
    incident_audience, with two-factor authentication."""
    from allauth.mfa.models import Authenticator

    owned = Authenticator.objects.filter(user=OuterRef("pk"), type__in=FACTOR_TYPES)
    two_factor = Exists(owned)
    users = incident_audience(incident, User.objects.filter(pk__in=list(user_ids)).filter(two_factor))
    return set(users.values_list("pk", flat=True))


def entered_rooms(user):
    """The incidents whose room the user may enter: can_enter_room for every incident in one
    query (the TAXII collections are these rooms; tests/incidents/exchange/ holds the two to the
    same answers across the TLP levels)."""
    if not (user and user.is_authenticated and user.is_active) or not can_enter_crisis_areas(user):
        return Incident.objects.none()
    return Incident.objects.filter(_audience_q(user))


def rooms_posted_in(user):
    """Of the rooms the user enters, those where they may also write (can_post_in_room)."""
    return entered_rooms(user).filter(_posting_q(user))


def access_collection(user, collection_id: str) -> Incident:
    """The incident behind a TAXII collection id (exchange.stix.collection_id), if its room is the
    user's: Http404 otherwise, for an incident the user may see as for one that does not exist."""
    from .exchange.stix import collection_id as id_of

    for pk in entered_rooms(user).values_list("pk", flat=True):
        if id_of(pk) == collection_id:
            return Incident.objects.get(pk=pk)
    raise Http404


def access_room(user, incident_id) -> Incident:
    """The incident, if the user may enter its room: Http404 if invisible, PermissionDenied otherwise.
    Checked as room_audience (two queries): a reconnecting room is hundreds of these at once."""
    try:
        incident = Incident.objects.filter(pk=incident_id).first()
    except (ValueError, TypeError):
        raise Http404 from None
    if incident is not None and can_enter_room(user, incident):
        return incident
    access_incident(user, incident_id)  # Http404 for an incident the user may not see at all
    raise PermissionDenied


# --- Who writes in a room ---------------------------------------------------------------

# At these levels every supporter's members enter the room, to read it; only the people of
# the invited organisations write in it. At the others everyone in the room is invited or named.
READ_ONLY_FOR_UNINVITED = (Tlp.CLEAR, Tlp.GREEN)


def _posting_q(user) -> Q:
    """Incidents in whose room the user may write, of those whose room they belong to."""
    if is_secretariat(user):
        return Q()
    return _audience_q(user) & (
        ~Q(tlp__in=READ_ONLY_FOR_UNINVITED) | Q(commander=user) | _invited_q(user, responders_only=False)
    )


def can_post_in_room(user, incident: "Incident | int") -> bool:
    """Write in the room: a message, an indicator, a platform status, an action or its completion.
    The secretariat and the commander always may; at CLEAR and GREEN, of the other supporters'
    members only those of an invited organisation. Two-factor is entering's check (access_room),
    which every adapter makes first; the services ask this (check_room_posting) with no request.
    Read from the incident's current row, so a TLP change or an uninvitation counts at once."""
    if is_secretariat(user):
        return True
    if not (user and user.is_authenticated and user.is_active):
        return False
    incident_id = incident if isinstance(incident, int) else incident.pk
    return Incident.objects.filter(_posting_q(user)).filter(pk=incident_id).exists()


def check_room_posting(user, incident: "Incident | int") -> None:
    """PermissionDenied, with the reason, unless can_post_in_room."""
    if not can_post_in_room(user, incident):
        raise PermissionDenied(_("Only people from the organisations invited to this incident can post in its room."))


def acknowledging_memberships(*, incident: Incident, user_id: int):
    """Through these memberships a user acknowledges an alert for an organisation, by the
    email link or in the room: an active responder of a supporter invited to the incident (its
    admin where it has none; a deputy covering one), in its audience now (at RED, a named one)."""
    return Membership.objects.filter(
        holding_or_admins(Role.RESPONDER) | covering_now(),
        user_id=user_id,
        user__is_active=True,
        organization__standing__in=PARTICIPATING_STANDINGS,
        user__in=incident_audience(incident).values("pk"),
    ).filter(
        Exists(
            IncidentOrganization.objects.filter(incident_id=incident.pk, organization_id=OuterRef("organization_id"))
        )
    )


def can_acknowledge_for(user, incident: Incident, organization) -> bool:
    return (
        acknowledging_memberships(incident=incident, user_id=user.pk).filter(organization_id=organization.pk).exists()
    )


def platforms_reportable_by(user):
    """The providers whose platform status this user may set: its own responders and admins."""
    from portal.models import Organization, OrganizationKind

    if not (user and user.is_authenticated):
        return Organization.objects.none()
    return (
        Organization.objects.filter(
            holding(Role.RESPONDER, Role.ADMIN, through="memberships__"),
            kind=OrganizationKind.PROVIDER,
            standing__in=PARTICIPATING_STANDINGS,
            memberships__user=user,
        )
        .distinct()
        .order_by("name")
    )


def can_report_for_platform(user, organization) -> bool:
    """Only a provider's own responders and admins set its platform status."""
    return platforms_reportable_by(user).filter(pk=organization.pk).exists()


def can_complete_action(user, action) -> bool:
    if is_secretariat(user):
        return True
    return Membership.objects.filter(user=user, organization_id=action.assigned_organization_id).exists()


@dataclass(frozen=True)
class ActionCompletion:
    """can_complete_action's answer for every action of a room at once, so the page and
    room.js offer "Mark done" only to those whose click would be accepted."""

    any_action: bool
    organization_ids: frozenset[int]

    def allows(self, action) -> bool:
        return self.any_action or action.assigned_organization_id in self.organization_ids


def action_completion(user) -> ActionCompletion:
    if is_secretariat(user):
        return ActionCompletion(any_action=True, organization_ids=frozenset())
    if not (user and user.is_authenticated):
        return ActionCompletion(any_action=False, organization_ids=frozenset())
    ids = Membership.objects.filter(user=user).values_list("organization_id", flat=True).order_by()  # a set: no sort
    return ActionCompletion(any_action=False, organization_ids=frozenset(ids))


# --- Activation requests and debriefs -------------------------------------------------


def can_request_activation(user, organization) -> bool:
    """A supporter's responder, with two-factor authentication, speaking for that supporter."""
    if not (user and user.is_authenticated and user.is_active) or organization is None:
        return False
    if organization.standing not in PARTICIPATING_STANDINGS:
        return False
    is_responder = Membership.objects.filter(holding(Role.RESPONDER), user=user, organization=organization).exists()
    return is_responder and can_enter_crisis_areas(user)


def requesting_organizations(user):
    """The organisations on whose behalf the user may request activation."""
    from portal.models import Organization

    if not can_enter_crisis_areas(user):
        return Organization.objects.none()
    return Organization.objects.filter(
        holding(Role.RESPONDER, through="memberships__"), memberships__user=user, standing__in=PARTICIPATING_STANDINGS
    ).order_by("name")


def visible_requests_q(user) -> Q:
    """The secretariat sees every request; a requester and their organisation's responders
    and admins see that organisation's."""
    if is_secretariat(user):
        return Q()
    if not (user and user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    orgs = Membership.objects.filter(holding(Role.RESPONDER, Role.ADMIN), user=user).values("organization_id")
    return Q(requested_by=user) | Q(organization__in=orgs)


def access_activation_request(user, request_id, *, for_write: bool = False):
    from .models import ActivationRequest

    try:
        request = (
            ActivationRequest.objects.filter(visible_requests_q(user))
            .select_related("organization", "requested_by", "decided_by", "incident")
            .get(pk=request_id)
        )
    except (ActivationRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if for_write:
        check_manage(user)
    return request


def access_published_debrief(debrief_id):
    """A published debrief is public (TLP:CLEAR); a draft is as absent as a missing one."""
    try:
        return Debrief.objects.prefetch_related("published_indicators").get(pk=debrief_id, published_at__isnull=False)
    except (Debrief.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_debrief_draft(user, incident: Incident):
    """The debrief being written, its leak scan and confirmations: check_manage's; a 404 if none yet."""
    check_manage(user)
    if (debrief := Debrief.objects.select_related("incident").filter(incident=incident).first()) is None:
        raise Http404(_("Write the debrief first."))
    return debrief
