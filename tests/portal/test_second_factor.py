"""The audit's first reproduction: the Django admin signed a secretariat user in with the
password alone, and every two-factor gate asked whether the *user* had a TOTP device, not
whether the *session* passed it. Now the admin signs in through allauth, and a session that
skipped the second factor opens nothing (the route matrix in tests/permissions checks every
route; these tests check the paths the audit took, one by one)."""

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from incidents import services as incident_services
from incidents.models import Incident, Tier, Tlp
from portal import second_factor
from portal.models import ApiToken, User
from tests.helpers.two_factor import password_only_login

from .factories import PASSWORD, make_totp

VERIFY = reverse("mfa_reauthenticate")


def code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


@pytest.fixture
def superuser(db):
    """What `createsuperuser` makes: staff, superuser and secretariat, with TOTP set up."""
    user = User.objects.create_superuser("root@example.org", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user, make_totp(user)


# --- The admin ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_login_is_the_sites_sign_in(client, superuser):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login")) and "next=%2Fadmin%2F" in response.url


@pytest.mark.django_db
def test_the_admins_password_form_signs_nobody_in_even_after_many_tries(client, superuser):
    client.get(reverse("account_login"))  # a CSRF cookie, as a browser would have
    for attempt in range(25):
        client.post("/admin/login/", {"username": "root@example.org", "password": f"wrong-{attempt}"})
    response = client.post("/admin/login/?next=/admin/", {"username": "root@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert client.get(reverse("portal:audit_log")).status_code == 302


@pytest.mark.django_db
def test_the_password_alone_leaves_the_admin_closed_until_the_code(client, superuser, settings):
    settings.MFA_TOTP_TOLERANCE = 1  # the code is computed a moment before it is checked
    _user, secret = superuser
    response = client.post(reverse("account_login"), {"login": "root@example.org", "password": PASSWORD})
    assert response.url.startswith(reverse("mfa_authenticate"))
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302

    client.post(reverse("mfa_authenticate"), {"code": code(secret)})
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("portal:audit_log")).status_code == 200


@pytest.mark.django_db
def test_a_session_that_skipped_the_code_is_asked_for_it_on_every_page(client, superuser):
    user, _secret = superuser
    password_only_login(client, user)
    for path in ("/admin/", reverse("portal:audit_log"), reverse("portal:home"), reverse("portal:api_tokens")):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith(VERIFY), path
    assert client.get(VERIFY).status_code == 200  # where the code is entered
    response = client.get("/admin/", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith(VERIFY)


@pytest.mark.django_db
def test_entering_the_code_on_the_prompt_opens_the_session(client, superuser, settings):
    settings.MFA_TOTP_TOLERANCE = 1
    user, secret = superuser
    password_only_login(client, user)
    response = client.post(f"{VERIFY}?next=/audit/", {"code": code(secret)})
    assert response.status_code == 302 and response.url == "/audit/"
    assert client.get("/audit/").status_code == 200


@pytest.mark.django_db
def test_staff_without_two_factor_are_sent_to_set_it_up(client):
    user = User.objects.create_superuser("new@example.org", PASSWORD)
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response.url)  # the admin's login, for a signed-in user it refuses
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_activate_totp"))


# --- The API -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_session_that_skipped_the_code_cannot_mint_a_token(superuser):
    user, _secret = superuser
    client = Client()
    password_only_login(client, user)
    response = client.post("/api/v1/tokens/", {"name": "for good"}, content_type="application/json")
    assert response.status_code == 401
    assert "second factor" in response.json()["detail"]
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_a_session_that_passed_the_code_mints_a_token(client, superuser):
    user, _secret = superuser
    client.force_login(user)  # with the code (tests/conftest.py)
    response = client.post("/api/v1/tokens/", {"name": "ops"}, content_type="application/json")
    assert response.status_code == 201


@pytest.mark.django_db
def test_a_user_object_from_the_database_has_passed_nothing(superuser):
    user = User.objects.get(email="root@example.org")
    assert not second_factor.passed(user)
    from portal import permissions

    assert permissions.has_two_factor(user) and not permissions.can_enter_crisis_areas(user)


# --- The room ----------------------------------------------------------------------

OWN = (b"origin", b"http://127.0.0.1:8000")


async def _connect(incident, headers):
    from portal.asgi import application

    communicator = WebsocketCommunicator(application, f"/ws/incidents/{incident.pk}/", headers=headers)
    try:
        connected, code = await communicator.connect(timeout=5)
        if connected:
            frame = await communicator.receive_output(timeout=5)
            return frame.get("code") if frame["type"] == "websocket.close" else "open"
        return code
    finally:
        # Ends the app's task on every path: a refused handshake's task left running once held
        # the event loop's shutdown until pytest-timeout (seen twice in CI).
        await communicator.disconnect()


def _red_incident_and_cookies(superuser_pair):
    user, _secret = superuser_pair
    incident = incident_services.declare_incident(actor=user, title="Red room", tier=Tier.FULL_PROTOCOL, tlp=Tlp.RED)
    skipped, passed = Client(), Client()
    password_only_login(skipped, user)
    passed.force_login(user)
    return incident, skipped.cookies["sessionid"].value, passed.cookies["sessionid"].value


@pytest.mark.django_db(transaction=True)
async def test_the_room_refuses_a_session_that_skipped_the_code(superuser):
    incident, skipped, passed = await sync_to_async(_red_incident_and_cookies)(superuser)
    assert await _connect(incident, [(b"cookie", f"sessionid={skipped}".encode()), OWN]) == 4401
    assert await _connect(incident, [(b"cookie", f"sessionid={passed}".encode()), OWN]) == "open"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("header", [b"Token x", b"Token", b"Bearer abc", b"Token cp_not-a-real-key"])
async def test_a_token_that_does_not_authenticate_never_falls_back_to_the_cookie(superuser, header):
    incident, _skipped, passed = await sync_to_async(_red_incident_and_cookies)(superuser)
    cookie = (b"cookie", f"sessionid={passed}".encode())
    assert await _connect(incident, [cookie, (b"authorization", header), OWN]) == 4401
    assert await Incident.objects.filter(pk=incident.pk).aexists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "origin",
    [b"http://127.0.0.1:9999", b"https://127.0.0.1:8000", b"http://127.0.0.1", b"http://localhost:8000", b"null"],
)
async def test_the_origin_must_match_scheme_host_and_port(superuser, origin):
    incident, _skipped, passed = await sync_to_async(_red_incident_and_cookies)(superuser)
    cookie = (b"cookie", f"sessionid={passed}".encode())
    host = (b"host", b"127.0.0.1:8000")
    assert await _connect(incident, [cookie, host, (b"origin", origin)]) != "open"
    assert await _connect(incident, [cookie, host, OWN]) == "open"


@pytest.mark.django_db
def test_the_handshakes_own_host_is_its_origin(settings):
    from portal.ws.origin import origin_allowed

    settings.ALLOWED_HOSTS = ["portal.example"]
    settings.SITE_URL = "https://portal.example"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    def scope(origin, host=b"portal.example", proto=b"https"):
        headers = [(b"origin", origin), (b"host", host), (b"x-forwarded-proto", proto)]
        return {"type": "websocket", "scheme": "ws", "headers": headers}

    assert origin_allowed(scope(b"https://portal.example"))
    assert not origin_allowed(scope(b"http://portal.example"))  # the connection came over https
    assert not origin_allowed(scope(b"https://portal.example:8443"))
    assert not origin_allowed(scope(b"https://evil.example", host=b"evil.example"))  # not an allowed host
    assert not origin_allowed(scope(b"https://portal.example.evil.example"))


@pytest.mark.django_db
def test_the_audit_log_is_kept_out_of_caches(client, superuser):
    user, _secret = superuser
    client.force_login(user)
    response = client.get(reverse("portal:audit_log"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
