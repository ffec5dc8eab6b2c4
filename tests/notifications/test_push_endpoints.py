"""Push endpoints cannot make the portal call its own network (SSRF, DNS rebinding): https only,
no private, loopback, link-local or reserved address when subscribing or when sending, and the
send connects to the address that was checked (portal/notifications/push_endpoints.py)."""

import socket

import pytest
import requests
import urllib3.util.connection
from django.utils import timezone

from portal.notifications import push, push_endpoints
from portal.notifications.push_models import PushSubscription
from tests.portal.factories import UserFactory

from .push_receiver import Browser, notify, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]

PUBLIC = "93.184.216.34"
REAL_GETADDRINFO = socket.getaddrinfo


class Resolver:
    """Answers for the names in `answers` (a list per name, the last repeated; an answer may
    list several addresses, comma-separated), counting the
    lookups; every other name (the database, Redis) goes to the real resolver."""

    def __init__(self, monkeypatch, **answers):
        self.answers = {name.replace("_", "."): list(values) for name, values in answers.items()}
        self.lookups: list[str] = []
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def __call__(self, host, port, *args, **kwargs):
        if host not in self.answers:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        self.lookups.append(host)
        queue = self.answers[host]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in answer.split(",")
        ]


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.0.10", "::1", "fe80::1", "::ffff:10.0.0.1", "0.0.0.0"],
)
def test_an_endpoint_resolving_to_an_internal_address_is_refused_with_a_clear_error(monkeypatch, address):
    Resolver(monkeypatch, push_evil_example=[address])
    answer = subscribe(UserFactory(), Browser("https://push.evil.example/send/1"))
    assert answer.status_code == 400
    [message] = answer.json()["endpoint"]
    assert "push.evil.example" in message and address in message and "private, loopback, link-local" in message
    assert not PushSubscription.objects.exists()


def test_one_internal_address_among_public_ones_is_enough_to_refuse(monkeypatch):
    Resolver(monkeypatch, push_mixed_example=[f"{PUBLIC},10.0.0.5"])
    assert subscribe(UserFactory(), Browser("https://push.mixed.example/x")).status_code == 400


def test_only_https_and_a_public_address_are_accepted(monkeypatch, settings):
    settings.WEB_PUSH_ALLOW_HOSTS = []
    Resolver(monkeypatch, push_example_net=[PUBLIC])
    ana = UserFactory()
    plain = subscribe(ana, Browser("http://push.example.net/send/1"))
    assert plain.status_code == 400 and plain.json()["endpoint"] == ["A push endpoint must start with https://."]
    assert subscribe(ana, Browser("https://push.example.net/send/1")).status_code == 201
    for bad in ("https://user:pw@push.example.net/x", "https://nowhere.invalid./x", "ftp://push.example.net/x"):
        assert subscribe(ana, Browser(bad)).status_code == 400
    assert PushSubscription.objects.count() == 1


def test_a_name_that_turns_internal_after_subscribing_is_refused_at_send_time(
    monkeypatch, receiver, django_capture_on_commit_callbacks
):
    port = receiver.server.server_address[1]
    resolver = Resolver(monkeypatch, push_rebind_example=[PUBLIC, "127.0.0.1"])
    ana = UserFactory()
    assert subscribe(ana, Browser(f"https://push.rebind.example:{port}/x")).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        notify(ana)
    assert receiver.requests == [] and resolver.lookups == ["push.rebind.example"] * 2
    # Kept (a name may answer wrongly for a while), marked failing: pruning removes it if it stays so.
    assert PushSubscription.objects.get().failing_since is not None


def test_a_rebinding_answer_between_the_check_and_the_connection_cannot_reach_the_private_address(
    monkeypatch, receiver, settings
):
    """The name answers public to the subscribe check and the send check, then 127.0.0.1, where
    the receiver listens on the endpoint's port: the send connects to the address checked."""
    port = receiver.server.server_address[1]
    settings.WEB_PUSH_ALLOW_HOSTS = []
    ana = UserFactory()
    resolver = Resolver(monkeypatch, push_rebind_example=[PUBLIC, PUBLIC, "127.0.0.1"])
    assert subscribe(ana, Browser(f"http://push.rebind.example:{port}/x")).status_code == 400  # http: refused
    assert subscribe(ana, Browser(f"https://push.rebind.example:{port}/x")).status_code == 201
    [notification] = notify(ana)  # no commit here: sent below, by hand
    connected = []

    def record(address, *args, **kwargs):
        connected.append(address)
        raise ConnectionRefusedError("the bench has no route to the public address")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", record)
    with pytest.raises(push.TransientPushError):
        push.send_push(notification_id=notification.pk)
    assert connected == [(PUBLIC, port)] and receiver.requests == []
    assert resolver.lookups == ["push.rebind.example"] * 2  # no third lookup at connection time


