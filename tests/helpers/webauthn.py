"""A security key in software: what a browser and its authenticator send the server during
WebAuthn registration and sign-in, made with fido2's own encoders and a P-256 key, so the
server's real checks (challenge, origin, RP id, signature) run. Attestation "none", as a
passkey gives. The origin is http://localhost: fido2 treats it as secure, while a test
client's default `testserver` over http is not, so clients talking to it use HTTP_HOST=localhost.

`authenticator_for(user)` makes an Authenticator row of type webauthn directly (no ceremony)."""

import hashlib
import json
import os

from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_encode
from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData, CollectedClientData

HOST = "localhost"
ORIGIN = f"http://{HOST}"
FLAGS = AuthenticatorData.FLAG


class SoftKey:
    def __init__(self, *, origin: str = ORIGIN, rp_id: str = HOST):
        self.origin, self.rp_id = origin, rp_id
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.user_handle: str | None = None
        self.counter = 0

    def _rp_hash(self) -> bytes:
        return hashlib.sha256(self.rp_id.encode()).digest()

    def register(self, creation_options: dict) -> str:
        """The credential (JSON, as allauth's form posts it) for these creation options."""
        options = creation_options["publicKey"]
        self.user_handle = options["user"]["id"]
        client_data = CollectedClientData.create(
            type="webauthn.create", challenge=options["challenge"], origin=self.origin
        )
        public_key = ES256.from_cryptography_key(self.private_key.public_key())
        attested = AttestedCredentialData.create(b"\0" * 16, self.credential_id, public_key)
        auth_data = AuthenticatorData.create(self._rp_hash(), FLAGS.UP | FLAGS.UV | FLAGS.AT, 0, attested)
        attestation = AttestationObject.create("none", auth_data, {})
        return self._credential(
            {"clientDataJSON": websafe_encode(client_data), "attestationObject": websafe_encode(attestation)}
        )

    def assert_(self, request_options: dict) -> str:
        """The assertion (JSON) for these request options, with user verification (a PIN or a fingerprint)."""
        challenge = request_options["publicKey"]["challenge"]
        client_data = CollectedClientData.create(type="webauthn.get", challenge=challenge, origin=self.origin)
        self.counter += 1
        auth_data = AuthenticatorData.create(self._rp_hash(), FLAGS.UP | FLAGS.UV, self.counter)
        signed = bytes(auth_data) + hashlib.sha256(client_data).digest()
        signature = self.private_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return self._credential(
            {
                "clientDataJSON": websafe_encode(client_data),
                "authenticatorData": websafe_encode(auth_data),
                "signature": websafe_encode(signature),
                "userHandle": self.user_handle,
            }
        )

    def _credential(self, response: dict) -> str:
        credential_id = websafe_encode(self.credential_id)
        return json.dumps(
            {
                "id": credential_id,
                "rawId": credential_id,
                "type": "public-key",
                "response": response,
                "clientExtensionResults": {},
            }
        )


def authenticator_for(user, *, name: str = "Desk key") -> Authenticator:
    """A webauthn Authenticator row for the user, as if a key had been registered (with a
    credential of a key nobody holds: for the rules about who owns what)."""
    options = {"publicKey": {"challenge": websafe_encode(os.urandom(16)), "user": {"id": websafe_encode(b"0")}}}
    credential = json.loads(SoftKey().register(options))
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": name, "credential": credential}
    )
