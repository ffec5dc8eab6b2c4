"""The audit log is append-only: Django refuses to change or delete an event, and on
PostgreSQL so does the database, whatever issues the statement."""

import pytest
from django.db import DatabaseError, connection, transaction

from portal import services
from portal.models import AuditEvent, AuditLogAppendOnlyError

from .factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return services.record_audit(
        actor=UserFactory(), action="test.recorded", organization=OrganizationFactory(), target="x", n=1
    )


def _unchanged(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.target, stored.data) == ("test.recorded", "x", {"n": 1})


def test_an_event_cannot_be_saved_again(event):
    event.action = "test.forged"
    with pytest.raises(AuditLogAppendOnlyError):
        event.save()
    _unchanged(event)


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(AuditLogAppendOnlyError):
        event.delete()
    _unchanged(event)


@pytest.mark.parametrize(
    "write",
    [
        lambda: AuditEvent.objects.update(action="test.forged"),
        lambda: AuditEvent.objects.filter(action="test.recorded").update(target="y"),
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.filter(action="test.recorded").delete(),
        lambda: AuditEvent.objects.bulk_update([AuditEvent.objects.get()], ["target"]),
    ],
    ids=["manager-update", "update", "delete-all", "delete", "bulk-update"],
)
def test_querysets_refuse_to_change_or_delete(event, write):
    with pytest.raises(AuditLogAppendOnlyError), transaction.atomic():  # bulk_update's own atomic has no savepoint
        write()
    _unchanged(event)


def test_new_events_are_still_recorded(event):
    services.record_audit(actor=None, action="test.second")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.second", "test.recorded"]


def test_deleting_the_actor_or_organisation_keeps_the_event(event):
    event.actor.delete()
    event.organization.delete()
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.organization_id) == (None, None)
    assert (stored.action, stored.data) == ("test.recorded", {"n": 1})


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE portal_auditevent SET action = 'test.forged'",
        "UPDATE portal_auditevent SET actor_id = NULL, target = 'y'",
        "DELETE FROM portal_auditevent",
    ],
)
def test_the_database_refuses_raw_changes_on_postgresql(event, sql):
    """On SQLite the migration is a no-op and only Django's guards apply, so raw SQL goes through."""
    refused = connection.vendor == "postgresql"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    except DatabaseError as error:
        assert refused, error
        assert "append-only" in str(error)
    else:
        assert not refused, "PostgreSQL accepted a change to the audit log"
    if refused:
        _unchanged(event)
