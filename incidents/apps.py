from django.apps import AppConfig
from django.db import transaction
from django.utils.translation import gettext_lazy as _


def _recheck_rooms(sender, user_ids=(), **kwargs):
    from . import events

    events.recheck_access(user_ids)


def _session_ended(sender, request=None, user=None, **kwargs):
    """Logout: the room connection this session opened closes (4401)."""
    from . import events

    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        # robust: a channel layer outage must not fail the logout; the heartbeat's re-check follows.
        transaction.on_commit(lambda: events.end_session(user.pk, session_key), robust=True)


def _password_changed(sender, user=None, **kwargs):
    """Password changed, set or reset: sessions holding the old auth hash end, and so do their rooms."""
    from . import events

    if user is not None:
        transaction.on_commit(lambda: events.recheck_access([user.pk]), robust=True)


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incident coordination")

    def ready(self):
        from allauth.account import signals as account_signals
        from django.contrib.auth.signals import user_logged_out

        from portal.signals import access_changed

        access_changed.connect(_recheck_rooms, dispatch_uid="incidents.recheck_rooms")
        # Ended credentials close the room connections they opened (consumers._credential_valid).
        user_logged_out.connect(_session_ended, dispatch_uid="incidents.session_ended")
        for name in ("password_changed", "password_set", "password_reset"):
            getattr(account_signals, name).connect(_password_changed, dispatch_uid=f"incidents.{name}")
        from .calendar import register_calendar  # open actions in the portal's calendar feed

        register_calendar()
        from .search import register_search  # incidents and room messages in the portal's search

        register_search()
        from .audit_details import register_audit_details  # incident events in words in the audit log

        register_audit_details()

    def seed_demo(self, *, stdout):
        from .demo import seed_demo  # imported here: an app config loads before its models

        seed_demo(stdout=stdout)

    def personal_data(self, user):
        from .personal_data import personal_data

        return personal_data(user)
