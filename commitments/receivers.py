"""Reactions to the registry's signals (sent after its transaction commits)."""

from portal.models import Standing

from .services import ensure_implementations


def create_implementations_for_new_supporter(sender, *, organization_id: int, standing: str, **kwargs) -> None:
    if standing == Standing.SUPPORTER:
        ensure_implementations(organization=organization_id)
