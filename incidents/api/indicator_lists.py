"""Sharing a list of indicators through the API: JSON (`text`) or a multipart upload (`file`),
with the list's `kind` or none (each line's recognised). One service call; every line's
result in the answer."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from portal.api.parsing import InputSerializer, StrictCharField, parse_input

from .. import services
from ..indicator_lines import ADDED, INVALID, MAX_BYTES, MAX_LINES, PRESENT, read_upload
from ..models import IndicatorKind
from .base import ROOM, IncidentEndpoint

# A JSON body escapes each newline as two characters: room for a full list and its quoting.
MAX_BODY_BYTES = 2 * MAX_BYTES + 64 * 1024


class IndicatorListInput(InputSerializer):
    kind = serializers.ChoiceField(
        choices=IndicatorKind.choices,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("The kind of every line without its own; empty: recognised from each value."),
    )
    text = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    file = serializers.FileField(required=False, help_text=gettext_lazy("A UTF-8 text or CSV file (multipart)."))


class LineResultSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    result = serializers.ChoiceField(choices=[ADDED, PRESENT, INVALID])
    kind = serializers.CharField(help_text=gettext_lazy("Empty when the line's kind was not recognised."))
    value = serializers.CharField(help_text=gettext_lazy("Normalised and defanged; an invalid line as it came."))
    reason = serializers.CharField()


class IndicatorListResultSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    present = serializers.IntegerField()
    invalid = serializers.IntegerField()
    lines = LineResultSerializer(many=True)


class IndicatorList(IncidentEndpoint):
    access = ROOM

    @extend_schema(
        summary=gettext_lazy("Share a list of indicators"),
        description=gettext_lazy(
            "One indicator a line, as `kind,value` or the value alone; at most %(lines)s lines and %(mb)d MB. "
            "Each line's result: added, present (already shared, or repeated in the list) or invalid, with "
            "the reason. Invalid lines change nothing; the valid ones are kept."
        )
        % {"lines": f"{MAX_LINES:,}", "mb": MAX_BYTES // (1024 * 1024)},
        request={"application/json": IndicatorListInput, "multipart/form-data": IndicatorListInput},
        responses={201: IndicatorListResultSerializer, 200: IndicatorListResultSerializer},
    )
    def post(self, request, incident_id):
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
            raise ValidationError(
                {"detail": _("A list may be at most %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}}
            )
        data = parse_input(IndicatorListInput, request)
        if ("text" in data) == ("file" in data):
            raise ValidationError({"detail": _("Send the list as text or as a file, not both.")})
        text = read_upload(data["file"]) if "file" in data else data["text"]
        outcome = services.import_indicator_list(
            actor=request.user, incident=self.incident, text=text, kind=data.get("kind", "")
        )
        body = {
            "added": outcome.added,
            "present": outcome.present,
            "invalid": outcome.invalid,
            "lines": [vars(line) for line in outcome.lines],
        }
        return Response(body, status=status.HTTP_201_CREATED if outcome.added else status.HTTP_200_OK)
