"""Single sign-on end to end against a real OpenID provider (django-oauth-toolkit, OIDC on, an
RSA key made here) in its own process: discovery, the authorisation code flow with PKCE, the ID
token checked by allauth against the provider's keys. The portal runs in the test's Django
client; allauth talks to the provider over real HTTP, and so does the "browser" (requests)."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import get_adapter
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse

from portal import permissions, second_factor
from portal.models import AuditEvent, Membership, Role, User
from portal.sso import services as sso
from tests.helpers.oidc_provider.server import running_provider

from .factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory, make_totp

pytestmark = pytest.mark.timeout(120)

SLUG, OTHER_SLUG = "ministry", "agency"
LOGIN = "/accounts/oidc/{slug}/login/"
CALLBACK = "http://testserver/accounts/oidc/{slug}/login/callback/"
USERS = {
    # first_name: the amr the provider asserts; last_name "unverified": email_verified false.
    "alice": {"email": "alice@ministry.example", "first_name": "mfa otp", "last_name": ""},
    "bob": {"email": "bob@ministry.example", "first_name": "", "last_name": ""},
    "mallory": {"email": "ceo@elsewhere.example", "first_name": "", "last_name": ""},
    "carol": {"email": "carol@ministry.example", "first_name": "", "last_name": "unverified"},
}


@pytest.fixture(autouse=True)
def _local_issuer(settings):
    settings.SSO_ALLOW_HOSTS = ["127.0.0.1"]  # the test provider is http://127.0.0.1:<port>


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """The provider's issuer URL; it knows two clients: the ministry's and the agency's."""
    users = [{"username": name, **fields} for name, fields in USERS.items()]
    clients = {f"portal-{slug}": CALLBACK.format(slug=slug) for slug in (SLUG, OTHER_SLUG)}
    with running_provider(tmp_path_factory.mktemp("oidc"), users=users, clients=clients, password=PASSWORD) as issuer:
        yield issuer


def configure(issuer, *, slug=SLUG, domains="ministry.example", **options):
    organization = OrganizationFactory(name=slug.title(), slug=slug)
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    return sso.configure_identity_provider(
        actor=admin,
        organization=organization,
        issuer=issuer,
        client_id=f"portal-{slug}",
        client_secret=f"secret-portal-{slug}",
        email_domains=domains,
        **options,
    )


