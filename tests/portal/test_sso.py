"""Single sign-on without the provider: the organisation's configuration (service, page), the
email-domain routing, password sign-in refused where SSO is required, what counts as the second
factor. The journey through a real provider is test_sso_flow.py."""

import pytest
from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import permissions, second_factor
from portal.models import AuditEvent, Role
from portal.sso import services as sso
from portal.sso.claims import identity_provider_factor
from portal.sso.models import OrganizationIdentityProvider

from .factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

ISSUER = "https://login.ministry.example/realms/staff"


@pytest.fixture
def ministry_admin(db):
    return MembershipFactory(organization=OrganizationFactory(name="Ministry", slug="ministry"), role=Role.ADMIN)


def configure(membership, **changes):
    options = dict(issuer=ISSUER, client_id="portal", client_secret="s3cret-value", email_domains="ministry.example")
    options.update(changes)
    return sso.configure_identity_provider(actor=membership.user, organization=membership.organization, **options)


def test_configuring_feeds_allauth_one_app_with_pkce_and_audits_without_the_secret(ministry_admin):
    config = configure(ministry_admin, email_domains="Ministry.example, @staff.ministry.example", require_sso=True)

    app = SocialApp.objects.get(provider="openid_connect", provider_id="ministry")
    assert (app.client_id, app.secret) == ("portal", "s3cret-value")
    assert app.settings == {"server_url": ISSUER, "oauth_pkce_enabled": True}
    assert config.email_domains == ["ministry.example", "staff.ministry.example"]
    event = AuditEvent.objects.get(action="sso.configured")
    assert event.organization == ministry_admin.organization and event.data["require_sso"] is True
    assert "s3cret-value" not in str(event.data) and event.data["secret_changed"] is True

    configure(ministry_admin, client_secret="", client_id="portal-2")  # an empty secret keeps the stored one
    app.refresh_from_db()
    assert (app.client_id, app.secret) == ("portal-2", "s3cret-value")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"issuer": "http://login.ministry.example"}, "issuer"),
        ({"issuer": "not a url"}, "issuer"),
        ({"issuer": "http://127.0.0.1:8080/o"}, "issuer"),  # only for a host SSO_ALLOW_HOSTS names
        ({"issuer": "https://login.example/" + "a" * 300}, "issuer"),
        ({"client_secret": "s" * 301}, "client_secret"),
        ({"email_domains": " , "}, "email_domains"),
        ({"email_domains": "ministry"}, "email_domains"),
        ({"client_id": ""}, "client_id"),
        ({"client_secret": ""}, "client_secret"),  # a first configuration needs one
        ({"default_roles": ["owner"]}, "default_roles"),
    ],
)
def test_bad_configuration_is_refused_and_changes_nothing(ministry_admin, changes, field):
    with pytest.raises(ValidationError) as refused:
        configure(ministry_admin, **changes)
    assert field in refused.value.error_dict
    assert not OrganizationIdentityProvider.objects.exists() and not SocialApp.objects.exists()
    assert not AuditEvent.objects.filter(action="sso.configured").exists()


def test_a_domain_belongs_to_one_organisation(ministry_admin):
    configure(ministry_admin)
    agency = MembershipFactory(organization=OrganizationFactory(name="Agency", slug="agency"), role=Role.ADMIN)
    with pytest.raises(ValidationError):
        configure(agency, email_domains="agency.example ministry.example")
    assert not SocialApp.objects.filter(provider_id="agency").exists()


def test_removing_takes_the_app_away(ministry_admin, client):
    configure(ministry_admin)
    sso.remove_identity_provider(actor=ministry_admin.user, organization=ministry_admin.organization)
    assert not SocialApp.objects.exists() and AuditEvent.objects.filter(action="sso.removed").count() == 1
    assert client.post("/accounts/oidc/ministry/login/").status_code == 404


def test_the_admin_sets_it_up_on_the_page(ministry_admin, client):
    client.force_login(ministry_admin.user)
    url = reverse("portal:identity_provider", args=["ministry"])
    page = client.get(url)
    assert b"http://testserver/accounts/oidc/ministry/login/callback/" in page.content

    form = {
        "issuer": ISSUER,
        "client_id": "portal",
        "client_secret": "s3cret-value",
        "email_domains": "ministry.example",
        "counts_as_second_factor": "on",
    }
    assert client.post(url, form)["Location"] == url
    assert OrganizationIdentityProvider.objects.get().counts_as_second_factor
    assert b"s3cret-value" not in client.get(url).content


