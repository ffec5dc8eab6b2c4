"""Every write to incidents, by topic: room.py (items appended to a room, chat messages,
presence), lifecycle.py (declare, status, invitations), controls.py (tier, TLP, commander,
named individuals), indicators.py, indicator_lists.py (a whole list at once), exchange.py
(a STIX bundle's indicators), actions.py,
alerts.py (alert emails, acknowledging, escalating), chains.py (escalation along an
organisation's chain), activation.py, debriefs.py; audit.py records their audit events."""

from .actions import complete_action, create_action
from .activation import confirm_activation, decline_activation, request_activation
from .alerts import (
    acknowledge_alert,
    acknowledge_as_responder,
    acknowledge_in_room,
    escalate_overdue,
    open_alerts,
    requeue_lost_tasks,
    send_alerts,
    send_escalation,
)
from .chains import advance_chains, send_chain_step
from .controls import add_recipient, change_tier, change_tlp, remove_recipient, set_commander
from .debriefs import confirm_debrief_finding, publish_debrief, save_debrief, unpublish_debrief
from .exchange import import_stix_bundle
from .indicator_lists import ListOutcome, import_indicator_list
from .indicators import add_indicator, set_platform_status
from .lifecycle import (
    TRANSITIONS,
    change_status,
    declare_incident,
    invite_organization,
    next_statuses,
    uninvite_organization,
)
from .room import (
    FLOOD_LIMIT,
    FLOOD_WINDOW_SECONDS,
    MAX_BODY_BYTES,
    RoomFloodedError,
    post_message,
    record_presence,
    touch_presence,
)

__all__ = [
    "FLOOD_LIMIT",
    "FLOOD_WINDOW_SECONDS",
    "MAX_BODY_BYTES",
    "TRANSITIONS",
    "ListOutcome",
    "RoomFloodedError",
    "acknowledge_alert",
    "acknowledge_as_responder",
    "acknowledge_in_room",
    "add_indicator",
    "add_recipient",
    "advance_chains",
    "change_status",
    "change_tier",
    "change_tlp",
    "complete_action",
    "confirm_activation",
    "confirm_debrief_finding",
    "create_action",
    "declare_incident",
    "decline_activation",
    "escalate_overdue",
    "import_indicator_list",
    "import_stix_bundle",
    "invite_organization",
    "next_statuses",
    "open_alerts",
    "post_message",
    "publish_debrief",
    "record_presence",
    "remove_recipient",
    "request_activation",
    "requeue_lost_tasks",
    "save_debrief",
    "send_alerts",
    "send_chain_step",
    "send_escalation",
    "set_commander",
    "set_platform_status",
    "touch_presence",
    "uninvite_organization",
    "unpublish_debrief",
]
