"""Single sign-on through a SAML 2.0 identity provider (allauth's SAML provider, python3-saml):
the organisation's admin configures it in the same model as OpenID Connect; the portal sends the
browser to the IdP with an AuthnRequest, and a response whose assertion the IdP signed with its
key signs the person in. The IdP here is this test: it signs the response with a key it makes."""

import base64
import datetime
import uuid
import zlib
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from portal import second_factor
from portal.models import AuditEvent, Membership, Role, User
from portal.sso import services as sso
from portal.sso.models import OrganizationIdentityProvider, Protocol
from tests.helpers.saml_keys import key_and_certificate

from .factories import MembershipFactory, OrganizationFactory

IDP = "https://idp.ministry.example/saml"
SSO_URL = "https://idp.ministry.example/saml/sso"
ACS = "http://portal.example/accounts/saml/ministry/acs/"
HOST = "portal.example"  # python3-saml reads Host, and wants a dotted name
SP_ENTITY = "http://portal.example/accounts/saml/ministry/metadata/"


@pytest.fixture(autouse=True)
def _host(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]


@pytest.fixture(scope="module")
def idp_keys():
    return key_and_certificate()


@pytest.fixture
def ministry(db, idp_keys):
    organization = OrganizationFactory(name="Ministry", slug="ministry")
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    config = sso.configure_saml_identity_provider(
        actor=admin,
        organization=organization,
        entity_id=IDP,
        sso_url=SSO_URL,
        certificate=idp_keys[1],
        email_domains="ministry.example",
        allow_signup=True,
        default_roles=[Role.RESPONDER],
        require_sso=True,
        counts_as_second_factor=True,
    )
    return config


def _instant(delta_minutes=0):
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=delta_minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def signed_response(*, request_id, email, key_pem, certificate_pem, issuer=IDP, audience=SP_ENTITY):
    """The IdP's answer: a Response carrying an Assertion signed with the IdP's key (RSA-SHA256)."""
    assertion_id, response_id = f"_{uuid.uuid4().hex}", f"_{uuid.uuid4().hex}"
    assertion = f"""<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"
 ID="{assertion_id}" Version="2.0" IssueInstant="{_instant()}">
<saml:Issuer>{issuer}</saml:Issuer>
<saml:Subject>
<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">staff-{email.split("@")[0]}</saml:NameID>
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
<saml:SubjectConfirmationData InResponseTo="{request_id}" NotOnOrAfter="{_instant(5)}" Recipient="{ACS}"/>
</saml:SubjectConfirmation>
</saml:Subject>
<saml:Conditions NotBefore="{_instant(-1)}" NotOnOrAfter="{_instant(5)}">
<saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction>
</saml:Conditions>
<saml:AuthnStatement AuthnInstant="{_instant()}" SessionIndex="{assertion_id}">
<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract</saml:AuthnContextClassRef></saml:AuthnContext>
</saml:AuthnStatement>
<saml:AttributeStatement>
<saml:Attribute Name="urn:oid:0.9.2342.19200300.100.1.3">
<saml:AttributeValue>{email}</saml:AttributeValue>
</saml:Attribute>
<saml:Attribute Name="urn:oid:2.5.4.42"><saml:AttributeValue>Aroha</saml:AttributeValue></saml:Attribute>
</saml:AttributeStatement>
</saml:Assertion>"""
    if key_pem:
        assertion = OneLogin_Saml2_Utils.add_sign(
            assertion,
            key_pem,
            certificate_pem,
            sign_algorithm=OneLogin_Saml2_Constants.RSA_SHA256,
            digest_algorithm=OneLogin_Saml2_Constants.SHA256,
        ).decode()
        assertion = assertion.split("?>", 1)[-1]  # no XML declaration inside the response
    response = f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{response_id}" Version="2.0"
 IssueInstant="{_instant()}" Destination="{ACS}" InResponseTo="{request_id}">
<saml:Issuer>{issuer}</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
{assertion}
</samlp:Response>"""
    return base64.b64encode(response.encode()).decode()


def start_sign_in(client: Client, email: str) -> str:
    """From "Sign in with your organisation" to the IdP; returns the AuthnRequest's ID."""
    onwards = client.post(reverse("portal:organization_sign_in"), {"email": email})
    assert onwards.status_code == 200
    assert "form-action 'self' https://idp.ministry.example;" in onwards["Content-Security-Policy"]
    to_idp = client.post(reverse("saml_login", kwargs={"organization_slug": "ministry"}), {"process": "login"})
    assert to_idp.status_code == 302 and to_idp["Location"].startswith(SSO_URL + "?")
    request_xml = zlib.decompress(
        base64.b64decode(parse_qs(urlsplit(to_idp["Location"]).query)["SAMLRequest"][0]), -15
    ).decode()
    assert ACS in request_xml and SP_ENTITY in request_xml
    return request_xml.split(' ID="', 1)[1].split('"', 1)[0]


def answer(client: Client, saml_response: str):
    """The browser posts the IdP's answer to the ACS, which hands it on to finish the sign-in."""
    posted = client.post(reverse("saml_acs", kwargs={"organization_slug": "ministry"}), {"SAMLResponse": saml_response})
    assert posted.status_code == 302
    return client.get(posted["Location"])


def signed_in_user(client: Client):
    return client.get(reverse("portal:dashboard"), follow=True).wsgi_request.user


def test_the_configuration_feeds_allauth_one_saml_app(ministry):
    app = SocialApp.objects.get(provider="saml", provider_id="ministry")
    assert app.client_id == "ministry" and app.settings["idp"]["entity_id"] == IDP
    assert app.settings["advanced"]["want_assertion_signed"] is True
    assert ministry.protocol == Protocol.SAML and ministry.client_secret == ""
    assert AuditEvent.objects.get(action="sso.configured").data["protocol"] == "saml"


