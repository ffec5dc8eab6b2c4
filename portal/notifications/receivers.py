"""Ended credentials close the notification streams they opened (consumers.py), at once
rather than at the next heartbeat: logout, and a password changed, set or reset."""

from allauth.account import signals as account_signals
from django.contrib.auth.signals import user_logged_out
from django.db import transaction

from . import stream


def _session_ended(sender, request=None, user=None, **kwargs):
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        # robust: a channel layer outage must not fail the logout; the heartbeat re-checks anyway.
        transaction.on_commit(lambda: stream.recheck(user.pk, ended_session=session_key), robust=True)


def _password_changed(sender, user=None, **kwargs):
    if user is not None:
        transaction.on_commit(lambda: stream.recheck(user.pk), robust=True)


user_logged_out.connect(_session_ended, dispatch_uid="portal.notification_stream_session_ended")
for _name in ("password_changed", "password_set", "password_reset"):
    getattr(account_signals, _name).connect(_password_changed, dispatch_uid=f"portal.notification_stream_{_name}")
