"""axe-core on every main page, in English and Arabic: no serious or critical violations.

Each person browses in their own context; the pages are opened as the person who may see them
(a visitor, a provider's reporter, its responder with two-factor, the secretariat with two-factor).
"""

import datetime
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from commitments.models import Commitment, Implementation
from commitments.services import ensure_implementations, load_catalogue, record_progress, review_progress
from incidents import services as incident_services
from incidents.models import Status, Tier, Tlp
from portal import services as portal_services
from portal.models import OrganizationKind, Role, Standing
from tests.portal.factories import MembershipFactory, OrganizationFactory, SecretariatFactory, UserFactory, make_totp

from .steps import off_the_event_loop, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@dataclass(frozen=True)
class Person:
    email: str
    totp_secret: str | None = None


@dataclass(frozen=True)
class Site:
    visitor: dict[str, str]
    reporter: Person
    reporter_pages: dict[str, str]
    responder: Person
    responder_pages: dict[str, str]
    secretariat: Person
    secretariat_pages: dict[str, str]


@pytest.fixture
def site():
    return off_the_event_loop(build_site)


def build_site() -> Site:
    """A provider supporter with a reporter and a responder, an accepted and a pending update, a
    pending application and an incident with a message in its room."""
    load_catalogue()
    provider = OrganizationFactory(name="Harbour Video", kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
    ensure_implementations(organization=provider)
    reporter = MembershipFactory(organization=provider, role=Role.REPORTER).user
    responder = MembershipFactory(organization=provider, role=Role.RESPONDER).user
    secretariat = SecretariatFactory()
    secretariat_totp = secretariat.totp_secret
    responder_totp = make_totp(responder)

    def implementation(code):
        return Implementation.objects.get(organization=provider, commitment__code=code)

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    accepted = record_progress(
        actor=reporter,
        implementation=implementation("OSP1"),
        status="substantial",
        progress=60,
        as_of=yesterday,
        visibility="public",
        narrative="Hash matching now covers every upload.",
        evidence_links=["https://harbour.example/hashing"],
    )
    review_progress(actor=secretariat, update=accepted, decision="accept")
    record_progress(
        actor=reporter,
        implementation=implementation("OSP2"),
        status="limited",
        progress=20,
        as_of=yesterday,
        visibility="public",
        narrative="Community standards are being translated.",
    )
    portal_services.apply_for_organization(
        applicant=UserFactory(), name="Open Net Watch", kind=OrganizationKind.CIVIL_SOCIETY, country="FR"
    )
    incident = incident_services.declare_incident(
        actor=secretariat,
        title="Livestreamed attack",
        summary="A perpetrator's livestream is being re-uploaded.",
        tier=Tier.FULL_PROTOCOL,
        tlp=Tlp.AMBER,
        livestreamed=True,
        organizations=[provider],
    )
    incident_services.post_message(incident=incident, actor=responder, client_id=str(uuid.uuid4()), body="On it.")
    # A closed incident: one debrief published with an indicator, its report page's leak scan with a finding.
    closed = incident_services.declare_incident(
        actor=secretariat, title="Earlier attack", tier=Tier.COORDINATED, tlp=Tlp.AMBER, organizations=[provider]
    )
    shared, _created = incident_services.add_indicator(
        actor=responder, incident=closed, kind="url", value="https://reupload.example/v/1"
    )
    incident_services.change_status(actor=secretariat, incident=closed, status=Status.CLOSED)
    debrief = incident_services.save_debrief(
        actor=secretariat, incident=closed, title="What we did", summary="Copies were removed within the hour."
    )
    incident_services.publish_debrief(actor=secretariat, debrief=debrief, indicator_ids=[shared.pk])
    leaking = incident_services.declare_incident(
        actor=secretariat, title="Another attack", tier=Tier.COORDINATED, tlp=Tlp.AMBER, organizations=[provider]
    )
    md5 = "5d41402abc4b2a76b9719d911017c592"
    incident_services.add_indicator(actor=responder, incident=leaking, kind="md5", value=md5)
    incident_services.change_status(actor=secretariat, incident=leaking, status=Status.CLOSED)
    incident_services.save_debrief(actor=secretariat, incident=leaking, title="Draft", summary=f"Hash {md5} spread.")

    commitment = Commitment.objects.get(code="OSP1")
    return Site(
        visitor={
            "home": "/",
            "directory": "/organisations/",
            "organisation": f"/organisations/{provider.slug}/",
            "sign-up": "/accounts/signup/",
            "login": "/accounts/login/",
            "commitments dashboard": "/commitments/",
            "scorecard": f"/commitments/organisations/{provider.slug}/",
            "commitment": f"/commitments/{commitment.pk}/",
            "public debriefs": "/incidents/debriefs/",
            "public debrief": f"/incidents/debriefs/{debrief.pk}/",
        },
        reporter=Person(reporter.email),
        reporter_pages={
            "progress form": f"/commitments/implementations/{implementation('OSP3').pk}/report/",
            "notification settings": "/account/notifications/",
            "profile": "/account/profile/",
            "two-factor": "/accounts/2fa/",
            "security keys": "/accounts/2fa/webauthn/",
        },
        responder=Person(responder.email, responder_totp),
        responder_pages={
            "incident list": "/incidents/",
            "incident room": f"/incidents/{incident.pk}/",
        },
        secretariat=Person(secretariat.email, secretariat_totp),
        secretariat_pages={
            "application review queue": "/review/",
            "progress review queue": "/commitments/review/",
            "report with the debrief's leak scan": f"/incidents/{leaking.pk}/report/",
        },
    )


def blocking_violations(page: Page) -> list[str]:
    page.add_script_tag(path=AXE)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_main_pages_have_no_serious_accessibility_violations(new_context, live_app, site, language):
    def browser_of(person: Person | None) -> Page:
        # The site allows only its own scripts (CSP); axe is injected as an inline script.
        page = new_context(bypass_csp=True).new_page()
        if person is not None:
            sign_in(page, person.email, totp_secret=person.totp_secret)
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_app.url}])
        return page

    found = {}
    for person, pages in (
        (None, site.visitor),
        (site.reporter, site.reporter_pages),
        (site.responder, site.responder_pages),
        (site.secretariat, site.secretariat_pages),
    ):
        page = browser_of(person)
        for name, path in pages.items():
            response = page.goto(path)
            assert response.status == 200, f"{name} ({path}) answered {response.status}"
            expect(page.locator("html")).to_have_attribute("lang", language)
            if name == "incident room":
                # Checked once connected, with the room's messages loaded, in the page's language.
                live = page.evaluate("JSON.parse(document.getElementById('room-strings').textContent).live")
                expect(page.locator("#room-connection")).to_have_text(live)
            violations = blocking_violations(page)
            if violations:
                found[f"{name} {path}"] = violations
        page.context.close()

    assert not found, "\n".join(f"{page}:\n  " + "\n  ".join(violations) for page, violations in found.items())
