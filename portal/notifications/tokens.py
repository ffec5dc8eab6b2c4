"""Signed unsubscribe links: they work without signing in, and only for the user they name."""

from django.core import signing

SALT = "portal.notifications.unsubscribe"


def unsubscribe_token(user) -> str:
    # The email is signed too: a link stops working if the account's address changes hands.
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=SALT, compress=True)


def user_from_unsubscribe_token(token: str):
    """The user the token was made for, or None for a tampered, foreign or stale token."""
    from ..models import User

    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or user.email.lower() != data.get("e"):
        return None
    return user
