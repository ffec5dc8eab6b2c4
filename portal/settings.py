"""Settings, read from the environment.

With nothing set the site runs on the embedded default: SQLite, the in-memory
channel layer, Celery tasks run eagerly and email goes to the console.
`DATABASE_URL` and `REDIS_URL` switch to PostgreSQL, channels-redis and a real
Celery broker.
"""

import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal import settings_redis
from portal.queues import BULK_QUEUE, CRISIS_QUEUE, task_routes

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-for-production-use"
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])

if not DEBUG:
    # Production must never run on the development key or accept any Host header.
    if SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 40:
        raise ImproperlyConfigured("Set SECRET_KEY (at least 40 characters) when DJANGO_DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS when DJANGO_DEBUG is off.")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "phonenumber_field",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "portal",
    "commitments",
    "incidents",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first and last: the whole request's time
    "portal.structured_logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.ServiceUnavailableMiddleware",
    "portal.middleware.UserLocaleMiddleware",
    "portal.time_zones.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.method_not_allowed_page",
    "portal.session_policy.SessionPolicyMiddleware",
    "portal.second_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "portal.middleware.sync_boundary",  # last: everything above runs in sync mode, in one thread
]

ROOT_URLCONF = "portal.urls"
FORM_RENDERER = "portal.form_renderer.PortalFormRenderer"
ASGI_APPLICATION = "portal.asgi.application"
# How many requests run their Django code at once per server process, each on a reused thread
# (portal/request_threads.py); the rest wait their turn in the event loop. One that has run for
# REQUEST_PATIENCE seconds stops counting, so slow ones cannot hold the others up.
REQUEST_THREADS = env.int("REQUEST_THREADS", default=2)
REQUEST_PATIENCE = env.float("REQUEST_PATIENCE", default=0.5)
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
SQLITE_PATH = env("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3"))
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
# django-prometheus's subclass of the same backend counts and times queries, a few microseconds
# each (docs/operations.md, "Monitoring"); METRICS_DB_QUERIES=false keeps the plain backend.
if env.bool("METRICS_DB_QUERIES", default=True):
    DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace("django.db.", "django_prometheus.db.")
if USING_POSTGRES:
    # Off by default inside pytest only: every async test has an event loop of its own, whose
    # executor threads end still holding their pooled connection, so the pool would drain over
    # a few hundred tests. A server has one loop for its life and returns each connection after
    # use; the servers the drills and browser tests start do pool.
    # PgBouncer in transaction mode is the pool: no pool or persistent connections of our own, and
    # no server-side cursors (one would outlive its transaction's server connection). docs/operations.md.
    PGBOUNCER = env.bool("PGBOUNCER", default=False)
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = PGBOUNCER
    if env.bool("DB_POOL", default="pytest" not in sys.modules and not PGBOUNCER):
        # Under ASGI every concurrent request runs in a thread of its own, and Django's
        # persistent connections are per thread: 50 concurrent requests on two processes
        # exhausted PostgreSQL's 100 connections (bench/load.py). A pool per process bounds
        # them; each connection is checked before it is handed out, so a restarted
        # PostgreSQL is noticed by the pool, not by a failed request.
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # Django passes the pool a checker
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DB_POOL_MAX_SIZE", default=12),
            # A request waits this long for a free connection, then gets a 503, not a hang.
            "timeout": env.float("DB_POOL_TIMEOUT", default=5.0),
        }
    else:
        # Health-checked persistent connections; behind PgBouncer, one connection per request.
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if PGBOUNCER else 60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # The browser tests serve the app from a second process, which needs a file
    # database it can share with the test runner.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env(
        "SQLITE_TEST_PATH", default=str(BASE_DIR / ".test-db.sqlite3")
    )
    # The room writes from several threads at once: IMMEDIATE transactions wait for the
    # write lock (up to the timeout) instead of failing with "database is locked" when a
    # reader upgrades, and WAL lets readers carry on while one thread writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, Celery broker ---------------------------------
