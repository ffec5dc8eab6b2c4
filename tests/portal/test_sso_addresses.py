"""Single sign-on never makes the server call its own machine or a private network (SSRF): an
issuer whose host resolves to a private, loopback or link-local address is refused when it is
saved, and every request to a provider is checked again when it is made, unless SSO_ALLOW_HOSTS
names the host. The journey through a real provider that is then refused is in test_sso_flow.py."""

import socket

import pytest
from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.models import AuditEvent, Role
from portal.sso import addresses
from portal.sso import services as sso
from portal.sso.adapter import SocialAccountAdapter
from portal.sso.models import OrganizationIdentityProvider

from .factories import MembershipFactory, OrganizationFactory

real_getaddrinfo = socket.getaddrinfo


@pytest.fixture
def dns(monkeypatch):
    """Names the test gives an address; any other name resolves as usual (DNS is outside the system)."""
    names: dict[str, str] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            family = socket.AF_INET6 if ":" in names[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (names[host], port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


@pytest.fixture
def ministry_admin(db, settings):
    settings.SSO_ALLOW_HOSTS = []  # as in production
    return MembershipFactory(organization=OrganizationFactory(name="Ministry", slug="ministry"), role=Role.ADMIN)


def configure(membership, issuer):
    return sso.configure_identity_provider(
        actor=membership.user,
        organization=membership.organization,
        issuer=issuer,
        client_id="portal",
        client_secret="s3cret-value",
        email_domains="ministry.example",
    )


@pytest.mark.parametrize(
    ("issuer", "address"),
    [
        ("https://127.0.0.1/o", None),
        ("https://localhost:8443/realms/staff", None),  # a name for the loopback address
        ("https://[::1]/o", None),
        ("https://10.1.2.3/o", None),
        ("https://169.254.169.254/latest", None),  # link-local: cloud metadata
        ("https://sso.ministry.example/realms/staff", "192.168.4.20"),  # a public name, a private address
        ("https://idp.ministry.example/", "fe80::1"),
        ("https://mapped.ministry.example/", "::ffff:10.0.0.7"),
    ],
)
def test_an_issuer_on_this_machine_or_a_private_network_is_refused_when_saved(ministry_admin, dns, issuer, address):
    if address:
        dns[issuer.split("/")[2]] = address
    with pytest.raises(ValidationError) as refused:
        configure(ministry_admin, issuer)
    assert "private, loopback, link-local or reserved" in refused.value.message_dict["issuer"][0]
    assert not OrganizationIdentityProvider.objects.exists() and not SocialApp.objects.exists()
    assert not AuditEvent.objects.filter(action="sso.configured").exists()


def test_the_page_says_why_in_the_admins_language(ministry_admin, client):
    client.force_login(ministry_admin.user)
    response = client.post(
        reverse("portal:identity_provider", args=["ministry"]),
        {
            "issuer": "https://169.254.169.254/latest",
            "client_id": "portal",
            "client_secret": "s",
            "email_domains": "ministry.example",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 200 and "adresse privée" in response.content.decode()
    assert not OrganizationIdentityProvider.objects.exists()


def test_the_api_refuses_it_with_a_400(ministry_admin):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(ministry_admin.user)
    body = {
        "issuer": "https://10.0.0.8/o",
        "client_id": "portal",
        "client_secret": "s",
        "email_domains": ["ministry.example"],
    }
    answer = api.put(f"/api/v1/organizations/{ministry_admin.organization_id}/identity-provider/", body, format="json")
    assert answer.status_code == 400 and "issuer" in answer.json()
    assert not OrganizationIdentityProvider.objects.exists()


def test_a_host_the_setting_names_may_be_local_and_plain_http(ministry_admin, settings):
    settings.SSO_ALLOW_HOSTS = ["127.0.0.1"]
    assert configure(ministry_admin, "http://127.0.0.1:8080/o").issuer == "http://127.0.0.1:8080/o"
    with pytest.raises(ValidationError):
        configure(ministry_admin, "http://localhost:8080/o")  # only the hosts it names


def test_a_public_or_not_yet_published_name_is_accepted(ministry_admin, dns):
    dns["login.ministry.example"] = "8.8.8.8"
    assert configure(ministry_admin, "https://login.ministry.example/realms/staff")
    # Not resolving yet: saved; every request to it is checked when it is made.
    assert configure(ministry_admin, "https://unpublished.ministry.example/o")


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5:5432/",
        "https://rebound.ministry.example/o/.well-known/openid-configuration",
        "https://nowhere.invalid/o",
        "file:///etc/passwd",
    ],
)
def test_every_request_to_a_provider_is_checked_when_it_is_made(db, dns, settings, url):
    settings.SSO_ALLOW_HOSTS = []
    dns["rebound.ministry.example"] = "10.9.8.7"  # public when saved, private now (DNS rebinding)
    session = SocialAccountAdapter().get_requests_session()
    with pytest.raises(addresses.RefusedProviderAddressError):
        session.get(url)


def test_a_provider_whose_name_now_leads_inside_is_refused_at_sign_in(ministry_admin, dns, client):
    dns["login.ministry.example"] = "8.8.8.8"
    configure(ministry_admin, "https://login.ministry.example/o")
    dns["login.ministry.example"] = "10.9.8.7"  # the answer changed after the admin saved it

    answer = client.post(reverse("openid_connect_login", kwargs={"provider_id": "ministry"}), {"process": "login"})

    assert answer.status_code == 302 and answer["Location"] == reverse("account_login")
    page = client.get(answer["Location"]).content.decode()
    assert "sign-in cannot be reached just now" in page.replace("&#x27;", "'")
