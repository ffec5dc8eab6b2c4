"""A room flooded through the API answers 429 with Retry-After, like the API's own throttles."""

import pytest

from incidents import services

from .test_api import api, url

pytestmark = pytest.mark.django_db


def test_flooding_the_room_is_429_with_retry_after(incident_with_two_orgs, responder_a):
    for n in range(services.FLOOD_LIMIT):
        services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=None, body=f"{n}")
    response = api(responder_a).post(url(incident_with_two_orgs, "items/"), {"body": "more"}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == services.FLOOD_WINDOW_SECONDS
