"""portal.views.outcomes.run_service: one service call from a page, and what the user is told."""

import pytest
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from portal.views.outcomes import run_service


def told(request):
    return [(m.level, str(m)) for m in messages.get_messages(request)]


@pytest.fixture
def request_():
    request = RequestFactory().post("/")
    request.session = SessionBase()
    request._messages = FallbackStorage(request)
    return request


def test_success_says_done_and_hands_back_the_result(request_):
    outcome = run_service(request_, lambda: {"id": 7}, done="Saved.")
    assert outcome and outcome.result == {"id": 7} and not outcome.invalid
    assert told(request_) == [(messages.SUCCESS, "Saved.")]


def test_a_call_that_changed_nothing_says_so_only_when_asked(request_):
    assert run_service(request_, lambda: False, done="Saved.", unchanged="Already so.")
    assert run_service(request_, lambda: False, done="Public.")  # the caller says the same either way
    assert run_service(request_, lambda: None, done="Declined.", unchanged="Already so.")
    assert told(request_) == [
        (messages.INFO, "Already so."),
        (messages.SUCCESS, "Public."),
        (messages.SUCCESS, "Declined."),
    ]


def test_invalid_input_is_one_error_message(request_):
    def refuse():
        raise ValidationError({"title": ["Too long."], "summary": ["Missing."]})

    outcome = run_service(request_, refuse, done="Saved.")
    assert not outcome and outcome.invalid and outcome.result is None
    assert told(request_) == [(messages.ERROR, "Too long. Missing.")]


@pytest.mark.parametrize(
    ("error", "message"), [(PermissionDenied("Not yours."), "Not yours."), (PermissionDenied(), "You may not do that.")]
)
def test_a_refusal_is_an_error_message_not_a_403(request_, error, message):
    def refuse():
        raise error

    outcome = run_service(request_, refuse, done="Saved.")
    assert not outcome and not outcome.invalid
    assert told(request_) == [(messages.ERROR, message)]


def test_other_errors_propagate(request_):
    def fail():
        raise RuntimeError("broken")

    with pytest.raises(RuntimeError):
        run_service(request_, fail, done="Saved.")
    assert told(request_) == []
