"""Webhook deliveries against a real HTTP receiver on 127.0.0.1: signed, retried, logged,
refused for private addresses, and endpoints disabled after repeated failures."""

import json
import re
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.models import Delivery, Role
from portal.webhooks import delivery as webhook_delivery
from portal.webhooks import services
from portal.webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint
from portal.webhooks.tasks import notify_endpoint_disabled_task, requeue_stale_webhooks_task
from tests.helpers.webhooks import Receiver
from tests.portal.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def documented_verifier():
    """The verification snippet exactly as docs/operations.md shows it under "Webhooks"."""
    section = DOCS.read_text().split("## Webhooks", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(code, namespace)  # our own documentation's snippet, as a reader would paste it
    return namespace["verify_callportal_signature"]


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(autouse=True)
def _allow_private(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Streamwave")


@pytest.fixture
def admin(organization):
    return MembershipFactory(organization=organization, role=Role.ADMIN, user__email="admin@streamwave.example").user


@pytest.fixture
def endpoint_with_secret(admin, organization, receiver):
    return services.create_endpoint(
        actor=admin, organization=organization, url=receiver.url, events=["incident.declared", "progress.updated"]
    )


@pytest.fixture
def endpoint(endpoint_with_secret):
    return endpoint_with_secret[0]


def emit(django_capture_on_commit_callbacks, organization, event="incident.declared", payload=None):
    with django_capture_on_commit_callbacks(execute=True):
        return services.emit_event(
            organization_ids=[organization.pk], event=event, payload=payload or {"incident": 7, "title": "Attack"}
        )


# --- Signing ------------------------------------------------------------------------------


def test_a_signed_payload_arrives_and_verifies_with_the_documented_snippet(
    eager_celery, django_capture_on_commit_callbacks, organization, endpoint_with_secret, receiver
):
    _endpoint, secret = endpoint_with_secret
    (created,) = emit(django_capture_on_commit_callbacks, organization)

    ((path, headers, body),) = receiver.requests
    verify = documented_verifier()
    assert verify(secret, headers, body)
    assert not verify(secret + "x", headers, body)
    assert not verify(secret, headers, body + b" ")
    assert path == "/hook"
    assert headers["X-CallPortal-Event"] == "incident.declared"
    assert headers["X-CallPortal-Delivery"] == str(created.uuid)
    assert headers["Content-Type"] == "application/json"
    message = json.loads(body)
    assert (message["id"], message["event"], message["organization"], message["data"]) == (
        str(created.uuid),
        "incident.declared",
        organization.pk,
        {"incident": 7, "title": "Attack"},
    )
    created.refresh_from_db()
    assert (created.status, created.response_status, created.attempts) == (WebhookDeliveryStatus.DELIVERED, 200, 1)


def test_the_secret_is_new_for_each_endpoint_and_shown_only_at_creation(admin, organization, receiver):
    _first, one = services.create_endpoint(
        actor=admin, organization=organization, url=receiver.url, events=["incident.item"]
    )
    _second, two = services.create_endpoint(
        actor=admin, organization=organization, url=receiver.url, events=["incident.item"]
    )
    assert one != two and one.startswith("whsec_") and len(one) > 40


# --- What is emitted, and when ------------------------------------------------------------


def test_emit_writes_one_delivery_per_subscribed_active_endpoint_and_queues_after_commit(
    django_capture_on_commit_callbacks, monkeypatch, admin, organization, endpoint, receiver
):
    other_org = OrganizationFactory(name="Kestrel")
    other_admin = MembershipFactory(organization=other_org, role=Role.ADMIN).user
    other, _ = services.create_endpoint(
        actor=other_admin, organization=other_org, url=receiver.url, events=["incident.declared"]
    )
    services.create_endpoint(actor=admin, organization=organization, url=receiver.url, events=["report.published"])
    disabled, _ = services.create_endpoint(
        actor=admin, organization=organization, url=receiver.url, events=["incident.declared"]
    )
    services.set_endpoint_active(actor=admin, endpoint=disabled, active=False)
    queued = []
    monkeypatch.setattr("portal.webhooks.tasks.send_webhook_task.delay", lambda **kwargs: queued.append(kwargs))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = services.emit_event(
            organization_ids=[organization.pk, other_org.pk], event="incident.declared", payload={"incident": 1}
        )
        assert queued == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    assert sorted(d.endpoint_id for d in created) == sorted([endpoint.pk, other.pk])
    assert sorted(q["delivery_id"] for q in queued) == sorted(d.pk for d in created)
    assert receiver.requests == []


def test_emit_refuses_an_unknown_event_and_an_unserialisable_payload(organization, endpoint):
    with pytest.raises(ValueError):
        services.emit_event(organization_ids=[organization.pk], event="incident.exploded", payload={})
    with pytest.raises(TypeError):
        services.emit_event(organization_ids=[organization.pk], event="incident.item", payload={"x": object()})
    assert not WebhookDelivery.objects.exists()


# --- Retries and failures -----------------------------------------------------------------


def test_a_500_then_a_200_is_delivered_once_with_the_same_body_and_id(
    eager_celery, django_capture_on_commit_callbacks, organization, endpoint, receiver
):
    receiver.statuses = [500]
    (created,) = emit(django_capture_on_commit_callbacks, organization)

    assert len(receiver.requests) == 2
    (_, first, first_body), (_, second, second_body) = receiver.requests
    assert first_body == second_body
    assert first["X-CallPortal-Delivery"] == second["X-CallPortal-Delivery"] == str(created.uuid)
    created.refresh_from_db()
    assert (created.status, created.attempts, created.response_status) == (WebhookDeliveryStatus.DELIVERED, 2, 200)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    # A rerun of the task finds it delivered and sends nothing.
    assert webhook_delivery.send_delivery(created.pk) == webhook_delivery.Outcome.DONE
    assert len(receiver.requests) == 2


def test_429_and_network_errors_are_transient(organization, endpoint, receiver):
    receiver.statuses = [429]
    (created,) = services.emit_event(organization_ids=[organization.pk], event="incident.declared", payload={})
    with pytest.raises(webhook_delivery.TransientWebhookError):
        webhook_delivery.send_delivery(created.pk)
    created.refresh_from_db()
    assert (created.status, created.response_status, created.last_error) == ("queued", 429, "HTTP 429")

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: connection refused
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=f"http://127.0.0.1:{port}/hook")
    with pytest.raises(webhook_delivery.TransientWebhookError, match="ConnectionRefusedError"):
        webhook_delivery.send_delivery(created.pk)
    created.refresh_from_db()
    assert (created.status, created.attempts) == ("queued", 2)


def test_transient_failures_end_recorded_as_failed_after_the_last_attempt(
    eager_celery, settings, django_capture_on_commit_callbacks, organization, endpoint, receiver
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 3
    receiver.statuses = [503, 503, 503, 503]
    (created,) = emit(django_capture_on_commit_callbacks, organization)

    assert len(receiver.requests) == 3
    created.refresh_from_db()
    assert (created.status, created.attempts, created.response_status) == (WebhookDeliveryStatus.FAILED, 3, 503)
    assert created.last_error == "gave up after 3 attempts: HTTP 503"
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1


@pytest.mark.parametrize(("status", "reason"), [(404, "HTTP 404"), (302, "HTTP 302 (redirects are not followed)")])
def test_a_permanent_failure_is_recorded_at_once_and_a_redirect_is_not_followed(
    eager_celery, django_capture_on_commit_callbacks, organization, endpoint, receiver, status, reason
):
    receiver.statuses = [status]
    (created,) = emit(django_capture_on_commit_callbacks, organization)

    assert [path for path, _h, _b in receiver.requests] == ["/hook"]  # one try, never /elsewhere
    created.refresh_from_db()
    assert (created.status, created.attempts, created.response_status, created.last_error) == (
        WebhookDeliveryStatus.FAILED,
        1,
        status,
        reason,
    )


def test_repeated_failures_disable_the_endpoint_and_email_each_admin_once(
    eager_celery, settings, django_capture_on_commit_callbacks, admin, organization, endpoint, receiver
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    second_admin = MembershipFactory(organization=organization, role=Role.ADMIN, user__language="fr").user
    member = MembershipFactory(organization=organization, role=Role.MEMBER).user
    receiver.statuses = [410] * 5

    for _ in range(2):
        emit(django_capture_on_commit_callbacks, organization)
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures, mail.outbox) == (True, 2, [])

    emit(django_capture_on_commit_callbacks, organization)
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (False, 3)
    assert endpoint.disabled_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == sorted([admin.email, second_admin.email])
    assert member.email not in {m.to[0] for m in mail.outbox}
    assert endpoint.url in mail.outbox[0].body
    records = Delivery.objects.filter(kind="webhook_disabled")
    assert sorted(records.values_list("status", flat=True)) == ["sent", "sent"]

    # Disabled: new events skip it; a rerun of the notification sends nothing more.
    assert emit(django_capture_on_commit_callbacks, organization) == []
    notify_endpoint_disabled_task.delay(endpoint_id=endpoint.pk)
    assert len(mail.outbox) == 2 and len(receiver.requests) == 3

    # A test event still reaches it, so admins can check it before enabling it again.
    receiver.statuses = []
    with django_capture_on_commit_callbacks(execute=True):
        ping = services.send_test_event(actor=admin, endpoint=endpoint)
    ping.refresh_from_db()
    assert (ping.status, receiver.requests[-1][1]["X-CallPortal-Event"]) == (WebhookDeliveryStatus.DELIVERED, "ping")
    services.set_endpoint_active(actor=admin, endpoint=endpoint, active=True)
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures, endpoint.disabled_at) == (True, 0, None)


# --- Where webhooks may go ----------------------------------------------------------------


def resolving_to(monkeypatch, *addresses):
    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)


