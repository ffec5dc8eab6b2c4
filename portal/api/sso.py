"""An organisation's identity provider under /api/v1/organizations/{id}/identity-provider/
(#15 API parity), for its admins and the secretariat, through the services behind
organisations/<slug>/manage/sign-in/. The client secret is write-only: never sent back. PUT sets an
OpenID Connect provider; PUT …/identity-provider/saml/ a SAML 2.0 one (the same row: either)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import permissions
from ..models import Role
from ..sso import selectors, services
from ..sso.models import Protocol
from .parsing import InputSerializer, parse_input
from .serializers import roles_input


class IdentityProviderSerializer(serializers.Serializer):
    protocol = serializers.ChoiceField(choices=Protocol.choices)
    issuer = serializers.CharField(help_text=_("OpenID Connect: the issuer. SAML: the identity provider's entity ID."))
    client_id = serializers.CharField()
    sso_url = serializers.CharField(source="saml_sso_url", help_text=_("SAML: the identity provider's sign-on URL."))
    has_client_secret = serializers.SerializerMethodField()
    email_domains = serializers.ListField(child=serializers.CharField())
    allow_signup = serializers.BooleanField()
    default_roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), source="roles")
    require_sso = serializers.BooleanField()
    counts_as_second_factor = serializers.BooleanField()
    updated_at = serializers.DateTimeField()
    redirect_uri = serializers.SerializerMethodField(help_text=_("Register this address with the provider."))
    saml_entity_id = serializers.SerializerMethodField(
        help_text=_("SAML: the portal's entity ID, where its metadata is served.")
    )
    saml_acs_url = serializers.SerializerMethodField(help_text=_("SAML: the portal's Assertion Consumer Service URL."))

    def get_has_client_secret(self, config) -> bool:
        return bool(config.client_secret)

    def get_redirect_uri(self, config) -> str:
        path = reverse("openid_connect_callback", kwargs={"provider_id": config.organization.slug})
        return self.context["request"].build_absolute_uri(path)

    def _saml(self, config, name) -> str:
        path = reverse(f"saml_{name}", kwargs={"organization_slug": config.organization.slug})
        return self.context["request"].build_absolute_uri(path)

    def get_saml_entity_id(self, config) -> str:
        return self._saml(config, "metadata")

    def get_saml_acs_url(self, config) -> str:
        return self._saml(config, "acs")


class IdentityProviderInput(InputSerializer):
    issuer = serializers.CharField(max_length=300)
    client_id = serializers.CharField(max_length=200)
    client_secret = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text=_("Left out or empty: keep the stored one.")
    )
    email_domains = serializers.ListField(child=serializers.CharField(max_length=253), max_length=50)
    allow_signup = serializers.BooleanField(required=False, default=False)
    default_roles = roles_input(required=False, default=[Role.MEMBER.value])
    require_sso = serializers.BooleanField(required=False, default=False)
    counts_as_second_factor = serializers.BooleanField(required=False, default=False)


class SamlIdentityProviderInput(InputSerializer):
    entity_id = serializers.CharField(max_length=300, help_text=_("The identity provider's entity ID."))
    sso_url = serializers.CharField(max_length=300, help_text=_("Its single sign-on URL (HTTP-Redirect binding)."))
    certificate = serializers.CharField(max_length=20_000, help_text=_("Its signing certificate, PEM."))
    email_domains = serializers.ListField(child=serializers.CharField(max_length=253), max_length=50)
    allow_signup = serializers.BooleanField(required=False, default=False)
    default_roles = roles_input(required=False, default=[Role.MEMBER.value])
    require_sso = serializers.BooleanField(required=False, default=False)
    counts_as_second_factor = serializers.BooleanField(required=False, default=False)


class _IdentityProviderEndpoint(APIView):
    permission_classes = [IsAuthenticated, permissions.SecretariatTwoFactor]

    def _organization(self, request, pk):
        return permissions.check_manages(request.user, permissions.access_organization(request.user, pk))

    def _render(self, request, config):
        return IdentityProviderSerializer(config, context={"request": request}).data


class IdentityProvider(_IdentityProviderEndpoint):
    @extend_schema(summary=_("An organisation's single sign-on"), responses=IdentityProviderSerializer)
    def get(self, request, pk):
        config = selectors.get_identity_provider(self._organization(request, pk))
        if config is None:
            raise NotFound(_("This organisation has no single sign-on."))
        return Response(self._render(request, config))

    @extend_schema(
        summary=_("Set up or replace an organisation's single sign-on (OpenID Connect)"),
        request=IdentityProviderInput,
        responses=IdentityProviderSerializer,
    )
    def put(self, request, pk):
        organization = self._organization(request, pk)
        data = parse_input(IdentityProviderInput, request)
        config = services.configure_identity_provider(actor=request.user, organization=organization, **data)
        return Response(self._render(request, config))

    @extend_schema(summary=_("Remove an organisation's single sign-on"), request=None, responses={204: None})
    def delete(self, request, pk):
        services.remove_identity_provider(actor=request.user, organization=self._organization(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SamlIdentityProvider(_IdentityProviderEndpoint):
    @extend_schema(
        summary=_("Set up or replace an organisation's single sign-on (SAML 2.0)"),
        request=SamlIdentityProviderInput,
        responses=IdentityProviderSerializer,
    )
    def put(self, request, pk):
        organization = self._organization(request, pk)
        data = parse_input(SamlIdentityProviderInput, request)
        config = services.configure_saml_identity_provider(actor=request.user, organization=organization, **data)
        return Response(self._render(request, config))