@pytest.mark.django_db(transaction=True)
def test_a_signed_assertion_signs_the_person_in_and_makes_them_a_member(ministry, idp_keys):
    client = Client(HTTP_HOST=HOST)
    request_id = start_sign_in(client, "aroha@ministry.example")

    finished = answer(
        client,
        signed_response(
            request_id=request_id, email="aroha@ministry.example", key_pem=idp_keys[0], certificate_pem=idp_keys[1]
        ),
    )

    assert finished.status_code == 302, finished.content[:800]
    user = signed_in_user(client)
    assert user.is_authenticated and user.email == "aroha@ministry.example"
    assert Membership.objects.get(user=user, organization=ministry.organization).roles == [Role.RESPONDER]
    assert user.socialaccount_set.get().uid == "staff-aroha"
    signed_in = AuditEvent.objects.get(action="sso.signed_in")
    assert signed_in.data["second_factor"] == "organisation" and second_factor.passed(user)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("forgery", ["another key", "unsigned", "another audience", "an address elsewhere"])
def test_a_forged_or_misdirected_response_signs_nobody_in(ministry, idp_keys, forgery):
    client = Client(HTTP_HOST=HOST)
    request_id = start_sign_in(client, "aroha@ministry.example")
    key, certificate = idp_keys
    options = {"email": "aroha@ministry.example", "audience": SP_ENTITY}
    if forgery == "another key":
        key, certificate = key_and_certificate("Mallory")
    elif forgery == "unsigned":
        key = None
    elif forgery == "another audience":
        options["audience"] = "https://elsewhere.example/sp"
    else:
        options["email"] = "ceo@elsewhere.example"

    finished = answer(
        client, signed_response(request_id=request_id, key_pem=key, certificate_pem=certificate, **options)
    )

    assert finished.status_code in (302, 401)  # allauth's sign-in error page, or back to sign in
    assert not signed_in_user(client).is_authenticated
    assert not User.objects.filter(email=options["email"]).exists()
    assert not AuditEvent.objects.filter(action="sso.signed_in").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"entity_id": ""}, "entity_id"),
        ({"sso_url": "http://idp.ministry.example/sso"}, "sso_url"),
        ({"certificate": "not a certificate"}, "certificate"),
        ({"certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}, "certificate"),
        ({"email_domains": ""}, "email_domains"),
    ],
)
def test_a_bad_saml_configuration_is_refused_and_changes_nothing(db, idp_keys, changes, field):
    organization = OrganizationFactory(name="Agency", slug="agency")
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    options = dict(entity_id=IDP, sso_url=SSO_URL, certificate=idp_keys[1], email_domains="agency.example")
    options.update(changes)
    with pytest.raises(ValidationError) as refused:
        sso.configure_saml_identity_provider(actor=admin, organization=organization, **options)
    assert field in refused.value.message_dict
    assert not OrganizationIdentityProvider.objects.exists() and not SocialApp.objects.exists()


def test_switching_to_openid_connect_replaces_the_saml_app(ministry):
    admin = Membership.objects.get(organization=ministry.organization, is_admin=True).user
    config = sso.configure_identity_provider(
        actor=admin,
        organization=ministry.organization,
        issuer="https://login.ministry.example/o",
        client_id="portal",
        client_secret="s3cret",
        email_domains="ministry.example",
    )
    assert config.protocol == Protocol.OIDC and config.saml_certificate == ""
    assert list(SocialApp.objects.values_list("provider", flat=True)) == ["openid_connect"]


def test_the_admin_sets_up_saml_on_the_page(db, client, idp_keys):
    admin = MembershipFactory(organization=OrganizationFactory(name="Agency", slug="agency"), role=Role.ADMIN)
    client.force_login(admin.user)
    url = reverse("portal:identity_provider", args=["agency"])
    page = client.get(url).content.decode()
    assert "/accounts/saml/agency/acs/" in page and "/accounts/saml/agency/metadata/" in page

    saved = client.post(
        url,
        {
            "protocol": "saml",
            "entity_id": IDP,
            "sso_url": SSO_URL,
            "certificate": idp_keys[1],
            "email_domains": "agency.example",
            "require_sso": "on",
        },
    )

    assert saved.status_code == 302
    config = OrganizationIdentityProvider.objects.get(organization=admin.organization)
    assert (config.protocol, config.issuer, config.saml_sso_url, config.require_sso) == ("saml", IDP, SSO_URL, True)
    refused = client.post(url, {"protocol": "saml", "entity_id": IDP, "sso_url": SSO_URL, "email_domains": "a.example"})
    assert refused.status_code == 200 and "signing certificate" in refused.content.decode()


def test_the_api_sets_up_saml_and_shows_what_to_register(db, idp_keys):
    from rest_framework.test import APIClient

    admin = MembershipFactory(organization=OrganizationFactory(name="Agency", slug="agency"), role=Role.ADMIN)
    api = APIClient()
    api.force_authenticate(admin.user)
    url = f"/api/v1/organizations/{admin.organization_id}/identity-provider/"
    body = {"entity_id": IDP, "sso_url": SSO_URL, "certificate": "nonsense", "email_domains": ["agency.example"]}

    assert api.put(url + "saml/", body, format="json").status_code == 400
    assert not OrganizationIdentityProvider.objects.exists()
    saved = api.put(url + "saml/", {**body, "certificate": idp_keys[1]}, format="json")

    assert saved.status_code == 200, saved.content
    shown = api.get(url).json()
    assert (shown["protocol"], shown["issuer"], shown["sso_url"]) == ("saml", IDP, SSO_URL)
    assert shown["saml_acs_url"].endswith("/accounts/saml/agency/acs/") and not shown["has_client_secret"]
