"""What the incident room page shows to someone who may enter the room: its panels' rows,
read in a fixed number of queries whatever the room's size (tests/incidents/test_alerts.py
and test_room_posting.py guard the count at two sizes). The view adds what is not data: the
messages kept for a panel, the translated strings room.js reads, the choices of its forms."""

from itertools import groupby

from django.db.models import Prefetch, prefetch_related_objects

from portal.models import PARTICIPATING_STANDINGS, Membership, Organization

from ..models import Incident, IncidentOrganization
from ..permissions import ActionCompletion, action_completion, platforms_reportable_by
from .alerts import acknowledgement_board
from .incidents import debrief_of, incident_actions, incident_changes, incident_indicators
from .near_matches import with_near_matches

NO_COMPLETION = ActionCompletion(any_action=False, organization_ids=frozenset())
# The indicator panel lists the latest ones; the CSV export and the API have them all.
ROOM_PANEL_INDICATORS = 200


def with_invitations(incident: Incident) -> Incident:
    """The incident as list_incidents_for gives it (commander, invitations by name), without
    fetching it again: the page's decorator has resolved it already."""
    prefetch_related_objects(
        [incident],
        "commander",
        Prefetch(
            "invitations",
            queryset=IncidentOrganization.objects.select_related("organization").order_by("organization__name"),
        ),
    )
    return incident


def room_panels(user, incident: Incident, *, may_post: bool) -> dict:
    """The room's panels for this viewer: a reader (CLEAR or GREEN, not invited) gets the rows
    and none of the write controls' data."""
    completion = action_completion(user) if may_post else NO_COMPLETION
    actions = list(incident_actions(incident))
    latest = list(incident_indicators(incident).order_by("-created_at", "-id")[: ROOM_PANEL_INDICATORS + 1])
    for action in actions:
        action.may_complete = completion.allows(action)
    return {
        "status_changes": incident.status_changes.select_related("actor"),
        "invited": incident.invitations.all(),
        # The latest ROOM_PANEL_INDICATORS (a shared list may add 100,000), each PDQ hash with its
        # variants in the rooms this viewer may read (one query, or none).
        "indicators": with_near_matches(user, latest[:ROOM_PANEL_INDICATORS][::-1]),
        "indicators_truncated": len(latest) > ROOM_PANEL_INDICATORS,
        "actions": actions,
        "my_platforms": list(platforms_reportable_by(user)) if may_post else [],
        "assignable": incident.invited_organizations.order_by("name"),
        "owners": assignable_owners(incident) if may_post else [],
        # Read by room.js: whether to offer "Mark done" on an action that arrives live.
        "room_viewer": {
            "user_id": user.pk,  # marks this person's own messages
            "completes_any_action": completion.any_action,
            "completes_for": sorted(completion.organization_ids),
        },
        "changes": incident_changes(incident),
        "recipients": incident.named_recipients.select_related("user").order_by("user__email"),
        "debrief": debrief_of(incident),
        # The numbers to call are for those who may post: the invited organisations' people,
        # the secretariat and the commander; not the readers of a CLEAR or GREEN room.
        "acknowledgement_board": acknowledgement_board(incident, viewer=user, with_call_tree=may_post),
    }


def invitable_organizations(incident: Incident) -> list[tuple[int, str]]:
    """(id, name) of the supporters and endorsers not yet invited: the room's "Invite" menu."""
    invited = [row.organization_id for row in incident.invitations.all()]
    return list(
        Organization.objects.filter(standing__in=PARTICIPATING_STANDINGS)
        .exclude(pk__in=invited)
        .order_by("name")
        .values_list("pk", "name")
    )


def assignable_owners(incident: Incident) -> list[tuple[Organization, list]]:
    """The people an action may name as its owner, by invited organisation (one query):
    the active members, as services.create_action accepts them."""
    memberships = (
        Membership.objects.filter(organization__in=incident.invited_organizations.all(), user__is_active=True)
        .select_related("organization", "user")
        .order_by("organization__name", "organization_id", "user__full_name", "user__email")
    )
    return [
        (organization, [m.user for m in rows])
        for organization, rows in groupby(memberships, key=lambda m: m.organization)
    ]
