"""Issue 3's "Done when", tried as people would: a provider's reporter records progress, the
secretariat reviews it, civil society annotates it, and everyone sees the picture, in
English, French and Arabic, with the export and the API agreeing with the pages."""

import csv
import datetime
import io
import re
from dataclasses import dataclass

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from commitments.models import Implementation
from commitments.services import ensure_implementations, load_catalogue, record_progress, review_progress
from portal.models import Organization, OrganizationKind, Role, Standing
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

from .steps import field, message, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROVIDER = "Harbour Video Ltd"
WATCHDOG = "Open Net Watch"
REPORTER = "rua@harbour.example"
ANNOTATOR = "lena@watch.example"
SECRETARIAT = "secretariat@example.org"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
CONFIDENTIAL = "Our confidential notes on crisis protocol gaps."
SEND_BACK_COMMENT = "Please link the livestream safeguards policy itself."


@dataclass(frozen=True)
class Report:
    code: str
    status: str
    status_label: str
    progress: int
    narrative: str
    evidence: str


ACCEPTED_WITH_PDF = Report(
    "OSP1",
    "substantial",
    "Substantial",
    60,
    "Hash matching now covers every upload.",
    "https://harbour.example/hashing",
)
ACCEPTED = Report(
    "OSP2",
    "complete",
    "Complete",
    100,
    "Community standards are published in 12 languages.",
    "https://harbour.example/rules",
)
SENT_BACK = Report(
    "OSP4", "limited", "Limited", 25, "A livestream delay is being piloted.", "https://harbour.example/live"
)

# What a visitor reads, per language: the status word and the progress bar's name.
LANGUAGES = {
    "en": {"button": None, "dir": "ltr", "substantial": "Substantial", "not_started": "Not started",
           "done": r"^60% done$", "none_done": r"^0% done$", "view": "Independent view from"},
    "fr": {"button": "Français", "dir": "ltr", "substantial": "Important", "not_started": "Non commencé",
           "done": r"^60\s% réalisé$", "none_done": r"^0\s% réalisé$", "view": "Point de vue indépendant de"},
    "ar": {"button": "العربية", "dir": "rtl", "substantial": "كبير", "not_started": "لم يبدأ",
           "done": r"^أُنجز 60%$", "none_done": r"^أُنجز 0%$", "view": "رأي مستقل من"},
}  # fmt: skip


@dataclass(frozen=True)
class Background:
    provider: Organization
    secretariat_totp: str


@pytest.fixture
def provider_with_a_secretariat_only_update():
    """A provider supporter with a reporter, a civil-society supporter with a member, the
    secretariat with two-factor, and one accepted update only the secretariat may see."""
    load_catalogue()
    provider = OrganizationFactory(name=PROVIDER, kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
    ensure_implementations(organization=provider)
    reporter = MembershipFactory(organization=provider, role=Role.REPORTER, user=UserFactory(email=REPORTER)).user
    watchdog = OrganizationFactory(name=WATCHDOG, kind=OrganizationKind.CIVIL_SOCIETY, standing=Standing.SUPPORTER)
    ensure_implementations(organization=watchdog)
    MembershipFactory(organization=watchdog, role=Role.MEMBER, user=UserFactory(email=ANNOTATOR))
    secretariat = UserFactory(email=SECRETARIAT, is_secretariat=True)
    confidential = record_progress(
        actor=reporter,
        implementation=Implementation.objects.get(organization=provider, commitment__code="OSP7"),
        status="substantial",
        progress=70,
        as_of=timezone.localdate() - datetime.timedelta(days=3),
        visibility="secretariat",
        narrative=CONFIDENTIAL,
    )
    review_progress(actor=secretariat, update=confidential, decision="accept")
    return Background(provider=provider, secretariat_totp=make_totp(secretariat))


def card(page: Page, code: str):
    """The scorecard's or review queue's card for one commitment."""
    return page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=re.compile(rf"\b{code}\b")))


def supporter_row(page: Page, code: str):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(rf"^{code}\b")))


