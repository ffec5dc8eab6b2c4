"""After a sign-in through an organisation's provider: membership, the audit log and the second factor."""

from allauth.account.signals import user_logged_in
from django.dispatch import receiver

from .. import second_factor
from . import selectors, services
from .claims import claims_of


@receiver(user_logged_in, dispatch_uid="portal.sso.sign_in")
def _after_sign_in(sender, request, user, sociallogin=None, **kwargs):
    if sociallogin is None or sociallogin.provider.id not in services.PROVIDERS:
        return
    config = selectors.provider_by_id(sociallogin.provider.app.provider_id)
    if config is None:
        return
    claims = claims_of(sociallogin)
    basis = services.record_sso_sign_in(user=user, config=config, claims=claims)
    if basis:
        second_factor.record_identity_provider(
            request, user, provider=config.provider_id, basis=basis, amr=claims.get("amr"), acr=claims.get("acr")
        )
