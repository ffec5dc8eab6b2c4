import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from incidents import services
from incidents.models import (
    ActionStatus,
    Incident,
    IncidentStatusChange,
    Indicator,
    ItemKind,
    PlatformStatus,
    RoomItem,
    Status,
    Tlp,
)
from portal.models import OrganizationKind, Role
from tests.portal.factories import OrganizationFactory

from .factories import responder_of

pytestmark = pytest.mark.django_db


def seqs(incident):
    return list(RoomItem.objects.filter(incident=incident).order_by("seq").values_list("seq", flat=True))


def test_declare_records_criteria_status_and_first_item(incident_with_two_orgs, secretariat, provider_a, provider_b):
    incident = incident_with_two_orgs
    assert incident.status == Status.DECLARED
    assert incident.criteria_decided_by == secretariat and incident.criteria_decided_at is not None
    assert incident.livestreamed and not incident.perpetrator_produced
    assert incident.commander == secretariat
    assert set(incident.invited_organizations.all()) == {provider_a, provider_b}
    change = IncidentStatusChange.objects.get(incident=incident)
    assert (change.from_status, change.to_status, change.actor) == ("", Status.DECLARED, secretariat)
    item = RoomItem.objects.get(incident=incident)
    assert (item.seq, item.kind) == (1, ItemKind.STATUS)
    incident.refresh_from_db()
    assert incident.last_seq == 1


def test_only_the_secretariat_declares(responder_a):
    with pytest.raises(PermissionDenied):
        services.declare_incident(actor=responder_a, title="No")
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{"title": ""}, {"title": "x" * 201}, {"title": "ok", "tier": 4}, {"title": "ok", "tlp": "purple"}],
)
def test_declare_rejects_bad_input(secretariat, fields):
    with pytest.raises(ValidationError):
        services.declare_incident(actor=secretariat, **fields)
    assert not Incident.objects.exists()


def test_declare_refuses_non_supporters(secretariat):
    applicant = OrganizationFactory(standing="applicant")
    with pytest.raises(ValidationError):
        services.declare_incident(actor=secretariat, title="x", organizations=[applicant])
    assert not Incident.objects.exists()


def test_messages_get_consecutive_seqs(incident_with_two_orgs, responder_a, provider_a):
    first = services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=uuid.uuid4(), body="a")
    second = services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=None, body="b")
    assert (first.seq, second.seq) == (2, 3)
    assert first.organization == provider_a and first.kind == ItemKind.CHAT
    assert seqs(incident_with_two_orgs) == [1, 2, 3]


def test_same_client_id_is_stored_once(incident_with_two_orgs, responder_a):
    client_id = str(uuid.uuid4())
    first = services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=client_id, body="hi")
    again = services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=client_id, body="hi")
    assert again.pk == first.pk and again.seq == first.seq
    assert RoomItem.objects.filter(client_id=client_id).count() == 1
    incident_with_two_orgs.refresh_from_db()
    assert incident_with_two_orgs.last_seq == first.seq


def test_someone_elses_client_id_is_refused(incident_with_two_orgs, responder_a, responder_b):
    client_id = uuid.uuid4()
    services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=client_id, body="hi")
    with pytest.raises(ValidationError):
        services.post_message(incident=incident_with_two_orgs, actor=responder_b, client_id=client_id, body="hi")


@pytest.mark.parametrize(
    ("client_id", "body"),
    [
        ("not-a-uuid", "hello"),
        (None, ""),
        (None, "   \n"),
        (None, None),
        (None, 42),
        (None, "x" * 8193),
        (None, "é" * 4097),  # 8194 bytes in UTF-8
    ],
)
def test_bad_messages_store_nothing(incident_with_two_orgs, responder_a, client_id, body):
    with pytest.raises(ValidationError):
        services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=client_id, body=body)
    assert seqs(incident_with_two_orgs) == [1]


def test_a_message_of_exactly_8192_bytes_is_accepted(incident_with_two_orgs, responder_a):
    item = services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=None, body="é" * 4096)
    assert item.seq == 2


def test_closed_incident_takes_no_messages(incident_with_two_orgs, secretariat, responder_a):
    services.change_status(actor=secretariat, incident=incident_with_two_orgs, status=Status.CLOSED)
    before = seqs(incident_with_two_orgs)
    with pytest.raises(ValidationError):
        services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=None, body="late")
    assert seqs(incident_with_two_orgs) == before
    incident_with_two_orgs.refresh_from_db()
    assert incident_with_two_orgs.last_seq == before[-1]


def test_flooding_is_refused_after_twenty_messages(incident_with_two_orgs, responder_a, responder_b):
    for n in range(services.FLOOD_LIMIT):
        services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=None, body=f"m{n}")
    with pytest.raises(services.RoomFloodedError):
        services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=None, body="one too many")
    assert RoomItem.objects.filter(kind=ItemKind.CHAT).count() == services.FLOOD_LIMIT
    # Someone else in the same room is not limited by it.
    services.post_message(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="still here")