def record(page: Page, report: Report, *, attach_pdf: bool = False) -> None:
    card(page, report.code).get_by_role("link", name="Report progress").click()
    field(page, "Status").select_option(label=report.status_label)
    field(page, "Progress (0 to 100)").fill(str(report.progress))
    field(page, "Date").fill((timezone.localdate() - datetime.timedelta(days=1)).isoformat())
    expect(field(page, "Who may see this update")).to_have_value("public")
    field(page, "What was done").fill(f"{report.narrative}\n\nSee **the evidence** below.")
    field(page, "Evidence links").fill(report.evidence)
    if attach_pdf:
        field(page, "Attachments").set_input_files(
            files=[{"name": "hashing-audit.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
    page.get_by_role("button", name="Submit for review").click()
    expect(message(page, "Your update was recorded and awaits review")).to_be_visible()
    expect(card(page, report.code)).to_contain_text("Awaiting review")


def review(page: Page, totp_secret: str) -> None:
    sign_in(page, SECRETARIAT, totp_secret=totp_secret)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Progress").click()
    page.get_by_role("navigation", name="Secretariat").get_by_role("link", name="Progress awaiting review").click()
    expect(page.get_by_role("heading", name="Progress awaiting review")).to_be_visible()
    with_pdf = card(page, ACCEPTED_WITH_PDF.code)
    expect(with_pdf.get_by_role("link", name="hashing-audit.pdf")).to_be_visible()
    expect(with_pdf.get_by_role("link", name=ACCEPTED_WITH_PDF.evidence)).to_be_visible()

    sent_back = card(page, SENT_BACK.code)
    sent_back.get_by_label("Comment for the reporter").fill(SEND_BACK_COMMENT)
    sent_back.get_by_role("button", name="Send back").click()
    expect(message(page, "The update was sent back to the reporter.")).to_be_visible()
    for report in (ACCEPTED_WITH_PDF, ACCEPTED):
        card(page, report.code).get_by_role("button", name="Accept").click()
        expect(message(page, "The update was accepted.")).to_be_visible()
    expect(page.get_by_text("Nothing awaits review.")).to_be_visible()


def annotate(page: Page, provider: Organization) -> None:
    sign_in(page, ANNOTATOR)
    page.goto(f"/commitments/organisations/{provider.slug}/")
    expect(card(page, ACCEPTED.code).get_by_role("link", name="Add an independent view")).to_be_visible()
    card(page, ACCEPTED_WITH_PDF.code).get_by_role("link", name="Add an independent view").click()
    field(page, "Your annotation").fill("We **checked** a sample: hashing caught 9 of 10 known items.")
    page.get_by_role("button", name="Publish the annotation").click()
    expect(message(page, "Your annotation is published beside the report.")).to_be_visible()
    expect(card(page, ACCEPTED_WITH_PDF.code)).to_contain_text(f"Independent view from {WATCHDOG}")


def switch_language(page: Page, language: str) -> None:
    button = LANGUAGES[language]["button"]
    if button is not None:
        page.get_by_role("group", name=re.compile("Language|Langue|اللغة")).get_by_role("button", name=button).click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("html")).to_have_attribute("dir", LANGUAGES[language]["dir"])


def check_public_pages(page: Page, provider: Organization, language: str) -> None:
    words = LANGUAGES[language]
    page.goto("/commitments/")
    osp1 = supporter_row(page, ACCEPTED_WITH_PDF.code)
    expect(osp1.get_by_role("img", name=f"{words['substantial']}: 1")).to_be_visible()
    expect(osp1).to_contain_text("60%")
    expect(supporter_row(page, ACCEPTED.code)).to_contain_text("100%")
    # The secretariat-only acceptance leaves OSP7 as the public last saw it: not started.
    osp7 = supporter_row(page, "OSP7")
    expect(osp7.get_by_role("img", name=f"{words['not_started']}: 1")).to_be_visible()
    expect(osp7).to_contain_text("0%")

    page.goto(f"/commitments/organisations/{provider.slug}/")
    scorecard = card(page, ACCEPTED_WITH_PDF.code)
    expect(scorecard.get_by_role("img", name=re.compile(words["done"]))).to_be_visible()
    expect(scorecard).to_contain_text(words["substantial"])
    expect(scorecard).to_contain_text(ACCEPTED_WITH_PDF.narrative)
    expect(scorecard).to_contain_text(f"{words['view']} {WATCHDOG}")
    expect(card(page, "OSP7").get_by_role("img", name=re.compile(words["none_done"]))).to_be_visible()
    expect(card(page, SENT_BACK.code)).not_to_contain_text(SENT_BACK.narrative)
    expect(page.get_by_role("main")).not_to_contain_text(CONFIDENTIAL)

    card(page, ACCEPTED_WITH_PDF.code).get_by_role("heading").get_by_role("link").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=PROVIDER))
    expect(row.get_by_role("img", name=re.compile(words["done"]))).to_be_visible()
    expect(row).to_contain_text(words["substantial"])
    expect(row).to_contain_text(ACCEPTED_WITH_PDF.narrative)
    expect(row.get_by_role("link", name="hashing-audit.pdf")).to_be_visible()
    expect(page.get_by_role("img", name=f"{words['substantial']}: 1")).to_be_visible()


