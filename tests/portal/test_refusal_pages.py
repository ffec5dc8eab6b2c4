"""How the site answers a request it will not serve: a page people can read for a 405, and
one log line, not a traceback, for a 403."""

import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_form_action_opened_as_a_page_explains_itself(client, secretariat):
    client.force_login(secretariat)
    response = client.get(reverse("commitments:review_update", args=[1]))
    assert response.status_code == 405 and response["Allow"] == "POST"
    html = response.content.decode()
    assert "cannot be opened on its own" in html and 'role="alert"' in html and "<title>Error:" in html
    french = client.get(reverse("commitments:review_update", args=[1]), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Pas une page" in french.content.decode()


def test_the_api_keeps_its_json_405(secretariat):
    from tests.helpers.api_client import api

    response = api(secretariat).put(reverse("organization-list"), {}, format="json")
    assert response.status_code == 405 and response.json()["detail"]


def test_a_refusal_is_logged_in_one_line_without_a_traceback(client):
    from django.conf import settings

    from portal.log_filters import RefusalWithoutTraceback
    from tests.portal.factories import UserFactory

    assert "refusal_without_traceback" in settings.LOGGING["handlers"]["console"]["filters"]
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    handler.addFilter(RefusalWithoutTraceback())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.force_login(UserFactory())
        assert client.get(reverse("commitments:review_queue")).status_code == 403
    finally:
        logger.removeHandler(handler)
    (record,) = [r for r in records if getattr(r, "status_code", None) == 403]
    assert record.exc_info is None and "Forbidden" in record.getMessage()
