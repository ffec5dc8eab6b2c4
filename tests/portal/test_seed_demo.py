"""`seed_demo` loads a realistic, consistent demo community and is idempotent;
`demo_logins` tells a new user how to sign in."""

import itertools
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from portal import demo, permissions, services
from portal.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    Standing,
    User,
)

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    """The registry's part only: the other apps' hooks are slower and tested through the command."""
    return demo.format_summary(demo.seed_registry())


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _demo_organizations():
    return Organization.objects.filter(name__in=[spec.name for spec in demo.ORGANIZATIONS])


# --- the community -------------------------------------------------------------------------


def test_seeding_holds_back_the_emails_it_causes(settings, capsys):
    """Seeding used to print ~450 emails to the console: they are counted, not printed or sent,
    and their tasks run inline rather than on a worker that would send them later."""
    from django.core import mail

    from portal.celery import app as celery_app
    from portal.demo.quiet import emails_held_back

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    with emails_held_back() as held:
        assert celery_app.conf.task_always_eager
        mail.send_mail("Review accepted", "Body", "portal@example.org", ["someone@example.org"])
    assert [m.subject for m in held] == ["Review accepted"]
    assert "Review accepted" not in capsys.readouterr().out
    assert settings.EMAIL_BACKEND.endswith("console.EmailBackend")


def test_a_second_run_changes_nothing():
    _seed()
    # A realistic history: most supporters up to date, some overdue, a few not reporting.
    from commitments import selectors

    secretariat = User.objects.get(email=demo.SECRETARIAT_EMAIL)
    overdue = {i.organization_id for i in selectors.list_overdue_for(secretariat)}
    supporters = Organization.objects.filter(standing=Standing.SUPPORTER).count()
    not_reporting = len(selectors.not_reporting_supporters())
    assert 0 < not_reporting < len(overdue) < supporters / 2
    before = _row_counts()
    standings = dict(Organization.objects.values_list("name", "standing"))
    output = _seed()
    assert _row_counts() == before
    assert dict(Organization.objects.values_list("name", "standing")) == standings
    assert "Created: nothing" in output


def test_the_first_run_prints_a_summary(seeded):
    assert "40 government" in seeded
    assert "15 online service provider" in seeded
    assert "4 applications waiting for review" in seeded


def test_the_community_has_every_kind_in_realistic_numbers(seeded):
    counts = {kind: _demo_organizations().filter(kind=kind).count() for kind in OrganizationKind.values}
    assert counts == {"government": 40, "provider": 15, "civil_society": 10, "partner": 4}
    assert Organization.objects.filter(name="Government of New Zealand", country="NZ", kind="government").exists()
    assert Organization.objects.filter(kind="government").exclude(country="").count() == 41  # with the applicant


def test_standings_are_varied(seeded):
    standings = list(_demo_organizations().values_list("standing", flat=True))
    assert standings.count(Standing.SUSPENDED) == 1
    assert standings.count(Standing.WITHDRAWN) == 1
    assert standings.count(Standing.ENDORSES) >= 2
    assert standings.count(Standing.SUPPORTER) > len(standings) * 0.8


def test_every_organisation_has_a_consistent_dated_history(seeded):
    for organization in Organization.objects.prefetch_related("standing_changes"):
        history = list(organization.standing_changes.all())
        assert history[0].from_standing == ""
        assert history[0].to_standing == Standing.APPLICANT
        for earlier, later in itertools.pairwise(history):
            assert later.from_standing == earlier.to_standing
            assert later.changed_at > earlier.changed_at
        assert organization.standing == history[-1].to_standing
        assert organization.standing_since == history[-1].changed_at
    earliest = Organization.objects.order_by("standing_since").first().standing_changes.first().changed_at
    assert earliest.year == 2019
    assert {o.standing_since.year for o in _demo_organizations()} >= {2019, 2020, 2021, 2022, 2023, 2024}


def test_the_public_directory_shows_the_community(seeded):
    from portal import selectors

    assert selectors.list_directory().count() == 69
    assert not selectors.list_directory(q="Kestrel").exists()  # applicants are not public


def test_applicants_wait_for_review(seeded):
    pending = Application.objects.filter(status=ApplicationStatus.PENDING).select_related("organization", "applicant")
    new = [a for a in pending if a.kind == ApplicationKind.NEW_ORGANIZATION]
    joins = [a for a in pending if a.kind == ApplicationKind.JOIN]
    assert len(new) == 3
    assert {a.organization.standing for a in new} == {Standing.APPLICANT}
    assert [a.organization.name for a in joins] == [demo.DEMO_PROVIDER]
    assert all(permissions.can_apply(a.applicant) for a in pending)  # verified, as the rules require


def test_the_secretariat_can_work_the_review_queue(seeded):
    secretariat = User.objects.get(email=demo.SECRETARIAT_EMAIL)
    application = Application.objects.get(applicant__email=demo.APPLICANT_EMAIL)
    services.approve_application(actor=secretariat, application=application)
    assert Membership.objects.get(user=application.applicant).role == Role.ADMIN
    assert demo.seed_registry().created == {}  # a decided application is not recreated


def test_a_rerun_keeps_changes_made_through_the_site(seeded):
    secretariat = User.objects.get(email=demo.SECRETARIAT_EMAIL)
    chirpline = Organization.objects.get(name="Chirpline")
    services.change_standing(actor=secretariat, organization=chirpline, standing=Standing.SUSPENDED)
    demo.seed_registry()
    chirpline.refresh_from_db()
    assert chirpline.standing == Standing.SUSPENDED


