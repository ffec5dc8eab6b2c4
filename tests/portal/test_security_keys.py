"""Security keys and passkeys (WebAuthn, allauth.mfa) as the second factor: a key counts
wherever TOTP does, by the same per-session rule (portal.second_factor). The ceremonies run
for real against allauth's views with a key made in software (tests/helpers/webauthn.py)."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client
from django.urls import reverse

from incidents import services as incident_services
from incidents.models import Tier, Tlp
from incidents.permissions import room_audience
from portal import permissions, second_factor
from portal.models import ApiToken, Role
from tests.helpers.two_factor import password_only_login
from tests.helpers.webauthn import HOST, SoftKey, authenticator_for
from tests.incidents.factories import responder_of

from .factories import PASSWORD, OrganizationFactory, UserFactory

AUDIT = reverse("portal:audit_log")
TOKENS_API = "/api/v1/tokens/"
KEY_PROMPT = reverse("mfa_reauthenticate_webauthn")


def browser() -> Client:
    """A client on http://localhost: WebAuthn's relying party must be a domain (tests/helpers/webauthn.py)."""
    return Client(HTTP_HOST=HOST)


def sign_in_with_password(client, user):
    """Signs in, and confirms the password again as allauth asks before adding a key."""
    for url, data in ((reverse("account_login"), {"login": user.email}), (reverse("account_reauthenticate"), {})):
        response = client.post(url, {**data, "password": PASSWORD})
        assert response.status_code == 302, response.content


def register_key(client, key: SoftKey, *, next_path: str | None = None, passwordless: bool = True):
    url = reverse("mfa_add_webauthn") + (f"?next={next_path}" if next_path else "")
    page = client.get(url)
    assert page.status_code == 200
    credential = key.register(page.context["js_data"]["creation_options"])
    data = {"name": "Blue key", "credential": credential}
    if passwordless:
        data["passwordless"] = "on"
    return client.post(reverse("mfa_add_webauthn"), data)


@pytest.fixture
def secretary(db):
    return UserFactory(is_secretariat=True)


def tokens_created(client) -> int:
    response = client.post(TOKENS_API, {"name": "ops"}, content_type="application/json")
    return response.status_code


@pytest.mark.django_db
def test_a_user_with_only_a_key_owns_a_second_factor(secretary):
    assert not permissions.has_two_factor(secretary)
    RecoveryCodes.activate(secretary)  # codes alone stand in for a factor, they are none
    assert not permissions.has_two_factor(secretary)
    authenticator_for(secretary)
    assert permissions.has_two_factor(secretary)
    assert not permissions.can_enter_crisis_areas(secretary)  # owning is not passing
    assert permissions.can_enter_crisis_areas(second_factor.note(secretary, passed=True))


@pytest.mark.django_db
def test_a_session_that_skipped_the_key_is_sent_to_the_keys_prompt_and_opens_nothing(secretary):
    authenticator_for(secretary)
    client = browser()
    password_only_login(client, secretary)
    response = client.get(AUDIT)
    assert response.status_code == 302 and response.url.startswith(KEY_PROMPT)
    assert client.get(KEY_PROMPT).status_code == 200  # the prompt itself opens
    assert tokens_created(client) == 401
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_a_user_with_an_app_and_a_key_is_asked_for_the_code_which_offers_the_key(secretary):
    from tests.portal.factories import make_totp

    make_totp(secretary)
    authenticator_for(secretary)
    client = browser()
    password_only_login(client, secretary)
    response = client.get(AUDIT)
    assert response.url.startswith(reverse("mfa_reauthenticate"))
    assert KEY_PROMPT.encode() in client.get(response.url).content  # "Use a security key"


