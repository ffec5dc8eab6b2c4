"""allauth's WebAuthn forms (settings.MFA_FORMS), refusing a malformed credential as a wrong
one. allauth parses the posted JSON catching only some of the errors fido2 raises: a
credential without `rawId`, say, became a 500 on the public passkey sign-in. Here the whole
response is parsed first; anything it cannot read is "Incorrect code." and changes nothing."""

from allauth.mfa.adapter import get_adapter
from allauth.mfa.webauthn import forms
from fido2.webauthn import AuthenticationResponse, RegistrationResponse

# What fido2's parsers raise on input of the wrong shape (a missing key, a wrong type, bad
# base64 or CBOR); anything else is a bug and should still fail loudly.
MALFORMED = (TypeError, ValueError, KeyError, AttributeError, IndexError)


class WellFormedCredential:
    response_class = AuthenticationResponse

    def clean_credential(self):
        credential = self.cleaned_data["credential"]
        try:
            self.response_class.from_dict(credential)
        except MALFORMED as error:
            raise get_adapter().validation_error("incorrect_code") from error
        parent = getattr(super(), "clean_credential", None)
        return parent() if parent else credential


class AddWebAuthnForm(WellFormedCredential, forms.AddWebAuthnForm):
    response_class = RegistrationResponse


class LoginWebAuthnForm(WellFormedCredential, forms.LoginWebAuthnForm):
    pass


class ReauthenticateWebAuthnForm(WellFormedCredential, forms.ReauthenticateWebAuthnForm):
    pass


class AuthenticateWebAuthnForm(WellFormedCredential, forms.AuthenticateWebAuthnForm):
    pass
