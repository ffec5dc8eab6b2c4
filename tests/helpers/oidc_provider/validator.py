from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    """email, email_verified and amr in the ID token and userinfo. The test user's first_name
    holds its amr values ("mfa otp"); a last_name of "unverified" makes email_verified false."""

    oidc_claim_scope = None  # every claim, whatever the scopes

    def get_additional_claims(self, request):
        user = request.user
        return {
            "email": user.email,
            "email_verified": user.last_name != "unverified",
            "amr": user.first_name.split() or ["pwd"],
        }
