"""Applications under /api/v1/applications/ (#15 API parity): applying for a new organisation or
asking to join one, and deciding them, with the pages' services and rules. A reviewer is the
secretariat (with two-factor) or, for a request to join, the organisation's admins."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import permissions, selectors, services
from ..models import Application, Organization, OrganizationKind, Standing
from .parsing import InputSerializer, StrictCharField, parse_input
from .serializers import CountryCodeField


class ApplicationSerializer(serializers.ModelSerializer):
    organization = serializers.SerializerMethodField()
    applicant = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "kind", "status", "organization", "applicant", "message", "decision_reason", "created_at",
                  "decided_at"]  # fmt: skip

    def get_organization(self, application) -> dict:
        return {"id": application.organization_id, "name": application.organization.name}

    def get_applicant(self, application) -> str:
        return application.applicant.display_name


class ApplyInput(InputSerializer):
    """Either `organization` (ask to join it) or `name` and `kind` (apply for a new one)."""

    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False)
    name = StrictCharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=OrganizationKind.choices, required=False)
    country = CountryCodeField(allow_blank=True, required=False)
    website = StrictCharField(max_length=200, allow_blank=True, required=False)
    description = StrictCharField(max_length=10000, allow_blank=True, required=False)
    message = StrictCharField(max_length=2000, allow_blank=True, required=False)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        joining = "organization" in attrs
        if joining == bool(attrs.get("name") or attrs.get("kind")):
            raise serializers.ValidationError(
                _("Give either an organisation to join, or a name and kind to apply for.")
            )
        if not joining and not (attrs.get("name") and attrs.get("kind")):
            raise serializers.ValidationError(_("A new organisation needs a name and a kind."))
        return attrs


class ApproveInput(InputSerializer):
    standing = serializers.ChoiceField(choices=Standing.choices, required=False)


class RejectInput(InputSerializer):
    reason = StrictCharField(max_length=2000, allow_blank=True, required=False)


class ApplicationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ApplicationSerializer
    permission_classes = [IsAuthenticated, permissions.SecretariatTwoFactor]
    queryset = Application.objects.none()  # the schema's types; get_queryset decides what is seen

    def get_queryset(self):
        """Your own applications and those you may decide."""
        user = self.request.user
        reviewable = selectors.list_pending_applications_for(user).values("pk")
        return (
            Application.objects.filter(Q(applicant=user) | Q(pk__in=reviewable))
            .select_related("organization", "applicant")
            .order_by("-created_at", "-id")
        )

    @extend_schema(summary=_("Apply for a new organisation, or ask to join one"), request=ApplyInput,
                   responses={201: ApplicationSerializer})  # fmt: skip
    def create(self, request):
        data = parse_input(ApplyInput, request)
        message = data.pop("message", "")
        if "organization" in data:
            application = services.request_to_join(
                applicant=request.user, organization=data["organization"], message=message
            )
        else:
            application = services.apply_for_organization(applicant=request.user, message=message, **data)
        return Response(ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Approve an application"), request=ApproveInput, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk):
        application = permissions.access_application(request.user, pk)
        data = parse_input(ApproveInput, request)
        application = services.approve_application(actor=request.user, application=application, **data)
        return Response(ApplicationSerializer(application).data)

    @extend_schema(summary=_("Reject an application, with the reason the applicant reads"), request=RejectInput,
                   responses=ApplicationSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def reject(self, request, pk):
        application = permissions.access_application(request.user, pk)
        reason = parse_input(RejectInput, request).get("reason", "")
        application = services.reject_application(actor=request.user, application=application, reason=reason)
        return Response(ApplicationSerializer(application).data)