@pytest.mark.django_db
def test_registering_a_key_passes_the_second_factor_in_that_session_and_leads_back(secretary):
    client = browser()
    sign_in_with_password(client, secretary)
    assert client.get(AUDIT).status_code == 302  # to the set-up: no factor yet
    assert tokens_created(client) == 403
    assert not ApiToken.objects.exists()

    response = register_key(client, SoftKey(), next_path=AUDIT)
    # The recovery codes come first (generated with the first key), then the way back.
    assert response.status_code == 302
    assert response.url == f"{reverse('mfa_view_recovery_codes')}?next=%2Faudit%2F"
    assert Authenticator.objects.filter(user=secretary, type=Authenticator.Type.WEBAUTHN).count() == 1
    assert client.get(AUDIT).status_code == 200
    assert tokens_created(client) == 201


@pytest.mark.django_db
def test_several_named_keys_each_open_the_session(secretary):
    first, second = SoftKey(), SoftKey()
    client = browser()
    sign_in_with_password(client, secretary)
    register_key(client, first)
    register_key(client, second)
    names = [a.wrap().name for a in Authenticator.objects.filter(user=secretary, type=Authenticator.Type.WEBAUTHN)]
    assert names == ["Blue key", "Blue key"]

    for key in (first, second):
        later = browser()
        password_only_login(later, secretary)  # a session that has not passed the key yet
        prompt = later.get(f"{KEY_PROMPT}?next={AUDIT}")
        credential = key.assert_(prompt.context["js_data"]["request_options"])
        response = later.post(KEY_PROMPT, {"credential": credential, "next": AUDIT})
        assert response.status_code == 302 and response.url == AUDIT
        assert later.get(AUDIT).status_code == 200


@pytest.mark.django_db
def test_signing_in_with_a_passkey_passes_the_second_factor(secretary):
    key = SoftKey()
    client = browser()
    sign_in_with_password(client, secretary)
    register_key(client, key)
    client.post(reverse("account_logout"))

    login = reverse("mfa_login_webauthn")
    options = client.get(login, headers={"Accept": "application/json"}).json()["request_options"]
    response = client.post(login, {"credential": key.assert_(options)})
    assert response.status_code == 302
    assert client.get(AUDIT).status_code == 200
    assert tokens_created(client) == 201


@pytest.mark.django_db
def test_a_forged_key_answer_signs_nobody_in_and_adds_nothing(secretary):
    client = browser()
    sign_in_with_password(client, secretary)
    page = client.get(reverse("mfa_add_webauthn"))
    credential = SoftKey(origin="https://evil.example").register(page.context["js_data"]["creation_options"])
    for bad in (credential, '{"id": "x"}', "not json"):
        response = client.post(reverse("mfa_add_webauthn"), {"name": "Evil", "credential": bad})
        assert response.status_code == 200  # the form again, with its error
    assert not Authenticator.objects.filter(user=secretary).exists()
    assert client.get(AUDIT).status_code == 302

    key = SoftKey()
    register_key(client, key)
    later = browser()
    password_only_login(later, secretary)
    prompt = later.get(KEY_PROMPT)
    wrong = SoftKey()  # another key, never registered
    wrong.credential_id, wrong.user_handle = key.credential_id, key.user_handle
    later.post(KEY_PROMPT, {"credential": wrong.assert_(prompt.context["js_data"]["request_options"])})
    assert later.get(AUDIT).status_code == 302


@pytest.mark.django_db
def test_recovery_codes_still_open_a_session_that_skipped_the_key(secretary):
    authenticator_for(secretary)
    code = RecoveryCodes.activate(secretary).generate_codes()[0]
    client = browser()
    password_only_login(client, secretary)
    response = client.post(f"{reverse('mfa_reauthenticate')}?next={AUDIT}", {"code": code})
    assert response.status_code == 302 and response.url == AUDIT
    assert client.get(AUDIT).status_code == 200


@pytest.mark.django_db
def test_a_responder_with_only_a_key_may_enter_the_room():
    provider = OrganizationFactory()
    responder = responder_of(provider, two_factor=False)
    commander = responder_of(provider, role=Role.ADMIN)
    commander.is_secretariat = True
    commander.save()
    incident = incident_services.declare_incident(
        actor=commander, title="Key room", tier=Tier.FULL_PROTOCOL, tlp=Tlp.AMBER, organizations=[provider]
    )
    assert responder.pk not in room_audience(incident, [responder.pk])
    authenticator_for(responder)
    assert responder.pk in room_audience(incident, [responder.pk])


