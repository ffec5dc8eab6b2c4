"""Generated search words, control characters and tsquery syntax included, on the page and the
API: a message (400) or results (200), never a server error (#15)."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from portal.models import Standing
from portal.search.query import MAX_LENGTH
from tests.portal.factories import OrganizationFactory

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

TSQUERY = st.sampled_from(["&", "|", "!", ":*", "<->", "<2>", "(", ")", "'", '"', "-", " or ", "\\", "%", "_"])
WORDS = st.lists(st.one_of(st.text(max_size=12), TSQUERY, st.sampled_from(["tide", "مد", "marée"])), max_size=20)
COMMON = {"derandomize": True, "deadline": None, "database": None, "suppress_health_check": list(HealthCheck)}


@pytest.fixture
def something_to_find(db):
    OrganizationFactory(name="Tidepool Labs", standing=Standing.SUPPORTER, description="marée مد tide")


@settings(max_examples=40, **COMMON)
@given(parts=WORDS, kind=st.sampled_from(["", "portal.organizations", "incidents.room", "nowhere"]))
def test_generated_words_never_fail_the_page_or_the_api(something_to_find, parts, kind):
    words = "".join(parts)[: MAX_LENGTH + 5]
    page = Client().get("/search/", {"q": words, "kind": kind})
    assert page.status_code in (200, 400)
    api = APIClient().get("/api/v1/search/", {"q": words, "kind": kind, "page": words[:3]})
    assert api.status_code in (200, 400)
    assert (page.status_code == 200) == (api.status_code == 200)
