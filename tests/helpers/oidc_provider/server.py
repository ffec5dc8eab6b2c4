"""Starting and stopping the test provider (serve.py) from a test."""

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.helpers import processes


def _rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@contextmanager
def running_provider(folder: Path, *, users: list[dict], clients: dict[str, str], password: str):
    """Yields the issuer URL of a provider that knows `users` (username, email, first_name,
    last_name; see validator.py) and one confidential client per entry of `clients`
    (client ID -> redirect URI; the secret is "secret-" + client ID)."""
    setup = {
        "users": [{"password": password, **user} for user in users],
        "applications": [
            {"client_id": client_id, "client_secret": f"secret-{client_id}", "redirect_uri": uri}
            for client_id, uri in clients.items()
        ],
    }
    (folder / "setup.json").write_text(json.dumps(setup))
    port = processes.free_port()
    env = {
        **os.environ,
        "OIDC_PROVIDER_DB": str(folder / "provider.sqlite3"),
        "OIDC_PROVIDER_RSA_KEY": _rsa_pem(),
    }
    log = folder / "provider.log"
    command = [sys.executable, "-m", "tests.helpers.oidc_provider.serve", str(port), str(folder / "setup.json")]
    process = processes.start(command, env=env, log=log)
    issuer = f"http://127.0.0.1:{port}/o"
    try:
        discovery = f"{issuer}/.well-known/openid-configuration"
        processes.wait_until(lambda: processes.answers(discovery), process, "OIDC provider", log=log)
        yield issuer
    finally:
        processes.stop(process)
