"""An organisation's escalation chain: its admins (and the secretariat) order its responders
and admins, with the minutes to wait at each step; anything else is refused whole."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal import services
from portal.contacts import selectors
from portal.contacts.models import EscalationStep
from portal.models import AuditEvent, Role
from tests.helpers.api_client import api
from tests.portal.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Streamwave", slug="streamwave")


@pytest.fixture
def admin(org):
    return MembershipFactory(organization=org, role=Role.ADMIN)


@pytest.fixture
def first(org):
    return MembershipFactory(organization=org, role=Role.RESPONDER)


@pytest.fixture
def backup(org):
    return MembershipFactory(organization=org, role=Role.RESPONDER)


def step(membership, minutes):
    return services.StepInput(membership_id=membership.pk, wait_minutes=minutes)


def chain_of(org):
    return [(s.membership.pk, s.wait_minutes) for s in selectors.escalation_chain(org)]


def test_the_admin_orders_the_chain_and_it_is_audited(org, admin, first, backup):
    services.set_escalation_chain(
        actor=admin.user, organization=org, steps=[step(first, 10), step(backup, 15), step(admin, 30)]
    )
    assert chain_of(org) == [(first.pk, 10), (backup.pk, 15), (admin.pk, 30)]
    services.set_escalation_chain(actor=admin.user, organization=org, steps=[step(backup, 5), step(first, 5)])
    assert chain_of(org) == [(backup.pk, 5), (first.pk, 5)]
    events = AuditEvent.objects.filter(action="escalation_chain.changed", organization=org)
    assert events.count() == 2
    assert events.first().data["steps"] == [[backup.user.email, 5], [first.user.email, 5]]


def test_a_member_who_leaves_the_role_drops_out_of_the_chain(org, admin, first, backup):
    services.set_escalation_chain(actor=admin.user, organization=org, steps=[step(first, 10), step(backup, 15)])
    services.change_roles(actor=admin.user, membership=first, roles=[Role.MEMBER])
    assert chain_of(org) == [(backup.pk, 15)]
    services.remove_member(actor=admin.user, membership=backup)
    assert chain_of(org) == []


@pytest.fixture
def outsider(db):
    return MembershipFactory(organization=OrganizationFactory(name="Elsewhere"), role=Role.RESPONDER)


@pytest.mark.parametrize(
    "bad",
    [
        lambda m: [step(m["first"], 0)],
        lambda m: [step(m["first"], 241)],
        lambda m: [step(m["first"], 10), step(m["first"], 20)],
        lambda m: [step(m["member"], 10)],  # a plain member is not called
        lambda m: [step(m["outsider"], 10)],  # another organisation's responder
        lambda m: [services.StepInput(membership_id=999999, wait_minutes=10)],
    ],
)
def test_bad_steps_are_refused_and_change_nothing(org, admin, first, backup, outsider, bad):
    services.set_escalation_chain(actor=admin.user, organization=org, steps=[step(backup, 15)])
    members = {"first": first, "member": MembershipFactory(organization=org, role=Role.MEMBER), "outsider": outsider}
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.set_escalation_chain(actor=admin.user, organization=org, steps=bad(members))
    assert "steps" in refused.value.error_dict
    assert chain_of(org) == [(backup.pk, 15)]
    assert AuditEvent.objects.count() == events


def test_only_admins_and_the_secretariat_set_the_chain(org, admin, first, secretariat):
    with pytest.raises(PermissionDenied):
        services.set_escalation_chain(actor=first.user, organization=org, steps=[step(first, 10)])
    assert not EscalationStep.objects.exists()
    services.set_escalation_chain(actor=secretariat, organization=org, steps=[step(first, 10)])
    assert chain_of(org) == [(first.pk, 10)]


# --- The page ---


def test_the_page_orders_the_chain_by_place(client, org, admin, first, backup):
    client.force_login(admin.user)
    page = client.get("/organisations/streamwave/manage/escalation/")
    assert page.status_code == 200 and first.user.email in page.content.decode()
    data = {
        f"position_{first.pk}": "2",
        f"minutes_{first.pk}": "20",
        f"position_{backup.pk}": "1",
        f"minutes_{backup.pk}": "5",
        f"position_{admin.pk}": "",
        f"minutes_{admin.pk}": "15",
    }
    response = client.post("/organisations/streamwave/manage/escalation/", data)
    assert response.status_code == 302
    assert chain_of(org) == [(backup.pk, 5), (first.pk, 20)]


@pytest.mark.parametrize(
    "overrides",
    [{"position_F": "1", "position_B": "1"}, {"position_F": "1", "minutes_F": "500"}, {"position_F": "x"}],
)
def test_the_page_shows_errors_and_changes_nothing(client, org, admin, first, backup, overrides):
    services.set_escalation_chain(actor=admin.user, organization=org, steps=[step(backup, 15)])
    client.force_login(admin.user)
    data = {f"minutes_{m.pk}": "15" for m in (admin, first, backup)}
    data.update({k.replace("_F", f"_{first.pk}").replace("_B", f"_{backup.pk}"): v for k, v in overrides.items()})
    response = client.post("/organisations/streamwave/manage/escalation/", data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert chain_of(org) == [(backup.pk, 15)]


# --- The API ---


def test_the_api_reads_and_replaces_the_chain(org, admin, first, backup):
    url = f"/api/v1/organizations/{org.pk}/escalation-chain/"
    body = {"steps": [{"membership": first.pk, "wait_minutes": 10}, {"membership": backup.pk, "wait_minutes": 20}]}
    response = api(admin.user).put(url, body, format="json")
    assert response.status_code == 200, response.data
    read = api(admin.user).get(url).data
    assert [(s["position"], s["membership"], s["wait_minutes"]) for s in read] == [
        (1, first.pk, 10),
        (2, backup.pk, 20),
    ]
    assert read[0]["contact"]["numbers"] == []


def test_the_api_refuses_bad_chains_and_other_callers_and_changes_nothing(org, admin, first, backup):
    url = f"/api/v1/organizations/{org.pk}/escalation-chain/"
    services.set_escalation_chain(actor=admin.user, organization=org, steps=[step(backup, 15)])
    bad = {"steps": [{"membership": first.pk, "wait_minutes": 0}]}
    assert api(admin.user).put(url, bad, format="json").status_code == 400
    unknown_key = {"steps": [{"membership": first.pk, "wait_minutes": 5, "position": 3}]}
    assert api(admin.user).put(url, unknown_key, format="json").status_code == 400
    good = {"steps": [{"membership": first.pk, "wait_minutes": 5}]}
    assert api(first.user).put(url, good, format="json").status_code == 403
    assert api(first.user).get(url).status_code == 403
    assert chain_of(org) == [(backup.pk, 15)]


@pytest.mark.parametrize("size", [2, 12])
def test_the_chain_page_runs_a_fixed_number_of_queries(client, org, admin, django_assert_max_num_queries, size):
    members = [MembershipFactory(organization=org, role=Role.RESPONDER) for _ in range(size)]
    for membership in members:
        services.update_contact(
            actor=membership.user,
            user=membership.user,
            numbers=[services.NumberInput(label="mobile", number="+64 21 123 4567")],
            time_zone="Europe/Paris",
            languages=["fr"],
        )
    services.set_escalation_chain(actor=admin.user, organization=org, steps=[step(m, 10) for m in members])
    client.force_login(admin.user)
    with django_assert_max_num_queries(16):
        response = client.get("/organisations/streamwave/manage/escalation/")
    assert response.content.decode().count('href="tel:+64211234567"') == 2 * size  # the chain and the members
