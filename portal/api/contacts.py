"""Contact details and escalation chains under /api/v1/: `me/contact/` is the caller's own
(members of an organisation); `organizations/{id}/escalation-chain/` is for the organisation's
admins and the secretariat. A PUT replaces the whole set; bad input is a 400 and changes nothing."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import permissions, services
from portal.contacts import selectors
from portal.contacts.choices import MAX_CHAIN_STEPS, MAX_LANGUAGES, MAX_NUMBERS, PhoneLabel
from portal.notifications import contact_checks

from .pagination import PortalPagination
from .parsing import InputSerializer, NestedInputSerializer, StrictCharField, parse_input
from .serializers import OrganizationNameSerializer


class NumberSerializer(serializers.Serializer):
    label = serializers.CharField()
    number = serializers.CharField(source="number.as_e164", help_text=_("E.164, such as +33123456789."))


class ContactSerializer(serializers.Serializer):
    time_zone = serializers.CharField()
    languages = serializers.SerializerMethodField()
    numbers = NumberSerializer(many=True)
    numbers_confirmed_at = serializers.DateTimeField(allow_null=True)

    def get_languages(self, card) -> list[str]:
        return list(card.contact.languages) if card.contact else []


class NumberInput(NestedInputSerializer):
    label = serializers.ChoiceField(choices=PhoneLabel.choices)
    number = StrictCharField(max_length=32)


class ContactInput(InputSerializer):
    numbers = serializers.ListField(child=NumberInput(), max_length=MAX_NUMBERS)
    time_zone = StrictCharField(max_length=64, allow_blank=True)
    languages = serializers.ListField(child=StrictCharField(max_length=16), max_length=MAX_LANGUAGES)


class ChainStepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    membership = serializers.IntegerField(source="membership.pk")
    user = serializers.IntegerField(source="membership.user_id")
    email = serializers.EmailField(source="membership.user.email")
    roles = serializers.ListField(child=serializers.CharField(), source="membership.roles")
    wait_minutes = serializers.IntegerField()
    contact = ContactSerializer(source="card")


class ChainStepInput(NestedInputSerializer):
    membership = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    wait_minutes = serializers.IntegerField()


class ChainInput(InputSerializer):
    steps = serializers.ListField(child=ChainStepInput(), max_length=MAX_CHAIN_STEPS)


class MyContact(APIView):
    permission_classes = [IsAuthenticated]

    def _authorise(self, request):
        if not permissions.can_keep_contact(request.user):
            raise PermissionDenied(_("Contact details are kept by the members of an organisation."))

    @extend_schema(summary=_("Your 24/7 contact details"), responses=ContactSerializer)
    def get(self, request):
        self._authorise(request)
        return Response(ContactSerializer(selectors.contact_card(request.user)).data)

    @extend_schema(
        summary=_("Replace your numbers, time zone and languages"), request=ContactInput, responses=ContactSerializer
    )
    def put(self, request):
        self._authorise(request)
        data = parse_input(ContactInput, request)
        services.update_contact(
            actor=request.user,
            user=request.user,
            numbers=[services.NumberInput(label=n["label"], number=n["number"]) for n in data["numbers"]],
            time_zone=data["time_zone"],
            languages=data["languages"],
        )
        return Response(ContactSerializer(selectors.contact_card(request.user)).data)


class EscalationChain(APIView):
    permission_classes = [IsAuthenticated, permissions.SecretariatTwoFactor]

    def _organization(self, request, pk):
        organization = permissions.access_organization(request.user, pk)
        if not permissions.can_manage_escalation_chain(request.user, organization):
            raise PermissionDenied
        return organization

    @extend_schema(summary=_("An organisation's escalation chain, in order"), responses=ChainStepSerializer(many=True))
    def get(self, request, pk):
        organization = self._organization(request, pk)
        return Response(ChainStepSerializer(selectors.escalation_chain(organization), many=True).data)

    @extend_schema(
        summary=_("Replace an organisation's escalation chain (its admins, the secretariat)"),
        request=ChainInput,
        responses=ChainStepSerializer(many=True),
    )
    def put(self, request, pk):
        organization = self._organization(request, pk)
        steps = parse_input(ChainInput, request)["steps"]
        services.set_escalation_chain(
            actor=request.user,
            organization=organization,
            steps=[services.StepInput(membership_id=s["membership"], wait_minutes=s["wait_minutes"]) for s in steps],
        )
        return Response(ChainStepSerializer(selectors.escalation_chain(organization), many=True).data)


class StaleContactSerializer(serializers.Serializer):
    membership = serializers.IntegerField(source="pk")
    organization = OrganizationNameSerializer()
    name = serializers.CharField(source="user.display_name")
    email = serializers.EmailField(source="user.email")
    last_confirmed_at = serializers.DateTimeField(
        allow_null=True, help_text=_("When the person last confirmed they are still the contact; null if never.")
    )


class StaleContacts(ListAPIView):
    """The secretariat's list of responders whose contact check is overdue, as on review/contacts/."""

    serializer_class = StaleContactSerializer
    pagination_class = PortalPagination
    permission_classes = [IsAuthenticated]

    @extend_schema(summary=_("Stale contacts (secretariat)"))
    def get(self, request, *args, **kwargs):
        if not permissions.can_list_stale_contacts(request.user):
            raise PermissionDenied(_("Only the secretariat, with two-factor authentication, sees stale contacts."))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return contact_checks.list_stale_contacts()
