"""API errors: Django's ValidationError from services becomes a 400 with the
same shape DRF uses, so every bad payload gets a clear message."""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from .. import second_factor


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
        else:
            detail = {"detail": exc.messages if len(exc.messages) != 1 else exc.messages[0]}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, RequestDataTooBig):  # otherwise Django answers with an HTML page
        exc = exceptions.ParseError(_("The request body is too large."))
    elif isinstance(exc, exceptions.NotAuthenticated) and second_factor.was_skipped(context.get("request")):
        exc = exceptions.NotAuthenticated(
            _("This session has not passed the second factor. Sign in again with your authenticator code.")
        )
    return drf_exception_handler(exc, context)
