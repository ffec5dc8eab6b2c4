from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import PortalForm
from .models import PayloadFormat, WebhookEvent


class EndpointForm(PortalForm):
    url = forms.CharField(label=_("Endpoint URL"), max_length=500, help_text=_("An https:// address of your system."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    payload_format = forms.ChoiceField(
        label=_("Payload format"),
        choices=PayloadFormat.choices,
        initial=PayloadFormat.PORTAL,
        required=False,
        help_text=_("PagerDuty and Opsgenie receive alert events only, in their own inbound API's format."),
    )
    integration_key = forms.CharField(
        label=_("Integration key"),
        max_length=200,
        required=False,
        help_text=_("PagerDuty: the integration's routing key. Opsgenie: the API integration's key."),
    )

    def clean_payload_format(self):
        return self.cleaned_data.get("payload_format") or PayloadFormat.PORTAL


class EndpointEventsForm(PortalForm):
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
