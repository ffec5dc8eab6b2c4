"""Forms of the registry's pages. They parse input; the services decide what is
valid in the registry and their ValidationErrors land back on these forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .contacts.choices import time_zone_names
from .models import PUBLIC_STANDINGS, OrganizationKind, Role, Standing


def _country_choices():
    return [("", _("No country")), *countries]


def _any_country_choices():
    return [("", _("All countries")), *countries]


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Puts a service's ValidationError on the form: on the named field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


class PortalForm(forms.Form):
    """Labels without a trailing colon: cleaner in every language, and what people (and tests) look for."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def country_options(codes) -> list[tuple[str, str]]:
    """(code, name) for a filter menu: names in the reader's language, in their order."""
    return sorted(((code, countries.name(code)) for code in codes), key=lambda option: option[1].casefold())


class DirectoryFilterForm(PortalForm):
    q = forms.CharField(label=_("Name contains"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *OrganizationKind.choices])
    country = forms.ChoiceField(label=_("Country"), required=False, choices=_any_country_choices)
    standing = forms.ChoiceField(
        label=_("Standing"),
        required=False,
        choices=[("", _("All standings"))] + [(s.value, s.label) for s in PUBLIC_STANDINGS],
    )

    def __init__(self, *args, country_codes: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if country_codes is not None:
            # Only countries the directory lists: a shorter menu, and rendering all ~250
            # options was most of the page's cost.
            self.fields["country"].choices = [("", _("All countries")), *country_options(country_codes)]

    def filters(self) -> dict[str, str]:
        """The valid filters; an invalid one is dropped (and shown as an error) rather than failing the page."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in ("q", "kind", "country", "standing")}


class OrganizationDetailsForm(PortalForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of organisation"), choices=OrganizationKind.choices)
    country = forms.ChoiceField(label=_("Country"), required=False, choices=_country_choices)
    website = forms.CharField(
        label=_("Website"), required=False, max_length=200, help_text=_("For example https://example.org")
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class ApplyForm(OrganizationDetailsForm):
    message = forms.CharField(
        label=_("Message to the secretariat"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who you are and why your organisation wants to join."),
    )


class EditOrganizationForm(OrganizationDetailsForm):
    def __init__(self, *args, can_change_kind: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_change_kind:
            del self.fields["kind"]  # only the secretariat changes an organisation's kind


class JoinForm(PortalForm):
    message = forms.CharField(
        label=_("Message to the organisation's admins"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# The roles offered as checkboxes; ticking none makes a plain member.
ROLE_CHECKBOXES = [(role, label) for role, label in Role.choices if role != Role.MEMBER]


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Roles"))
        kwargs.setdefault("help_text", _("Tick none for a member who reads only."))
        super().__init__(choices=ROLE_CHECKBOXES, required=False, **kwargs)

    def clean(self, value):
        return super().clean(value) or [Role.MEMBER.value]


class InviteForm(PortalForm):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    roles = RolesField()


class RolesForm(PortalForm):
    roles = RolesField()


class ApproveForm(PortalForm):
    standing = forms.ChoiceField(
        choices=[(Standing.SUPPORTER, Standing.SUPPORTER.label), (Standing.ENDORSES, Standing.ENDORSES.label)],
        required=False,
    )


class RejectForm(PortalForm):
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason; the applicant will read it.")},
    )


class StandingForm(PortalForm):
    organization = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    standing = forms.ChoiceField(label=_("New standing"), choices=Standing.choices)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", _("Choose an organisation")), *organizations]


class ApiTokenForm(PortalForm):
    name = forms.CharField(
        label=_("Token name"), max_length=100, help_text=_("What the token is for, e.g. 'reporting script'.")
    )


class ProfileForm(PortalForm):
    """How the user is shown to other people; the service validates and saves it."""

    full_name = forms.CharField(
        label=_("Display name"),
        max_length=150,
        help_text=_("Shown to other people in incident rooms, annotations and the directory, instead of your address."),
    )
    pronouns = forms.CharField(
        label=_("Pronouns (optional)"), max_length=40, required=False, help_text=_("For example: she/her, they/them.")
    )
    job_title = forms.CharField(label=_("Job title (optional)"), max_length=100, required=False)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Every time on the portal is shown in it. Automatic: your browser's time zone."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", _("Automatic")), *((name, name) for name in time_zone_names())]