def test_a_repeated_client_id_is_acknowledged_even_when_flooded(incident_with_two_orgs, responder_a):
    client_id = uuid.uuid4()
    first = services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=client_id, body="m")
    for n in range(services.FLOOD_LIMIT - 1):
        services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=None, body=f"m{n}")
    again = services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=client_id, body="m")
    assert again.pk == first.pk


def test_status_moves_forward_timed_and_attributed(incident_with_two_orgs, secretariat):
    incident = incident_with_two_orgs
    for status in (Status.ACTIVE, Status.MONITORING, Status.CLOSED):
        assert services.change_status(actor=secretariat, incident=incident, status=status) is True
    changes = list(IncidentStatusChange.objects.filter(incident=incident).values_list("from_status", "to_status"))
    assert changes == [("", "declared"), ("declared", "active"), ("active", "monitoring"), ("monitoring", "closed")]
    assert all(c.actor == secretariat and c.changed_at for c in IncidentStatusChange.objects.all())
    kinds = list(RoomItem.objects.filter(incident=incident).order_by("seq").values_list("seq", "kind"))
    assert kinds == [(1, "status"), (2, "status"), (3, "status"), (4, "status")]
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED


def test_repeated_status_change_changes_nothing(incident_with_two_orgs, secretariat):
    services.change_status(actor=secretariat, incident=incident_with_two_orgs, status=Status.ACTIVE)
    stale = Incident.objects.get(pk=incident_with_two_orgs.pk)
    stale.status = Status.DECLARED  # a second request that saw the old status
    assert services.change_status(actor=secretariat, incident=stale, status=Status.ACTIVE) is False
    assert IncidentStatusChange.objects.filter(to_status=Status.ACTIVE).count() == 1
    assert seqs(incident_with_two_orgs) == [1, 2]


def test_stale_or_invalid_status_change_is_refused(incident_with_two_orgs, secretariat, responder_a):
    with pytest.raises(ValidationError):
        services.change_status(actor=secretariat, incident=incident_with_two_orgs, status="exploded")
    services.change_status(actor=secretariat, incident=incident_with_two_orgs, status=Status.CLOSED)
    with pytest.raises(ValidationError):
        services.change_status(actor=secretariat, incident=incident_with_two_orgs, status=Status.ACTIVE)
    with pytest.raises(PermissionDenied):
        services.change_status(actor=responder_a, incident=incident_with_two_orgs, status=Status.ACTIVE)


def test_invite_and_uninvite_add_system_items(incident_with_two_orgs, secretariat):
    other = OrganizationFactory(name="Provider C")
    assert services.invite_organization(actor=secretariat, incident=incident_with_two_orgs, organization=other)
    assert not services.invite_organization(actor=secretariat, incident=incident_with_two_orgs, organization=other)
    assert services.uninvite_organization(actor=secretariat, incident=incident_with_two_orgs, organization=other)
    assert list(RoomItem.objects.filter(kind=ItemKind.SYSTEM).values_list("seq", flat=True)) == [2, 3]


# --- indicators ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "stored", "shown"),
    [
        (
            "url",
            " HTTPS://Example.COM/watch?v=1#t=3 ",
            "https://example.com/watch?v=1",
            "hxxps://example[.]com/watch?v=1",
        ),
        ("url", "hxxp://cdn[.]example.net:80/a", "http://cdn.example.net/a", "hxxp://cdn[.]example[.]net/a"),
        ("url", "https://example.com:8443", "https://example.com:8443/", "hxxps://example[.]com:8443/"),
        ("md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e", None),
        ("sha256", "a" * 64, "a" * 64, None),
        ("pdq", "F" * 64, "f" * 64, None),
    ],
)
def test_indicators_are_normalised_and_defanged(incident_with_two_orgs, responder_a, kind, raw, stored, shown):
    indicator, created = services.add_indicator(
        actor=responder_a, incident=incident_with_two_orgs, kind=kind, value=raw
    )
    assert created and indicator.value == stored
    assert indicator.defanged == (shown or stored)
    item = RoomItem.objects.get(kind=ItemKind.INDICATOR)
    assert (shown or stored) in item.text
    if kind == "url":
        assert "http" not in item.text.replace("hxxp", "")


def test_indicators_are_deduplicated(incident_with_two_orgs, responder_a, responder_b):
    first, _ = services.add_indicator(
        actor=responder_a, incident=incident_with_two_orgs, kind="url", value="https://example.com/v"
    )
    again, created = services.add_indicator(
        actor=responder_b, incident=incident_with_two_orgs, kind="url", value="https://EXAMPLE.com/v#x"
    )
    assert again.pk == first.pk and not created
    assert Indicator.objects.count() == 1
    assert RoomItem.objects.filter(kind=ItemKind.INDICATOR).count() == 1


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("url", "ftp://example.com/x"),
        ("url", "javascript:alert(1)"),
        ("url", "https://"),
        ("url", "https://user:pw@example.com/"),
        ("url", "https://exa mple.com/"),
        ("url", "https://example.com:99999/"),
        ("md5", "xyz"),
        ("sha256", "a" * 63),
        ("pdq", "g" * 64),
        ("ssdeep", "abc"),
        ("url", None),
    ],
)
def test_bad_indicators_are_refused(incident_with_two_orgs, responder_a, kind, value):
    with pytest.raises(ValidationError):
        services.add_indicator(actor=responder_a, incident=incident_with_two_orgs, kind=kind, value=value)
    assert not Indicator.objects.exists()
    assert seqs(incident_with_two_orgs) == [1]


