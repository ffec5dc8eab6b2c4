"""Query-string filters for the registry API. Bad values give a 400, not an empty page."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from portal.models import ApiToken, Membership, Organization, OrganizationKind, Role, Standing
from portal.roles import holding


class CountryCodeField(forms.CharField):
    default_error_messages = {"invalid_country": _("Enter a valid ISO 3166-1 alpha-2 country code.")}

    def clean(self, value):
        value = (super().clean(value) or "").strip().upper()
        if value and value not in dict(countries):
            raise forms.ValidationError(self.error_messages["invalid_country"], code="invalid_country")
        return value


class CountryFilter(filters.CharFilter):
    field_class = CountryCodeField


class IdField(forms.IntegerField):
    """A positive id that a database integer holds: any other number is a 400, not an overflow in the driver."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    field_class = IdField


class OrganizationFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=OrganizationKind.choices)
    country = CountryFilter(help_text=_("ISO 3166-1 alpha-2 code, in either case."))
    standing = filters.ChoiceFilter(choices=Standing.choices)
    search = filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=200, help_text=_("Part of the name, in any case.")
    )

    class Meta:
        model = Organization
        fields = ["kind", "country", "standing", "search"]


class MembershipFilter(filters.FilterSet):
    organization = IdFilter(field_name="organization_id", help_text=_("Organisation id."))
    role = filters.ChoiceFilter(
        choices=Role.choices, method="filter_role", help_text=_("Memberships that hold this role.")
    )

    class Meta:
        model = Membership
        fields = ["organization", "role"]

    def filter_role(self, queryset, name, value):
        return queryset.filter(holding(value))


class ApiTokenFilter(filters.FilterSet):
    active = filters.BooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", help_text=_("true: only tokens that still work.")
    )

    class Meta:
        model = ApiToken
        fields = ["active"]