def progress_by_code(page: Page, provider: Organization) -> tuple[dict, dict]:
    """The provider's status and progress per commitment, from the CSV export and from the API."""
    response = page.request.get("/commitments/export/progress.csv")
    assert response.ok
    rows = csv.DictReader(io.StringIO(response.text()))
    exported = {
        r["commitment"]: (r["status"], int(r["progress"])) for r in rows if r["organization_slug"] == provider.slug
    }
    response = page.request.get(f"/api/v1/implementations/?organization={provider.pk}")
    assert response.ok
    body = response.json()
    assert body["next"] is None
    listed = {r["commitment"]["code"]: (r["status"], r["progress"]) for r in body["results"]}
    return exported, listed


def test_reporter_records_progress_the_secretariat_reviews_and_everyone_sees_it(
    page, new_context, browser_log, provider_with_a_secretariat_only_update
):
    background = provider_with_a_secretariat_only_update
    provider = background.provider

    sign_in(page, REPORTER)
    page.goto(f"/commitments/organisations/{provider.slug}/")
    record(page, ACCEPTED_WITH_PDF, attach_pdf=True)
    record(page, ACCEPTED)
    record(page, SENT_BACK)

    secretariat = new_context().new_page()
    review(secretariat, background.secretariat_totp)

    # The reporter sees why one came back, and what was accepted.
    page.reload()
    expect(card(page, SENT_BACK.code)).to_contain_text("Sent back")
    expect(card(page, SENT_BACK.code)).to_contain_text(f"Secretariat: {SEND_BACK_COMMENT}")
    expect(card(page, ACCEPTED.code).get_by_role("img", name="100% done")).to_be_visible()

    annotate(new_context().new_page(), provider)

    visitor = new_context().new_page()
    visitor.goto("/commitments/")
    for language in ("en", "fr", "ar"):
        switch_language(visitor, language)
        check_public_pages(visitor, provider, language)

    pdf_link = visitor.get_by_role("link", name="hashing-audit.pdf")
    download = visitor.request.get(pdf_link.get_attribute("href"))
    assert download.ok and download.body() == PDF

    exported, listed = progress_by_code(visitor, provider)
    assert exported == listed
    assert exported[ACCEPTED_WITH_PDF.code] == ("substantial", 60)
    assert exported[ACCEPTED.code] == ("complete", 100)
    assert exported[SENT_BACK.code] == ("not_started", 0)
    assert exported["OSP7"] == ("not_started", 0)
    updates = visitor.request.get(f"/api/v1/progress-updates/?organization={provider.pk}").json()["results"]
    assert sorted(u["progress"] for u in updates) == [60, 100]

    # The secretariat's own export shows what the visitor's leaves out, so the gap is visibility.
    exported, listed = progress_by_code(secretariat, provider)
    assert exported == listed
    assert exported["OSP7"] == ("substantial", 70)
    assert browser_log.errors() == []
