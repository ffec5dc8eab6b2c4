"""Everything the portal holds about one person, for them to download (#14, data rights).

The registry's own part is here; every other app adds its part through a `personal_data(user)`
method on its AppConfig (the same hand-over as `seed_demo`), so portal never imports them.
A fixed number of queries per part, whatever the person did."""

from urllib.parse import urlsplit

from django.apps import apps
from django.utils import timezone

from .contacts.models import ResponderContact
from .models import Application, AuditEvent, Membership
from .notifications.models import DigestPreference
from .notifications.push_models import PushSubscription
from .notifications.stream_models import Notification


def collect(user) -> dict:
    data = {"generated_at": timezone.now(), "portal": registry_part(user)}
    for config in apps.get_app_configs():
        hook = getattr(config, "personal_data", None)
        if config.label != "portal" and callable(hook):
            data[config.label] = hook(user)
    return data


def registry_part(user) -> dict:
    contact = ResponderContact.objects.filter(user=user).first()
    preference = DigestPreference.objects.filter(user=user).first()
    return {
        "account": {
            "email": user.email,
            "display_name": user.full_name,
            "pronouns": user.pronouns,
            "job_title": user.job_title,
            "language": user.language,
            "time_zone": user.time_zone,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "memberships": [
            {"organization": m.organization.name, "roles": m.roles, "since": m.created_at}
            for m in Membership.objects.filter(user=user).select_related("organization")
        ],
        "applications": [
            {"organization": a.organization.name, "kind": a.kind, "status": a.status, "sent": a.created_at}
            for a in Application.objects.filter(applicant=user).select_related("organization")
        ],
        "contact": {
            "time_zone": contact.time_zone,
            "languages": list(contact.languages),
            "numbers": [{"label": n.label, "number": str(n.number)} for n in user.contact_numbers.all()],
            "numbers_confirmed_at": contact.numbers_confirmed_at,
        }
        if contact
        else None,
        "digest": {"frequency": preference.frequency, "scope": preference.scope} if preference else None,
        "api_tokens": [
            {"name": t.name, "prefix": t.prefix, "created_at": t.created_at, "last_used_at": t.last_used_at}
            for t in user.api_tokens.all()
        ],
        "second_factors": [{"type": a.type, "created_at": a.created_at} for a in user.authenticator_set.all()],
        # As stored: the message id and its parameters, which the site translates when it shows them.
        "notifications": [
            {
                "event": n.kind,
                "message": n.message,
                "params": n.params,
                "created_at": n.created_at,
                "read_at": n.read_at,
            }
            for n in Notification.objects.filter(user=user).order_by("seq")
        ],
        # The push service's host says which browser vendor holds it; the full URL and keys are credentials.
        "push_subscriptions": [
            {"push_service": urlsplit(endpoint).hostname or "", "created_at": created_at}
            for endpoint, created_at in PushSubscription.objects.filter(user=user)
            .order_by("created_at")
            .values_list("endpoint", "created_at")
        ],
        "audit_events_by_you": [
            {"at": e.created_at, "action": e.action, "target": e.target}
            for e in AuditEvent.objects.filter(actor=user).order_by("created_at")
        ],
    }
