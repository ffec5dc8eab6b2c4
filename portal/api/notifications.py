"""Notification settings under /api/v1/me/notifications/ (#15 API parity): the digest's
frequency, scope and commitments, and the account's one language, as the settings page sets
them (portal.notifications.preferences)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..notifications import digests, preferences, render
from ..notifications.models import DigestFrequency, DigestScope
from .parsing import InputSerializer, parse_input


class NotificationSettingsSerializer(serializers.Serializer):
    frequency = serializers.ChoiceField(choices=DigestFrequency.choices)
    scope = serializers.ChoiceField(choices=DigestScope.choices)
    commitment_codes = serializers.ListField(child=serializers.CharField())
    language = serializers.CharField(help_text=_("The account's one language: pages, digests, alerts, reminders"))


class NotificationSettingsInput(InputSerializer):
    frequency = serializers.CharField()
    scope = serializers.CharField()
    commitment_codes = serializers.ListField(child=serializers.CharField(max_length=20), required=False, max_length=200)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)


def _current(user) -> dict:
    preference = preferences.preference_for(user)
    return {
        "frequency": preference.frequency,
        "scope": preference.scope,
        "commitment_codes": list(preference.commitment_codes),
        "language": user.language or settings.LANGUAGE_CODE,
    }


class MyNotificationSettings(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary=_("Your digest settings and language"), responses=NotificationSettingsSerializer)
    def get(self, request):
        return Response(NotificationSettingsSerializer(_current(request.user)).data)

    @extend_schema(
        summary=_("Change your digest settings and language"),
        request=NotificationSettingsInput,
        responses=NotificationSettingsSerializer,
    )
    def put(self, request):
        data = parse_input(NotificationSettingsInput, request)
        preferences.update_digest_preference(user=request.user, **data)  # a ValidationError is a 400
        return Response(NotificationSettingsSerializer(_current(request.user)).data)


class DigestPreviewSerializer(serializers.Serializer):
    frequency = serializers.CharField()
    language = serializers.CharField()
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    subject = serializers.CharField()
    text = serializers.CharField(help_text=_("The plain-text body, as mailed."))
    html = serializers.CharField(help_text=_("The HTML body, as mailed."))


class MyDigestPreview(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=_("Preview your digest"),
        description=_("The digest you would get if it were sent now (weekly if digests are off); nothing is sent."),
        responses=DigestPreviewSerializer,
    )
    def get(self, request):
        digest = digests.preview_digest(request.user)
        message = render.digest_message(digest, to=request.user.email)
        return Response(
            DigestPreviewSerializer(
                {
                    "frequency": digest.frequency,
                    "language": digest.language,
                    "since": digest.since,
                    "until": digest.until,
                    "subject": message.subject,
                    "text": message.body,
                    "html": message.alternatives[0][0],
                }
            ).data
        )
