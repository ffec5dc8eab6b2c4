"""Serializers for the registry API: `*Input` classes parse a request body (and
only parse: the services validate the rules), the others render a response."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from portal import permissions
from portal.models import ApiToken, Invitation, Membership, Organization, OrganizationKind, Role, Standing
from portal.reasons import say_reason
from portal.roles import clean_roles

from .parsing import InputSerializer, StrictCharField


class CountryCodeField(StrictCharField):
    # The code itself is checked by the service; this only bounds the length, with the same message.
    default_error_messages = {"max_length": _("Enter a valid ISO 3166-1 alpha-2 country code.")}

    def __init__(self, **kwargs):
        super().__init__(max_length=2, help_text=_("ISO 3166-1 alpha-2 code."), **kwargs)


# --- Organisations --------------------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True, help_text=_("ISO 3166-1 alpha-2 code."))
    country_name = serializers.CharField(source="country.name", read_only=True)
    # Not format "uri": an organisation without a website has "".
    website = serializers.CharField(read_only=True, help_text=_("An http or https address, or empty."))

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "country",
            "country_name",
            "website",
            "description",
            "standing",
            "standing_since",
            "created_at",
        ]
        read_only_fields = fields


class ReasonField(serializers.CharField):
    """A stored reason in the reader's language when the portal gave it; as typed otherwise."""

    def to_representation(self, value):
        return say_reason(super().to_representation(value))


class StandingChangeSerializer(serializers.Serializer):
    standing = serializers.ChoiceField(source="to_standing", choices=Standing.choices, read_only=True)
    previous_standing = serializers.ChoiceField(
        source="from_standing", choices=Standing.choices, allow_blank=True, read_only=True
    )
    reason = ReasonField(read_only=True)
    changed_at = serializers.DateTimeField(read_only=True)


class OrganizationDetailSerializer(OrganizationSerializer):
    standing_history = StandingChangeSerializer(source="standing_changes", many=True, read_only=True)

    class Meta(OrganizationSerializer.Meta):
        fields = [*OrganizationSerializer.Meta.fields, "standing_history"]
        read_only_fields = fields


class OrganizationUpdateInput(InputSerializer):
    name = StrictCharField(max_length=200, required=False)
    kind = serializers.ChoiceField(
        choices=OrganizationKind.choices, required=False, help_text=_("Only the secretariat may change it.")
    )
    country = CountryCodeField(allow_blank=True, required=False)
    website = StrictCharField(
        max_length=200, allow_blank=True, required=False, help_text=_("An http or https address.")
    )
    description = StrictCharField(max_length=10000, allow_blank=True, required=False)


class OrganizationCreateInput(InputSerializer):
    name = StrictCharField(max_length=200)
    kind = serializers.ChoiceField(choices=OrganizationKind.choices)
    country = CountryCodeField(allow_blank=True, required=False)
    website = StrictCharField(
        max_length=200, allow_blank=True, required=False, help_text=_("An http or https address.")
    )
    description = StrictCharField(max_length=10000, allow_blank=True, required=False)
    standing = serializers.ChoiceField(choices=Standing.choices, required=False)
    reason = StrictCharField(max_length=2000, allow_blank=True, required=False)


class StandingInput(InputSerializer):
    standing = serializers.ChoiceField(choices=Standing.choices)
    reason = StrictCharField(max_length=2000, allow_blank=True, required=False)


# --- Memberships and invitations ---------------------------------------------------


def roles_output(**kwargs) -> serializers.ListField:
    """The roles held, in Role's order; ["member"] when none of the others."""
    return serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), read_only=True, **kwargs)


def role_output(**kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=Role.choices,
        read_only=True,
        help_text=_("Deprecated: read roles. The first role held, in the order admin, reporter, responder, member."),
        **kwargs,
    )


class RolesInput(serializers.Field):
    """A non-empty list of known roles, each once; anything else is a 400 with one message. The
    schema says the same (minItems 1, uniqueItems: portal.api.schema.RolesInputSchema)."""

    default_error_messages = {"repeated": _("Give each role once.")}

    def to_internal_value(self, data):
        try:
            roles = clean_roles(data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict["roles"]) from None
        # clean_roles folds repeats together (the pages' checkboxes cannot repeat one); a client
        # that sends one twice has a bug worth hearing about, as the schema's uniqueItems says.
        if len(roles) != len(data):
            self.fail("repeated")
        return roles

    def to_representation(self, value):
        return list(value)


def roles_input(**kwargs) -> RolesInput:
    return RolesInput(**kwargs)


@extend_schema_serializer(deprecate_fields=["role"])
class MembershipSerializer(serializers.ModelSerializer):
    """`email` is null unless the caller is the secretariat, the member, or an admin of this
    organisation (portal.permissions.can_see_email); pass the request in the context."""

    organization_name = serializers.CharField(source="organization.name", read_only=True)
    email = serializers.SerializerMethodField()
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    pronouns = serializers.CharField(source="user.pronouns", read_only=True)
    job_title = serializers.CharField(source="user.job_title", read_only=True)
    roles = roles_output()
    role = role_output()

    class Meta:
        model = Membership
        fields = [
            "id",
            "organization",
            "organization_name",
            "user",
            "email",
            "full_name",
            "pronouns",
            "job_title",
            "roles",
            "role",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_email(self, membership) -> str | None:
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        shown = permissions.can_see_email(viewer, membership.user, organization_ids=[membership.organization_id])
        return membership.user.email if shown else None


class MembershipRoleInput(InputSerializer):
    roles = roles_input(required=False, help_text=_("Replaces the roles held."))


class InvitationInput(InputSerializer):
    email = serializers.EmailField(max_length=254)
    roles = roles_input(required=False, help_text=_("Left out: member."))


@extend_schema_serializer(deprecate_fields=["role"])
class InvitationSerializer(serializers.ModelSerializer):
    roles = roles_output()
    role = role_output()

    class Meta:
        model = Invitation
        fields = ["id", "organization", "email", "roles", "role", "created_at", "expires_at"]
        read_only_fields = fields


# --- API tokens ---------------------------------------------------------------------


# Never the key or its hash: the key is only in the response that creates the token.
class ApiTokenSerializer(serializers.ModelSerializer):
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "is_active"]
        read_only_fields = fields


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(
        read_only=True, help_text=_("The secret key. It is shown once and cannot be shown again.")
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiTokenCreateInput(InputSerializer):
    name = StrictCharField(max_length=100, allow_blank=True, required=False)


class OrganizationNameSerializer(serializers.Serializer):
    """An organisation named inside another answer (a membership, a stale contact)."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    slug = serializers.CharField()
