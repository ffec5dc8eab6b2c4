"""After a sign-in through an organisation's provider: membership and the second factor."""

from allauth.account.signals import user_logged_in
from django.dispatch import receiver

from .. import second_factor
from . import selectors, services

# `amr` values that say the provider itself asked for more than a password (RFC 8176).
MULTI_FACTOR_AMR = frozenset({"mfa", "otp", "hwk", "swk", "sc", "fpt", "face", "iris", "retina", "vbm", "pin"})


def identity_provider_factor(config, claims: dict) -> str:
    """Why this sign-in counts as the second factor ("amr" or "organisation"), or "" if not."""
    if not config.counts_as_second_factor:
        return ""
    amr = claims.get("amr")
    if isinstance(amr, list | tuple) and MULTI_FACTOR_AMR.intersection(str(value) for value in amr):
        return "amr"
    return "organisation"


def claims_of(sociallogin) -> dict:
    data = sociallogin.account.extra_data or {}
    return data.get("id_token") if isinstance(data.get("id_token"), dict) else {}


@receiver(user_logged_in, dispatch_uid="portal.sso.sign_in")
def _after_sign_in(sender, request, user, sociallogin=None, **kwargs):
    if sociallogin is None or sociallogin.provider.id != services.PROVIDER:
        return
    config = selectors.provider_by_id(sociallogin.provider.app.provider_id)
    if config is None:
        return
    services.join_through_sso(user=user, config=config)
    claims = claims_of(sociallogin)
    basis = identity_provider_factor(config, claims)
    if basis:
        second_factor.record_identity_provider(
            request, user, provider=config.provider_id, basis=basis, amr=claims.get("amr"), acr=claims.get("acr")
        )
