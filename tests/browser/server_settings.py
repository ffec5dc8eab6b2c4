"""Settings for the app server that the browser tests start (see appserver.py).

The production settings, plus what a test server without a Celery worker needs.
"""

import os

from portal.settings import *  # noqa: F403
from portal.settings import REDIS_URL

# No worker consumes the broker during the tests: the server runs its tasks
# itself, after commit, so registry mail is in EMAIL_FILE_PATH when the request returns.
CELERY_TASK_ALWAYS_EAGER = True

# Fast hashing: journeys sign up and sign in many times. The test process uses the same
# list (conftest.py), so either side reads the passwords the other one set.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]

if not REDIS_URL and "BROWSER_CACHE_DIR" in os.environ:
    # Rate limits and used TOTP codes live in the cache. A per-process cache would
    # outlive the tests' flushes; this directory is emptied before every test.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ["BROWSER_CACHE_DIR"],
        }
    }

# The single sign-on journey's provider runs on this machine, over http (portal/sso/addresses.py).
SSO_ALLOW_HOSTS = ["127.0.0.1"]
