"""OpenAPI extensions for the registry API (imported by portal.api.urls, so they
are registered before any schema is generated)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from rest_framework import serializers

from portal.models import Role


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal API token: `Authorization: Token <key>`.",
        }


class RolesInputSchema(OpenApiSerializerFieldExtension):
    """A list of roles, at least one, each once. Both said here: drf-spectacular has no
    uniqueItems for a list, and reads minItems only from a ListField itself, not an override."""

    target_class = "portal.api.serializers.RolesInput"

    def map_serializer_field(self, auto_schema, direction):
        as_list = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
        return {**auto_schema._map_serializer_field(as_list, direction), "minItems": 1, "uniqueItems": True}
