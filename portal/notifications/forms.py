"""The notification settings form. It parses; preferences.update_digest_preference decides."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import registry
from .models import DigestFrequency, DigestScope


class DigestPreferenceForm(forms.Form):
    frequency = forms.ChoiceField(label=_("How often"), choices=DigestFrequency.choices, widget=forms.RadioSelect)
    scope = forms.ChoiceField(label=_("What it covers"), choices=DigestScope.choices, widget=forms.RadioSelect)
    commitment_codes = forms.MultipleChoiceField(
        label=_("Commitments to follow"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Used when the digest covers the commitments you choose."),
    )
    # The account's one language: pages, digests, alerts and reminders alike.
    language = forms.ChoiceField(label=_("Your language, for pages and every email"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["commitment_codes"].choices = registry.topic_choices()
        self.fields["language"].choices = settings.LANGUAGES
