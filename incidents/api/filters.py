"""The incident list's query-string filters (#15): status, tier, TLP and when declared. A bad
value is a 400 naming it, never an unfiltered list."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from ..models import Incident, Status, Tier, Tlp


class IncidentFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Status.choices)
    tier = filters.TypedChoiceFilter(choices=Tier.choices, coerce=int)
    tlp = filters.ChoiceFilter(choices=Tlp.choices)
    declared_after = filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Declared at or after (ISO 8601)")
    )
    declared_before = filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("Declared before (ISO 8601)")
    )

    class Meta:
        model = Incident
        fields = ["status", "tier", "tlp", "declared_after", "declared_before"]
