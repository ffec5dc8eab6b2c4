"""A member's 24/7 contact details: numbers in E.164 with labels, a time zone and languages,
kept by the member alone (page and API); bad input is refused whole and changes nothing."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal import services
from portal.contacts import selectors
from portal.contacts.models import ContactNumber, ResponderContact
from portal.models import AuditEvent, Role
from tests.helpers.api_client import api
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

PARIS_DESK = services.NumberInput(label="desk", number="+33 1 23 45 67 89")
NZ_MOBILE = services.NumberInput(label="mobile", number="+64 21 123 4567")


@pytest.fixture
def responder(db):
    return MembershipFactory(organization=OrganizationFactory(), role=Role.RESPONDER).user


def keep(user, numbers=(NZ_MOBILE, PARIS_DESK), time_zone="Pacific/Auckland", languages=("en", "fr")):
    return services.update_contact(
        actor=user, user=user, numbers=list(numbers), time_zone=time_zone, languages=list(languages)
    )


def test_numbers_are_stored_in_e164_in_order_with_labels_and_audited(responder):
    keep(responder)
    card = selectors.contact_card(responder)
    assert [(n.label, n.number.as_e164) for n in card.numbers] == [
        ("mobile", "+64211234567"),
        ("desk", "+33123456789"),
    ]
    assert card.time_zone == "Pacific/Auckland"
    assert card.language_names == ["English", "French"]
    event = AuditEvent.objects.get(action="contact.updated")
    assert event.actor == responder and event.data["numbers"] == 2
    assert "+64211234567" not in str(event.data)  # the numbers stay out of the admins' log


def test_saving_again_replaces_the_whole_set(responder):
    keep(responder)
    keep(responder, numbers=[PARIS_DESK], time_zone="", languages=[])
    card = selectors.contact_card(responder)
    assert [n.number.as_e164 for n in card.numbers] == ["+33123456789"]
    assert card.time_zone == "" and card.language_names == [] and card.local_time() is None


def test_the_local_time_is_in_the_persons_zone(responder):
    keep(responder)
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    local = selectors.contact_card(responder).local_time(now)
    assert (local.hour, str(local.tzinfo)) == (0, "Pacific/Auckland")  # NZST, UTC+12


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("numbers", {"numbers": [services.NumberInput(label="mobile", number="021 123 4567")]}),  # no country code
        ("numbers", {"numbers": [services.NumberInput(label="mobile", number="+1 555")]}),
        ("numbers", {"numbers": [services.NumberInput(label="pager", number="+64 21 123 4567")]}),
        ("numbers", {"numbers": [NZ_MOBILE, services.NumberInput(label="desk", number="+64211234567")]}),
        ("numbers", {"numbers": [NZ_MOBILE] * 6}),
        ("time_zone", {"time_zone": "Mars/Olympus_Mons"}),
        ("languages", {"languages": ["en", "klingon"]}),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(responder, field, kwargs):
    keep(responder)
    before = list(ContactNumber.objects.values_list("number", flat=True))
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        keep(responder, **kwargs)
    assert field in refused.value.error_dict
    assert list(ContactNumber.objects.values_list("number", flat=True)) == before
    assert ResponderContact.objects.get(user=responder).time_zone == "Pacific/Auckland"
    assert AuditEvent.objects.count() == events


def test_nobody_keeps_someone_elses_contact_and_a_user_without_organisation_none(responder):
    with pytest.raises(PermissionDenied):
        services.update_contact(actor=UserFactory(), user=responder, numbers=[], time_zone="", languages=[])
    loner = UserFactory()
    with pytest.raises(PermissionDenied):
        keep(loner)
    assert not ContactNumber.objects.exists()


# --- The page ---


def test_the_page_saves_the_form(client, responder):
    client.force_login(responder)
    page = client.get("/account/contact/")
    assert page.status_code == 200 and 'name="numbers-0-number"' in page.content.decode()
    data = {
        "numbers-TOTAL_FORMS": "5",
        "numbers-INITIAL_FORMS": "0",
        "numbers-0-label": "mobile",
        "numbers-0-number": "+64 21 123 4567",
        "numbers-1-label": "satellite",
        "numbers-1-number": "",  # an empty row is ignored
        "time_zone": "Europe/Paris",
        "languages": ["fr", "ar"],
    }
    response = client.post("/account/contact/", data)
    assert response.status_code == 302
    card = selectors.contact_card(responder)
    assert [n.number.as_e164 for n in card.numbers] == ["+64211234567"]
    assert card.time_zone == "Europe/Paris"
    assert 'value="+64211234567"' in client.get("/account/contact/").content.decode()


def test_the_page_shows_a_bad_number_and_changes_nothing(client, responder):
    keep(responder)
    client.force_login(responder)
    data = {
        "numbers-TOTAL_FORMS": "1",
        "numbers-INITIAL_FORMS": "0",
        "numbers-0-label": "mobile",
        "numbers-0-number": "12",
        "time_zone": "Europe/Paris",
    }
    response = client.post("/account/contact/", data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert ContactNumber.objects.filter(user=responder).count() == 2
    assert ResponderContact.objects.get(user=responder).time_zone == "Pacific/Auckland"


# --- The API ---


def test_the_api_reads_and_replaces_the_callers_contact(responder):
    body = {
        "numbers": [{"label": "mobile", "number": "+64 21 123 4567"}],
        "time_zone": "Pacific/Auckland",
        "languages": ["en"],
    }
    response = api(responder).put("/api/v1/me/contact/", body, format="json")
    assert response.status_code == 200, response.data
    assert response.data["numbers"] == [{"label": "mobile", "number": "+64211234567"}]
    read = api(responder).get("/api/v1/me/contact/").data
    assert read["time_zone"] == "Pacific/Auckland" and read["languages"] == ["en"]


@pytest.mark.parametrize(
    "body",
    [
        {"numbers": [{"label": "mobile", "number": "not a number"}], "time_zone": "", "languages": []},
        {"numbers": [], "time_zone": "Nowhere/Special", "languages": []},
        {"numbers": [], "time_zone": "", "languages": [], "owner": 3},
        {"numbers": "+64211234567", "time_zone": "", "languages": []},
    ],
)
def test_the_api_refuses_bad_bodies_with_400_and_changes_nothing(responder, body):
    keep(responder)
    response = api(responder).put("/api/v1/me/contact/", body, format="json")
    assert response.status_code == 400
    assert ContactNumber.objects.filter(user=responder).count() == 2
    assert ResponderContact.objects.get(user=responder).time_zone == "Pacific/Auckland"
