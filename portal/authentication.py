from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from . import second_factor
from .middleware import use_saved_language
from .services import authenticate_api_key


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` with a personal API token (stored hashed)."""

    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from None
        user = authenticate_api_key(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        # The middleware chose the language before DRF knew the user: their saved one wins, as with a session.
        use_saved_language(request._request, user)
        # A token was created by a credential that passed the second factor (permissions.can_create_api_token).
        return second_factor.note(user, passed=True), key

    def authenticate_header(self, request):
        return self.keyword
