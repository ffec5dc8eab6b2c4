import re

import pytest

from incidents import services
from incidents.models import ActionItem, Indicator, IndicatorPlatformStatus, Status, Tlp

from .factories import responder_of

pytestmark = pytest.mark.django_db


def page(client, user, path):
    if user is not None:
        client.force_login(user)
    return client.get(path)


def test_list_page_shows_visible_incidents(client, incident_with_two_orgs, secretariat, responder_a):
    public = services.declare_incident(actor=secretariat, title="Public debrief", tlp=Tlp.CLEAR)
    html = page(client, responder_a, "/incidents/").content.decode()
    assert incident_with_two_orgs.title in html and public.title in html
    client.logout()
    html = client.get("/incidents/").content.decode()
    assert public.title in html and incident_with_two_orgs.title not in html


@pytest.mark.parametrize("size", [2, 15])
def test_list_page_query_count_is_bounded(client, secretariat, provider_a, django_assert_max_num_queries, size):
    for n in range(size):
        services.declare_incident(actor=secretariat, title=f"Incident {n}", organizations=[provider_a])
    client.force_login(secretariat)
    with django_assert_max_num_queries(12):
        response = client.get("/incidents/")
    assert response.status_code == 200


def test_room_page_has_the_room_and_no_inline_script(client, incident_with_two_orgs, responder_a):
    response = page(client, responder_a, f"/incidents/{incident_with_two_orgs.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="room"' in html and "incidents/room.js" in html
    assert f"<title>Room: {incident_with_two_orgs.title} ·" in html  # the title names the room
    for script in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
        attrs, content = script
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
        assert "src=" not in attrs or not content.strip()


def test_outsiders_get_404_and_no_two_factor_gets_a_warning(client, incident_with_two_orgs, provider_a):
    from tests.portal.factories import OrganizationFactory

    outsider = responder_of(OrganizationFactory(name="Elsewhere"))
    assert page(client, outsider, f"/incidents/{incident_with_two_orgs.pk}/").status_code == 404
    no_2fa = responder_of(provider_a, two_factor=False)
    response = page(client, no_2fa, f"/incidents/{incident_with_two_orgs.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="room"' not in html and "two-factor" in html
    assert (
        client.post(
            f"/incidents/{incident_with_two_orgs.pk}/indicators/", {"kind": "md5", "value": "a" * 32}
        ).status_code
        == 403
    )
    assert not Indicator.objects.exists()


def test_forms_go_through_the_services(client, incident_with_two_orgs, secretariat, responder_a, provider_a):
    base = f"/incidents/{incident_with_two_orgs.pk}/"
    client.force_login(secretariat)
    assert client.post(base + "status/", {"status": "active"}).status_code == 302
    client.force_login(responder_a)
    assert client.post(base + "status/", {"status": "closed"}).status_code == 403
    incident_with_two_orgs.refresh_from_db()
    assert incident_with_two_orgs.status == Status.ACTIVE
    client.post(base + "indicators/", {"kind": "url", "value": "https://bad.example/x"})
    indicator = Indicator.objects.get()
    client.post(base + f"indicators/{indicator.pk}/status/", {"organization": provider_a.pk, "status": "removed"})
    assert IndicatorPlatformStatus.objects.get().status == "removed"
    client.post(base + "actions/", {"title": "Share hashes", "organization": provider_a.pk})
    action = ActionItem.objects.get()
    client.post(base + f"actions/{action.pk}/done/")
    action.refresh_from_db()
    assert action.status == "done"
    # Bad input is a message on the page, not an error.
    response = client.post(base + "indicators/", {"kind": "md5", "value": "nope"}, follow=True)
    assert response.status_code == 200 and Indicator.objects.count() == 1
    html = client.get(base).content.decode()
    assert "hxxps://bad[.]example/x" in html and "https://bad.example" not in html
    incident_with_two_orgs.refresh_from_db()
    assert incident_with_two_orgs.status == Status.ACTIVE


def test_the_room_page_invites_and_changes_status_with_a_note(client, incident_with_two_orgs, secretariat):
    """Inviting was API-only and a status change had no note (#12, #15)."""
    from incidents.models import IncidentOrganization, RoomItem
    from portal.models import Standing
    from tests.portal.factories import OrganizationFactory

    fiji = OrganizationFactory(name="Government of Fiji", standing=Standing.SUPPORTER)
    base = f"/incidents/{incident_with_two_orgs.pk}/"
    client.force_login(secretariat)
    html = client.get(base).content.decode()
    assert f'<option value="{fiji.pk}">Government of Fiji</option>' in html
    assert client.post(base + "invite/", {"organization": fiji.pk}).status_code == 302
    assert IncidentOrganization.objects.filter(incident=incident_with_two_orgs, organization=fiji).exists()
    html = client.get(base).content.decode()
    start = html.find('id="invite-select"')  # the menu goes when nobody is left to invite
    invite_menu = html[start : html.index("</select>", start)] if start >= 0 else ""
    assert f'<option value="{fiji.pk}">' not in invite_menu  # invited: no longer offered
    before = IncidentOrganization.objects.count()
    client.post(base + "invite/", {"organization": "nope"})
    assert IncidentOrganization.objects.count() == before
    client.post(base + "status/", {"status": "active", "note": "Hash sharing has begun."})
    line = RoomItem.objects.filter(incident=incident_with_two_orgs, kind="status").latest("seq")
    assert line.text.endswith(": Hash sharing has begun.") and line.data["note"] == "Hash sharing has begun."
    response = client.post(base + "status/", {"status": "closed", "note": "x" * 501}, follow=True)
    incident_with_two_orgs.refresh_from_db()
    assert incident_with_two_orgs.status == Status.ACTIVE and "under 500 characters" in response.content.decode()
