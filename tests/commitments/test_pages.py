import pytest
from django.urls import reverse

from commitments.models import ProgressUpdate
from portal.models import Role
from tests.portal.factories import OrganizationFactory, UserFactory

from .factories import accepted, implementation_of, member_of, record, yesterday

pytestmark = pytest.mark.django_db


def test_dashboard_shows_bars_and_averages(client, reporter, osp1, secretariat):
    accepted(reporter, osp1, secretariat, status="substantial", progress=60)
    response = client.get(reverse("commitments:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "OSP1" in html and "seg-substantial" in html and "60%" in html
    assert "<script>" not in html.split("</head>")[1]  # no inline scripts in the page body


def test_dashboard_in_french_and_arabic(client, catalogue):
    title_fr = catalogue["G1"].current_revision.translations["fr"]["title"]
    title_ar = catalogue["G1"].current_revision.translations["ar"]["title"]
    assert title_fr in client.get(reverse("commitments:dashboard"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert title_ar in client.get(reverse("commitments:dashboard"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()


def test_commitment_page_hides_secretariat_only_narratives(client, reporter, osp1, secretariat):
    accepted(reporter, osp1, secretariat, progress=20, narrative="Public words")
    accepted(reporter, osp1, secretariat, progress=90, visibility="secretariat", narrative="Secret words")
    html = client.get(reverse("commitments:commitment", args=[osp1.commitment_id])).content.decode()
    assert "Public words" in html and "Secret words" not in html

    client.force_login(secretariat)
    assert "Secret words" in client.get(reverse("commitments:commitment", args=[osp1.commitment_id])).content.decode()


def test_scorecard_shows_own_drafts_only_to_own_members(client, provider, reporter, osp1):
    record(reporter, osp1, narrative="Draft words")
    url = reverse("commitments:scorecard", args=[provider.slug])
    assert "Draft words" not in client.get(url).content.decode()
    client.force_login(member_of(provider, Role.MEMBER))
    assert "Draft words" in client.get(url).content.decode()


def test_commitment_and_scorecard_not_found(client, catalogue):
    assert client.get(reverse("commitments:commitment", args=[999999])).status_code == 404
    assert client.get(reverse("commitments:scorecard", args=["nobody"])).status_code == 404


def test_reporter_reports_through_the_form(client, provider, reporter, osp1):
    client.force_login(reporter)
    url = reverse("commitments:report", args=[osp1.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "status": "limited",
            "progress": "40",
            "as_of": yesterday().isoformat(),
            "visibility": "public",
            "narrative": "Done <script>x</script>",
            "evidence_links": "https://example.org/a\nhttps://example.org/b",
        },
    )
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.evidence_links == ["https://example.org/a", "https://example.org/b"]
    assert "<script" not in update.narrative_html


def test_form_errors_store_nothing(client, reporter, osp1):
    client.force_login(reporter)
    response = client.post(
        reverse("commitments:report", args=[osp1.pk]),
        {"status": "complete", "progress": "80", "as_of": yesterday().isoformat(), "visibility": "public",
         "evidence_links": "javascript:alert(1)"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"progress", "evidence_links"}
    assert not ProgressUpdate.objects.exists()


def test_form_is_forbidden_to_others(client, provider, government_reporter, osp1):
    url = reverse("commitments:report", args=[osp1.pk])
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(government_reporter)
    assert client.get(url).status_code == 403
    client.force_login(member_of(provider, Role.MEMBER))
    assert client.get(url).status_code == 403


def build(n, secretariat):
    from commitments.services import ensure_implementations
    from portal.models import OrganizationKind, Standing

    for _ in range(n):
        org = OrganizationFactory(kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
        ensure_implementations(organization=org)
        reporter = member_of(org, Role.REPORTER)
        for code in ("OSP1", "J1", "IND3"):
            accepted(reporter, implementation_of(org, code), secretariat)


@pytest.mark.parametrize("n_orgs", [1, 5])
def test_page_query_counts_do_not_grow(client, catalogue, django_assert_max_num_queries, n_orgs):
    secretariat = UserFactory(is_secretariat=True)
    build(n_orgs, secretariat)
    from portal.models import Organization

    org = Organization.objects.filter(standing="supporter").first()
    client.force_login(member_of(org))
    commitment_id = implementation_of(org, "OSP1").commitment_id
    for url in (
        reverse("commitments:dashboard"),
        reverse("commitments:commitment", args=[commitment_id]),
        reverse("commitments:scorecard", args=[org.slug]),
    ):
        # Pages also fetch attachments, annotations, whether the viewer may annotate and (the
        # dashboard) which supporters are not reporting.
        with django_assert_max_num_queries(11):
            assert client.get(url).status_code == 200


@pytest.mark.parametrize("n_orgs", [1, 4])
def test_page_selectors_build_rows_in_fixed_queries(catalogue, n_orgs, django_assert_max_num_queries):
    """The selectors give the pages everything they show: statuses in words, the latest
    update, timelines with annotations and the counts, in the same queries whatever the size."""
    from commitments import selectors
    from portal.models import Organization

    secretariat = UserFactory(is_secretariat=True)
    build(n_orgs, secretariat)
    org = Organization.objects.filter(standing="supporter").first()
    commitment = implementation_of(org, "OSP1").commitment
    viewer = UserFactory()
    # who is looking, implementations, their updates, attachments, annotations
    with django_assert_max_num_queries(5):
        page = selectors.commitment_page(viewer, commitment)
    assert len(page.rows) == n_orgs
    assert page.status_counts == {"limited": n_orgs}
    assert all(row.current_update.pk == row.implementation.current_update_id for row in page.rows)
    assert {str(row.status_label) for row in page.rows} == {"Limited"}

    with django_assert_max_num_queries(5):
        card = selectors.scorecard_page(viewer, org)
    with_timeline = [row for row in card.rows if row.timeline]
    assert {row.implementation.commitment.code for row in with_timeline} == {"OSP1", "J1", "IND3"}
    for row in with_timeline:
        assert all(entry.update.implementation_id == row.implementation.pk for entry in row.timeline)
    assert card.missed_count == 0


def test_dashboard_country_filter_offers_names_in_the_readers_language(client, catalogue):
    """Typing "New Zealand" into a code box found nothing: the filter lists the countries present."""
    OrganizationFactory(country="NZ")
    OrganizationFactory(country="FJ")
    html = client.get(reverse("commitments:dashboard")).content.decode()
    assert '<option value="NZ">New Zealand</option>' in html and '<option value="FJ">Fiji</option>' in html
    assert html.index(">Fiji<") < html.index(">New Zealand<")
    french = client.get(reverse("commitments:dashboard") + "?country=NZ", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<option value="NZ" selected>Nouvelle-Zélande</option>' in french


def test_the_catalogue_reads_in_its_own_order(client, catalogue, provider):
    """The industry plan's individual actions IND1-5 come before its collaborative IND6-9."""
    from commitments import selectors

    codes = [c.code for c in selectors.list_commitments() if c.code.startswith("IND")]
    assert codes == [f"IND{n}" for n in range(1, 10)]
    html = client.get(reverse("commitments:scorecard", args=[provider.slug])).content.decode()
    shown = [code for code in (f"IND{n}" for n in range(1, 10)) if f">{code}<" in html]
    assert shown == sorted(shown, key=lambda code: int(code[3:])) and shown