# --- the logins -----------------------------------------------------------------------------------


def test_every_demo_login_is_verified_and_uses_the_demo_password(seeded):
    for login in demo.DEMO_LOGINS:
        user = User.objects.get(email=login.email)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert EmailAddress.objects.filter(user=user, email=login.email, verified=True, primary=True).exists()


def test_each_demo_organisation_has_every_role(seeded):
    for name, domain in [(demo.DEMO_GOVERNMENT, "nz.gov.example"), (demo.DEMO_PROVIDER, "streamwave.example")]:
        roles = {
            m.user.email: m.roles for m in Membership.objects.filter(organization__name=name).select_related("user")
        }
        assert {f"{role}@{domain}": [role] for role in Role.values}.items() <= roles.items()


def test_the_secretariat_and_responders_have_two_factor_with_the_known_secret(seeded):
    secretariat = User.objects.get(email=demo.SECRETARIAT_EMAIL)
    assert secretariat.is_secretariat
    two_factor_users = [secretariat, *User.objects.filter(memberships__is_responder=True)]
    assert len(two_factor_users) == 3
    for user in two_factor_users:
        totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        assert decrypt(totp.data["secret"]) == demo.DEMO_TOTP_SECRET
        assert permissions.has_two_factor(user)
        recovery = RecoveryCodes(Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES))
        assert len(recovery.get_unused_codes()) == 10
    for login in demo.DEMO_LOGINS:
        user = User.objects.get(email=login.email)
        assert permissions.must_use_two_factor(user) == login.two_factor


def test_a_member_signs_in_with_the_demo_password(seeded, client):
    response = client.post(
        reverse("account_login"), {"login": "member@streamwave.example", "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(User.objects.get(email="member@streamwave.example").pk)


def test_a_responder_signs_in_with_a_printed_recovery_code(seeded, client):
    responder = User.objects.get(email="responder@streamwave.example")
    response = client.post(reverse("account_login"), {"login": responder.email, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # the second factor is still to come

    code = demo.two_factor_details(responder).recovery_codes[0]
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(responder.pk)


# --- demo_logins -------------------------------------------------------------------------------------


def test_demo_logins_before_seeding_says_what_to_do():
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "seed_demo" in out.getvalue()


def test_demo_logins_prints_everything_a_new_user_needs(seeded, monkeypatch):
    moment = 1_780_000_000
    monkeypatch.setattr(demo.logins.time, "time", lambda: moment)
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()

    assert settings.SITE_URL in text
    assert demo.DEMO_PASSWORD in text
    for login in demo.DEMO_LOGINS:
        assert login.email in text
    assert "admin of Government of New Zealand" in text
    assert "responder of Streamwave" in text
    assert "applicant for Kestrel Streams" in text
    assert "secretariat" in text
    assert "Two-factor authentication is required for the secretariat and for incident responders" in text
    assert demo.DEMO_TOTP_SECRET in text
    assert "otpauth://totp/secretariat%40example.org?secret=" + demo.DEMO_TOTP_SECRET in text
    assert format_hotp_value(hotp_value(demo.DEMO_TOTP_SECRET, moment // 30)) in text
    secretariat = User.objects.get(email=demo.SECRETARIAT_EMAIL)
    unused = demo.two_factor_details(secretariat).recovery_codes
    assert ", ".join(unused[:3]) in text


def test_demo_logins_shows_only_unused_recovery_codes(seeded):
    secretariat = User.objects.get(email=demo.SECRETARIAT_EMAIL)
    recovery = RecoveryCodes(Authenticator.objects.get(user=secretariat, type=Authenticator.Type.RECOVERY_CODES))
    used = recovery.get_unused_codes()[0]
    assert recovery.validate_code(used)
    assert used not in demo.two_factor_details(secretariat).recovery_codes


# --- other apps --------------------------------------------------------------------------------------


def test_every_app_that_defines_the_hook_seeds_itself_after_the_registry(monkeypatch):
    calls = []
    config = apps.get_app_config("commitments")

    def hook(*, stdout):
        calls.append((stdout, Organization.objects.filter(name=demo.DEMO_PROVIDER).exists()))

    monkeypatch.setattr(config, "seed_demo", hook, raising=False)
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert len(calls) == 1
    stdout, registry_was_ready = calls[0]
    assert registry_was_ready
    assert stdout is not None


def test_the_secretariat_signs_in_with_the_printed_totp_code(seeded, client, settings):
    settings.MFA_TOTP_TOLERANCE = 1  # the code is read a moment before it is checked
    secretariat = User.objects.get(email=demo.SECRETARIAT_EMAIL)
    client.post(reverse("account_login"), {"login": secretariat.email, "password": demo.DEMO_PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": demo.two_factor_details(secretariat).code})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(secretariat.pk)


def test_the_demo_board_shows_each_organisations_call_tree(client):
    """The demo providers' responders keep numbers and their organisations a chain, so the demo
    incident's acknowledgement board shows whom to call (the README's screenshot)."""
    from incidents.models import Incident

    _seed()
    for name, chain in demo.DEMO_CHAINS.items():
        organization = Organization.objects.get(name=name)
        steps = organization.escalation_steps.order_by("position")
        assert [(s.membership.user.email, s.wait_minutes) for s in steps] == chain
    client.force_login(User.objects.get(email=demo.SECRETARIAT_EMAIL))
    html = client.get(f"/incidents/{Incident.objects.get().pk}/").content.decode()
    assert 'href="tel:+12025550143"' in html and "Europe/Lisbon" in html
    assert 'href="tel:+64215550101"' in html and "wait 15 minutes" in html
