"""The keys of alert and escalation delivery records are built and parsed in one place
(incidents.alert_emails): what the tasks write is what the lost-task sweep reads back."""

import pytest

from incidents.alert_emails import (
    ALERT_KIND,
    ESCALATION_KIND,
    DeliveryKey,
    delivery_key,
    delivery_key_prefix_sql,
    parse_delivery_key,
)
from incidents.models import Acknowledgement, Tier
from portal.models import Role
from portal.notifications.models import Delivery

from .factories import responder_of
from .test_alerts import declare, escalate, make_overdue

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


def test_the_keys_written_by_the_tasks_parse_back_to_what_they_stand_for(
    secretariat, provider_a, django_capture_on_commit_callbacks
):
    responder = responder_of(provider_a)
    admin = responder_of(provider_a, role=Role.ADMIN)
    incident = declare(secretariat, [provider_a], django_capture_on_commit_callbacks)
    make_overdue(incident)
    escalate(django_capture_on_commit_callbacks)

    alert = Delivery.objects.get(kind=ALERT_KIND, recipient=responder)
    assert parse_delivery_key(alert.key) == DeliveryKey(
        kind=ALERT_KIND, incident_id=incident.pk, tier=Tier.FULL_PROTOCOL, user_id=responder.pk
    )
    escalation = Delivery.objects.get(kind=ESCALATION_KIND, recipient=admin)
    assert parse_delivery_key(escalation.key) == DeliveryKey(
        kind=ESCALATION_KIND,
        incident_id=incident.pk,
        tier=Tier.FULL_PROTOCOL,
        organization_id=provider_a.pk,
        user_id=admin.pk,
    )


def test_the_round_prefix_is_the_same_in_python_and_in_sql(secretariat, provider_a, django_capture_on_commit_callbacks):
    incident = declare(secretariat, [provider_a], django_capture_on_commit_callbacks)
    sql_prefix = (
        Acknowledgement.objects.filter(incident=incident)
        .annotate(
            prefix=delivery_key_prefix_sql(
                ESCALATION_KIND, incident_id="incident_id", tier="tier", organization_id="organization_id"
            )
        )
        .values_list("prefix", flat=True)
        .get()
    )
    expected = delivery_key(
        ESCALATION_KIND, incident_id=incident.pk, tier=Tier.FULL_PROTOCOL, organization_id=provider_a.pk
    )
    assert sql_prefix == expected == f"incident_escalation:{incident.pk}:{provider_a.pk}:{Tier.FULL_PROTOCOL}:"
    assert delivery_key(ALERT_KIND, incident_id=7, tier=2, user_id=9) == "incident_alert:7:2:9"


@pytest.mark.parametrize(
    "key",
    [
        "",
        "incident_alert",
        "incident_alert:1:2",  # a prefix, not a key
        "incident_alert:1:2:3:4",
        "incident_escalation:1:2:3",
        "incident_escalation:1:x:3:4",
        "digest:1:2:3",
        "incident_alert:-1:2:3",
    ],
)
def test_anything_else_is_not_a_key(key):
    assert parse_delivery_key(key) is None
