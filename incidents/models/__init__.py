"""Incidents: the crisis protocol's record and its live room.

A room is an append-only list of `RoomItem`s numbered by `seq` (1, 2, 3, ... per
incident, no gaps). `Incident.last_seq` is the counter; services bump it under the
incident's row lock in the same transaction as the insert, so seq order is commit order.
"""

from .alerts import Acknowledgement as Acknowledgement
from .controls import (
    ActivationRequest,
    ChangeKind,
    Debrief,
    DebriefConfirmation,
    IncidentChange,
    PublishedIndicator,
    RequestStatus,
)
from .incident import (
    ActionItem,
    ActionStatus,
    Incident,
    IncidentOrganization,
    IncidentRecipient,
    IncidentStatusChange,
    Indicator,
    IndicatorKind,
    IndicatorPlatformStatus,
    ItemKind,
    PlatformStatus,
    RoomItem,
    RoomPresence,
    Status,
    Tier,
    Tlp,
)

# From the least to the most restricted.
TLP_ORDER = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)

__all__ = [
    "TLP_ORDER",
    "ActionItem",
    "ActionStatus",
    "ActivationRequest",
    "ChangeKind",
    "Debrief",
    "DebriefConfirmation",
    "Incident",
    "IncidentChange",
    "IncidentOrganization",
    "IncidentRecipient",
    "IncidentStatusChange",
    "Indicator",
    "IndicatorKind",
    "IndicatorPlatformStatus",
    "ItemKind",
    "PlatformStatus",
    "PublishedIndicator",
    "RequestStatus",
    "RoomItem",
    "RoomPresence",
    "Status",
    "Tier",
    "Tlp",
]
