"""Query-string filters. Bad values give a 400, not an empty page."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from portal.api.filters import CountryFilter, IdFilter
from portal.models import Organization, OrganizationKind

from ..models import (
    Annotation,
    Audience,
    Commitment,
    CommitmentGroup,
    Implementation,
    PeriodKind,
    ProgressStatus,
    ProgressUpdate,
    ReportState,
    ReviewState,
    TransparencyReport,
)


class StrictBooleanField(forms.Field):
    """true/false (or 1/0, yes/no); anything else is a 400 rather than "no filter"."""

    VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(_("Enter true or false."), code="invalid") from None


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.Filter):
    field_class = StrictBooleanField


class CommitmentFilter(filters.FilterSet):
    code = filters.CharFilter(field_name="code", lookup_expr="iexact", max_length=20)
    audience = filters.ChoiceFilter(choices=Audience.choices)
    group = filters.ChoiceFilter(choices=CommitmentGroup.choices)

    class Meta:
        model = Commitment
        fields = ["code", "audience", "group"]


class ImplementationFilter(filters.FilterSet):
    organization = IdFilter(field_name="organization_id", help_text=_("Organisation id."))
    commitment = IdFilter(field_name="commitment_id", help_text=_("Commitment id."))
    status = filters.ChoiceFilter(field_name="current_status", choices=ProgressStatus.choices)
    overdue = StrictBooleanFilter(field_name="is_overdue", help_text=_("No accepted update in the current cycle."))
    kind = filters.ChoiceFilter(field_name="organization__kind", choices=OrganizationKind.choices)
    country = CountryFilter(field_name="organization__country")
    not_reporting = StrictBooleanFilter(
        field_name="organization_not_reporting", help_text=_("The organisation is marked not reporting.")
    )

    class Meta:
        model = Implementation
        fields = ["organization", "commitment", "status", "overdue", "kind", "country", "not_reporting"]


class ReportingStatusFilter(filters.FilterSet):
    not_reporting = StrictBooleanFilter(field_name="not_reporting")
    kind = filters.ChoiceFilter(field_name="kind", choices=OrganizationKind.choices)
    country = CountryFilter(field_name="country")

    class Meta:
        model = Organization
        fields = ["not_reporting", "kind", "country"]


class ProgressUpdateFilter(filters.FilterSet):
    implementation = IdFilter(field_name="implementation_id")
    organization = IdFilter(field_name="implementation__organization_id")
    commitment = IdFilter(field_name="implementation__commitment_id")
    review_state = filters.ChoiceFilter(choices=ReviewState.choices)

    class Meta:
        model = ProgressUpdate
        fields = ["implementation", "organization", "commitment", "review_state"]


class AnnotationFilter(filters.FilterSet):
    update = IdFilter(field_name="update_id")
    supporter = IdFilter(
        field_name="update__implementation__organization_id", help_text=_("Annotated organisation id.")
    )
    organization = IdFilter(field_name="organization_id", help_text=_("Annotating organisation id."))
    commitment = IdFilter(field_name="update__implementation__commitment_id")
    hidden = StrictBooleanFilter(field_name="is_hidden")

    class Meta:
        model = Annotation
        fields = ["update", "supporter", "organization", "commitment", "hidden"]


class TransparencyReportFilter(filters.FilterSet):
    organization = IdFilter(field_name="organization_id")
    kind = filters.ChoiceFilter(field_name="organization__kind", choices=OrganizationKind.choices)
    period_kind = filters.ChoiceFilter(choices=PeriodKind.choices)
    year = IdFilter(field_name="year")
    state = filters.ChoiceFilter(choices=ReportState.choices)

    class Meta:
        model = TransparencyReport
        fields = ["organization", "kind", "period_kind", "year", "state"]