@pytest.mark.parametrize(
    "addresses",
    [
        ("127.0.0.1",),
        ("10.1.2.3",),
        ("192.168.0.10",),
        ("172.16.5.4",),
        ("169.254.169.254",),
        ("0.0.0.0",),
        ("224.0.0.1",),
        ("240.0.0.1",),
        ("100.64.0.1",),
        ("::1",),
        ("fe80::1",),
        ("fc00::1",),
        ("::ffff:127.0.0.1",),
        ("::",),
        ("93.184.216.34", "10.0.0.1"),  # every resolved address counts
    ],
)
def test_endpoints_resolving_to_private_addresses_are_refused(settings, monkeypatch, admin, organization, addresses):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    resolving_to(monkeypatch, *addresses)
    with pytest.raises(ValidationError) as error:
        services.create_endpoint(
            actor=admin, organization=organization, url="https://hooks.example/in", events=["incident.item"]
        )
    assert "url" in error.value.error_dict
    assert not WebhookEndpoint.objects.exists()


# IPv6 forms that lead to an IPv4 address (or to a relay that chooses one): each with the
# address and the reason it names.
EMBEDDING_ADDRESSES = [
    ("::ffff:127.0.0.1", "leads to 127.0.0.1"),  # IPv4-mapped
    ("::ffff:169.254.169.254", "leads to 169.254.169.254"),
    ("::127.0.0.1", "leads to 127.0.0.1"),  # IPv4-compatible
    ("::10.0.0.1", "leads to 10.0.0.1"),
    ("64:ff9b::7f00:1", "leads to 127.0.0.1"),  # NAT64 well-known prefix
    ("64:ff9b::a9fe:a9fe", "leads to 169.254.169.254"),
    ("64:ff9b::c0a8:1", "leads to 192.168.0.1"),
    ("64:ff9b:1::7f00:1", "local NAT64"),  # local-use NAT64: where the IPv4 sits is the operator's choice
    ("64:ff9b:1::808:808", "local NAT64"),
    ("2002:7f00:1::1", "leads to 127.0.0.1"),  # 6to4
    ("2002:a9fe:a9fe::1", "leads to 169.254.169.254"),
    ("2002:0:0::1", "leads to 0.0.0.0"),
    ("2002:808:808::1", "6to4, Teredo"),  # 6to4 to a public IPv4: a relay we do not know still forwards it
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "leads to 127.0.0.1"),  # Teredo, obfuscated client 127.0.0.1
    ("2001:0:7f00:1::f7f7:f7f7", "leads to 127.0.0.1"),  # Teredo server 127.0.0.1
    ("2001:0:808:808::f7f7:f7f7", "6to4, Teredo"),  # Teredo with public server and client
]


