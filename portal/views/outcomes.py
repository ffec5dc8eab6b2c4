"""Running one service call from a page that redirects afterwards, and telling the user
what happened in a message: the pages' counterpart of the API's exception handler."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Outcome:
    succeeded: bool
    result: Any = None
    invalid: bool = False  # refused for its input (ValidationError), not for who asked

    def __bool__(self) -> bool:
        return self.succeeded


def run_service(request, call: Callable[[], Any], *, done: str, unchanged: str | None = None) -> Outcome:
    """Calls `call()` and says how it went: `done` as a success, or, when `unchanged` is given
    and the call returns False (the services that may change nothing say so), `unchanged` as
    information. A ValidationError's messages, or a PermissionDenied's own (else "You may not
    do that."), become one error message; any other exception propagates. The call should be
    authorised by the view already, so a refusal here is the service's own second look.
    portal.permissions.TwoFactorRequired is a PermissionDenied too, and becomes a message."""
    try:
        result = call()
    except ValidationError as error:
        messages.error(request, " ".join(str(m) for m in error.messages))
        return Outcome(succeeded=False, invalid=True)
    except PermissionDenied as error:
        messages.error(request, str(error) or _("You may not do that."))
        return Outcome(succeeded=False)
    if result is False and unchanged is not None:
        messages.info(request, unchanged)
    else:
        messages.success(request, done)
    return Outcome(succeeded=True, result=result)
