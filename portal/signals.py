"""Signals the registry sends after a transaction commits, so that other apps can
react without the registry importing them (commitments creates implementations for
new supporters; incidents re-checks who may stay in a room)."""

from django.dispatch import Signal

# organization_id: int, standing: str
standing_changed = Signal()

# user_ids: list[int] — someone's memberships, roles or organisation standing changed,
# so what they may see or enter may have shrunk; or one of their API tokens was revoked.
access_changed = Signal()
