"""What the room page offers each viewer: "Mark done" only where the server would accept it,
and platform-status forms whose fields and buttons each name their indicator."""

import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser

from incidents import permissions, services
from incidents.models import ActionItem, ActionStatus
from portal.models import OrganizationKind, Role, Standing
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory

from .factories import responder_of

pytestmark = pytest.mark.django_db


def room_page(client, user, incident) -> str:
    client.force_login(user)
    response = client.get(f"/incidents/{incident.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def viewer_data(html: str) -> dict:
    found = re.search(r'<script id="room-viewer" type="application/json">(.*?)</script>', html, flags=re.S)
    assert found, "the page gives room.js the viewer's data"
    return json.loads(found.group(1))


@pytest.fixture
def action_for_a(incident_with_two_orgs, secretariat, provider_a):
    return services.create_action(
        actor=secretariat, incident=incident_with_two_orgs, title="Hash the video", organization=provider_a
    )


def test_mark_done_is_offered_only_to_those_who_may_complete_the_action(
    client, incident_with_two_orgs, action_for_a, secretariat, responder_a, responder_b, provider_a, provider_b
):
    done_url = f"/incidents/{incident_with_two_orgs.pk}/actions/{action_for_a.pk}/done/"
    cases = [
        (secretariat, True, {"completes_any_action": True, "completes_for": []}),
        (responder_a, True, {"completes_any_action": False, "completes_for": [provider_a.pk]}),
        (responder_b, False, {"completes_any_action": False, "completes_for": [provider_b.pk]}),
    ]
    for user, offered, viewer in cases:
        html = room_page(client, user, incident_with_two_orgs)
        assert (done_url in html) is offered, user
        assert viewer_data(html) == {**viewer, "user_id": user.pk}  # user_id: own messages are marked
        # room.js's template for live actions is there for everyone; it offers it by `viewer`.
        assert f"/incidents/{incident_with_two_orgs.pk}/actions/0/done/" in html

    # The server's check is unchanged: a click it would refuse still changes nothing.
    client.force_login(responder_b)
    client.post(done_url)
    action_for_a.refresh_from_db()
    assert action_for_a.status == ActionStatus.OPEN


def test_the_page_and_the_server_agree_on_who_completes_an_action(action_for_a, secretariat, provider_a, provider_b):
    suspended = OrganizationFactory(name="Suspended", standing=Standing.SUSPENDED)
    two_orgs = responder_of(provider_b)
    MembershipFactory(user=two_orgs, organization=provider_a, role=Role.MEMBER)
    users = [
        secretariat,
        responder_of(provider_a),
        responder_of(provider_a, role=Role.ADMIN),
        responder_of(provider_a, role=Role.MEMBER),
        responder_of(provider_b),
        responder_of(suspended),
        two_orgs,
        UserFactory(),
    ]
    action_for_b = ActionItem(incident=action_for_a.incident, title="Other", assigned_organization=provider_b)
    for user in users:
        completion = permissions.action_completion(user)
        for action in (action_for_a, action_for_b):
            assert completion.allows(action) == permissions.can_complete_action(user, action), (user, action)
    assert not permissions.action_completion(AnonymousUser()).allows(action_for_a)


def test_each_platform_form_names_its_indicator(client, incident_with_two_orgs, secretariat):
    provider = OrganizationFactory(name="Kiwi Video", kind=OrganizationKind.PROVIDER)
    services.invite_organization(actor=secretariat, incident=incident_with_two_orgs, organization=provider)
    responder = responder_of(provider)
    first, _ = services.add_indicator(
        actor=responder, incident=incident_with_two_orgs, kind="url", value="https://bad.example/x"
    )
    second, _ = services.add_indicator(actor=responder, incident=incident_with_two_orgs, kind="md5", value="a" * 32)
    html = room_page(client, responder, incident_with_two_orgs)
    for indicator in (first, second):
        value = indicator.defanged
        assert f'aria-label="Set the status of {value}"' in html
        assert re.search(rf'<label for="platform-{indicator.pk}"[^>]*>Platform for {re.escape(value)}</label>', html)
        assert re.search(
            rf'<label for="pstatus-{indicator.pk}"[^>]*>Status on your platform for {re.escape(value)}</label>', html
        )
    # room.js names the forms it adds from these strings (the same msgids).
    strings = json.loads(re.search(r'<script id="room-strings" type="application/json">(.*?)</script>', html).group(1))
    assert strings["set_status_for"] == "Set the status of %(indicator)s"
    assert strings["platform_for"] == "Platform for %(indicator)s"
    assert strings["status_for"] == "Status on your platform for %(indicator)s"


def test_an_indicator_value_cannot_break_out_of_the_label_attribute(client, incident_with_two_orgs, secretariat):
    provider = OrganizationFactory(name="Kiwi Video", kind=OrganizationKind.PROVIDER)
    services.invite_organization(actor=secretariat, incident=incident_with_two_orgs, organization=provider)
    responder = responder_of(provider)
    services.add_indicator(
        actor=responder, incident=incident_with_two_orgs, kind="url", value='https://bad.example/a"onfocus=x'
    )
    html = room_page(client, responder, incident_with_two_orgs)
    assert '"onfocus' not in html
    assert 'aria-label="Set the status of hxxps://bad[.]example/a&quot;onfocus=x"' in html
