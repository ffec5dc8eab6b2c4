"""Reading the audit log as people do: filtered by actor, organisation, action and dates, its
details written in words ("invited Government of Fiji", not "invited: 41"), and exported.
Who may read which events stays with selectors.list_audit_events_for."""

import datetime
import re
from dataclasses import dataclass

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit_details
from .models import Organization, User

ACTION_NAMES = {
    "organization.created": gettext_lazy("Organisation created"),
    "organization.updated": gettext_lazy("Details changed"),
    "organization.standing_changed": gettext_lazy("Standing changed"),
    "application.submitted": gettext_lazy("Application sent"),
    "application.approved": gettext_lazy("Application approved"),
    "application.rejected": gettext_lazy("Application rejected"),
    "membership.created": gettext_lazy("Member added"),
    "membership.role_changed": gettext_lazy("Role changed"),
    "membership.removed": gettext_lazy("Member removed"),
    "invitation.sent": gettext_lazy("Invitation sent"),
    "invitation.revoked": gettext_lazy("Invitation withdrawn"),
    "account.profile_updated": gettext_lazy("Profile changed"),
    "account.deleted": gettext_lazy("Account deleted"),
    "api_token.created": gettext_lazy("API token created"),
    "api_token.revoked": gettext_lazy("API token revoked"),
    "membership.contact_confirmed": gettext_lazy("Contact confirmed"),
    "contact.updated": gettext_lazy("Contact details changed"),
    "deputy.named": gettext_lazy("Deputy named"),
    "deputy.ended": gettext_lazy("Deputy's cover ended"),
    "escalation_chain.changed": gettext_lazy("Escalation chain changed"),
    "sso.configured": gettext_lazy("Single sign-on set up"),
    "sso.removed": gettext_lazy("Single sign-on removed"),
    "sso.signed_in": gettext_lazy("Signed in through the organisation's provider"),
    "membership.joined_through_sso": gettext_lazy("Joined through single sign-on"),
    "webhook.created": gettext_lazy("Webhook added"),
    "webhook.updated": gettext_lazy("Webhook changed"),
    "webhook.deleted": gettext_lazy("Webhook deleted"),
    "webhook.enabled": gettext_lazy("Webhook enabled"),
    "webhook.disabled": gettext_lazy("Webhook disabled"),
    "webhook.test_sent": gettext_lazy("Webhook test sent"),
    "incident.declared": gettext_lazy("Incident declared"),
    "incident.status_changed": gettext_lazy("Incident status changed"),
    "incident.organization_invited": gettext_lazy("Organisation invited to an incident"),
    "incident.organization_uninvited": gettext_lazy("Organisation removed from an incident"),
    "incident.indicator_added": gettext_lazy("Indicator shared"),
    "incident.platform_status_set": gettext_lazy("Platform status set"),
    "incident.action_created": gettext_lazy("Action assigned"),
    "incident.action_completed": gettext_lazy("Action done"),
    "incident.tier_changed": gettext_lazy("Incident tier changed"),
    "incident.tlp_changed": gettext_lazy("Incident TLP changed"),
    "incident.commander_changed": gettext_lazy("Incident commander changed"),
    "incident.recipient_added": gettext_lazy("Named individual added"),
    "incident.recipient_removed": gettext_lazy("Named individual removed"),
    "incident.alert_acknowledged": gettext_lazy("Incident alert acknowledged"),
    "incident.activation_requested": gettext_lazy("Activation requested"),
    "incident.activation_confirmed": gettext_lazy("Activation confirmed"),
    "incident.activation_declined": gettext_lazy("Activation declined"),
    "incident.debrief_saved": gettext_lazy("Debrief saved"),
    "incident.debrief_published": gettext_lazy("Debrief published"),
    "incident.debrief_unpublished": gettext_lazy("Debrief withdrawn"),
    "incident.indicator_list_imported": gettext_lazy("Indicator list shared"),
    "calendar_feed.created": gettext_lazy("Calendar link created"),
    "calendar_feed.revoked": gettext_lazy("Calendar link revoked"),
    "incident.debrief_finding_confirmed": gettext_lazy("Debrief leak-scan finding confirmed"),
}


