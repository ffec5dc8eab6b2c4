"""allauth's TOTP set-up, security-key registration and recovery-codes pages, carrying the
page the user came from (portal.two_factor_return). Everything else is allauth's: its checks,
forms and templates."""

from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.views import ViewRecoveryCodesView
from allauth.mfa.totp.views import ActivateTOTPView
from allauth.mfa.webauthn.views import AddWebAuthnView
from django.urls import reverse

from .. import second_factor, two_factor_return


class ReturningMixin:
    """Remembers the page to go back to when the set-up opens and goes there once it is done."""

    def get(self, request, *args, **kwargs):
        # Reached only past allauth's own checks (signed in, password confirmed again):
        # its reauthentication brings the user back to this address, `next` included.
        two_factor_return.remember(request)
        return super().get(request, *args, **kwargs)

    def get_success_url(self) -> str:
        next_path = two_factor_return.take(self.request)
        if not next_path:
            return super().get_success_url()
        if self.did_generate_recovery_codes:
            # The codes come first (shown once); that page links back.
            return f"{reverse('mfa_view_recovery_codes')}?{urlencode({'next': next_path})}"
        return next_path


class ActivateTOTPReturning(ReturningMixin, ActivateTOTPView):
    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        # The other kind of second factor, leading back to the same page.
        context["security_key_url"] = two_factor_return.setup_url(
            next_path=two_factor_return.remembered(self.request), key=True
        )
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        authenticator = Authenticator.objects.get(user=self.request.user, type=Authenticator.Type.TOTP)
        second_factor.record_set_up(self.request, authenticator)
        return response


class AddWebAuthnReturning(ReturningMixin, AddWebAuthnView):
    """The key's registration is recorded as passing the second factor by
    portal.second_factor's receiver of allauth's authenticator_added."""


class ViewRecoveryCodesReturning(ViewRecoveryCodesView):
    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["back_link"] = two_factor_return.back_link(self.request.GET.get("next"))
        return context


activate_totp = ActivateTOTPReturning.as_view()
add_webauthn = AddWebAuthnReturning.as_view()
view_recovery_codes = ViewRecoveryCodesReturning.as_view()
