"""The named individuals of a TLP:RED incident are part of its detail in the API, for
those who may see it; to everyone else the incident does not exist."""

import pytest
from rest_framework.test import APIClient

from incidents import services
from incidents.models import Tlp

from .factories import responder_of

pytestmark = pytest.mark.django_db


def detail(user, incident):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client.get(f"/api/v1/incidents/{incident.pk}/")


@pytest.fixture
def red_incident(secretariat, responder_a, responder_b, provider_a):
    return services.declare_incident(
        actor=secretariat,
        title="Named only",
        tlp=Tlp.RED,
        organizations=[provider_a],
        recipients=[responder_b, responder_a],
    )


def test_named_individuals_are_listed_for_those_who_may_see_the_incident(
    red_incident, secretariat, responder_a, responder_b
):
    expected = sorted(
        ({"id": u.pk, "name": u.display_name} for u in (responder_a, responder_b)), key=lambda p: p["name"]
    )
    for user in (secretariat, responder_a, responder_b):
        response = detail(user, red_incident)
        assert response.status_code == 200
        assert sorted(response.json()["named_individuals"], key=lambda p: p["name"]) == expected


def test_others_do_not_learn_the_incident_or_its_names(red_incident, provider_a, responder_a):
    colleague = responder_of(provider_a)  # invited organisation, not named
    assert detail(colleague, red_incident).status_code == 404
    assert detail(None, red_incident).status_code == 404


def test_adding_and_removing_a_named_individual_shows_in_the_detail(red_incident, secretariat, provider_a):
    newcomer = responder_of(provider_a)
    services.add_recipient(actor=secretariat, incident=red_incident, user=newcomer)
    ids = {p["id"] for p in detail(secretariat, red_incident).json()["named_individuals"]}
    assert newcomer.pk in ids and detail(newcomer, red_incident).status_code == 200
    services.remove_recipient(actor=secretariat, incident=red_incident, user=newcomer)
    ids = {p["id"] for p in detail(secretariat, red_incident).json()["named_individuals"]}
    assert newcomer.pk not in ids


def test_other_levels_have_no_named_individuals(incident_with_two_orgs, responder_a):
    assert detail(responder_a, incident_with_two_orgs).json()["named_individuals"] == []


def test_the_public_summary_leaves_them_out(secretariat):
    public = services.declare_incident(actor=secretariat, title="Debrief", tlp=Tlp.CLEAR)
    assert "named_individuals" not in detail(None, public).json()


def test_detail_query_count_does_not_grow_with_named_individuals(
    red_incident, secretariat, provider_a, django_assert_max_num_queries
):
    for _ in range(5):
        services.add_recipient(actor=secretariat, incident=red_incident, user=responder_of(provider_a))
    with django_assert_max_num_queries(8):
        response = detail(secretariat, red_incident)
    assert len(response.json()["named_individuals"]) == 7
