import os

import pytest
from django.conf import settings


def pytest_configure(config):
    # CI sets REQUIRE_SERVICES: running on the embedded default there would hide a broken stack.
    if os.environ.get("REQUIRE_SERVICES"):
        engine = settings.DATABASES["default"]["ENGINE"]
        layer = settings.CHANNEL_LAYERS["default"]["BACKEND"]
        if not engine.endswith("postgresql") or "channels_redis" not in layer:
            raise pytest.UsageError(
                f"REQUIRE_SERVICES is set but the stack is {engine} / {layer}: set DATABASE_URL and REDIS_URL."
            )


@pytest.fixture(autouse=True)
def _default_language():
    # A page rendered in French or Arabic leaves that language active in the thread
    # (LocaleMiddleware does not reset it): each test starts in the default language.
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing the production way dominates set-up time; the browser tests' server uses the same list.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _email_and_cache(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core.cache import cache

    cache.clear()  # rate limits and throttles must not leak between tests
    from commitments.digest import forget_shared_sections

    forget_shared_sections()  # a worker's digest sections, shared for minutes: not across tests
    yield


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    # Each test runs on its own event loop, but Channels keeps one layer object per process.
    # channels_redis releases a per-layer receive lock from a done-callback that may never
    # run once a test's loop is closed; the lock, bound to the dead loop, then fails every
    # later test's receive. A layer object per test keeps loops from meeting.
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def secretariat_with_totp(db):
    """A secretariat member who has set up two-factor (tests.portal.factories.make_totp), as
    the site requires of the secretariat before any write."""
    from tests.portal.factories import SecretariatFactory

    user = SecretariatFactory(full_name="Sam Secretariat", email="desk@secretariat.example")
    return user


@pytest.fixture
def secretariat(secretariat_with_totp):
    """The secretariat member tests act as: the one with two-factor. A test about a member
    without it asks for `secretary_without_totp`."""
    return secretariat_with_totp


@pytest.fixture
def secretary_without_totp(db):
    """A secretariat member who has not set up two-factor yet (see tests/helpers/two_factor.py)."""
    from tests.portal.factories import UserFactory

    return UserFactory(is_secretariat=True)


@pytest.fixture
def eager_celery(settings):
    """With REDIS_URL set, tasks go to a broker no worker reads during tests: run them here."""
    from portal.celery import app as celery_app

    previous = celery_app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _sign_in_like_the_site(monkeypatch):
    """A test client's `login` and `force_login` sign in as the site's sign-in does: a user who
    has set up two-factor passes it, recorded in the session as allauth records it
    (portal.second_factor). A session that skipped it is tests.helpers.two_factor.password_only_login's."""
    from django.test.client import ClientMixin

    from tests.helpers import two_factor

    django_login = ClientMixin._login

    def _login(self, user, backend=None):
        django_login(self, user, backend)
        two_factor.record_second_factor(self, user)

    monkeypatch.setattr(ClientMixin, "_login", _login)
