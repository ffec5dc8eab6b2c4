"""Error reports to Sentry, when SENTRY_DSN is set (portal/settings_observability.py).

Unhandled exceptions in views and Celery tasks, and log records at ERROR, are sent. No
personal data: Sentry's own rule with send_default_pii=False leaves out cookies, the
Authorization header, the user's address and IP, and the request body."""

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def init_error_reports(*, dsn: str, environment: str, release: str | None, traces_sample_rate: float, **options):
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        **options,
    )