@pytest.mark.parametrize(("address", "reason"), EMBEDDING_ADDRESSES)
def test_ipv6_literals_carrying_a_refused_ipv4_are_refused_at_registration(
    admin, organization, settings, address, reason
):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    url = f"https://[{address}]/in"  # the real resolver, which returns a literal as it is
    with pytest.raises(ValidationError) as error:
        services.create_endpoint(actor=admin, organization=organization, url=url, events=["incident.item"])
    (message,) = error.value.error_dict["url"][0].messages
    assert reason in message and "webhooks cannot go there" in message
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(("address", "reason"), EMBEDDING_ADDRESSES)
def test_a_name_that_turns_to_an_ipv6_carrying_a_refused_ipv4_is_not_called(
    settings, monkeypatch, admin, organization, address, reason
):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    resolving_to(monkeypatch, "93.184.216.34")
    services.create_endpoint(
        actor=admin, organization=organization, url="https://hooks.example/in", events=["incident.item"]
    )
    (created,) = services.emit_event(organization_ids=[organization.pk], event="incident.item", payload={})
    resolving_to(monkeypatch, address)  # rebinding: the name answers differently at send time
    connected = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connected.append(a))

    assert webhook_delivery.send_delivery(created.pk) == webhook_delivery.Outcome.FAILED
    created.refresh_from_db()
    assert created.status == WebhookDeliveryStatus.FAILED and reason in created.last_error
    assert connected == []