def test_the_rebinding_resolver_does_reach_the_receiver_without_pinning(monkeypatch, receiver):
    """The control: what the pinning above prevents is real. A plain request, after the two
    checks, looks the name up again and lands on 127.0.0.1."""
    port = receiver.server.server_address[1]
    Resolver(monkeypatch, push_rebind_example=["127.0.0.1"])
    requests.post(f"http://push.rebind.example:{port}/x", data=b"", timeout=5)
    assert len(receiver.requests) == 1


def test_the_pinned_connection_names_the_endpoints_host(monkeypatch, receiver, settings):
    """An allowed development host over http, pinned to its address: the receiver sees the
    endpoint's own name in Host, and the VAPID audience is the endpoint's origin."""
    port = receiver.server.server_address[1]
    settings.WEB_PUSH_ALLOW_HOSTS = ["push.local.test"]
    Resolver(monkeypatch, push_local_test=["127.0.0.1"])
    ana = UserFactory()
    browser = Browser(f"http://push.local.test:{port}/push/ana")
    assert subscribe(ana, browser).status_code == 201
    [notification] = notify(ana)
    PushSubscription.objects.update(failing_since=timezone.now())
    assert push.send_push(notification_id=notification.pk) == 1
    [request] = receiver.requests
    assert request["headers"]["host"] == f"push.local.test:{port}" and request["path"] == "/push/ana"
    assert browser.decrypt(request["body"])["body"] == "Incident #7 was declared."
    assert PushSubscription.objects.get().failing_since is None  # a delivered push clears it


def test_redirects_are_not_followed(monkeypatch, receiver, settings):
    port = receiver.server.server_address[1]
    settings.WEB_PUSH_ALLOW_HOSTS = ["push.local.test"]
    Resolver(monkeypatch, push_local_test=["127.0.0.1"])
    target = push_endpoints.check(f"http://push.local.test:{port}/push")
    receiver.status, receiver.location = 307, "http://169.254.169.254/latest/meta-data/"
    with push_endpoints.pinned_session(target) as session:
        answer = session.post(f"http://push.local.test:{port}/push", data=b"x", allow_redirects=True)
    assert answer.status_code == 307 and len(receiver.requests) == 1
    with pytest.raises(push_endpoints.RefusedEndpointError):  # and no other origin through this session
        push_endpoints.pinned_session(target).post("http://169.254.169.254/latest/meta-data/", timeout=1)


def _certificate_for(name: str, directory) -> tuple[str, str]:
    """A self-signed certificate for `name` (and its key), as files."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


def test_over_https_the_pinned_connection_sends_sni_and_checks_the_certificate_for_the_name(
    monkeypatch, settings, tmp_path
):
    """Pinned to 127.0.0.1, the TLS handshake still names push.tls.test (SNI) and the certificate
    is checked against that name, not the address; a certificate for another name is refused."""
    import ssl

    from .push_receiver import Receiver

    cert, key = _certificate_for("push.tls.test", tmp_path)
    server_names = []
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    tls.sni_callback = lambda connection, name, context: server_names.append(name)
    receiver = Receiver(tls=tls)
    try:
        port = receiver.server.server_address[1]
        settings.WEB_PUSH_ALLOW_HOSTS = ["push.tls.test", "push.other.test"]  # their address is 127.0.0.1
        Resolver(monkeypatch, push_tls_test=["127.0.0.1"], push_other_test=["127.0.0.1"])
        target = push_endpoints.check(f"https://push.tls.test:{port}/push")
        with push_endpoints.pinned_session(target) as session:
            session.verify = cert  # trust this test's certificate, as the system's CAs are trusted
            assert session.post(f"https://push.tls.test:{port}/push", data=b"x").status_code == 201
        assert server_names == ["push.tls.test"]
        assert receiver.requests[0]["headers"]["host"] == f"push.tls.test:{port}"
        other = push_endpoints.check(f"https://push.other.test:{port}/push")
        with push_endpoints.pinned_session(other) as session, pytest.raises(requests.exceptions.SSLError):
            session.verify = cert
            session.post(f"https://push.other.test:{port}/push", data=b"x")
        assert len(receiver.requests) == 1
    finally:
        receiver.close()
