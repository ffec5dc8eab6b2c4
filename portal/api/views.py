"""The registry API. Each handler authorises through portal.permissions (404 for
what the caller may not see, 403 for what it may see but not change), parses the
body with an `*Input` serializer, calls one service or selector and renders."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from portal import page_cache, permissions, selectors, services
from portal.models import ApiToken, Membership, Organization

from . import serializers as s
from .cached_list import CachedListMixin
from .filters import ApiTokenFilter, MembershipFilter, OrganizationFilter
from .pagination import PortalPagination
from .parsing import parse_input


def _organization_detail(organization):
    return s.OrganizationDetailSerializer(selectors.get_organization_page(organization)).data


@extend_schema_view(
    list=extend_schema(summary=_("List organisations"), description=_("Public standings for everyone, plus your own.")),
)
class OrganizationViewSet(CachedListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Organization.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = s.OrganizationSerializer
    permission_classes = [IsAuthenticatedOrReadOnly, permissions.SecretariatTwoFactor]
    pagination_class = PortalPagination
    filterset_class = OrganizationFilter
    ordering_fields = ["name", "kind", "country", "standing", "standing_since", "created_at"]
    ordering = ["name"]
    list_cache_name = "organizations"
    list_cache_versions = (page_cache.REGISTRY,)

    def list_cache_audience(self) -> str:
        """What list_organizations_for depends on: the secretariat sees all, others the public ones and their own."""
        user = self.request.user
        if permissions.is_secretariat(user):
            return "secretariat"
        return "member:" + ",".join(map(str, sorted(permissions.roles_of(user))))

    def get_queryset(self):
        return selectors.list_organizations_for(self.request.user)

    @extend_schema(summary=_("Organisation with its standing history"), responses=s.OrganizationDetailSerializer)
    def retrieve(self, request, pk):
        return Response(_organization_detail(permissions.access_organization(request.user, pk)))

    @extend_schema(
        summary=_("Create an organisation (secretariat)"),
        request=s.OrganizationCreateInput,
        responses={201: s.OrganizationDetailSerializer},
    )
    def create(self, request):
        if not permissions.is_secretariat(request.user):
            raise PermissionDenied
        organization = services.create_organization(
            actor=request.user, **parse_input(s.OrganizationCreateInput, request)
        )
        return Response(_organization_detail(organization), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Edit an organisation (its admins, the secretariat)"),
        request=s.OrganizationUpdateInput,
        responses=s.OrganizationDetailSerializer,
    )
    def partial_update(self, request, pk):
        organization = permissions.access_organization(request.user, pk, for_write=True)
        organization = services.update_organization(
            actor=request.user, organization=organization, **parse_input(s.OrganizationUpdateInput, request)
        )
        return Response(_organization_detail(organization))

    @extend_schema(
        summary=_("Change an organisation's standing (secretariat)"),
        request=s.StandingInput,
        responses=s.OrganizationDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def standing(self, request, pk):
        organization = permissions.access_organization(request.user, pk)
        if not permissions.can_change_standing(request.user):
            raise PermissionDenied
        organization = services.change_standing(
            actor=request.user, organization=organization, **parse_input(s.StandingInput, request)
        )
        return Response(_organization_detail(organization))

    @extend_schema(
        summary=_("Invite a colleague by email (the organisation's admins, the secretariat)"),
        request=s.InvitationInput,
        responses={201: s.InvitationSerializer},
    )
    @action(detail=True, methods=["post"])
    def invitations(self, request, pk):
        organization = permissions.check_manages(request.user, permissions.access_organization(request.user, pk))
        invitation = services.invite_member(
            actor=request.user, organization=organization, **parse_input(s.InvitationInput, request)
        )
        return Response(s.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Withdraw an open invitation (its admins, the secretariat)"), request=None,
                   responses={204: None})  # fmt: skip
    @action(detail=True, methods=["delete"], url_path=r"invitations/(?P<invitation_id>[0-9]+)")
    def revoke_invitation(self, request, pk, invitation_id):
        organization = permissions.check_manages(request.user, permissions.access_organization(request.user, pk))
        invitation = get_object_or_404(selectors.list_open_invitations(organization), pk=invitation_id)
        services.revoke_invitation(actor=request.user, invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary=_("Memberships of your organisations (all, for the secretariat)")),
    retrieve=extend_schema(summary=_("A membership")),
)
class MembershipViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Membership.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = s.MembershipSerializer
    permission_classes = [IsAuthenticated, permissions.SecretariatTwoFactor]
    pagination_class = PortalPagination
    filterset_class = MembershipFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.list_memberships_for(self.request.user)

    def retrieve(self, request, pk):
        membership = permissions.access_membership(request.user, pk)
        return Response(s.MembershipSerializer(membership, context={"request": request}).data)

    @extend_schema(
        summary=_("Change the roles a member holds (the organisation's admins, the secretariat)"),
        request=s.MembershipRoleInput,
        responses=s.MembershipSerializer,
    )
    def partial_update(self, request, pk):
        membership = permissions.access_membership(request.user, pk, for_write=True)
        data = parse_input(s.MembershipRoleInput, request)
        if "roles" in data:  # PATCH: what is not sent stays as it is
            membership = services.change_roles(actor=request.user, membership=membership, roles=data["roles"])
        return Response(s.MembershipSerializer(membership, context={"request": request}).data)

    @extend_schema(
        summary=_("Remove a member (the organisation's admins, the secretariat, or the member leaving)"),
        responses={204: OpenApiResponse(description=_("Removed."))},
    )
    def destroy(self, request, pk):
        membership = permissions.access_membership(request.user, pk)
        services.remove_member(actor=request.user, membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=extend_schema(summary=_("Your personal API tokens, revoked ones included")))
class ApiTokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = ApiToken.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = s.ApiTokenSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = PortalPagination
    filterset_class = ApiTokenFilter
    ordering_fields = ["created_at", "last_used_at", "name"]

    def get_queryset(self):
        return selectors.list_api_tokens_of(self.request.user)

    def _own_token(self, pk) -> ApiToken:
        # Someone else's token is answered exactly like a missing one.
        return get_object_or_404(self.get_queryset(), pk=pk)

    @extend_schema(
        summary=_("Create a token; its key is in this response only"),
        request=s.ApiTokenCreateInput,
        responses={201: s.ApiTokenCreatedSerializer},
    )
    def create(self, request):
        token, key = services.create_api_token(user=request.user, **parse_input(s.ApiTokenCreateInput, request))
        return Response({**s.ApiTokenSerializer(token).data, "key": key}, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Revoke a token"), request=None, responses=s.ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk):
        token = services.revoke_api_token(actor=request.user, token=self._own_token(pk))
        return Response(s.ApiTokenSerializer(token).data)

    @extend_schema(summary=_("Revoke a token"), responses={204: OpenApiResponse(description=_("Revoked."))})
    def destroy(self, request, pk):
        services.revoke_api_token(actor=request.user, token=self._own_token(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