@pytest.mark.parametrize(
    "address", ["2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34", "2a00:1450:4001:830::200e"]
)
def test_public_ipv6_literals_are_accepted(settings, admin, organization, address):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    endpoint, _ = services.create_endpoint(
        actor=admin, organization=organization, url=f"https://[{address}]/in", events=["incident.item"]
    )
    assert WebhookEndpoint.objects.get().pk == endpoint.pk


def test_public_https_is_accepted_and_http_is_refused_without_the_setting(settings, monkeypatch, admin, organization):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    resolving_to(monkeypatch, "93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946")
    endpoint, _ = services.create_endpoint(
        actor=admin, organization=organization, url="https://hooks.example/in", events=["incident.item"]
    )
    assert endpoint.url == "https://hooks.example/in"
    with pytest.raises(ValidationError, match="https"):
        services.create_endpoint(
            actor=admin, organization=organization, url="http://hooks.example/in", events=["incident.item"]
        )


def test_the_address_is_checked_again_at_send_time(settings, monkeypatch, admin, organization):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    resolving_to(monkeypatch, "93.184.216.34")
    services.create_endpoint(
        actor=admin, organization=organization, url="https://hooks.example/in", events=["incident.item"]
    )
    (created,) = services.emit_event(organization_ids=[organization.pk], event="incident.item", payload={})
    resolving_to(monkeypatch, "93.184.216.34", "169.254.169.254")  # the name now also points inside
    connected = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connected.append(a))

    assert webhook_delivery.send_delivery(created.pk) == webhook_delivery.Outcome.FAILED
    created.refresh_from_db()
    assert "private" in created.last_error and created.status == WebhookDeliveryStatus.FAILED
    assert connected == []


# --- Nothing sent twice, nothing lost ---------------------------------------------------------


def test_a_delivery_held_by_another_sender_is_not_sent_again(organization, endpoint, receiver):
    (created,) = services.emit_event(organization_ids=[organization.pk], event="incident.declared", payload={})
    assert webhook_delivery.claim(created.pk) is not None  # a worker holds it (and died, say)

    assert webhook_delivery.send_delivery(created.pk) == webhook_delivery.Outcome.BUSY
    assert receiver.requests == []
    assert 0 < webhook_delivery.lease_remaining(created.pk) <= 300


def test_the_sweep_requeues_deliveries_whose_task_was_lost(monkeypatch, organization, endpoint, receiver):
    long_ago = timezone.now() - timedelta(minutes=20)
    lost, waiting, held, done = (
        services.emit_event(organization_ids=[organization.pk], event="incident.declared", payload={"n": n})[0]
        for n in range(4)
    )
    WebhookDelivery.objects.filter(pk__in=[lost.pk, waiting.pk, held.pk, done.pk]).update(created_at=long_ago)
    WebhookDelivery.objects.filter(pk=waiting.pk).update(last_attempt_at=timezone.now(), attempts=1)  # in backoff
    webhook_delivery.claim(held.pk)
    WebhookDelivery.objects.filter(pk=done.pk).update(status=WebhookDeliveryStatus.DELIVERED)
    queued = []
    monkeypatch.setattr("portal.webhooks.tasks.send_webhook_task.delay", lambda **kwargs: queued.append(kwargs))

    assert requeue_stale_webhooks_task() == 1
    assert queued == [{"delivery_id": lost.pk}]


def self_signed(tmp_path, host: str) -> tuple[str, str]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


def test_https_connects_to_the_checked_address_and_verifies_the_certificate_for_the_name(
    tmp_path, monkeypatch, organization, admin, receiver
):
    import http.client
    import ssl

    cert, key = self_signed(tmp_path, "hooks.example")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    receiver.server.socket = server_context.wrap_socket(receiver.server.socket, server_side=True)
    monkeypatch.setattr(
        http.client.ssl, "_create_default_https_context", lambda: ssl.create_default_context(cafile=cert)
    )
    resolving_to(monkeypatch, "127.0.0.1")  # the name the certificate is for, resolved to the receiver
    port = receiver.server.server_address[1]
    _endpoint, secret = services.create_endpoint(
        actor=admin, organization=organization, url=f"https://hooks.example:{port}/in", events=["incident.item"]
    )
    (created,) = services.emit_event(organization_ids=[organization.pk], event="incident.item", payload={"n": 1})

    assert webhook_delivery.send_delivery(created.pk) == webhook_delivery.Outcome.DELIVERED
    ((path, headers, body),) = receiver.requests
    assert (path, headers["Host"]) == ("/in", f"hooks.example:{port}")
    assert documented_verifier()(secret, headers, body)
