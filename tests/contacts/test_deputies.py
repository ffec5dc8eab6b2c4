"""Deputies: a responder names a colleague to receive their alerts for a period (leave); the
page shows who covers whom."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Acknowledgement, Tier, Tlp
from incidents.permissions import acknowledging_memberships
from portal import services
from portal.contacts.models import Deputy
from portal.models import AuditEvent, Role
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    """A provider with an admin, a responder going on leave and a colleague who covers."""
    org = OrganizationFactory(name="Kiwi Video", slug="kiwi")
    admin = MembershipFactory(organization=org, role=Role.ADMIN)
    responder = MembershipFactory(organization=org, role=Role.RESPONDER)
    colleague = MembershipFactory(organization=org, role=Role.MEMBER)
    for membership in (responder, colleague):
        make_totp(membership.user)
    return org, admin, responder, colleague


def name(actor, responder, colleague, *, start=timedelta(hours=-1), end=timedelta(days=7)):
    now = timezone.now()
    return services.name_deputy(
        actor=actor, membership=responder, deputy=colleague, starts_at=now + start, ends_at=now + end
    )


def test_a_responder_names_a_deputy_and_it_is_audited(team):
    _org, _admin, responder, colleague = team
    deputy = name(responder.user, responder, colleague)
    assert (deputy.membership, deputy.deputy) == (responder, colleague)
    event = AuditEvent.objects.get(action="deputy.named")
    assert (event.actor, event.target, event.data["deputy"]) == (
        responder.user,
        responder.user.email,
        colleague.user.email,
    )


def test_an_admin_names_one_for_a_responder_and_ends_it(team):
    _org, admin, responder, colleague = team
    deputy = name(admin.user, responder, colleague)
    services.end_deputy(actor=admin.user, deputy=deputy)
    assert not Deputy.objects.exists()
    assert AuditEvent.objects.filter(action="deputy.ended").count() == 1


def test_a_colleague_cannot_name_a_deputy_for_someone_else(team):
    _org, _admin, responder, colleague = team
    with pytest.raises(PermissionDenied):
        name(colleague.user, responder, colleague)
    assert not Deputy.objects.exists()


@pytest.mark.parametrize(
    ("case", "field"),
    [("other organisation", "deputy"), ("themselves", "deputy"), ("ends before it starts", "ends_at")],
)
def test_bad_deputies_are_refused_and_nothing_is_stored(team, case, field):
    _org, admin, responder, colleague = team
    kwargs = {}
    if case == "other organisation":
        colleague = MembershipFactory(organization=OrganizationFactory(name="Elsewhere"))
    elif case == "themselves":
        colleague = responder
    else:
        kwargs = {"start": timedelta(days=2), "end": timedelta(days=1)}
    with pytest.raises(ValidationError) as caught:
        name(admin.user, responder, colleague, **kwargs)
    assert field in caught.value.message_dict
    assert not Deputy.objects.exists() and not AuditEvent.objects.filter(action="deputy.named").exists()


def cover_another_responder(org):
    """One more row on the deputies list (a responder has one deputy at a time)."""
    on_leave = MembershipFactory(organization=org, role=Role.RESPONDER)
    return name(on_leave.user, on_leave, MembershipFactory(organization=org))


def declare(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return incident_services.declare_incident(
            actor=UserFactory(is_secretariat=True),
            organizations=[org],
            title="Livestreamed attack",
            tier=Tier.FULL_PROTOCOL,
            tlp=Tlp.AMBER_STRICT,
        )


def test_during_the_period_the_deputy_is_alerted_and_acknowledges(
    team, django_capture_on_commit_callbacks, eager_celery
):
    org, _admin, responder, colleague = team
    name(responder.user, responder, colleague)
    incident = declare(org, django_capture_on_commit_callbacks)
    recipients = {address for message in mail.outbox for address in message.to}
    assert {responder.user.email, colleague.user.email} <= recipients
    assert acknowledging_memberships(incident=incident, user_id=colleague.user_id).exists()
    assert Acknowledgement.objects.filter(incident=incident, organization=org).exists()


def test_outside_the_period_the_deputy_is_not_alerted(team, django_capture_on_commit_callbacks, eager_celery):
    org, _admin, responder, colleague = team
    name(responder.user, responder, colleague, start=timedelta(days=1), end=timedelta(days=3))
    incident = declare(org, django_capture_on_commit_callbacks)
    recipients = {address for message in mail.outbox for address in message.to}
    assert responder.user.email in recipients and colleague.user.email not in recipients
    assert not acknowledging_memberships(incident=incident, user_id=colleague.user_id).exists()


def test_the_page_shows_who_covers_whom_and_names_a_deputy(team, client, django_assert_max_num_queries):
    org, _admin, responder, colleague = team
    client.force_login(responder.user)
    url = reverse("portal:deputies", args=[org.slug])
    now = timezone.localtime()
    response = client.post(
        url,
        {
            "membership": responder.pk,
            "deputy": colleague.pk,
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    for extra in range(2):  # the list costs the same with one deputy or three
        if extra:
            for _ in range(2):
                cover_another_responder(org)
        with django_assert_max_num_queries(14):
            page = client.get(url).content.decode()
    assert colleague.user.display_name in page and responder.user.display_name in page


def test_the_page_refuses_bad_input_and_changes_nothing(team, client):
    org, _admin, responder, _colleague = team
    client.force_login(responder.user)
    url = reverse("portal:deputies", args=[org.slug])
    response = client.post(
        url, {"membership": responder.pk, "deputy": responder.pk, "starts_at": "2030-01-02T10:00", "ends_at": "x"}
    )
    assert response.status_code == 200 and not Deputy.objects.exists()
    for bad in ("abc", "-1", "9" * 40, ""):
        assert client.post(url, {"end": bad}).status_code == 404


def test_a_responder_finds_the_page_from_the_organisation(team, client):
    org, _admin, responder, _colleague = team
    client.force_login(responder.user)
    page = client.get(reverse("portal:organization_detail", args=[org.slug])).content.decode()
    assert reverse("portal:deputies", args=[org.slug]) in page


def test_a_plain_member_cannot_open_the_page(team, client):
    org, _admin, _responder, colleague = team
    client.force_login(colleague.user)
    assert client.get(reverse("portal:deputies", args=[org.slug])).status_code == 403


# --- API ------------------------------------------------------------------------------------


def api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_names_lists_and_ends_deputies(team, django_assert_max_num_queries):
    org, _admin, responder, colleague = team
    client = api(responder.user)
    url = f"/api/v1/organizations/{org.pk}/deputies/"
    now = timezone.now()
    body = {
        "membership": responder.pk,
        "deputy": colleague.pk,
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=3)).isoformat(),
    }
    created = client.post(url, body, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["membership"], created.json()["deputy"]) == (responder.pk, colleague.pk)
    for extra in (0, 2):
        for _ in range(extra):
            cover_another_responder(org)
        with django_assert_max_num_queries(8):
            listed = client.get(url).json()
    assert len(listed) == 3
    assert client.delete(f"{url}{created.json()['id']}/").status_code == 204
    assert client.delete(f"{url}{created.json()['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"deputy": 999_999}, "deputy"),
        ({"membership": "abc"}, "membership"),
        ({"ends_at": "yesterday"}, "ends_at"),
        ({"swap": True}, "ends_at"),
        ({"self": True}, "deputy"),
        ({"extra": 1}, "extra"),
    ],
)
def test_the_api_refuses_bad_input_and_changes_nothing(team, change, field):
    org, _admin, responder, colleague = team
    now = timezone.now()
    body = {
        "membership": responder.pk,
        "deputy": colleague.pk,
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=3)).isoformat(),
    }
    if change.pop("swap", False):
        body["starts_at"], body["ends_at"] = body["ends_at"], body["starts_at"]
    if change.pop("self", False):
        body["deputy"] = responder.pk
    body.update(change)
    response = api(responder.user).post(f"/api/v1/organizations/{org.pk}/deputies/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Deputy.objects.exists()


# --- One deputy at a time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (timedelta(days=1), timedelta(days=2)),  # inside the first period
        (timedelta(days=-3), timedelta(hours=1)),  # across its start
        (timedelta(days=6), timedelta(days=9)),  # across its end
        (timedelta(days=-2), timedelta(days=10)),  # around it
    ],
)
def test_a_second_deputy_for_an_overlapping_period_is_refused(team, start, end):
    org, admin, responder, colleague = team
    name(responder.user, responder, colleague)  # from an hour ago for seven days
    other = MembershipFactory(organization=org)
    with pytest.raises(ValidationError) as caught:
        name(admin.user, responder, other, start=start, end=end)
    assert colleague.user.display_name in caught.value.message_dict["starts_at"][0]
    assert Deputy.objects.count() == 1 and AuditEvent.objects.filter(action="deputy.named").count() == 1


def test_periods_that_follow_each_other_or_other_responders_do_not_clash(team):
    org, admin, responder, colleague = team
    first = name(responder.user, responder, colleague)
    other = MembershipFactory(organization=org)
    # Starts the moment the first ends: periods are half-open, as covering_now reads them.
    services.name_deputy(
        actor=admin.user,
        membership=responder,
        deputy=other,
        starts_at=first.ends_at,
        ends_at=first.ends_at + timedelta(days=1),
    )
    second_responder = MembershipFactory(organization=org, role=Role.RESPONDER)
    name(admin.user, second_responder, colleague)  # the same colleague may cover two people
    assert Deputy.objects.count() == 3


def test_an_ended_cover_frees_its_period(team):
    org, _admin, responder, colleague = team
    services.end_deputy(actor=responder.user, deputy=name(responder.user, responder, colleague))
    name(responder.user, responder, MembershipFactory(organization=org))
    assert Deputy.objects.count() == 1


def test_the_page_refuses_an_overlapping_deputy_in_the_readers_language(team, client):
    org, _admin, responder, colleague = team
    name(responder.user, responder, colleague)
    other = MembershipFactory(organization=org)
    client.force_login(responder.user)
    now = timezone.localtime()
    response = client.post(
        reverse("portal:deputies", args=[org.slug]),
        {
            "membership": responder.pk,
            "deputy": other.pk,
            "starts_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 200
    assert "couvre déjà" in response.content.decode()
    assert Deputy.objects.count() == 1


def test_the_api_refuses_an_overlapping_deputy_and_changes_nothing(team):
    org, _admin, responder, colleague = team
    name(responder.user, responder, colleague)
    now = timezone.now()
    body = {
        "membership": responder.pk,
        "deputy": MembershipFactory(organization=org).pk,
        "starts_at": (now + timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=2)).isoformat(),
    }
    response = api(responder.user).post(f"/api/v1/organizations/{org.pk}/deputies/", body, format="json")
    assert response.status_code == 400
    assert "overlap" in str(response.json()["starts_at"])
    assert Deputy.objects.count() == 1 and AuditEvent.objects.filter(action="deputy.named").count() == 1


@pytest.mark.reliability  # an exclusion constraint: PostgreSQL only (migration 0020)
def test_postgresql_itself_refuses_overlapping_periods(team):
    from django.db import IntegrityError, transaction

    org, _admin, responder, colleague = team
    now = timezone.now()
    Deputy.objects.create(membership=responder, deputy=colleague, starts_at=now, ends_at=now + timedelta(days=2))
    other = MembershipFactory(organization=org)
    with pytest.raises(IntegrityError, match="deputy_periods_do_not_overlap"), transaction.atomic():
        Deputy.objects.create(
            membership=responder, deputy=other, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=3)
        )
    Deputy.objects.create(  # the next period, from the moment the first ends
        membership=responder, deputy=other, starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=3)
    )
    assert Deputy.objects.count() == 2
