"""GET /metrics: Prometheus's text format for the monitoring system's bearer token alone, a
404 (the same as any unknown address) for everyone else; the Celery queues read from Redis."""

import json
import time

import pytest
from celery import current_app
from django.conf import settings
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from portal.metrics import queues
from portal.permissions import can_read_metrics

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client=None, token=TOKEN) -> dict:
    response = (client or Client()).get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    return {family.name: family for family in text_string_to_metric_families(response.content.decode())}


def value(families: dict, family: str, sample: str | None = None, **labels) -> float | None:
    for item in families.get(family, ()).samples if family in families else ():
        if item.name == (sample or family) and all(item.labels.get(k) == v for k, v in labels.items()):
            return item.value
    return None


@pytest.mark.django_db
def test_the_page_parses_and_has_the_requests_and_the_portals_own_families(metrics_token):
    Client().get("/healthz")
    families = scrape()
    # django-prometheus: requests by view, and the database's queries.
    assert (
        value(
            families,
            "django_http_requests_latency_seconds_by_view_method",
            "django_http_requests_latency_seconds_by_view_method_count",
            view="healthz",
            method="GET",
        )
        >= 1
    )
    assert "django_db_execute" in families or "django_db_execute_total" in {
        s.name for f in families.values() for s in f.samples
    }
    for name in (
        "callportal_room_delivery_lag_seconds",
        "callportal_alert_time_to_acknowledge_seconds",
        "callportal_channel_layer_failures",
        "callportal_digests",
    ):
        assert name in families, name


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "head"])
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer wrong",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN}x",
        f"Token {TOKEN}",
        f"Basic {TOKEN}",
        "Bearer",
    ],
)
def test_anyone_without_the_token_gets_the_same_404_as_an_unknown_address(metrics_token, method, authorization):
    client = Client()
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = getattr(client, method)("/metrics", headers=headers)
    unknown = getattr(client, method)("/no-such-page", headers=headers)
    assert response.status_code == unknown.status_code == 404
    assert b"callportal_" not in response.content and b"django_http" not in response.content
    assert [t.name for t in response.templates][:1] == [t.name for t in unknown.templates][:1]


@pytest.mark.django_db
def test_a_session_is_no_token_not_even_the_secretariats(metrics_token, secretariat):
    client = Client()
    client.force_login(secretariat)
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_without_a_configured_token_the_page_does_not_exist(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    assert not can_read_metrics("Bearer ")
    assert not can_read_metrics("")


@pytest.mark.django_db
def test_with_the_token_only_get_is_answered(metrics_token):
    response = Client().post("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 405


def test_the_token_is_compared_whole():
    settings.METRICS_TOKEN, saved = TOKEN, settings.METRICS_TOKEN
    try:
        assert can_read_metrics(f"Bearer {TOKEN}") and can_read_metrics(f"bearer {TOKEN}")
        assert not can_read_metrics(f"Bearer {TOKEN} extra")
        assert not can_read_metrics(TOKEN)
    finally:
        settings.METRICS_TOKEN = saved


# --- Celery's queues, read from Redis at scrape time ------------------------------------------

# The queues live in Redis: these run where the real stack does (`make test` deselects the marker without REDIS_URL).
needs_broker = pytest.mark.reliability


@pytest.fixture
def empty_queues():
    with current_app.connection_for_write() as conn:
        client = conn.default_channel.client
        client.delete(*queues.QUEUES)
        yield client
        client.delete(*queues.QUEUES)


@needs_broker
@pytest.mark.django_db
def test_queue_length_and_the_oldest_tasks_age(metrics_token, empty_queues, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    families = scrape()
    assert value(families, "callportal_celery_broker_up") == 1
    assert value(families, "callportal_celery_queue_length", queue="crisis") == 0
    assert value(families, "callportal_celery_queue_oldest_task_age_seconds", queue="crisis") == 0
    # A real message: it carries its publication time.
    current_app.send_task("portal.send_digest", kwargs={"delivery_id": 0}, queue="bulk")
    message = json.loads(empty_queues.lindex("bulk", -1))
    assert message["headers"]["published_at"] <= time.time()
    # The oldest waiting message is the one at the right end, two minutes old here.
    old = {**message, "headers": {**message["headers"], "published_at": time.time() - 120}}
    empty_queues.rpush("bulk", json.dumps(old))
    families = scrape()
    assert value(families, "callportal_celery_queue_length", queue="bulk") == 2
    assert value(families, "callportal_celery_queue_oldest_task_age_seconds", queue="bulk") >= 120


@needs_broker
@pytest.mark.django_db
def test_a_broker_that_does_not_answer_is_reported_not_raised(metrics_token, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(current_app.conf, "broker_read_url", "redis://127.0.0.1:1/0")
    families = scrape()
    assert value(families, "callportal_celery_broker_up") == 0
    assert "callportal_celery_queue_length" not in families


@pytest.mark.django_db
def test_on_the_embedded_default_there_is_no_queue_to_report(metrics_token, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert "callportal_celery_broker_up" not in scrape()
