"""Reading the audit log as people do: filtered by actor, organisation, action and dates, its
details written in words ("invited Government of Fiji", not "invited: 41"), and exported.
Who may read which events stays with selectors.list_audit_events_for."""

import datetime
from dataclasses import dataclass

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Organization, Role, Standing, User

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
    "incident.debrief_finding_confirmed": gettext_lazy("Debrief leak-scan finding confirmed"),
}


def action_name(action: str) -> str:
    """A readable name for an action code; unknown codes (from other apps) show as they are."""
    return str(ACTION_NAMES.get(action, action))


def audit_action_choices() -> list[tuple[str, str]]:
    """(code, name) of every known audit action, for the log's filter."""
    return sorted(((code, str(label)) for code, label in ACTION_NAMES.items()), key=lambda c: c[1].casefold())


# Keys of an event's data that hold an organisation's or a person's id, and how to say them.
ORGANIZATION_KEYS = {
    "invited": gettext_lazy("invited %(name)s"),
    "uninvited": gettext_lazy("withdrew the invitation of %(name)s"),
    "acknowledged": gettext_lazy("acknowledged for %(name)s"),
}
USER_KEYS = {
    "recipient": gettext_lazy("named individual: %(name)s"),
    "commander": gettext_lazy("incident commander: %(name)s"),
}
HIDDEN_KEYS = {"commander_name"}  # said through "commander" already

# Per action, how its details read: (data) -> (the parts in words, the keys they said). Other
# apps register theirs in ready() (portal imports no app); keys no writer said fall back to
# the names above, or to "key: value".
DETAIL_WRITERS: dict = {}


def register_details(action: str, writer) -> None:
    DETAIL_WRITERS[action] = writer


FROM_TO = gettext_lazy("from %(a)s to %(b)s")


def change_writer(word, template=FROM_TO):
    """A writer for an event whose data holds `before`, `after` (codes said by `word`) and an optional note."""

    def write(data: dict) -> tuple[list[str], set[str]]:
        parts = []
        if "after" in data:
            parts.append(str(template) % {"a": word(data.get("before")) or "—", "b": word(data["after"])})
        if data.get("note"):
            parts.append(_("note: %(note)s") % {"note": data["note"]})
        return parts, {"before", "after", "note"}

    return write


def _choice_word(choices):
    return lambda code: str(choices(code).label) if code in choices.values else str(code or "")


register_details("membership.role_changed", change_writer(_choice_word(Role)))
register_details("organization.standing_changed", change_writer(_choice_word(Standing)))


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


@dataclass(frozen=True)
class EventRow:
    event: object
    action: str
    details: str


def rows(events) -> list[EventRow]:
    """The events with their details in words: two queries for all the names, whatever the number."""
    events = list(events)
    org_ids = {v for e in events for k, v in e.data.items() if k in ORGANIZATION_KEYS and isinstance(v, int)}
    user_ids = {v for e in events for k, v in e.data.items() if k in USER_KEYS and isinstance(v, int)}
    orgs = dict(Organization.objects.filter(pk__in=org_ids).values_list("pk", "name")) if org_ids else {}
    users = {u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    return [
        EventRow(event=e, action=action_name(e.action), details=_details(e.action, e.data, orgs, users)) for e in events
    ]


def _details(action: str, data: dict, orgs: dict, users: dict) -> str:
    parts, said = [], set(HIDDEN_KEYS)
    writer = DETAIL_WRITERS.get(action)
    if writer is not None:
        written, keys = writer(data)
        parts.extend(written)
        said |= keys
    for key, value in data.items():
        if key in said:
            continue
        if key in ORGANIZATION_KEYS:
            parts.append(str(ORGANIZATION_KEYS[key]) % {"name": orgs.get(value, _("a deleted organisation"))})
        elif key in USER_KEYS:
            parts.append(str(USER_KEYS[key]) % {"name": users.get(value, _("a deleted user"))})
        else:
            parts.append(f"{key}: {value}")
    return "; ".join(parts)