# One Redis, or Redis Sentinel (REDIS_SENTINELS or a redis+sentinel:// REDIS_URL): portal/settings_redis.py.
REDIS_URL = settings_redis.redis_url_from_env(env.ENVIRON)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py's asyncio pool refuses a 101st concurrent command by default, and
                # its 5 s read timeout races the layer's 5 s BZPOPMIN, failing idle receives
                # at random (docs/performance.md, "Incident room").
                "hosts": [settings_redis.channel_layer_host(REDIS_URL, max_connections=1000, socket_timeout=30)],
                # A room has one channel per process (incidents/fanout.py), so these bound
                # a hub's backlog, not a client's. The defaults (100 messages, 60 s) drop
                # silently under a burst; an item dropped anyway is filled from the database.
                "capacity": 2000,
                "expiry": 30,
                "group_expiry": 86400,
            },
        }
    }
    # Rate limits and aggregates only: while Redis is away reads miss, pages keep serving (portal/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.TolerantRedisCache",
            "LOCATION": [REDIS_URL],  # a list: Django splits a string at commas, as a Sentinel URL has
            # An unreachable host must cost a request a second, not hang it (the default waits for ever).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, **settings_redis.cache_options(REDIS_URL)},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = settings_redis.broker_url(REDIS_URL) or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Longer than any countdown or ETA we use, so a late-acked task is not redelivered early.
# With Sentinel, kombu also needs the primary's name (settings_redis.broker_transport_options).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 60 * 60,
    **settings_redis.broker_transport_options(REDIS_URL),
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Notifications (docs/operations.md, "Celery"): a hung send is stopped well before its
# delivery's claim lapses (NOTIFICATIONS_CLAIM_SECONDS, 300 s), so no two sends overlap.
CELERY_TASK_SOFT_TIME_LIMIT = 180
CELERY_TASK_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Late-acked tasks come back when the broker connection drops; the running copy is left to
# finish. Delivery claims keep the two from both sending (the copy finds the claim held, then
# the delivery sent). Cancelling the running copy instead could kill a send between the SMTP
# hand-over and its record: in the Sentinel failover drill a digest then went out twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Crisis work on a queue and workers of its own (portal/queues.py, docs/operations.md "Queues").
CELERY_TASK_DEFAULT_QUEUE = BULK_QUEUE
CELERY_TASK_ROUTES = task_routes(crisis=CRISIS_QUEUE, bulk=BULK_QUEUE)
# Beat's default file scheduler; each run queues a capped batch and chains the next one.
CELERY_BEAT_SCHEDULE: dict = {
    "queue-due-digests": {"task": "portal.queue_due_digests", "schedule": 15 * 60},
    "requeue-stale-emails": {"task": "portal.requeue_stale_emails", "schedule": 15 * 60},
    "requeue-stale-webhooks": {"task": "portal.requeue_stale_webhooks", "schedule": 15 * 60},
    # Incident alerts: escalate organisations that have not acknowledged in time.
    "escalate-overdue-acknowledgements": {"task": "incidents.escalate_overdue_acknowledgements", "schedule": 60},
    # ... and, for organisations with an escalation chain, email its next step when it is due.
    "advance-escalation-chains": {"task": "incidents.advance_escalation_chains", "schedule": 60},
    # Responders confirm every 90 days that they are still their organisation's contact.
    "queue-contact-checks": {"task": "portal.queue_contact_checks", "schedule": 24 * 60 * 60},
    # Incident alerts whose task was lost (a broker outage at commit): queued again, sent once.
    "requeue-lost-incident-alerts": {"task": "incidents.requeue_lost_alerts", "schedule": 60},
    # Reporting reminders before a cycle ends and in its grace period; once per reporter per reminder.
    "queue-reporting-reminders": {"task": "commitments.queue_reporting_reminders", "schedule": 60 * 60},
    # Review-outcome emails whose task was lost at commit: queued again, sent once.
    "requeue-lost-review-outcomes": {"task": "commitments.requeue_lost_review_outcomes", "schedule": 15 * 60},
    # Old notifications (NOTIFICATIONS_KEEP_DAYS, ..._UNREAD_DAYS) and dead push subscriptions go.
    "prune-notifications": {"task": "portal.prune_notifications", "schedule": 24 * 60 * 60},
}

# --- Email ------------------------------------------------------------------------
EMAIL_URL = env("EMAIL_URL", default="")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
elif EMAIL_FILE_PATH:
    # Used by the browser tests to read the mail a separate server process sends.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Call Portal <noreply@callportal.example>")
# Without it a stalled mail server holds a worker (and a delivery's claim) for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Links in emails that commands and workers send (no request to take a host from). Off DEBUG it
# defaults to the first allowed host over HTTPS, never a developer's 127.0.0.1:<port>.
_SITE_HOST = next((h for h in ALLOWED_HOSTS if h != "*" and not h.startswith(".")), "")
SITE_URL = env(
    "SITE_URL",
    default=f"https://{_SITE_HOST}" if not DEBUG else f"http://127.0.0.1:{env('PORT', default='8000')}",
)
if not DEBUG and SITE_URL == "https://":
    raise ImproperlyConfigured("Set SITE_URL: ALLOWED_HOSTS names no single host for the links in emails.")