def action_name(action: str) -> str:
    """A readable name for an action code; unknown codes (from other apps) show as they are."""
    return str(ACTION_NAMES.get(action, action))


def audit_action_choices() -> list[tuple[str, str]]:
    """(code, name) of every known audit action, for the log's filter."""
    return sorted(((code, str(label)) for code, label in ACTION_NAMES.items()), key=lambda c: c[1].casefold())


def register_action(action: str, name) -> None:
    """Apps name their own actions in ready() (portal imports no app)."""
    ACTION_NAMES[action] = name


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=gettext_lazy("Who (name or email contains)"), required=False, max_length=100)
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"), required=False, queryset=Organization.objects.order_by("name")
    )
    action = forms.ChoiceField(label=gettext_lazy("What"), required=False)
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", gettext_lazy("Any action")), *audit_action_choices()]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned


def filtered(events: QuerySet, form: AuditFilterForm) -> QuerySet:
    """The events the valid filters select; an invalid filter selects nothing rather than everything."""
    if not form.is_bound:
        return events
    if not form.is_valid():
        return events.none()
    data = form.cleaned_data
    if data["actor"]:
        words = data["actor"]
        events = events.filter(Q(actor__email__icontains=words) | Q(actor__full_name__icontains=words))
    if data["organization"]:
        events = events.filter(organization=data["organization"])
    if data["action"]:
        events = events.filter(action=data["action"])
    zone = timezone.get_current_timezone()
    if data["since"]:
        events = events.filter(created_at__gte=datetime.datetime.combine(data["since"], datetime.time.min, zone))
    if data["until"]:
        end = datetime.datetime.combine(data["until"] + datetime.timedelta(days=1), datetime.time.min, zone)
        events = events.filter(created_at__lt=end)
    return events


def actor_label(event) -> str | None:
    """Who acted, for exports and the API: the address, or "deleted user #N" once the account is gone."""
    if event.actor:
        return event.actor.email
    return f"deleted user #{event.actor_ref}" if event.actor_ref else None


def actor_words(event) -> str | None:
    """Who acted, for the people's exports: as actor_label, a deleted account in the reader's language."""
    if event.actor is None and event.actor_ref:
        return _("deleted user #%(n)s") % {"n": event.actor_ref}
    return actor_label(event)


# What accounts' events concern is stored as "user #12" (the person may be gone): said in words.
USER_TARGET = re.compile(r"user #(\d+)")


def target_label(target: str) -> str:
    """What an event concerns, in the reader's language where the system wrote it."""
    match = USER_TARGET.fullmatch(target)
    return _("user #%(n)s") % {"n": match[1]} if match else target


@dataclass(frozen=True)
class EventRow:
    event: object
    action: str
    details: str
    target: str


def rows(events) -> list[EventRow]:
    """The events with their details in words: two queries for all the names, whatever the number."""
    events = list(events)
    org_ids, user_ids = set(), set()
    for event in events:
        org_keys, user_keys = audit_details.id_keys(event.action)
        for key, value in event.data.items():
            ids = value if isinstance(value, list) else [value]
            ids = {v for v in ids if isinstance(v, int) and not isinstance(v, bool)}
            if key in org_keys:
                org_ids |= ids
            if key in user_keys:
                user_ids |= ids
    orgs = dict(Organization.objects.filter(pk__in=org_ids).values_list("pk", "name")) if org_ids else {}
    users = {u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    names = audit_details.Names(organizations=orgs, users=users)
    return [
        EventRow(
            event=e,
            action=action_name(e.action),
            details=audit_details.say(e.action, e.data, names),
            target=target_label(e.target),
        )
        for e in events
    ]
