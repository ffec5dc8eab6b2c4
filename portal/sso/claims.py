"""What a provider's ID token says about how the person signed in (pure)."""

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
    """The ID token's claims, as allauth keeps them on the account."""
    data = sociallogin.account.extra_data or {}
    return data.get("id_token") if isinstance(data.get("id_token"), dict) else {}
