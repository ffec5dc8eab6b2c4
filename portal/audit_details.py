"""How an audit event's details read for people: ids said as names, codes as words, in the
reader's language ("invited Government of Fiji", not "invited: 41").

portal.audit_log.rows resolves every organisation and person a page of events names in two
queries before any writer runs (`Names`); each action's writer only formats. Apps register
their actions in ready() (portal imports no app); a key no writer says reads by the common
rules below, or as "key: value"."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from .models import Role, Standing
from .reasons import say_reason


@dataclass(frozen=True)
class Names:
    organizations: dict
    users: dict

    def organization(self, pk) -> str:
        return self.organizations.get(pk) or _("a deleted organisation")

    def user(self, pk) -> str:
        return self.users.get(pk) or _("a deleted user")


Write = Callable[[dict, Names], list[str]]


@dataclass(frozen=True)
class Details:
    write: Write | None = None
    says: frozenset = frozenset()  # the keys `write` says; it may say others too
    organizations: tuple = ()  # keys whose values are organisation ids (one or a list), for Names
    users: tuple = ()  # keys whose values are user ids
    fields_of: type | None = None  # a "fields" list names this model's fields


DETAILS: dict[str, Details] = {}


def register_details(
    action: str,
    write: Write | None = None,
    *,
    says: Iterable[str] = (),
    organizations: Iterable[str] = (),
    users: Iterable[str] = (),
    fields_of=None,
) -> None:
    DETAILS[action] = Details(write, frozenset(says), tuple(organizations), tuple(users), fields_of)


# Each language's punctuation between names and between details (Arabic: "،" and "؛").
LIST_SEPARATOR = pgettext_lazy("between names in a list", ", ")
DETAIL_SEPARATOR = pgettext_lazy("between an audit event's details", "; ")

# Keys that hold an organisation's or a person's id whatever the action, and how to say them.
ORGANIZATION_KEYS = {
    "invited": gettext_lazy("invited %(name)s"),
    "uninvited": gettext_lazy("withdrew the invitation of %(name)s"),
    "organizations": gettext_lazy("invited %(name)s"),
    "acknowledged": gettext_lazy("acknowledged for %(name)s"),
    "acknowledged_for": gettext_lazy("acknowledged for %(name)s"),
    "assigned": gettext_lazy("assigned to %(name)s"),
    "platform": gettext_lazy("platform: %(name)s"),
    "requesting_organization": gettext_lazy("asked by %(name)s"),
}
USER_KEYS = {
    "recipient": gettext_lazy("named individual: %(name)s"),
    "commander": gettext_lazy("incident commander: %(name)s"),
}
# Free text and plain values, labelled (the placeholder is the key); an empty one says nothing.
LABELLED = {
    "note": gettext_lazy("note: %(note)s"),
    "reason": gettext_lazy("reason: %(reason)s"),
    "comment": gettext_lazy("comment: %(comment)s"),
    "prefix": gettext_lazy("token starting %(prefix)s"),
    "time_zone": gettext_lazy("time zone: %(time_zone)s"),
    "revision": gettext_lazy("revision %(revision)s"),
    "deputy": gettext_lazy("deputy: %(deputy)s"),
    "client_id": gettext_lazy("client ID: %(client_id)s"),
}
# Ids of what the event's target already names (the incident, its debrief, an action, an
# indicator, the update itself), and a copy of a name said through its id.
HIDDEN_KEYS = {
    "commander_name", "incident", "debrief", "action_item", "indicator", "activation_request", "update", "created",
}  # fmt: skip

FROM_TO = gettext_lazy("from %(a)s to %(b)s")


def choice_word(choices) -> Callable:
    """Says a code (or a list of codes) of `choices` by its label; an unknown code as it is."""

    def word(code) -> str:
        if isinstance(code, list | tuple):
            return str(LIST_SEPARATOR).join(word(c) for c in code)
        return str(choices(code).label) if code in choices.values else str(code or "")

    return word


def change_writer(word, template=FROM_TO) -> Write:
    """A writer for an event whose data holds `before` and `after` (said by `word`); other keys
    (a note) read by the common rules."""

    def write(data: dict, names: Names) -> list[str]:
        if "after" not in data:
            return []
        return [str(template) % {"a": word(data.get("before")) or "—", "b": word(data["after"])}]

    return write


def register_change(action: str, word, template=FROM_TO) -> None:
    register_details(action, change_writer(word, template), says=("before", "after"))


def when(value) -> str:
    """An ISO date-time stored in the data, in the reader's format; anything else as it is."""
    parsed = parse_datetime(value) if isinstance(value, str) else None
    return date_format(localtime(parsed), "DATETIME_FORMAT") if parsed else str(value or "")


