"""Web Push for real: a local HTTP receiver plays the push service (RFC 8030), decrypts each
message with the subscription's own private key and auth secret (RFC 8291, aes128gcm, with
http_ece) and checks the VAPID signature (RFC 8292); a 404 or 410 removes the subscription."""

import base64
import os
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from rest_framework.test import APIClient

from portal.notifications import push_keys
from portal.notifications.push_models import PushSubscription
from tests.portal.factories import UserFactory

from .push_receiver import Browser, b64url, notify, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


def test_a_notification_is_pushed_encrypted_for_the_browser_and_signed_with_vapid(
    receiver, django_capture_on_commit_callbacks
):
    ana = UserFactory(language="fr")
    browser = Browser(f"{receiver.origin}/push/ana-phone")
    assert subscribe(ana, browser).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notify(ana)
    [request] = receiver.requests
    assert request["path"] == "/push/ana-phone"
    assert request["headers"]["content-encoding"] == "aes128gcm" and int(request["headers"]["ttl"]) > 0
    assert browser.decrypt(request["body"]) == {
        "title": "Portail de l'Appel",  # the site's name, in French too
        "body": "L'incident n° 7 a été déclaré.",  # in the recipient's language
        "url": "/incidents/7/",
        "tag": f"notification-{notification.pk}",
    }
    # RFC 8292: "vapid t=<JWT signed ES256>, k=<the public key>", for this push service's origin.
    scheme, _, params = request["headers"]["authorization"].partition(" ")
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert scheme == "vapid" and fields["k"] == push_keys.public_key()
    claims = jwt.decode(fields["t"], push_keys.vapid().public_key, algorithms=["ES256"], audience=receiver.origin)
    assert claims["sub"] == "mailto:desk@portal.example" and claims["exp"] > time.time()
    assert PushSubscription.objects.filter(user=ana).count() == 1


def test_only_the_recipients_browsers_get_it(receiver, django_capture_on_commit_callbacks):
    ana, ben = UserFactory(), UserFactory()
    subscribe(ben, Browser(f"{receiver.origin}/push/ben"))
    with django_capture_on_commit_callbacks(execute=True):
        notify(ana)
    assert receiver.requests == []


@pytest.mark.parametrize("status", [404, 410])
def test_an_expired_subscription_is_removed(receiver, status, django_capture_on_commit_callbacks):
    ana = UserFactory()
    subscribe(ana, Browser(f"{receiver.origin}/push/gone"))
    kept = Browser(f"{receiver.origin}/push/kept")
    subscribe(ana, kept)
    receiver.status = status
    with django_capture_on_commit_callbacks(execute=True):
        notify(ana)
    assert len(receiver.requests) == 2
    assert not PushSubscription.objects.exists()  # both answered `status`
    receiver.status = 201
    subscribe(ana, kept)
    with django_capture_on_commit_callbacks(execute=True):
        notify(ana, key="again")
    assert kept.decrypt(receiver.requests[-1]["body"])["body"] == "Incident #7 was declared."


def test_subscribing_checks_the_endpoint_and_the_keys(receiver, settings):
    ana = UserFactory()
    browser = Browser(f"{receiver.origin}/push/x")
    bad_keys = {**browser.subscription, "keys": {"p256dh": "short", "auth": b64url(os.urandom(16))}}
    assert subscribe(ana, Browser(f"{receiver.origin}/push/x")).status_code == 201
    assert subscribe(ana, type("B", (), {"subscription": bad_keys})()).status_code == 400
    assert subscribe(ana, type("B", (), {"subscription": {"endpoint": "x"}})()).status_code == 400
    settings.WEB_PUSH_ALLOW_HOSTS = []  # in production: no private addresses, https only
    refused = subscribe(ana, Browser(f"{receiver.origin}/push/y"))
    assert refused.status_code == 400 and "endpoint" in refused.json()
    assert PushSubscription.objects.count() == 1


def test_unsubscribing_removes_only_ones_own(receiver):
    ana, ben = UserFactory(), UserFactory()
    browser = Browser(f"{receiver.origin}/push/ana")
    subscribe(ana, browser)
    api = APIClient()
    api.force_authenticate(ben)
    assert (
        api.post("/api/v1/push/subscriptions/remove/", {"endpoint": browser.subscription["endpoint"]}).status_code
        == 404
    )
    api.force_authenticate(ana)
    assert (
        api.post("/api/v1/push/subscriptions/remove/", {"endpoint": browser.subscription["endpoint"]}).status_code
        == 204
    )
    assert not PushSubscription.objects.exists()


def test_a_session_must_send_the_csrf_token(receiver):
    ana = UserFactory()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(ana)
    browser = Browser(f"{receiver.origin}/push/ana")
    assert client.post("/api/v1/push/subscriptions/", browser.subscription, format="json").status_code == 403
    assert not PushSubscription.objects.exists()


def test_the_service_worker_and_the_key():
    response = Client().get("/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/" and "no-cache" in response["Cache-Control"]
    assert b"showNotification" in response.content
    api = APIClient()
    api.force_authenticate(UserFactory())
    key = api.get("/api/v1/push/key/").json()["public_key"]
    assert key == push_keys.public_key() and len(base64.urlsafe_b64decode(key + "=")) == 65


def test_the_vapid_key_comes_from_the_settings_when_given(settings):
    derived = push_keys.public_key()
    private = ec.generate_private_key(ec.SECP256R1())
    settings.VAPID_PRIVATE_KEY = b64url(private.private_numbers().private_value.to_bytes(32, "big"))
    own = b64url(
        private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    assert push_keys.public_key() == own != derived
    settings.VAPID_PUBLIC_KEY = derived  # not that key's
    with pytest.raises(ImproperlyConfigured):
        push_keys.public_key()
