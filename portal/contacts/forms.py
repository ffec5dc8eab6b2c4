"""The forms of the contact page and the escalation-chain page. They parse; the services
(portal/services/contacts.py) decide what is valid and their errors land back here."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from ..forms import PortalForm
from ..services.contacts import NumberInput, StepInput
from .choices import (
    MAX_CHAIN_STEPS,
    MAX_NUMBERS,
    MAX_WAIT_MINUTES,
    MIN_WAIT_MINUTES,
    PhoneLabel,
    language_choices,
    time_zone_names,
)

DEFAULT_WAIT_MINUTES = 15


class ContactForm(PortalForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages you work in"),
        required=False,
        choices=language_choices,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose more than one."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", _("Not set")), *((name, name) for name in time_zone_names())]


class NumberForm(PortalForm):
    label = forms.ChoiceField(label=_("Label"), choices=PhoneLabel.choices)
    number = PhoneNumberField(
        label=_("Number"), required=False, help_text=_("International format, such as +33 1 23 45 67 89.")
    )


def number_formset(data=None, *, numbers=()):
    """One row per number on file, and empty rows up to MAX_NUMBERS; empty rows are ignored."""
    initial = [{"label": n.label, "number": n.number} for n in numbers]
    formset_class = forms.formset_factory(
        NumberForm, extra=max(MAX_NUMBERS - len(initial), 0), max_num=MAX_NUMBERS, absolute_max=MAX_NUMBERS
    )
    return formset_class(data, initial=initial, prefix="numbers", form_kwargs={"label_suffix": ""})


def numbers_of(formset) -> list[NumberInput]:
    return [
        NumberInput(label=f.cleaned_data["label"], number=str(f.cleaned_data["number"]))
        for f in formset.forms
        if f.cleaned_data.get("number")
    ]


class ChainForm(PortalForm):
    """For each responder and admin: a place in the chain (empty: not in it) and the minutes
    to wait for them. Plain numbers rather than drag and drop: it works without JavaScript."""

    def __init__(self, *args, members, chain, **kwargs):
        super().__init__(*args, **kwargs)
        placed = {step.membership.pk: step for step in chain}
        self.rows = []
        for membership in members:
            step = placed.get(membership.pk)
            name = membership.user.email
            position = forms.IntegerField(
                label=_("Place of %(person)s") % {"person": name},
                required=False,
                min_value=1,
                max_value=MAX_CHAIN_STEPS,
                initial=step.position if step else None,
            )
            minutes = forms.IntegerField(
                label=_("Minutes to wait for %(person)s") % {"person": name},
                required=False,
                min_value=MIN_WAIT_MINUTES,
                max_value=MAX_WAIT_MINUTES,
                initial=step.wait_minutes if step else DEFAULT_WAIT_MINUTES,
            )
            self.fields[f"position_{membership.pk}"] = position
            self.fields[f"minutes_{membership.pk}"] = minutes
            self.rows.append((membership, self[f"position_{membership.pk}"], self[f"minutes_{membership.pk}"]))

    def clean(self):
        cleaned = super().clean()
        placed = []
        for membership, position, minutes in self.rows:
            place = cleaned.get(position.name)
            if place is None:
                continue
            wait = cleaned.get(minutes.name)
            if wait is None:
                if minutes.name not in self.errors:
                    self.add_error(minutes.name, _("Give the minutes to wait at this step."))
                continue
            placed.append((place, membership.pk, wait))
        places = [place for place, _pk, _wait in placed]
        if len(set(places)) != len(places):
            raise ValidationError(_("Two people have the same place in the chain: give each a different number."))
        self.steps = [StepInput(membership_id=pk, wait_minutes=wait) for _place, pk, wait in sorted(placed)]
        return cleaned


class DeputyForm(PortalForm):
    """Who is covered, by whom, when. The choices are the organisation's members; the service
    (portal/services/deputies.py) checks who may name whom."""

    membership = forms.ModelChoiceField(label=_("Responder"), queryset=None)
    deputy = forms.ModelChoiceField(label=_("Deputy"), queryset=None)
    starts_at = forms.DateTimeField(label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, responders, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = responders
        self.fields["deputy"].queryset = members
        label = lambda m: m.user.display_name  # noqa: E731 - the person, not the membership's str
        self.fields["membership"].label_from_instance = label
        self.fields["deputy"].label_from_instance = label