def test_a_member_cannot_set_it_up(ministry_admin, client):
    member = MembershipFactory(organization=ministry_admin.organization, role=Role.MEMBER)
    client.force_login(member.user)
    form = {"issuer": ISSUER, "client_id": "x", "client_secret": "y", "email_domains": "evil.example"}
    assert client.post(reverse("portal:identity_provider", args=["ministry"]), form).status_code == 403
    assert not OrganizationIdentityProvider.objects.exists() and not SocialApp.objects.exists()


def test_an_address_of_a_configured_domain_is_sent_to_its_provider(ministry_admin, client):
    configure(ministry_admin)
    url = reverse("portal:organization_sign_in")
    onwards = client.post(url, {"email": "Ann@MINISTRY.example"})
    assert b'action="/accounts/oidc/ministry/login/"' in onwards.content
    # The form's answer redirects to the provider: the page's policy lets it (form-action).
    assert "form-action 'self' https://login.ministry.example;" in onwards["Content-Security-Policy"]
    assert client.post(url, {"email": "ann@elsewhere.example"})["Location"] == reverse("account_login")
    assert client.post(url, {"email": "not an address"}).status_code == 200
    assert reverse("portal:organization_sign_in").encode() in client.get(reverse("account_login")).content


@pytest.mark.parametrize("required", [True, False])
def test_password_sign_in_is_refused_where_the_organisation_requires_sso(ministry_admin, client, required):
    configure(ministry_admin, require_sso=required)
    UserFactory(email="ann@ministry.example")

    answer = client.post(reverse("account_login"), {"login": "ann@ministry.example", "password": PASSWORD})

    if required:
        assert answer.status_code == 200 and "_auth_user_id" not in client.session
        assert "signs its people in through its own provider" in answer.content.decode()
    else:
        assert answer.status_code == 302 and "_auth_user_id" in client.session


def test_what_counts_as_the_second_factor(ministry_admin):
    config = configure(ministry_admin)
    assert identity_provider_factor(config, {"amr": ["mfa"]}) == ""  # the organisation did not choose it
    config.counts_as_second_factor = True
    assert identity_provider_factor(config, {"amr": ["pwd", "hwk"]}) == "amr"
    assert identity_provider_factor(config, {"amr": ["pwd"]}) == "organisation"
    assert identity_provider_factor(config, {}) == "organisation"


def test_a_responder_who_passed_through_the_provider_enters_crisis_areas_without_totp(db):
    responder = MembershipFactory(role=Role.RESPONDER).user
    assert permissions.must_use_two_factor(responder)
    second_factor.note(responder, passed=True, by_identity_provider=True)
    assert permissions.can_enter_crisis_areas(responder)
    second_factor.note(responder, passed=False, by_identity_provider=True)
    assert not permissions.can_enter_crisis_areas(responder)


def test_the_page_reads_its_sign_ins_in_a_fixed_number_of_queries(ministry_admin, client):
    config = configure(ministry_admin, counts_as_second_factor=True)
    client.force_login(ministry_admin.user)
    url = reverse("portal:identity_provider", args=["ministry"])

    def queries_with(n):
        for _ in range(n):
            sso.record_sso_sign_in(user=UserFactory(), config=config, claims={"amr": ["hwk"], "acr": "loa2"})
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert queries_with(1) == queries_with(4)
    assert client.get(url).content.decode().count("<td>hwk</td>") == 5


@pytest.mark.parametrize("existing", [True, False])
def test_no_password_reset_where_the_organisation_requires_sso(ministry_admin, client, mailoutbox, existing):
    configure(ministry_admin, require_sso=True)
    if existing:
        UserFactory(email="ann@ministry.example")

    answer = client.post(reverse("account_reset_password"), {"email": "Ann@Ministry.example"})

    page = answer.content.decode()
    assert answer.status_code == 200 and "Ministry signs its people in through its own provider" in page
    assert reverse("portal:organization_sign_in") in page  # the way in it points to
    assert mailoutbox == []  # the same answer whether or not the account exists


def test_the_reset_refusal_speaks_the_readers_language(ministry_admin, client, mailoutbox):
    configure(ministry_admin, require_sso=True)
    answer = client.post(
        reverse("account_reset_password"), {"email": "ann@ministry.example"}, HTTP_ACCEPT_LANGUAGE="ar"
    )
    assert "تسجيل الدخول عبر مؤسستك" in answer.content.decode() and mailoutbox == []


@pytest.mark.parametrize(("required", "email"), [(False, "ann@ministry.example"), (True, "ann@elsewhere.example")])
def test_password_reset_is_unchanged_elsewhere(ministry_admin, client, mailoutbox, required, email):
    configure(ministry_admin, require_sso=required)
    UserFactory(email=email)

    answer = client.post(reverse("account_reset_password"), {"email": email})

    assert answer.status_code == 302
    assert [message.to for message in mailoutbox] == [[email]]
