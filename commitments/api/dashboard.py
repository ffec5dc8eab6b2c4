"""GET /api/v1/dashboard/: the public dashboard's totals, as the caller may see them — per
commitment the supporters' implementations by status and their average progress, the
community's progress over time, and the supporters not reporting (#15 API parity). Same
selectors, so the same audience rules and the same cache, as commitments:dashboard."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.models import OrganizationKind

from .. import selectors


class DashboardFilter(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OrganizationKind.choices, required=False, allow_blank=True)
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": _("Give a two-letter ISO 3166 country code, e.g. NZ.")},
    )


class CommitmentTotalsSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="commitment.id")
    code = serializers.CharField(source="commitment.code")
    title = serializers.CharField(source="commitment.title")
    total = serializers.IntegerField(help_text=_("Current supporters' implementations of this commitment."))
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("Implementations per status code (not_started, limited, …).")
    )
    average_progress = serializers.IntegerField(min_value=0, max_value=100)


class SeriesPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    average = serializers.FloatField(min_value=0, max_value=100)


class NotReportingSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    missed_count = serializers.IntegerField(help_text=_("Reporting cycles missed in a row."))


class DashboardSerializer(serializers.Serializer):
    commitments = CommitmentTotalsSerializer(many=True)
    series = SeriesPointSerializer(many=True, help_text=_("Average progress of the community over time."))
    not_reporting = NotReportingSerializer(many=True)


class Dashboard(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary=_("Dashboard totals"),
        description=_("The commitments dashboard's figures, as you may see them."),
        parameters=[
            OpenApiParameter("kind", str, enum=OrganizationKind.values, required=False),
            OpenApiParameter("country", str, description=_("Two-letter ISO 3166 code"), required=False),
        ],
        responses=DashboardSerializer,
    )
    def get(self, request):
        query = DashboardFilter(data=request.query_params)
        query.is_valid(raise_exception=True)
        kind = query.validated_data.get("kind", "")
        country = query.validated_data.get("country", "").upper()
        data = {
            "commitments": selectors.commitment_dashboard(request.user, kind=kind, country=country),
            "series": selectors.community_progress_series(request.user, kind=kind, country=country),
            "not_reporting": selectors.not_reporting_supporters(kind=kind, country=country),
        }
        return Response(DashboardSerializer(data).data)
