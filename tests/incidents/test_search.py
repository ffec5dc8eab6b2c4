"""Incidents and room messages in the portal's search (incidents/search.py): found only by
those the room's own rules let in (incidents.permissions.entered_rooms, visible_incidents_q)."""

import pytest
from django.db import transaction
from django.urls import reverse

from incidents import services
from incidents.models import ItemKind, Tlp
from incidents.services.room import append_item
from tests.helpers.search import search_results
from tests.portal.factories import OrganizationFactory

from .factories import responder_of

pytestmark = pytest.mark.django_db

PERSON = "Marguerite Okonkwo"


@pytest.fixture
def red_incident(secretariat, responder_a, provider_a):
    incident = services.declare_incident(
        actor=secretariat, title="Named only", tlp=Tlp.RED, organizations=[provider_a], recipients=[responder_a]
    )
    services.post_message(incident=incident, actor=responder_a, client_id=None, body=f"{PERSON} uploaded the video")
    return incident


def found(client, user, words="okonkwo", kind="incidents.room"):
    return search_results(client, user, words, kind)


def test_a_red_room_message_is_found_by_its_named_individuals_only(
    client, red_incident, secretariat, responder_a, responder_b, provider_a
):
    assert "<mark>Okonkwo</mark>" in found(client, responder_a)
    assert "<mark>Okonkwo</mark>" in found(client, secretariat)
    colleague = responder_of(provider_a)  # of the invited organisation, but not named
    for user in (colleague, responder_b, None):
        assert "Okonkwo" not in found(client, user)
        assert "Named only" not in found(client, user, words="named", kind="incidents.incidents")


def test_a_named_individual_without_the_second_factor_finds_nothing_in_rooms(
    client, red_incident, provider_a, secretariat
):
    unverified = responder_of(provider_a, two_factor=False)
    services.add_recipient(actor=secretariat, incident=red_incident, user=unverified)
    assert "Okonkwo" not in found(client, unverified)  # entering a room needs it; so does searching one


def test_an_amber_room_is_searched_by_the_invited_organisations(
    client, incident_with_two_orgs, responder_a, provider_a, secretariat
):
    services.post_message(
        incident=incident_with_two_orgs, actor=responder_a, client_id=None, body="Mirror found on the tidepool forum"
    )
    outsider = responder_of(OrganizationFactory())
    assert "<mark>tidepool</mark>" in found(client, responder_a, "tidepool")
    assert "tidepool" not in found(client, outsider, "tidepool")


def test_system_lines_are_not_searched(client, red_incident, responder_a):
    with transaction.atomic():
        append_item(incident_id=red_incident.pk, kind=ItemKind.SYSTEM, body="Okonkwo system line")
    assert found(client, responder_a).count('class="search-hit"') == 1


@pytest.mark.parametrize("size", [2, 25])
def test_the_query_count_does_not_grow_with_the_messages(
    client, red_incident, responder_a, size, django_assert_max_num_queries
):
    with transaction.atomic():
        for n in range(size):
            append_item(incident_id=red_incident.pk, kind=ItemKind.CHAT, author=responder_a, body=f"Okonkwo {n}")
    client.force_login(responder_a)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("portal:search"), {"q": "okonkwo"})
    assert response.content.decode().count('class="search-hit"') == min(size + 1, 5)
