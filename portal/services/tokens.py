"""API tokens: creating and revoking them, and finding the user a key belongs to.

Only a key's SHA-256 is stored; the key itself is shown once, at creation."""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions, signals
from ..hot_reads import live_tokens
from ..models import ApiToken, User
from .audit import record_audit


def hash_token_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_token(*, user, name: str = "", by_operator: bool = False) -> tuple[ApiToken, str]:
    """Returns the token and its key. The key is not stored and cannot be shown again.
    `user` is the request's (its credential must have passed two-factor where the user must use
    it); `by_operator` is the create_api_token command's: the operator vouches, the device must exist."""
    name = (name or "").strip()[:100] or _("API token")
    if not user.is_active:
        raise ValidationError(_("This account is not active."))
    allowed = permissions.can_issue_api_token(user) if by_operator else permissions.can_create_api_token(user)
    if not allowed:
        raise PermissionDenied(_("Set up two-factor authentication before creating an API token."))
    key = "cp_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_hash=hash_token_key(key))
        record_audit(actor=user, action="api_token.created", target=f"{user.email}: {name}", prefix=token.prefix)
    return token, key


def revoke_api_token(*, actor, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk and not permissions.is_secretariat(actor):
        raise PermissionDenied
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if changed:
            record_audit(
                actor=actor, action="api_token.revoked", target=f"{token.user.email}: {token.name}", prefix=token.prefix
            )
            # Room connections opened with this token close (incidents re-checks their credential).
            user_ids = [token.user_id]
            transaction.on_commit(lambda: signals.access_changed.send(sender=ApiToken, user_ids=user_ids), robust=True)
    token.refresh_from_db()
    return token


def authenticate_api_key(key: str) -> User | None:
    return authenticate_api_keys([key])[0]


USED_EVERY = timedelta(minutes=5)  # how often a token's last_used_at is written


def authenticate_api_keys(keys: list[str]) -> list[User | None]:
    """The user of each key (None for a key that is unknown, revoked or whose user is inactive),
    in one query for any number of keys (a room reconnecting is hundreds of handshakes at once);
    keys of one token share one user object. last_used_at is written at most every 5 minutes
    per token, not once per request."""
    hashes = [hash_token_key(key) for key in keys]
    found = live_tokens(sorted(set(hashes))) if hashes else []
    tokens = {key_hash: (token_id, last_used_at, user) for token_id, key_hash, last_used_at, user in found}
    now = timezone.now()
    stale = [pk for pk, used, _user in tokens.values() if used is None or now - used > USED_EVERY]
    if stale:
        ApiToken.objects.filter(pk__in=stale).update(last_used_at=now)
    users = [tokens[key_hash][2] if key_hash in tokens else None for key_hash in hashes]
    return [user if user is not None and user.is_active else None for user in users]