# --- Accounts ---------------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:dashboard"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
# No password reset for addresses of an organisation that requires single sign-on (portal/sso/).
ACCOUNT_FORMS = {"reset_password": "portal.sso.forms.PasswordResetForm"}
ACCOUNT_RATE_LIMITS = {
    # Failed logins (sliding windows; a successful login does not count):
    # - per account, 5 in any 5 minutes: at most 60 guesses an hour whatever the number of
    #   addresses, under ASVS 2.2.1's 100. While it is full even the right password waits, so an
    #   attacker can hold an account only as long as they keep failing, and it frees itself
    #   5 minutes after their last attempt; a password reset frees it at once.
    # - per address, 10 a minute and 100 an hour, so one address cannot guess across many
    #   accounts either; generous enough for an office behind one NAT address.
    "login_failed": "10/m/ip,100/h/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/h/ip,5/h/key",
}
# Behind a load balancer the client's address is the last X-Forwarded-For entry it added;
# without this every request would share the proxy's address for the limits above.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Call Portal] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# Passkeys sign in without a password: allauth asks the key for user verification (its PIN or
# biometrics) then, so that sign-in is two factors in itself and passes the second factor.
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_FORMS = {
    name: f"portal.webauthn_forms.{form}"
    for name, form in [
        ("add_webauthn", "AddWebAuthnForm"),
        ("login_webauthn", "LoginWebAuthnForm"),
        ("reauthenticate_webauthn", "ReauthenticateWebAuthnForm"),
        ("authenticate_webauthn", "AuthenticateWebAuthnForm"),
    ]
}
# The WebAuthn relying party is the request's host (allauth's default, from ALLOWED_HOSTS).
# MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN stays off: it skips the origin check altogether, and
# http://localhost (development, the browser tests) is a secure origin that passes it anyway.
MFA_TOTP_ISSUER = "Call Portal"
# Single sign-on (portal/sso/): each organisation's provider is a SocialApp row kept by its services;
# its adapter lets a provider match an existing account only by a verified address in its own domains.
SOCIALACCOUNT_ADAPTER = "portal.sso.adapter.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# Provider hosts exempt from https and the public-address check (portal/sso/addresses.py): a
# provider on this machine in development, the tests' own. Never needed in production.
SSO_ALLOW_HOSTS = env.list("SSO_ALLOW_HOSTS", default=[])

# --- Internationalisation ---------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
FORMAT_MODULE_PATH = ["portal.formats"]  # CLDR where Django differs (Arabic date-times)
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
HTMX_AVAILABLE = (BASE_DIR / "node_modules" / "htmx.org" / "dist").is_dir()
if HTMX_AVAILABLE:
    # htmx comes from npm at set-up, never pasted into the repository.
    STATICFILES_DIRS.append(("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "media/"

# Two PDQ hashes at most this many bits apart (of 256) are shown as variants of each other:
# ThreatExchange's own threshold (incidents/selectors/near_matches.py).
PDQ_MATCH_DISTANCE = env.int("PDQ_MATCH_DISTANCE", default=31)
# vPDQ matching scans every visible frame (no frame index yet): on for small communities only.
VPDQ_MATCHING = env.bool("VPDQ_MATCHING", default=False)
# A vPDQ video matches another when this share (%) of its frames, and this share of the other's,
# have a frame within PDQ_MATCH_DISTANCE: ThreatExchange's defaults (selectors/video_matches.py).
VPDQ_QUERY_MATCH_PERCENT = env.float("VPDQ_QUERY_MATCH_PERCENT", default=80.0)
VPDQ_COMPARED_MATCH_PERCENT = env.float("VPDQ_COMPARED_MATCH_PERCENT", default=0.0)

# --- REST API ---------------------------------------------------------------------
from .settings_api import REST_FRAMEWORK, SPECTACULAR_SETTINGS  # noqa: E402, F401
from .settings_layout import WEBSOCKET_PORT  # noqa: E402, F401
from .settings_observability import *  # noqa: E402, F403  (metrics, logs, error reports)
from .settings_push import *  # noqa: E402, F403 - VAPID_* and WEB_PUSH_TTL_SECONDS

# --- Security ---------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Portal -----------------------------------------------------------------------
INVITATION_MAX_AGE_DAYS = 14