def _field_names(model, fields) -> str:
    def name(field: str) -> str:
        try:
            return str(model._meta.get_field(field).verbose_name)
        except FieldDoesNotExist:  # not a model field (attachments): said by its key
            return field.replace("_", " ")

    return str(LIST_SEPARATOR).join(name(f) for f in fields)


def say(action: str, data: dict, names: Names) -> str:
    """The event's details in the active language."""
    details = DETAILS.get(action, Details())
    parts, said = [], set(HIDDEN_KEYS) | details.says
    if details.write is not None:
        parts.extend(details.write(data, names))
    for key, value in data.items():
        if key in said or value in ("", None, []):
            continue
        if key in ORGANIZATION_KEYS:
            ids = value if isinstance(value, list) else [value]
            parts.append(
                str(ORGANIZATION_KEYS[key]) % {"name": str(LIST_SEPARATOR).join(names.organization(v) for v in ids)}
            )
        elif key in USER_KEYS:
            parts.append(str(USER_KEYS[key]) % {"name": names.user(value)})
        elif key in LABELLED:
            parts.append(str(LABELLED[key]) % {key: say_reason(value) if key == "reason" else value})
        elif key == "roles":
            parts.append(_("roles: %(roles)s") % {"roles": choice_word(Role)(value) or _("Member")})
        elif key == "fields" and isinstance(value, list):
            model = details.fields_of
            words = _field_names(model, value) if model else str(LIST_SEPARATOR).join(map(str, value))
            parts.append(_("changed: %(fields)s") % {"fields": words})
        else:
            parts.append(f"{key}: {value}")
    return str(DETAIL_SEPARATOR).join(parts)


def id_keys(action: str) -> tuple[set[str], set[str]]:
    """The keys of this action's data that hold organisation ids and user ids."""
    details = DETAILS.get(action, Details())
    return set(ORGANIZATION_KEYS) | set(details.organizations), set(USER_KEYS) | set(details.users)


# --- the registry's own actions ----------------------------------------------------------


def _yes(key: str, text) -> Write:
    return lambda data, names: [str(text)] if data.get(key) else []


def _standing(data, names):
    if "standing" not in data:
        return []
    return [_("standing: %(standing)s") % {"standing": choice_word(Standing)(data["standing"])}]


def _join(data, names):
    return [_("asked to join")] if data.get("kind") == "join" else []


def _contact(data, names):
    if "numbers" not in data:
        return []
    n = data["numbers"]
    if not isinstance(n, int):  # written by an older version: said as stored
        return [f"numbers: {n}"]
    return [ngettext("%(n)s phone number", "%(n)s phone numbers", n) % {"n": n}]


def _chain(data, names):
    steps = data.get("steps") or []
    if not steps:
        return [_("no steps")]
    if not isinstance(steps, list) or not all(isinstance(step, list) and len(step) == 2 for step in steps):
        return [f"steps: {steps}"]  # not the shape services write: said as stored
    return [
        _("%(position)s. %(who)s after %(minutes)s min") % {"position": i, "who": who, "minutes": minutes}
        for i, (who, minutes) in enumerate(steps, start=1)
    ]


def _deputy_period(data, names):
    if "starts_at" not in data:
        return []
    return [_("from %(a)s to %(b)s") % {"a": when(data["starts_at"]), "b": when(data.get("ends_at"))}]


