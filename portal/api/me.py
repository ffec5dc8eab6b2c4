"""The signed-in person's own account under /api/v1/me/ (#15 API parity): the profile others
see (`me/`), the secret calendar URL (`me/calendar/`), and accepting an invitation
(`invitations/{token}/accept/`) — the same services as the account pages. Deleting an account
stays in the browser: an API token, which integrations hold, must never delete its owner."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..calendar import services as calendar
from ..models import Role
from ..notifications import conf
from ..services.accounts import PROFILE_FIELDS
from .parsing import InputSerializer, parse_input
from .serializers import OrganizationNameSerializer


class ProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    email = serializers.EmailField()
    full_name = serializers.CharField(help_text=_("The name other people see."))
    pronouns = serializers.CharField()
    job_title = serializers.CharField()
    display_name = serializers.CharField()
    language = serializers.CharField()
    time_zone = serializers.CharField(help_text=_("The IANA time zone times are shown in; empty: automatic."))


class ProfileInput(InputSerializer):
    full_name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    pronouns = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    job_title = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    time_zone = serializers.CharField(required=False, allow_blank=True, max_length=64)


class MyProfile(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary=_("Your profile"), responses=ProfileSerializer)
    def get(self, request):
        return Response(ProfileSerializer(request.user).data)

    @extend_schema(
        summary=_("Change how others see you"),
        description=_("Fields left out keep their value."),
        request=ProfileInput,
        responses=ProfileSerializer,
    )
    def patch(self, request):
        data = parse_input(ProfileInput, request)
        user = request.user
        services.update_profile(user=user, **{field: data.get(field, getattr(user, field)) for field in PROFILE_FIELDS})
        return Response(ProfileSerializer(user).data)


class CalendarFeedSerializer(serializers.Serializer):
    active = serializers.BooleanField()
    prefix = serializers.CharField(allow_null=True, help_text=_("The start of the secret URL's key, to recognise it."))
    created_at = serializers.DateTimeField(allow_null=True)
    url = serializers.URLField(
        required=False, help_text=_("Only in the answer that creates it: the secret URL is shown once.")
    )


def _feed_data(feed, url=None) -> dict:
    data = {
        "active": feed is not None,
        "prefix": feed.prefix if feed else None,
        "created_at": feed.created_at if feed else None,
    }
    if url:
        data["url"] = url
    return data


class MyCalendarFeed(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary=_("Your calendar link"), responses=CalendarFeedSerializer)
    def get(self, request):
        return Response(CalendarFeedSerializer(_feed_data(calendar.active_feed(request.user))).data)

    @extend_schema(
        summary=_("Create your calendar link, replacing the earlier one"),
        request=None,
        responses={201: CalendarFeedSerializer},
    )
    def post(self, request):
        feed, key = calendar.create_calendar_feed(user=request.user)  # without two-factor: a 403
        url = conf.site_url() + reverse("portal:calendar_feed", args=[key])
        return Response(CalendarFeedSerializer(_feed_data(feed, url)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Revoke your calendar link"), request=None, responses={204: None})
    def delete(self, request):
        calendar.revoke_calendar_feed(actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptedSerializer(serializers.Serializer):
    membership = serializers.IntegerField(source="pk")
    organization = OrganizationNameSerializer()
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))


class AcceptInvitation(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=_("Accept an invitation to join an organisation"),
        description=_("With the token from the invitation's link; the account's address must be the invited one."),
        request=None,
        responses={201: InvitationAcceptedSerializer},
    )
    def post(self, request, token):
        membership = services.accept_invitation(user=request.user, token=token)  # a ValidationError is a 400
        return Response(InvitationAcceptedSerializer(membership).data, status=status.HTTP_201_CREATED)
