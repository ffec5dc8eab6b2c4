import pytest

from portal import health


@pytest.mark.django_db
def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_every_part(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "channel_layer": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_names_the_failing_part(client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "broker", lambda: "ConnectionError")
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"] == "ok"