def _contact_confirmed(data, names):
    if "numbers_confirmed" not in data:
        return []
    return [_("phone numbers confirmed") if data["numbers_confirmed"] else _("no phone numbers to confirm")]


def _webhook_created(data, names):
    from .webhooks.models import PayloadFormat, WebhookEvent

    parts = []
    if data.get("events"):
        parts.append(_("events: %(events)s") % {"events": choice_word(WebhookEvent)(data["events"])})
    if data.get("payload_format"):
        parts.append(_("format: %(format)s") % {"format": choice_word(PayloadFormat)(data["payload_format"])})
    return parts


def _webhook_disabled(data, names):
    if data.get("reason") != "repeated_failures":
        return [str(LABELLED["reason"]) % {"reason": data["reason"]}] if data.get("reason") else []
    n = data.get("failures") or 0
    if not isinstance(n, int):
        return [f"failures: {n}"]
    return [ngettext("after %(n)s failed delivery in a row", "after %(n)s failed deliveries in a row", n) % {"n": n}]


def _sso_configured(data, names):
    parts = []
    if data.get("email_domains"):
        parts.append(_("email domains: %(domains)s") % {"domains": str(LIST_SEPARATOR).join(data["email_domains"])})
    if data.get("default_roles"):
        parts.append(_("roles: %(roles)s") % {"roles": choice_word(Role)(data["default_roles"])})
    flags = {
        "secret_changed": _("client secret replaced"),
        "allow_signup": _("new members may sign up through it"),
        "require_sso": _("members must sign in through it"),
        "counts_as_second_factor": _("counts as the second factor"),
    }
    parts.extend(str(text) for key, text in flags.items() if data.get(key))
    return parts


def _sso_signed_in(data, names):
    basis = {
        "amr": _("second factor: the provider's authentication methods"),
        "organisation": _("second factor: the organisation's setting"),
    }
    return [str(basis[data["second_factor"]])] if data.get("second_factor") in basis else []


SSO_FLAGS = (
    "email_domains", "default_roles", "secret_changed", "allow_signup", "require_sso", "counts_as_second_factor",
)  # fmt: skip

_REGISTRY = {
    "membership.role_changed": dict(write=change_writer(choice_word(Role)), says=("before", "after")),
    "organization.standing_changed": dict(write=change_writer(choice_word(Standing)), says=("before", "after")),
    "organization.updated": dict(fields_of="portal.Organization"),
    "account.profile_updated": dict(fields_of="portal.User"),
    "application.approved": dict(write=_standing, says=("standing",)),
    "application.submitted": dict(write=_join, says=("kind",)),
    "membership.created": dict(write=_yes("via", gettext_lazy("through an invitation")), says=("via",)),
    "contact.updated": dict(write=_contact, says=("numbers",)),
    "escalation_chain.changed": dict(write=_chain, says=("steps",)),
    "deputy.named": dict(write=_deputy_period, says=("starts_at", "ends_at")),
    "membership.contact_confirmed": dict(write=_contact_confirmed, says=("numbers_confirmed",)),
    "webhook.created": dict(write=_webhook_created, says=("events", "payload_format")),
    "webhook.updated": dict(
        write=_yes("integration_key_replaced", gettext_lazy("integration key replaced")),
        says=("integration_key_replaced",),
    ),
    "webhook.disabled": dict(write=_webhook_disabled, says=("reason", "failures")),
    "sso.configured": dict(
        write=_sso_configured,
        says=SSO_FLAGS,
    ),
    "sso.signed_in": dict(write=_sso_signed_in, says=("second_factor", "amr", "acr")),
    "calendar_feed.created": dict(
        write=_yes("replaced", gettext_lazy("replaced the previous link")), says=("replaced",)
    ),
}


def register_registry_details() -> None:
    """Called from PortalConfig.ready(), once the models can be looked up by name."""
    from django.apps import apps

    for action, spec in _REGISTRY.items():
        spec = dict(spec)
        if isinstance(spec.get("fields_of"), str):
            spec["fields_of"] = apps.get_model(spec["fields_of"])
        register_details(action, **spec)
