"""The input side of every API (the registry's, commitments' and incidents'): `*Input`
serializers built on InputSerializer only parse types (the services validate the rules),
and a handler reads its body with parse_input, so a bad body is DRF's 400 before any
service runs."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    default_error_messages = {"invalid": _("Enter text (a JSON string).")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# Refuses keys it does not know, so a typo or a read-only field is never silently ignored.
class InputSerializer(serializers.Serializer):
    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({key: [_("This field cannot be set here.")] for key in unknown})
        return attrs


class NestedInputSerializer(serializers.Serializer):
    """An object nested in a body (an item of a list, a sub-object): unknown keys refused, as
    InputSerializer does for the body (a nested serializer has no initial_data of its own)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: [_("This field cannot be set here.")] for key in unknown})
        return super().to_internal_value(data)


def parse_input(serializer_class, request) -> dict:
    """The request body as `serializer_class` parses it; ValidationError (a 400) otherwise."""
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


def int_query_param(request, name: str, *, default=None, minimum: int = 0, maximum: int | None = None):
    """A whole-number query parameter within bounds; ValidationError (a 400 naming it) otherwise."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: _("Enter a whole number.")}) from None
    if value < minimum or (maximum is not None and value > maximum):
        raise ValidationError({name: _("Out of range.")})
    return value