def sign_in_through_provider(client: Client, email: str, username: str):
    """The whole journey; returns the portal's answer to the callback."""
    start = client.post(reverse("portal:organization_sign_in"), {"email": email})
    assert start.status_code == 200
    to_provider = client.post(LOGIN.format(slug=SLUG), {"process": "login"})  # allauth's view: state and PKCE
    assert to_provider.status_code == 302
    authorize = to_provider["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    browser = requests.Session()
    at_provider = browser.get(authorize, allow_redirects=False)
    assert at_provider.status_code == 302 and "/login/" in at_provider.headers["Location"]
    parts = urlsplit(authorize)
    signed_in = browser.post(
        urljoin(authorize, "/login/"),
        {"username": username, "password": PASSWORD, "next": f"{parts.path}?{parts.query}"},
        allow_redirects=False,
    )
    back = browser.get(urljoin(authorize, signed_in.headers["Location"]), allow_redirects=False)
    callback = back.headers["Location"]
    assert callback.startswith("http://testserver/accounts/oidc/")
    return client.get(callback.removeprefix("http://testserver"))


def session_user(client: Client):
    response = client.get(reverse("portal:dashboard"), follow=True)
    return response.wsgi_request.user


@pytest.mark.django_db(transaction=True)
def test_first_sign_in_creates_the_member_and_counts_the_providers_mfa(provider):
    config = configure(
        provider,
        allow_signup=True,
        default_roles=[Role.REPORTER, Role.RESPONDER],
        require_sso=True,
        counts_as_second_factor=True,
    )
    client = Client()

    answer = sign_in_through_provider(client, "alice@ministry.example", "alice")

    assert answer.status_code == 302, answer.content[:500]
    user = User.objects.get(email="alice@ministry.example")
    assert EmailAddress.objects.get(user=user).verified  # the provider's email_verified claim
    assert Membership.objects.get(user=user, organization=config.organization).roles == [Role.REPORTER, Role.RESPONDER]
    joined = AuditEvent.objects.filter(action="membership.joined_through_sso", organization=config.organization)
    assert joined.count() == 1
    signed_in = AuditEvent.objects.get(action="sso.signed_in", organization=config.organization)
    assert (signed_in.data["amr"], signed_in.data["second_factor"]) == (["mfa", "otp"], "amr")
    assert session_user(client).pk == user.pk
    records = [r for r in client.session["account_authentication_methods"] if r["method"] == "mfa"]
    assert [(r["type"], r["basis"], r["amr"]) for r in records] == [
        (second_factor.IDENTITY_PROVIDER_TYPE, "amr", ["mfa", "otp"])
    ]
    # A responder with no authenticator of the portal's: the provider's sign-in is the second factor.
    assert permissions.can_enter_crisis_areas(session_user(client))
    # The organisation's admins see it on the single sign-on page, with the claims.
    admin = Client()
    admin.force_login(Membership.objects.get(organization=config.organization, is_admin=True).user)
    page = admin.get(reverse("portal:identity_provider", args=[SLUG])).content.decode()
    assert "<td>mfa otp</td>" in page and "yes: the provider asked for more than a password" in page


@pytest.mark.django_db(transaction=True)
def test_an_address_the_provider_does_not_vouch_for_is_verified_by_email_first(provider, mailoutbox):
    configure(provider, allow_signup=True)
    client = Client()

    answer = sign_in_through_provider(client, "carol@ministry.example", "carol")

    assert answer.status_code == 302
    assert not session_user(client).is_authenticated
    assert not EmailAddress.objects.get(email="carol@ministry.example").verified
    assert [m.to for m in mailoutbox] == [["carol@ministry.example"]]


@pytest.mark.django_db(transaction=True)
def test_without_the_organisations_say_so_the_provider_is_no_second_factor(provider):
    configure(provider, allow_signup=False)
    UserFactory(email="bob@ministry.example")
    client = Client()

    answer = sign_in_through_provider(client, "bob@ministry.example", "bob")

    assert answer.status_code == 302
    user = session_user(client)
    assert user.email == "bob@ministry.example"  # the existing account, matched by its verified address
    assert not Membership.objects.filter(user=user).exists()  # the admin did not allow joining
    assert not second_factor.passed(user)


@pytest.mark.django_db(transaction=True)
def test_a_provider_cannot_sign_in_an_address_outside_its_domains(provider):
    configure(provider, allow_signup=True)
    victim = UserFactory(email="ceo@elsewhere.example")
    client = Client()

    # Routed by a ministry address, the provider's account answers with a stranger's address.
    answer = sign_in_through_provider(client, "someone@ministry.example", "mallory")

    assert answer.status_code == 302 and answer["Location"] == reverse("account_login")
    assert not session_user(client).is_authenticated
    assert not victim.socialaccount_set.exists()
    assert not User.objects.exclude(pk=victim.pk).filter(email__endswith="elsewhere.example").exists()


def _id_token(issuer: str, slug: str, username: str) -> str:
    """An ID token the provider issues to the client of `slug`, fetched by hand (PKCE too)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    browser = requests.Session()
    browser.post(f"{issuer.removesuffix('/o')}/login/", {"username": username, "password": PASSWORD, "next": "/"})
    redirect_uri = CALLBACK.format(slug=slug)
    authorized = browser.get(
        f"{issuer}/authorize/",
        params={
            "response_type": "code",
            "client_id": f"portal-{slug}",
            "redirect_uri": redirect_uri,
            "scope": "openid email",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "s",
        },
        allow_redirects=False,
    )
    code = parse_qs(urlsplit(authorized.headers["Location"]).query)["code"][0]
    token = browser.post(
        f"{issuer}/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": f"portal-{slug}",
            "client_secret": f"secret-portal-{slug}",
            "code_verifier": verifier,
        },
    )
    token.raise_for_status()
    return token.json()["id_token"]


def _verify(slug: str, id_token: str):
    request = RequestFactory().get("/")
    app = get_adapter().get_app(request, provider=slug)
    return app.get_provider(request).verify_token(request, {"id_token": id_token})


@pytest.mark.django_db
def test_an_id_token_for_another_client_or_with_a_bad_signature_is_refused(provider):
    configure(provider)
    configure(provider, slug=OTHER_SLUG, domains="agency.example")
    genuine = _id_token(provider, SLUG, "bob")
    header, payload, signature = genuine.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]

    with pytest.raises(ValidationError):
        _verify(OTHER_SLUG, genuine)  # wrong audience: issued to the ministry's client
    with pytest.raises(ValidationError):
        _verify(SLUG, f"{header}.{payload}.{flipped}")
    assert _verify(SLUG, genuine).account.uid  # the same token, untouched and for its client, passes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("counted", [True, False])
def test_a_user_with_totp_is_asked_for_it_only_when_the_provider_does_not_count(provider, counted):
    configure(provider, counts_as_second_factor=counted)
    bob = UserFactory(email="bob@ministry.example")
    make_totp(bob)
    client = Client()

    answer = sign_in_through_provider(client, "bob@ministry.example", "bob")

    assert answer.status_code == 302
    if counted:  # the organisation's provider was the second factor: straight in
        assert answer["Location"] != reverse("mfa_authenticate")
        user = session_user(client)
        assert user.pk == bob.pk and second_factor.passed(user) and permissions.can_enter_crisis_areas(user)
        assert AuditEvent.objects.get(action="sso.signed_in").data["second_factor"] == "organisation"
    else:  # a password-strength sign-in: the portal's own code comes next
        assert answer["Location"] == reverse("mfa_authenticate")
        assert not session_user(client).is_authenticated


@pytest.mark.django_db(transaction=True)
def test_a_provider_whose_host_is_no_longer_allowed_is_not_called(provider, settings):
    configure(provider)
    settings.SSO_ALLOW_HOSTS = []  # as if the issuer's name now led to this machine
    client = Client()

    assert client.post(reverse("portal:organization_sign_in"), {"email": "bob@ministry.example"}).status_code == 200
    answer = client.post(LOGIN.format(slug=SLUG), {"process": "login"})

    assert answer.status_code == 302 and answer["Location"] == reverse("account_login")
    assert not session_user(client).is_authenticated
