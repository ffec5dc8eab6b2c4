"""Forms of the incident pages that take more than a field or two. They parse; the
services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Organization

from .models import Tier, Tlp

CRITERIA_FIELDS = {
    "ongoing_violent_event": _("Is there an ongoing violent event?"),
    "perpetrator_produced": _("Is the content produced by a perpetrator?"),
    "livestreamed": _("Is it being livestreamed?"),
    "spreading_across_platforms": _("Is it spreading across platforms?"),
}


class ActivationRequestForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("On behalf of"))
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("What is happening"),
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
        required=False,
        max_length=10000,
    )
    ongoing_violent_event = forms.BooleanField(label=CRITERIA_FIELDS["ongoing_violent_event"], required=False)
    perpetrator_produced = forms.BooleanField(label=CRITERIA_FIELDS["perpetrator_produced"], required=False)
    livestreamed = forms.BooleanField(label=CRITERIA_FIELDS["livestreamed"], required=False)
    spreading_across_platforms = forms.BooleanField(label=CRITERIA_FIELDS["spreading_across_platforms"], required=False)
    # No colon after a checkbox's label: it follows the box and reads as a statement.
    is_exercise = forms.BooleanField(label=_("This is an exercise (a drill)"), required=False, label_suffix="")

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        field.queryset = organizations
        choices = list(organizations[:2])
        if len(choices) == 1:  # nothing to choose: the one organisation, never "---------"
            field.empty_label = None
            field.initial = choices[0].pk
        else:
            field.empty_label = _("Choose an organisation")
        self.fields["title"].widget.attrs["dir"] = "auto"


class ConfirmActivationForm(forms.Form):
    tier = forms.TypedChoiceField(label=_("Tier"), choices=Tier.choices, coerce=int, initial=Tier.COORDINATED)
    tlp = forms.ChoiceField(label=_("TLP level"), choices=Tlp.choices, initial=Tlp.AMBER)
    ongoing_violent_event = forms.BooleanField(label=CRITERIA_FIELDS["ongoing_violent_event"], required=False)
    perpetrator_produced = forms.BooleanField(label=CRITERIA_FIELDS["perpetrator_produced"], required=False)
    livestreamed = forms.BooleanField(label=CRITERIA_FIELDS["livestreamed"], required=False)
    spreading_across_platforms = forms.BooleanField(label=CRITERIA_FIELDS["spreading_across_platforms"], required=False)


class DeclineActivationForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DebriefForm(forms.Form):
    title = forms.CharField(label=_("Public title"), max_length=200, widget=forms.TextInput(attrs={"dir": "auto"}))
    summary = forms.CharField(
        label=_("Public summary (redacted)"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
        help_text=_("Published at TLP:CLEAR: anyone can read it. Leave out names, indicators and anything sensitive."),
    )


class DeclareIncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"dir": "auto"}))
    summary = forms.CharField(
        label=_("Summary"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"})
    )
    # Nothing preselected: whoever declares picks the tier on purpose. The model's default
    # (tier 2) stays for the services' other callers; a required field never leaves it empty.
    tier = forms.TypedChoiceField(
        label=_("Tier"), choices=[("", _("Choose a tier")), *Tier.choices], coerce=int, empty_value=None
    )
    tlp = forms.ChoiceField(label=_("TLP level"), choices=Tlp.choices, initial=Tlp.AMBER)
    ongoing_violent_event = forms.BooleanField(label=CRITERIA_FIELDS["ongoing_violent_event"], required=False)
    perpetrator_produced = forms.BooleanField(label=CRITERIA_FIELDS["perpetrator_produced"], required=False)
    livestreamed = forms.BooleanField(label=CRITERIA_FIELDS["livestreamed"], required=False)
    spreading_across_platforms = forms.BooleanField(label=CRITERIA_FIELDS["spreading_across_platforms"], required=False)
    organizations = forms.ModelMultipleChoiceField(
        label=_("Invite organisations"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # No colon after a checkbox's label: it follows the box and reads as a statement.
    is_exercise = forms.BooleanField(label=_("This is an exercise (a drill)"), required=False, label_suffix="")

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = organizations
