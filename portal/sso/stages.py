"""allauth's two-factor step of a sign-in, skipped when the organisation's identity provider
counts as the second factor: a person who signed in through it is not asked for the portal's
code or key on top (portal.sso.sign_in then records the provider's sign-in as the step)."""

from allauth.mfa.stages import AuthenticateStage

from . import selectors, services
from .claims import claims_of, identity_provider_factor


def counts_as_second_factor(sociallogin) -> bool:
    if sociallogin is None or sociallogin.provider.id not in services.PROVIDERS:
        return False
    config = selectors.provider_by_id(sociallogin.provider.app.provider_id)
    return config is not None and bool(identity_provider_factor(config, claims_of(sociallogin)))


class SecondFactorStage(AuthenticateStage):
    def _should_handle(self, request) -> bool:
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        return super()._should_handle(request) and not counts_as_second_factor(sociallogin)
