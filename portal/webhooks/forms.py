from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import PortalForm
from .models import WebhookEvent


class EndpointForm(PortalForm):
    url = forms.CharField(label=_("Endpoint URL"), max_length=500, help_text=_("An https:// address of your system."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )


class EndpointEventsForm(PortalForm):
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
