"""Repeated failed logins are throttled, per account, before a password can be guessed."""

import pytest

from .factories import PASSWORD, UserFactory

TOO_MANY = "Too many failed login attempts"


@pytest.mark.django_db
def test_failed_logins_are_throttled_then_even_the_right_password_waits(client):
    user = UserFactory()
    for attempt in range(5):
        response = client.post("/accounts/login/", {"login": user.email, "password": f"wrong-{attempt}"})
        assert TOO_MANY not in response.content.decode()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_few_mistakes_do_not_lock_the_account(client):
    user = UserFactory()
    for attempt in range(3):
        client.post("/accounts/login/", {"login": user.email, "password": f"wrong-{attempt}"})
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)


# --- The numbers (ASVS 2.2.1), on allauth's clock moved by hand -----------------------


class _Clock:
    def __init__(self):
        import time

        self.now = time.time()
        self.monotonic, self.sleep = time.monotonic, time.sleep

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    from allauth.core.internal import ratelimit

    fake = _Clock()
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake


def _fail(client, email, address):
    response = client.post("/accounts/login/", {"login": email, "password": "wrong"}, REMOTE_ADDR=address)
    return TOO_MANY not in response.content.decode()  # True when the guess was checked


@pytest.mark.django_db
def test_at_most_100_guesses_an_hour_reach_one_account_from_any_number_of_addresses(client, clock):
    user = UserFactory()
    checked = 0
    for n in range(120):  # one attempt every 30 seconds for an hour, each from a new address
        checked += _fail(client, user.email, f"10.0.0.{n + 1}")
        clock.now += 30
    assert checked <= 100
    assert checked == 60  # 5 in any 5 minutes


@pytest.mark.django_db
def test_the_holder_is_locked_out_only_minutes_after_the_attack_stops(client, clock):
    user = UserFactory()
    for n in range(20):
        _fail(client, user.email, f"10.1.0.{n + 1}")
    clock.now += 4 * 60
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="10.2.0.1")
    assert TOO_MANY in response.content.decode()
    clock.now += 61
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="10.2.0.1")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_one_address_is_throttled_across_accounts(client, clock):
    users = UserFactory.create_batch(3)
    checked = 0
    for n in range(30):  # 30 guesses in a minute over three accounts, none of them full
        checked += _fail(client, users[n % 3].email, "10.3.0.1")
        clock.now += 2
    assert checked == 10
    hourly = 0
    for n in range(180):  # an hour at one guess every 20 s, over many accounts
        clock.now += 20
        hourly += _fail(client, f"nobody{n}@example.org", "10.3.0.2")
    assert hourly == 100
