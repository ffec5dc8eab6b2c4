"""Structured logs (portal/structured_logs.py): every line of a request carries its id, which
the response returns as X-Request-ID; a Celery task's lines carry the task's id; production
writes one JSON object a line to stdout."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import structlog
from django.test import Client

from portal.celery import app as celery_app
from portal.structured_logs import logging_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_lines():
    """The root logger's lines as the production formatter writes them, parsed."""
    formatter_config = dict(logging_config(as_json=True, level="INFO")["formatters"]["structured"])
    formatter = formatter_config.pop("()")(**formatter_config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        structlog.contextvars.clear_contextvars()


@pytest.mark.django_db
def test_a_requests_log_line_has_the_id_the_response_returns(json_lines):
    response = Client().get("/no-such-page")
    assert response.status_code == 404
    lines = [line for line in json_lines() if line["logger"] == "django.request"]
    assert lines, "Django logs the 404"
    assert lines[-1]["request_id"] == response["X-Request-ID"]
    assert lines[-1]["level"] == "warning" and lines[-1]["event"] == "Not Found: /no-such-page"
    assert lines[-1]["status_code"] == 404 and "timestamp" in lines[-1]


@pytest.mark.django_db
def test_each_request_gets_its_own_id_and_a_balancers_id_is_kept():
    client = Client()
    first, second = client.get("/healthz"), client.get("/healthz")
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert client.get("/healthz", headers={"X-Request-ID": "nginx-4f1c2a9b"})["X-Request-ID"] == "nginx-4f1c2a9b"
    # Something that is not an id (too short, a line break, a quote) is replaced, never logged.
    for forged in ("x", 'a" injected="1', "a" * 200):
        assert client.get("/healthz", headers={"X-Request-ID": forged})["X-Request-ID"] != forged


def test_a_celery_tasks_lines_carry_its_id(json_lines):
    @celery_app.task(name="tests.log_a_line")
    def log_a_line():
        logging.getLogger("tests.task").info("working")

    try:
        result = log_a_line.apply()
    finally:
        celery_app.tasks.pop("tests.log_a_line", None)
    [line] = [line for line in json_lines() if line["logger"] == "tests.task"]
    assert line["task_id"] == result.id and line["task"] == "tests.log_a_line"
    assert "request_id" not in line


def test_an_exception_is_one_json_line_with_its_traceback(json_lines):
    try:
        raise ValueError("broken")
    except ValueError:
        logging.getLogger("tests.errors").exception("it failed")
    [line] = [line for line in json_lines() if line["logger"] == "tests.errors"]
    assert line["level"] == "error" and "ValueError: broken" in line["exception"]


def test_production_writes_json_lines_to_stdout():
    env = {k: v for k, v in os.environ.items() if k not in {"LOG_FORMAT", "SENTRY_DSN"}}
    env.update(DJANGO_DEBUG="false", SECRET_KEY="k" * 50, ALLOWED_HOSTS="portal.example")
    script = (
        "import django, logging, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; django.setup(); "
        "logging.getLogger('portal.check').warning('hello %s', 'operator')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    [line] = [json.loads(text) for text in result.stdout.splitlines()]
    assert line["event"] == "hello operator" and line["logger"] == "portal.check" and line["level"] == "warning"
