"""Every page action has an API counterpart (#15 API parity). The page routes that change
something are generated from the URL conf, through the permission matrix that
tests/permissions holds to it (a row with a write method that some role reaches: not 404 or 405 for all); each must
map here to the API route(s) that do the same, or be named in PAGE_ONLY with its reason. A new
page action without either fails this test."""

import pytest
from django.urls import NoReverseMatch, get_resolver, reverse

from tests.permissions.matrix import MATRIX, ROUTE_KWARGS

WRITE_METHODS = ("post", "put", "patch", "delete")

# Page route → the API route names that do what it does.
COUNTERPARTS = {
    # registry
    "portal:apply": ["application-list"],
    "portal:organization_join": ["application-list"],
    "portal:application_approve": ["application-approve"],
    "portal:application_reject": ["application-reject"],
    "portal:change_standing": ["organization-standing"],
    "portal:organization_manage": ["organization-detail"],
    "portal:organization_invite": ["organization-invitations"],
    "portal:invitation_revoke": ["organization-revoke-invitation"],
    "portal:invitation_accept": ["invitation-accept"],
    "portal:membership_role": ["membership-detail"],
    "portal:membership_remove": ["membership-detail"],
    "portal:escalation_chain": ["organization-escalation-chain"],
    "portal:deputies": ["organization-deputies", "organization-deputy"],
    "portal:identity_provider": ["organization-identity-provider", "organization-identity-provider-saml"],
    "portal:webhooks": ["webhook-list"],
    "portal:webhook_detail": ["webhook-detail"],
    "portal:webhook_action": ["webhook-detail", "webhook-test"],
    # the account
    "portal:profile": ["me"],
    "portal:api_tokens": ["api-token-list"],
    "portal:api_token_revoke": ["api-token-revoke"],
    "portal:calendar": ["me-calendar"],
    "portal:calendar_revoke": ["me-calendar"],
    "portal:my_contact": ["me-contact"],
    "portal:contact_confirm": ["me-contact"],
    "portal:notification_settings": ["me-notifications"],
    "portal:unsubscribe": ["me-notifications"],
    "portal:set_language": ["me-notifications"],
    "portal:notification_read": ["notification-read"],
    "portal:notification_read_all": ["notification-read-all"],
    # commitments
    "commitments:report": ["progress-update-list"],
    "commitments:edit_update": ["progress-update-detail", "progress-update-withdraw"],
    "commitments:review_update": ["progress-update-review"],
    "commitments:annotate": ["annotation-list"],
    "commitments:moderate_annotation": ["annotation-moderate"],
    "commitments:new_report": ["transparency-report-list"],
    "commitments:edit_report": ["transparency-report-detail", "transparency-report-publish"],
    "commitments:edit_commitment": ["commitment-detail"],
    "commitments:retire_or_reinstate": ["commitment-retire", "commitment-reinstate"],
    # incidents
    "incidents:declare": ["incidents-api:incident-list"],
    "incidents:request_new": ["incidents-api:activation-requests"],
    "incidents:request_confirm": ["incidents-api:activation-confirm"],
    "incidents:request_decline": ["incidents-api:activation-decline"],
    "incidents:change_status": ["incidents-api:incident-status"],
    "incidents:change_tier": ["incidents-api:incident-tier"],
    "incidents:change_tlp": ["incidents-api:incident-tlp"],
    "incidents:invite_organization": ["incidents-api:incident-organizations"],
    "incidents:set_commander": ["incidents-api:incident-commander"],
    "incidents:add_recipient": ["incidents-api:incident-recipients"],
    "incidents:remove_recipient": ["incidents-api:incident-recipient"],
    "incidents:acknowledge": ["incidents-api:incident-alert-acknowledge"],
    "incidents:acknowledge_in_room": ["incidents-api:incident-alert-acknowledge"],
    "incidents:add_indicator": ["incidents-api:incident-indicators"],
    "incidents:share_indicator_list": ["incidents-api:incident-indicators-bulk"],
    "incidents:set_platform_status": ["incidents-api:indicator-platform-status"],
    "incidents:create_action": ["incidents-api:incident-actions"],
    "incidents:complete_action": ["incidents-api:action-complete"],
    "incidents:save_debrief": ["incidents-api:incident-debrief"],
    "incidents:publish_debrief": ["incidents-api:incident-debrief"],
    "incidents:confirm_debrief_finding": ["incidents-api:incident-debrief-findings"],
}

# Page actions that deliberately have no API, each with its reason.
PAGE_ONLY = {
    "portal:delete_account": "deleting an account stays in the browser: an API token, which integrations hold, "
    "must never be able to delete the person who made it",
    "portal:organization_sign_in": "the first step of a browser's single sign-on: it redirects to the "
    "organisation's identity provider",
}

API_PREFIXES = ("/api/", "/taxii2/", "/misp/")


def _path(route: str) -> str:
    kwargs = {name: 1 if name.endswith("id") or name == "pk" else "x" for name in ROUTE_KWARGS.get(route, {})}
    try:
        return reverse(route, kwargs=kwargs)
    except NoReverseMatch:
        return reverse(route, kwargs={name: 1 for name in kwargs})


def page_writes() -> set[str]:
    return {
        route
        for route, method, outcomes in MATRIX
        if method in WRITE_METHODS
        and any(o not in (404, 405) for o in outcomes)
        and not _path(route).startswith(API_PREFIXES)
    }


def api_route_names() -> set[str]:
    names = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif pattern.name:
                names.add(namespace + pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_the_page_writes_are_found():
    writes = page_writes()
    assert {"portal:profile", "commitments:report", "incidents:declare"} <= writes
    assert not any(route.startswith(("taxii:", "misp:")) for route in writes)


@pytest.mark.parametrize("route", sorted(page_writes()))
def test_every_page_action_has_an_api_counterpart(route):
    assert route in COUNTERPARTS or route in PAGE_ONLY, (
        f"{route} changes something but has no API counterpart: add one (and its row in tests/permissions/matrix.py) "
        "and name it in COUNTERPARTS, or say in PAGE_ONLY why it must stay a page"
    )


def test_every_named_counterpart_is_an_api_route():
    names = api_route_names()
    for page, apis in COUNTERPARTS.items():
        for api in apis:
            assert api in names, f"{page}: {api} is not a route"
            assert _path(api).startswith("/api/"), f"{page}: {api} is not under /api/"


def test_the_lists_name_only_page_actions_that_exist():
    writes = page_writes()
    assert set(COUNTERPARTS) | set(PAGE_ONLY) <= writes
