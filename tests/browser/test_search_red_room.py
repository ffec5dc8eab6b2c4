"""#15's done-when: search finds a TLP:RED room message about a named person for the incident's
named individual, and not for anyone else (here a responder of the same invited organisation)."""

import pytest
from playwright.sync_api import expect

from incidents import events, services
from incidents.models import Tier, Tlp
from portal.models import Role
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

from .steps import field, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def red_room(monkeypatch):
    # Stored only: nobody is in the room, and this process must not drive the channel layer
    # from Playwright's event loop thread.
    monkeypatch.setattr(events, "broadcast_item", lambda item: None)
    secretariat = UserFactory(is_secretariat=True, full_name="Sam Secretariat")
    provider = OrganizationFactory(name="Kiwi Video")
    people = {}
    for name in ("named", "colleague"):
        user = UserFactory(email=f"{name}@kiwi.example", full_name=name.title())
        MembershipFactory(user=user, organization=provider, role=Role.RESPONDER)
        people[name] = (user, make_totp(user))
    incident = services.declare_incident(
        actor=secretariat,
        title="Doxxing of a witness",
        tier=Tier.FULL_PROTOCOL,
        tlp=Tlp.RED,
        organizations=[provider],
        recipients=[people["named"][0]],
    )
    services.post_message(
        incident=incident, actor=secretariat, client_id=None, body="Marguerite Okonkwo's address is being shared"
    )
    return people


def search_for(new_context, person, words):
    user, secret = person
    page = new_context().new_page()
    sign_in(page, user.email, totp_secret=secret)
    page.get_by_role("link", name="Search", exact=True).click()
    field(page, "Search for").fill(words)
    page.get_by_role("button", name="Search", exact=True).click()
    return page


def test_a_red_room_message_is_found_by_the_named_individual_only(new_context, red_room):
    page = search_for(new_context, red_room["named"], "Okonkwo")
    results = page.get_by_role("region", name="Room messages")
    expect(results.locator("mark")).to_have_text("Okonkwo")
    expect(results.get_by_role("link", name="Doxxing of a witness")).to_be_visible()

    page = search_for(new_context, red_room["colleague"], "Okonkwo")
    expect(page.get_by_text("Nothing you may see matches these words.")).to_be_visible()
    expect(page.locator("mark")).to_have_count(0)
