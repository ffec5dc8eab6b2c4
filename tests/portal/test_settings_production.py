"""Production mode refuses to start on development defaults."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETUP = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; django.setup()"


def _load_settings(**env):
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_DEBUG", "SITE_URL"}
    }
    return subprocess.run(
        [sys.executable, "-c", SETUP + "; from django.conf import settings; print(settings.SITE_URL)"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_DEBUG": "false", "ALLOWED_HOSTS": "portal.example"}, "SECRET_KEY"),
        ({"DJANGO_DEBUG": "false", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS"),
        ({"DJANGO_DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "*"}, "SITE_URL"),
    ],
)
def test_production_refuses_missing_secrets(env, message):
    result = _load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_starts_with_real_settings():
    result = _load_settings(DJANGO_DEBUG="false", SECRET_KEY="k" * 50, ALLOWED_HOSTS="portal.example")
    assert result.returncode == 0, result.stderr
    # Emails sent by commands and workers link to the site, never to a developer's 127.0.0.1:<port>.
    assert result.stdout.strip() == "https://portal.example"
    explicit = _load_settings(
        DJANGO_DEBUG="false", SECRET_KEY="k" * 50, ALLOWED_HOSTS="portal.example", SITE_URL="https://calls.example"
    )
    assert explicit.stdout.strip() == "https://calls.example"


def test_deploy_checks_pass_with_production_settings():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_DEBUG"}}
    env.update(DJANGO_DEBUG="false", SECRET_KEY="s3cret-" * 10, ALLOWED_HOSTS="portal.example")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
