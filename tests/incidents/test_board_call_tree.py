"""The acknowledgement board's call tree: for an organisation that has not acknowledged, its
escalation chain with the numbers to call (tel: links) and each person's local time, shown to
those who may post in the room (the invited organisations' people, the secretariat), never to
a CLEAR or GREEN room's readers; in a fixed number of queries."""

import pytest

from incidents import selectors, services
from incidents.models import Tier, Tlp
from portal import services as portal_services
from portal.models import Membership, OrganizationKind, Role
from tests.portal.factories import OrganizationFactory

from .factories import responder_of

pytestmark = pytest.mark.django_db


def give_chain(organization, *people, number_base=21_000_0000):
    """Each person gets a mobile number and Auckland's time; the organisation's admin orders them."""
    admin = responder_of(organization, role=Role.ADMIN, two_factor=False)
    steps = []
    for index, user in enumerate(people):
        portal_services.update_contact(
            actor=user,
            user=user,
            numbers=[portal_services.NumberInput(label="mobile", number=f"+64 {number_base + index}")],
            time_zone="Pacific/Auckland",
            languages=["en"],
        )
        membership = Membership.objects.get(user=user, organization=organization)
        steps.append(portal_services.StepInput(membership_id=membership.pk, wait_minutes=10 + index))
    portal_services.set_escalation_chain(actor=admin, organization=organization, steps=steps)


def declare(secretariat, organizations, tlp=Tlp.AMBER):
    return services.declare_incident(
        actor=secretariat, title="Livestreamed attack", tier=Tier.FULL_PROTOCOL, tlp=tlp, organizations=organizations
    )


def page(client, user, incident) -> str:
    client.force_login(user)
    response = client.get(f"/incidents/{incident.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_board_shows_whom_to_call_until_the_organisation_acknowledges(
    client, secretariat, provider_a, provider_b, responder_a, responder_b
):
    give_chain(provider_a, responder_a)
    incident = declare(secretariat, [provider_a, provider_b])
    html = page(client, secretariat, incident)
    assert 'href="tel:+64210000000"' in html
    assert "Pacific/Auckland" in html and "local time" in html
    assert "wait 10 minutes" in html

    services.acknowledge_alert(incident=incident, organization=provider_a, user=responder_a)
    assert 'href="tel:' not in page(client, secretariat, incident)


def test_an_invited_responder_sees_the_other_organisations_tree(
    client, secretariat, provider_a, provider_b, responder_a
):
    give_chain(provider_b, responder_of(provider_b))
    incident = declare(secretariat, [provider_a, provider_b])
    assert 'href="tel:+64210000000"' in page(client, responder_a, incident)


def test_a_reader_of_a_green_room_sees_no_numbers(client, secretariat, provider_a, responder_a):
    give_chain(provider_a, responder_a)
    incident = declare(secretariat, [provider_a], tlp=Tlp.GREEN)
    reader = responder_of(OrganizationFactory(name="Watchers", kind=OrganizationKind.CIVIL_SOCIETY))
    reader.time_zone = "UTC"  # the reader's own clock: only the call tree could name Auckland
    reader.save(update_fields=["time_zone"])
    html = page(client, reader, incident)
    assert 'id="acknowledgement-board"' in html  # the board itself is there
    assert 'href="tel:' not in html and "Pacific/Auckland" not in html


def test_without_an_audience_there_is_no_board_at_all(client, secretariat, provider_a, responder_a):
    give_chain(provider_a, responder_a)
    incident = declare(secretariat, [provider_a])
    outsider = responder_of(OrganizationFactory(name="Not invited"))
    client.force_login(outsider)
    assert client.get(f"/incidents/{incident.pk}/").status_code == 404


@pytest.mark.parametrize("size", [2, 10])
def test_the_call_tree_costs_the_same_queries_whatever_the_size(secretariat, django_assert_max_num_queries, size):
    organizations = [OrganizationFactory(name=f"Org {n:02d}") for n in range(size)]
    for organization in organizations:
        give_chain(organization, *(responder_of(organization, two_factor=False) for _ in range(3)))
    incident = declare(secretariat, organizations)
    with django_assert_max_num_queries(5):
        board = selectors.acknowledgement_board(incident, viewer=secretariat, with_call_tree=True)
    assert [len(row.call_tree) for row in board] == [3] * size
    assert all(step.card.numbers and step.card.local_time() for row in board for step in row.call_tree)


def test_the_call_tree_names_languages_in_the_readers_language(client, secretariat, provider_a, responder_a):
    give_chain(provider_a, responder_a)
    incident = declare(secretariat, [provider_a])
    secretariat.language = "ar"
    secretariat.save(update_fields=["language"])
    html = page(client, secretariat, incident)
    assert "الإنجليزية" in html and "speaks English" not in html
