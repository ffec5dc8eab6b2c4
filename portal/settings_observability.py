"""Monitoring settings, imported by settings.py: the Prometheus metrics page, structured
logs and error reports (docs/operations.md, "Monitoring")."""

import environ

from .error_reports import init_error_reports
from .structured_logs import configure_structlog, logging_config

__all__ = [
    "CELERY_WORKER_HIJACK_ROOT_LOGGER",
    "LOGGING",
    "LOG_FORMAT",
    "METRICS_TOKEN",
    "PROMETHEUS_EXPORT_MIGRATIONS",
    "PROMETHEUS_LATENCY_BUCKETS",
    "SECURE_REDIRECT_EXEMPT",
    "SENTRY_DSN",
]

env = environ.Env()
_DEBUG = env.bool("DJANGO_DEBUG", default=True)

# The bearer token of GET /metrics; unset, the page is a 404 for everyone.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Each host's web processes are scraped directly, over the internal network: no redirect to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]
# django-prometheus: request, response and database figures (docs/operations.md).
PROMETHEUS_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, float("inf"))
PROMETHEUS_EXPORT_MIGRATIONS = False

# JSON lines to stdout in production (or with LOG_FORMAT=json), readable lines in development.
LOG_FORMAT = env("LOG_FORMAT", default="console" if _DEBUG else "json")
LOGGING = logging_config(as_json=LOG_FORMAT == "json", level=env("LOG_LEVEL", default="INFO"))
configure_structlog()
# Celery workers log through LOGGING too (JSON, with the task id), not through handlers of their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    init_error_reports(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="development" if _DEBUG else "production"),
        release=env("SENTRY_RELEASE", default=None),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
