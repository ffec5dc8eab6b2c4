"""The commitments API. Each handler resolves and authorises through
commitments.permissions (404 for what the caller may not see, 403 for what it may
see but not change), parses with an `*Input` serializer, and calls one service or
selector. Lists come from the same selectors as the pages."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from portal.api.cached_list import CachedListMixin
from portal.api.pagination import PortalPagination
from portal.api.parsers import JSONParser
from portal.api.parsing import parse_input
from portal.permissions import SecretariatTwoFactor, access_organization

from .. import permissions, selectors, services
from ..cache import PAGE_VERSIONS
from . import serializers as s
from .filters import (
    AnnotationFilter,
    CommitmentFilter,
    ImplementationFilter,
    ProgressUpdateFilter,
    ReportingStatusFilter,
    TransparencyReportFilter,
)


@extend_schema_view(
    list=extend_schema(summary=_("List commitments"), description=_("The public catalogue; active ones by default.")),
    retrieve=extend_schema(summary=_("A commitment")),
)
class CommitmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # The catalogue editor's writes are the secretariat's, with two-factor, as on its pages.
    serializer_class = s.CommitmentSerializer
    pagination_class = PortalPagination
    filterset_class = CommitmentFilter
    ordering_fields = ["code", "order", "group"]
    permission_classes = [IsAuthenticatedOrReadOnly, SecretariatTwoFactor]
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        return selectors.list_commitments(include_retired=self.action != "list")

    def get_object(self):
        return permissions.access_commitment(self.request.user, self.kwargs["pk"])

    def _writable(self):
        return permissions.access_commitment(self.request.user, self.kwargs["pk"], for_write=True)

    @extend_schema(
        summary=_("Edit a commitment (secretariat)"),
        description=_(
            "New wording (title, description or public text) becomes a new revision; progress reported "
            "earlier keeps pointing at the revision it was written against. Audience, group and order "
            "change in place."
        ),
        request=s.CommitmentEditInput,
        responses=s.CommitmentSerializer,
    )
    def partial_update(self, request, pk):
        commitment = self._writable()
        services.edit_commitment(
            actor=request.user, commitment=commitment, **parse_input(s.CommitmentEditInput, request)
        )
        return Response(s.CommitmentSerializer(self.get_object()).data)

    @extend_schema(summary=_("Retire a commitment (secretariat)"), request=None, responses=s.CommitmentSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk):
        commitment = services.retire_commitment(actor=request.user, commitment=self._writable())
        return Response(s.CommitmentSerializer(commitment).data)

    @extend_schema(
        summary=_("Reinstate a retired commitment (secretariat)"), request=None, responses=s.CommitmentSerializer
    )
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk):
        commitment = services.reinstate_commitment(actor=request.user, commitment=self._writable())
        return Response(s.CommitmentSerializer(commitment).data)

    @extend_schema(
        summary=_("A commitment's wordings, newest first"), responses=s.CommitmentRevisionSerializer(many=True)
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def revisions(self, request, pk):
        revisions = selectors.list_revisions(self.get_object())
        return Response(s.CommitmentRevisionSerializer(revisions, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary=_("List implementations"),
        description=_("Status and progress as you may see them: from the latest accepted update visible to you."),
    ),
    retrieve=extend_schema(summary=_("An implementation")),
)
class ImplementationViewSet(CachedListMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ImplementationSerializer
    pagination_class = PortalPagination
    filterset_class = ImplementationFilter
    ordering_fields = ["current_progress", "current_as_of", "commitment__order"]
    list_cache_name = "implementations"
    list_cache_versions = PAGE_VERSIONS

    def list_cache_audience(self) -> str:
        return selectors.viewer_for(self.request.user).audience

    def get_queryset(self):
        return selectors.list_implementations_for(self.request.user, with_reporting=True)

    def get_object(self):
        return permissions.access_implementation(self.request.user, self.kwargs["pk"], with_reporting=True)


@extend_schema_view(
    list=extend_schema(
        summary=_("Which supporters are reporting"),
        description=_(
            "Every current supporter with its reporting status: not reporting when a commitment has no "
            "accepted update since the latest reporting cycle whose grace period is over began."
        ),
    ),
)
class ReportingStatusViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ReportingStatusSerializer
    pagination_class = PortalPagination
    filterset_class = ReportingStatusFilter
    ordering_fields = ["name", "missed_count"]

    def get_queryset(self):
        return selectors.list_reporting_status()


@extend_schema_view(
    list=extend_schema(summary=_("List progress updates you may see")),
    retrieve=extend_schema(summary=_("A progress update")),
)
class ProgressUpdateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.ProgressUpdateSerializer
    pagination_class = PortalPagination
    filterset_class = ProgressUpdateFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    ordering_fields = ["as_of", "created_at"]

    def get_queryset(self):
        return selectors.list_progress_updates_for(self.request.user)

    def get_object(self):
        return permissions.access_progress_update(self.request.user, self.kwargs["pk"])

    def _render(self, update, code=status.HTTP_200_OK):
        update = permissions.access_progress_update(self.request.user, update.pk)
        return Response(s.ProgressUpdateSerializer(update).data, status=code)

    @extend_schema(
        summary=_("Record progress for your own organisation (reporters and admins)"),
        request=s.ProgressUpdateInput,
        responses={201: s.ProgressUpdateSerializer},
    )
    def create(self, request):
        data = parse_input(s.ProgressUpdateInput, request)
        implementation = permissions.access_implementation(request.user, data.pop("implementation"), for_write=True)
        update = services.record_progress(actor=request.user, implementation=implementation, **data)
        return self._render(update, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Edit an update awaiting review or sent back"),
        request=s.ProgressUpdateEditInput,
        responses=s.ProgressUpdateSerializer,
    )
    def partial_update(self, request, pk):
        update = permissions.access_progress_update(request.user, pk, for_write=True)
        update = services.edit_progress(
            actor=request.user, update=update, **parse_input(s.ProgressUpdateEditInput, request)
        )
        return self._render(update)

    @extend_schema(summary=_("Withdraw an update awaiting review or sent back"), request=None)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk):
        update = permissions.access_progress_update(request.user, pk, for_write=True)
        return self._render(services.withdraw_progress(actor=request.user, update=update))

    @extend_schema(
        summary=_("An update's edits, newest first (its organisation's members and the secretariat)"),
        description=_("Drafts and review comments included, as on the update's history page."),
        responses=s.ProgressUpdateVersionSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk):
        update = permissions.access_update_history(request.user, pk)
        return Response(s.ProgressUpdateVersionSerializer(selectors.update_history(update), many=True).data)

    @extend_schema(
        summary=_("Accept, or send back with a comment (secretariat)"),
        description=_(
            "Requires two-factor authentication set up; with a browser session, the second factor "
            "must have been passed when signing in."
        ),
        request=s.ReviewInput,
        responses=s.ProgressUpdateSerializer,
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk):
        update = permissions.access_progress_update(request.user, pk)
        permissions.check_review_two_factor(request)
        update = services.review_progress(actor=request.user, update=update, **parse_input(s.ReviewInput, request))
        return self._render(update)


@extend_schema_view(
    list=extend_schema(summary=_("List annotations you may see")),
    retrieve=extend_schema(summary=_("An annotation")),
)
class AnnotationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.AnnotationSerializer
    pagination_class = PortalPagination
    filterset_class = AnnotationFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.list_annotations_for(self.request.user)

    def get_object(self):
        return permissions.access_annotation(self.request.user, self.kwargs["pk"])

    def _render(self, annotation, code=status.HTTP_200_OK):
        annotation = permissions.access_annotation(self.request.user, annotation.pk)
        return Response(s.AnnotationSerializer(annotation).data, status=code)

    @extend_schema(
        summary=_("Annotate a public progress update (members of civil-society supporters and endorsers)"),
        request=s.AnnotationInput,
        responses={201: s.AnnotationSerializer},
    )
    def create(self, request):
        data = parse_input(s.AnnotationInput, request)
        update = permissions.access_progress_update(request.user, data["update"])
        annotation = services.annotate_progress(actor=request.user, update=update, body=data["body"])
        return self._render(annotation, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Hide or restore an annotation, with a reason (secretariat)"),
        request=s.ModerationInput,
        responses=s.AnnotationSerializer,
    )
    @action(detail=True, methods=["post"])
    def moderate(self, request, pk):
        annotation = permissions.access_annotation(request.user, pk, for_write=True)
        data = parse_input(s.ModerationInput, request)
        return self._render(services.moderate_annotation(actor=request.user, annotation=annotation, **data))


@extend_schema_view(
    list=extend_schema(
        summary=_("List transparency reports"),
        description=_("Published reports are public; drafts are listed to their own organisation only."),
    ),
    retrieve=extend_schema(summary=_("A transparency report")),
)
class TransparencyReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.TransparencyReportSerializer
    pagination_class = PortalPagination
    filterset_class = TransparencyReportFilter
    ordering_fields = ["period_start", "year"]

    def get_queryset(self):
        return selectors.list_transparency_reports_for(self.request.user)

    def get_object(self):
        return permissions.access_transparency_report(self.request.user, self.kwargs["pk"])

    def _render(self, report, code=status.HTTP_200_OK):
        report = permissions.access_transparency_report(self.request.user, report.pk)
        return Response(s.TransparencyReportSerializer(report).data, status=code)

    @extend_schema(
        summary=_("Start a draft report for your own organisation (reporters and admins)"),
        request=s.TransparencyReportInput,
        responses={201: s.TransparencyReportSerializer},
    )
    def create(self, request):
        data = parse_input(s.TransparencyReportInput, request)
        organization = access_organization(request.user, data.pop("organization"))
        report = services.create_transparency_report(actor=request.user, organization=organization, **data)
        return self._render(report, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Change a draft's figures"),
        request=s.TransparencyReportEditInput,
        responses=s.TransparencyReportSerializer,
    )
    def partial_update(self, request, pk):
        report = permissions.access_transparency_report(request.user, pk, for_write=True)
        data = parse_input(s.TransparencyReportEditInput, request)
        return self._render(services.update_transparency_report(actor=request.user, report=report, **data))

    @extend_schema(summary=_("Publish a draft: it becomes public and can no longer change"), request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk):
        report = permissions.access_transparency_report(request.user, pk, for_write=True)
        return self._render(services.publish_transparency_report(actor=request.user, report=report))