def test_provider_sets_its_own_platform_status(incident_with_two_orgs, responder_a, responder_b, provider_a):
    indicator, _ = services.add_indicator(
        actor=responder_a, incident=incident_with_two_orgs, kind="md5", value="a" * 32
    )
    row = services.set_platform_status(
        actor=responder_a, indicator=indicator, organization=provider_a, status=PlatformStatus.FOUND
    )
    row = services.set_platform_status(
        actor=responder_a, indicator=indicator, organization=provider_a, status=PlatformStatus.REMOVED
    )
    assert row.status == PlatformStatus.REMOVED
    same = services.set_platform_status(
        actor=responder_a, indicator=indicator, organization=provider_a, status=PlatformStatus.REMOVED
    )
    assert same.pk == row.pk
    assert RoomItem.objects.filter(kind=ItemKind.INDICATOR).count() == 3  # added, found, removed
    with pytest.raises(PermissionDenied):
        services.set_platform_status(
            actor=responder_b, indicator=indicator, organization=provider_a, status=PlatformStatus.NOT_PRESENT
        )
    with pytest.raises(ValidationError):
        services.set_platform_status(actor=responder_a, indicator=indicator, organization=provider_a, status="gone")


def test_only_providers_have_platform_statuses(incident_with_two_orgs, responder_a):
    ngo = OrganizationFactory(kind=OrganizationKind.CIVIL_SOCIETY)
    ngo_responder = responder_of(ngo, role=Role.RESPONDER)
    indicator, _ = services.add_indicator(
        actor=responder_a, incident=incident_with_two_orgs, kind="md5", value="b" * 32
    )
    with pytest.raises(PermissionDenied):
        services.set_platform_status(
            actor=ngo_responder, indicator=indicator, organization=ngo, status=PlatformStatus.FOUND
        )


# --- actions ---------------------------------------------------------------------------------


def test_action_is_assigned_and_completed_once(incident_with_two_orgs, secretariat, responder_a, provider_a):
    action = services.create_action(
        actor=secretariat, incident=incident_with_two_orgs, title="Hash and share", organization=provider_a
    )
    assert action.status == ActionStatus.OPEN
    assert services.complete_action(actor=responder_a, action=action) is True
    assert services.complete_action(actor=responder_a, action=action) is False
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.completed_by == responder_a
    assert [k for (k,) in RoomItem.objects.order_by("seq").values_list("kind")] == ["status", "action", "action"]


def test_action_rules(incident_with_two_orgs, secretariat, responder_b, provider_a):
    outsider_org = OrganizationFactory(name="Not invited")
    with pytest.raises(ValidationError):
        services.create_action(actor=secretariat, incident=incident_with_two_orgs, title="x", organization=outsider_org)
    with pytest.raises(ValidationError):
        services.create_action(actor=secretariat, incident=incident_with_two_orgs, title=" ", organization=provider_a)
    action = services.create_action(
        actor=secretariat, incident=incident_with_two_orgs, title="x", organization=provider_a
    )
    with pytest.raises(PermissionDenied):
        services.complete_action(actor=responder_b, action=action)


# --- concurrency (real threads, real connections) ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_seqs_without_gaps(secretariat, provider_a):
    incident = services.declare_incident(
        actor=secretariat, title="Busy room", tlp=Tlp.GREEN, organizations=[provider_a]
    )
    writers = [responder_of(provider_a) for _ in range(8)]
    per_writer = 15

    def write(user):
        try:
            return [
                services.post_message(incident=incident, actor=user, client_id=uuid.uuid4(), body=f"{user.pk}-{n}").seq
                for n in range(per_writer)
            ]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(writers)) as pool:
        results = list(pool.map(write, writers))

    expected = list(range(1, 2 + len(writers) * per_writer))
    assert seqs(incident) == expected
    assert sorted(seq for result in results for seq in result) == expected[1:]
    for result in results:
        assert result == sorted(result)
    incident.refresh_from_db()
    assert incident.last_seq == expected[-1]


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_are_stored_once(secretariat, provider_a):
    incident = services.declare_incident(actor=secretariat, title="Retries", tlp=Tlp.GREEN, organizations=[provider_a])
    user = responder_of(provider_a)
    client_id = uuid.uuid4()

    def write(_n):
        try:
            return services.post_message(incident=incident, actor=user, client_id=client_id, body="once").seq
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = set(pool.map(write, range(6)))

    assert results == {2}
    assert seqs(incident) == [1, 2]
    incident.refresh_from_db()
    assert incident.last_seq == 2