MALFORMED = ['{"id": "x"}', "[1]", '"text"', '{"id": "AA", "rawId": "AA", "type": "public-key", "response": {}}']


@pytest.mark.django_db
@pytest.mark.parametrize("bad", MALFORMED)
def test_a_malformed_key_answer_is_refused_without_an_error(secretary, bad):
    login = reverse("mfa_login_webauthn")
    anonymous = browser()
    anonymous.get(login, headers={"Accept": "application/json"})
    response = anonymous.post(login, {"credential": bad})
    assert response.status_code == 302 and response.url == reverse("account_login")
    assert "_auth_user_id" not in anonymous.session

    authenticator_for(secretary)
    skipped = browser()
    password_only_login(skipped, secretary)
    skipped.get(KEY_PROMPT)
    assert skipped.post(KEY_PROMPT, {"credential": bad}).status_code == 302
    assert skipped.get(AUDIT).url.startswith(KEY_PROMPT)


@pytest.mark.django_db
def test_keys_are_listed_by_name_renamed_and_removed(secretary):
    client = browser()
    sign_in_with_password(client, secretary)
    register_key(client, SoftKey())
    authenticator = Authenticator.objects.get(user=secretary, type=Authenticator.Type.WEBAUTHN)
    edit = reverse("mfa_edit_webauthn", kwargs={"pk": authenticator.pk})
    assert client.post(edit, {"name": "Office key"}).status_code == 302
    listing = client.get(reverse("mfa_list_webauthn")).content.decode()
    assert "Office key" in listing and reverse("mfa_remove_webauthn", kwargs={"pk": authenticator.pk}) in listing
    assert b"Security Keys" in client.get(reverse("mfa_index")).content

    other = UserFactory()
    theirs = authenticator_for(other)
    response = client.post(reverse("mfa_remove_webauthn", kwargs={"pk": theirs.pk}))
    assert response.status_code == 404 and Authenticator.objects.filter(pk=theirs.pk).exists()

    client.post(reverse("mfa_remove_webauthn", kwargs={"pk": authenticator.pk}))
    assert not Authenticator.objects.filter(user=secretary).exists()  # the recovery codes went with it
    assert not permissions.has_two_factor(secretary)


@pytest.mark.django_db
def test_the_sign_in_page_offers_a_passkey_with_allauths_own_script(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "Sign in with a passkey" in page
    assert "/static/mfa/js/webauthn.js" in page


@pytest.mark.django_db
def test_signing_in_with_the_password_then_the_key(secretary):
    key = SoftKey()
    earlier = browser()
    sign_in_with_password(earlier, secretary)
    register_key(earlier, key, passwordless=False)  # a second factor only, not a passkey
    client = browser()
    response = client.post(reverse("account_login"), {"login": secretary.email, "password": PASSWORD})
    stage = reverse("mfa_authenticate")
    assert response.url.startswith(stage)
    page = client.post(stage, {"credential": MALFORMED[0]})
    assert page.status_code == 200  # the prompt again, with a new challenge
    assert "_auth_user_id" not in client.session

    response = client.post(stage, {"credential": key.assert_(page.context["js_data"]["request_options"])})
    assert response.status_code == 302
    assert client.get(AUDIT).status_code == 200


@pytest.mark.django_db
def test_the_authenticator_app_set_up_offers_a_key_instead_with_the_same_way_back(secretary):
    client = browser()
    sign_in_with_password(client, secretary)
    page = client.get(f"{reverse('mfa_activate_totp')}?next={AUDIT}").content.decode()
    assert f'href="{reverse("mfa_add_webauthn")}?next=%2Faudit%2F"' in page
    assert "Use a security key or a passkey instead" in page
