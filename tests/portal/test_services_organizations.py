"""Services: applying for a new organisation, editing one, and changing its standing."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from portal import services, signals
from portal.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    AuditEvent,
    Membership,
    Organization,
    Role,
    Standing,
    StandingChange,
)

from .factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def verified_user():
    return UserFactory()


@pytest.fixture
def supporter_with_admin():
    return MembershipFactory(role=Role.ADMIN, organization__name="Streamwave").organization


@pytest.fixture
def announced():
    """Every registry signal sent during the test, as (signal name, arguments)."""
    received = []

    def on_standing(sender, signal, **kwargs):
        received.append(("standing_changed", kwargs))

    def on_access(sender, signal, **kwargs):
        received.append(("access_changed", kwargs))

    signals.standing_changed.connect(on_standing)
    signals.access_changed.connect(on_access)
    yield received
    signals.standing_changed.disconnect(on_standing)
    signals.access_changed.disconnect(on_access)


def _admin_of(organization):
    return Membership.objects.get(organization=organization, is_admin=True).user


def _nothing_written():
    return not (Organization.objects.exists() or Application.objects.exists() or AuditEvent.objects.exists())


# --- apply_for_organization ---------------------------------------------------------


def test_apply_creates_an_applicant_organisation_with_its_first_standing(verified_user):
    application = services.apply_for_organization(
        applicant=verified_user,
        name="  Kestrel   Streams ",
        kind="provider",
        country="ca",
        website="https://kestrel.example",
        description="Live news.",
        message="Please let us in.",
    )

    organization = application.organization
    assert (organization.name, organization.kind, organization.country.code) == ("Kestrel Streams", "provider", "CA")
    assert organization.standing == Standing.APPLICANT
    assert organization.slug == "kestrel-streams"
    assert (application.kind, application.status, application.message) == (
        ApplicationKind.NEW_ORGANIZATION,
        ApplicationStatus.PENDING,
        "Please let us in.",
    )
    history = list(organization.standing_changes.values_list("from_standing", "to_standing", "actor"))
    assert history == [("", Standing.APPLICANT, verified_user.pk)]
    assert not Membership.objects.exists()  # membership only comes with approval
    events = AuditEvent.objects.filter(organization=organization)
    assert sorted(events.values_list("action", flat=True)) == ["application.submitted", "organization.created"]
    assert {e.actor for e in events} == {verified_user}


def test_apply_gives_a_second_similar_name_its_own_slug(verified_user):
    OrganizationFactory(name="Kestrel Streams!", slug="kestrel-streams")
    application = services.apply_for_organization(applicant=verified_user, name="Kestrel Streams", kind="provider")
    assert application.organization.slug == "kestrel-streams-2"


def test_apply_refuses_an_unverified_user():
    user = UserFactory(verified=False)
    with pytest.raises(PermissionDenied):
        services.apply_for_organization(applicant=user, name="Kestrel Streams", kind="provider")
    assert _nothing_written()


def test_apply_refuses_an_anonymous_user():
    with pytest.raises(PermissionDenied):
        services.apply_for_organization(applicant=AnonymousUser(), name="Kestrel Streams", kind="provider")
    assert _nothing_written()


def test_apply_refuses_a_duplicate_name_in_another_case(verified_user):
    OrganizationFactory(name="Streamwave")
    with pytest.raises(ValidationError) as caught:
        services.apply_for_organization(applicant=verified_user, name=" STREAMWAVE ", kind="provider")
    assert "name" in caught.value.message_dict
    assert Organization.objects.count() == 1
    assert not Application.objects.exists()


@pytest.mark.parametrize("country", ["XX", "NZL", "12", "new zealand"])
def test_apply_refuses_an_invalid_country(verified_user, country):
    with pytest.raises(ValidationError) as caught:
        services.apply_for_organization(applicant=verified_user, name="Kestrel", kind="provider", country=country)
    assert "country" in caught.value.message_dict
    assert _nothing_written()


@pytest.mark.parametrize("kind", ["company", "", "GOVERNMENT"])
def test_apply_refuses_an_invalid_kind(verified_user, kind):
    with pytest.raises(ValidationError) as caught:
        services.apply_for_organization(applicant=verified_user, name="Kestrel", kind=kind)
    assert "kind" in caught.value.message_dict
    assert _nothing_written()


@pytest.mark.parametrize("website", ["ftp://kestrel.example", "javascript:alert(1)", "not a url"])
def test_apply_refuses_an_invalid_website(verified_user, website):
    with pytest.raises(ValidationError) as caught:
        services.apply_for_organization(applicant=verified_user, name="Kestrel", kind="provider", website=website)
    assert "website" in caught.value.message_dict
    assert _nothing_written()


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_apply_refuses_an_empty_or_overlong_name(verified_user, name):
    with pytest.raises(ValidationError) as caught:
        services.apply_for_organization(applicant=verified_user, name=name, kind="provider")
    assert "name" in caught.value.message_dict
    assert _nothing_written()


def test_apply_reports_every_bad_field_at_once(verified_user):
    with pytest.raises(ValidationError) as caught:
        services.apply_for_organization(applicant=verified_user, name="", kind="nope", country="XX")
    assert set(caught.value.message_dict) == {"name", "kind", "country"}


# --- update_organization --------------------------------------------------------------


def test_admin_updates_own_organisation_and_the_change_is_audited(supporter_with_admin):
    admin = _admin_of(supporter_with_admin)
    services.update_organization(
        actor=admin, organization=supporter_with_admin, website="https://streamwave.example", description="Live."
    )
    supporter_with_admin.refresh_from_db()
    assert (supporter_with_admin.website, supporter_with_admin.description) == ("https://streamwave.example", "Live.")
    event = AuditEvent.objects.get(action="organization.updated")
    assert (event.actor, event.organization, event.data["fields"]) == (
        admin,
        supporter_with_admin,
        ["description", "website"],
    )


def test_kind_change_by_a_non_secretariat_is_refused(supporter_with_admin):
    admin = _admin_of(supporter_with_admin)
    with pytest.raises(PermissionDenied):
        services.update_organization(actor=admin, organization=supporter_with_admin, kind="government")
    supporter_with_admin.refresh_from_db()
    assert supporter_with_admin.kind == "provider"
    assert not AuditEvent.objects.exists()


def test_naming_the_current_kind_is_not_a_kind_change(supporter_with_admin):
    admin = _admin_of(supporter_with_admin)
    services.update_organization(actor=admin, organization=supporter_with_admin, kind="provider", website="")
    assert not AuditEvent.objects.exists()  # nothing changed, nothing recorded


def test_secretariat_may_change_the_kind(secretariat, supporter_with_admin):
    services.update_organization(actor=secretariat, organization=supporter_with_admin, kind="partner")
    supporter_with_admin.refresh_from_db()
    assert supporter_with_admin.kind == "partner"
    assert AuditEvent.objects.get(action="organization.updated").actor == secretariat


def test_update_refuses_fields_it_does_not_own(secretariat, supporter_with_admin):
    with pytest.raises(ValidationError):
        services.update_organization(actor=secretariat, organization=supporter_with_admin, standing="withdrawn")
    supporter_with_admin.refresh_from_db()
    assert supporter_with_admin.standing == Standing.SUPPORTER


def test_update_refuses_another_organisations_name_in_another_case(secretariat, supporter_with_admin):
    OrganizationFactory(name="Chirpline")
    with pytest.raises(ValidationError) as caught:
        services.update_organization(actor=secretariat, organization=supporter_with_admin, name="chirpLINE")
    assert "name" in caught.value.message_dict
    supporter_with_admin.refresh_from_db()
    assert supporter_with_admin.name == "Streamwave"


def test_update_may_recase_its_own_name(secretariat, supporter_with_admin):
    services.update_organization(actor=secretariat, organization=supporter_with_admin, name="StreamWave")
    supporter_with_admin.refresh_from_db()
    assert supporter_with_admin.name == "StreamWave"


def test_update_refuses_an_invalid_country(secretariat, supporter_with_admin):
    with pytest.raises(ValidationError):
        services.update_organization(actor=secretariat, organization=supporter_with_admin, country="ZZ")
    supporter_with_admin.refresh_from_db()
    assert supporter_with_admin.country.code == "NZ"


# --- change_standing ----------------------------------------------------------------------


def test_only_the_secretariat_changes_standing(supporter_with_admin):
    admin = _admin_of(supporter_with_admin)
    for actor in (admin, AnonymousUser(), UserFactory()):
        with pytest.raises(PermissionDenied):
            services.change_standing(actor=actor, organization=supporter_with_admin, standing=Standing.SUSPENDED)
    supporter_with_admin.refresh_from_db()
    assert supporter_with_admin.standing == Standing.SUPPORTER
    assert not StandingChange.objects.exists()
    assert not AuditEvent.objects.exists()


def test_an_inactive_secretariat_account_cannot_change_standing(supporter_with_admin):
    former = UserFactory(is_secretariat=True, is_active=False)
    with pytest.raises(PermissionDenied):
        services.change_standing(actor=former, organization=supporter_with_admin, standing=Standing.SUSPENDED)


def test_change_standing_refuses_an_unknown_standing(secretariat, supporter_with_admin):
    with pytest.raises(ValidationError):
        services.change_standing(actor=secretariat, organization=supporter_with_admin, standing="banned")
    supporter_with_admin.refresh_from_db()
    assert supporter_with_admin.standing == Standing.SUPPORTER


def test_change_standing_keeps_a_dated_history(secretariat, supporter_with_admin):
    before = supporter_with_admin.standing_since
    services.change_standing(
        actor=secretariat, organization=supporter_with_admin, standing=Standing.SUSPENDED, reason="No report"
    )
    services.change_standing(actor=secretariat, organization=supporter_with_admin, standing=Standing.SUPPORTER)

    supporter_with_admin.refresh_from_db()
    history = list(supporter_with_admin.standing_changes.all())
    assert [(c.from_standing, c.to_standing, c.reason, c.actor) for c in history] == [
        (Standing.SUPPORTER, Standing.SUSPENDED, "No report", secretariat),
        (Standing.SUSPENDED, Standing.SUPPORTER, "", secretariat),
    ]
    assert before <= history[0].changed_at <= history[1].changed_at
    assert supporter_with_admin.standing == Standing.SUPPORTER
    assert supporter_with_admin.standing_since == history[1].changed_at
    events = AuditEvent.objects.filter(action="organization.standing_changed").order_by("id")
    assert [(e.actor, e.data["before"], e.data["after"], e.data["reason"]) for e in events] == [
        (secretariat, Standing.SUPPORTER, Standing.SUSPENDED, "No report"),
        (secretariat, Standing.SUSPENDED, Standing.SUPPORTER, ""),
    ]


def test_change_standing_updates_the_callers_object(secretariat, supporter_with_admin):
    result = services.change_standing(actor=secretariat, organization=supporter_with_admin, standing=Standing.WITHDRAWN)
    assert result.standing == supporter_with_admin.standing == Standing.WITHDRAWN


def test_the_same_standing_again_changes_nothing(
    secretariat, supporter_with_admin, announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.change_standing(actor=secretariat, organization=supporter_with_admin, standing=Standing.SUPPORTER)
    assert not StandingChange.objects.exists()
    assert not AuditEvent.objects.exists()
    assert announced == []


def test_standing_and_access_are_announced_only_after_commit(
    secretariat, supporter_with_admin, announced, django_capture_on_commit_callbacks
):
    member_ids = set(Membership.objects.filter(organization=supporter_with_admin).values_list("user_id", flat=True))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.change_standing(actor=secretariat, organization=supporter_with_admin, standing=Standing.SUSPENDED)
        assert announced == []  # other apps must not react to a change that may still roll back
    assert announced == []
    for callback in callbacks:
        callback()

    assert announced[0] == (
        "standing_changed",
        {"organization_id": supporter_with_admin.pk, "standing": Standing.SUSPENDED},
    )
    assert announced[1][0] == "access_changed"
    assert set(announced[1][1]["user_ids"]) == member_ids


def test_a_rolled_back_standing_change_is_never_announced(
    secretariat, supporter_with_admin, announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.change_standing(actor=secretariat, organization=supporter_with_admin, standing=Standing.SUSPENDED)
        raise RuntimeError("the caller's transaction fails")
    assert announced == []
    supporter_with_admin.refresh_from_db()
    assert supporter_with_admin.standing == Standing.SUPPORTER
    assert not StandingChange.objects.exists()
