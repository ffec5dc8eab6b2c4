import pytest

from commitments.models import ProgressUpdate, ReviewState
from commitments.services import ensure_implementations
from portal.models import OrganizationKind, Role, Standing
from tests.helpers.api_client import api as client_for
from tests.portal.factories import OrganizationFactory, UserFactory

from .factories import accepted, implementation_of, member_of, record, yesterday

pytestmark = pytest.mark.django_db


def payload(impl, **overrides):
    body = {
        "implementation": impl.pk,
        "status": "limited",
        "progress": 30,
        "as_of": yesterday().isoformat(),
        "visibility": "public",
        "narrative": "Progress **made**.",
        "evidence_links": ["https://example.org/report.pdf"],
    }
    body.update(overrides)
    return body


def test_commitments_are_public_and_localised(catalogue):
    response = client_for().get("/api/v1/commitments/", {"page_size": 100}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert response.data["count"] == 34
    g1 = next(c for c in response.data["results"] if c["code"] == "G1")
    assert g1["title"] == catalogue["G1"].current_revision.translations["fr"]["title"]
    assert client_for().get("/api/v1/commitments/", {"group": "industry_collaborative"}).data["count"] == 4


def test_commitment_not_found(catalogue):
    assert client_for().get("/api/v1/commitments/999999/").status_code == 404
    assert client_for().get("/api/v1/commitments/abc/").status_code == 404


def test_reporter_creates_progress(reporter, osp1):
    response = client_for(reporter).post("/api/v1/progress-updates/", payload(osp1), format="json")
    assert response.status_code == 201, response.data
    assert response.data["review_state"] == "submitted"
    assert response.data["narrative_html"] == "<p>Progress <strong>made</strong>.</p>"
    assert response.data["commitment"] == "OSP1"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"progress": 150}, "progress"),
        ({"status": "complete", "progress": 99}, "progress"),
        ({"status": "not_applicable", "progress": 0}, "justification"),
        ({"as_of": "2999-01-01"}, "as_of"),
        ({"evidence_links": ["javascript:alert(1)"]}, "evidence_links"),
        ({"visibility": "world"}, "visibility"),
        ({"progress": "lots"}, "progress"),
        ({"implementation": None}, "implementation"),
    ],
)
def test_bad_input_gives_400_and_stores_nothing(reporter, osp1, overrides, field):
    response = client_for(reporter).post("/api/v1/progress-updates/", payload(osp1, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not ProgressUpdate.objects.exists()


def test_reporter_of_another_organisation_is_forbidden(government_reporter, osp1):
    response = client_for(government_reporter).post("/api/v1/progress-updates/", payload(osp1), format="json")
    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()


def test_member_without_reporter_role_is_forbidden(provider_member, osp1):
    response = client_for(provider_member).post("/api/v1/progress-updates/", payload(osp1), format="json")
    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()


def test_anonymous_cannot_create(osp1):
    assert client_for().post("/api/v1/progress-updates/", payload(osp1), format="json").status_code in (401, 403)
    assert not ProgressUpdate.objects.exists()


def test_unknown_implementation_is_not_found(reporter, osp1):
    response = client_for(reporter).post(
        "/api/v1/progress-updates/", payload(osp1, implementation=999999), format="json"
    )
    assert response.status_code == 404
    assert not ProgressUpdate.objects.exists()


def test_secretariat_reviews_through_the_api(reporter, osp1, secretariat):
    update = record(reporter, osp1)
    url = f"/api/v1/progress-updates/{update.pk}/review/"

    assert client_for(reporter).post(url, {"decision": "accept"}, format="json").status_code == 403
    update.refresh_from_db()
    assert update.review_state == ReviewState.SUBMITTED
    response = client_for(secretariat).post(url, {"decision": "return"}, format="json")
    assert response.status_code == 400 and "comment" in response.data
    response = client_for(secretariat).post(url, {"decision": "return", "comment": "Add a link"}, format="json")
    assert response.status_code == 200 and response.data["review_state"] == "returned"

    edit = client_for(reporter).patch(f"/api/v1/progress-updates/{update.pk}/", {"progress": 35}, format="json")
    assert edit.status_code == 200 and edit.data["review_state"] == "submitted" and edit.data["progress"] == 35
    response = client_for(secretariat).post(url, {"decision": "accept"}, format="json")
    assert response.status_code == 200

    implementation = client_for().get(f"/api/v1/implementations/{osp1.pk}/").data
    assert (implementation["status"], implementation["progress"]) == ("limited", 35)


def test_review_of_an_invisible_update_is_not_found(reporter, osp1):
    update = record(reporter, osp1)
    outsider = UserFactory()
    response = client_for(outsider).post(f"/api/v1/progress-updates/{update.pk}/review/", {"decision": "accept"})
    assert response.status_code == 404
    update.refresh_from_db()
    assert update.review_state == ReviewState.SUBMITTED
    assert client_for(outsider).get(f"/api/v1/progress-updates/{update.pk}/").status_code == 404


def test_other_organisation_cannot_edit_a_visible_update(reporter, osp1, secretariat, government_reporter):
    update = accepted(reporter, osp1, secretariat)
    response = client_for(government_reporter).patch(
        f"/api/v1/progress-updates/{update.pk}/", {"progress": 99}, format="json"
    )
    assert response.status_code == 403
    update.refresh_from_db()
    assert (update.progress, update.review_state) == (30, ReviewState.ACCEPTED)


def test_secretariat_only_update_does_not_leak_through_the_api(reporter, osp1, secretariat):
    accepted(reporter, osp1, secretariat, progress=20)
    secret = {"status": "substantial", "progress": 90, "visibility": "secretariat", "narrative": "Secret plan"}
    hidden = accepted(reporter, osp1, secretariat, **secret)
    for user in (None, UserFactory()):
        client = client_for(user)
        listing = client.get("/api/v1/progress-updates/").data
        assert hidden.pk not in [u["id"] for u in listing["results"]]
        assert "Secret plan" not in str(listing)
        assert client.get(f"/api/v1/progress-updates/{hidden.pk}/").status_code == 404
        implementation = client.get(f"/api/v1/implementations/{osp1.pk}/").data
        assert implementation["progress"] == 20 and implementation["current_update"] != hidden.pk


def test_implementation_filters(provider, government, reporter, secretariat):
    osp1 = implementation_of(provider, "OSP1")
    accepted(reporter, osp1, secretariat, status="substantial", progress=60)
    client = client_for()

    assert client.get("/api/v1/implementations/", {"organization": government.pk}).json()["count"] == 18
    assert client.get("/api/v1/implementations/", {"commitment": osp1.commitment_id}).json()["count"] == 1
    by_status = client.get("/api/v1/implementations/", {"status": "substantial"}).json()
    assert [row["id"] for row in by_status["results"]] == [osp1.pk]
    assert client.get("/api/v1/implementations/", {"overdue": "true"}).json()["count"] == 0
    for bad in ({"status": "great"}, {"organization": "x"}, {"overdue": "perhaps"}):
        assert client.get("/api/v1/implementations/", bad).status_code == 400, bad


def test_schema_lists_the_commitments_api(catalogue):
    schema = client_for().get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/commitments/", "/api/v1/implementations/", "/api/v1/progress-updates/{id}/review/"):
        assert path in schema["paths"]


def build_community(n_orgs, reporter_org_kind=OrganizationKind.PROVIDER):
    """n supporter providers, each with an accepted public update on OSP1 and J1."""
    secretariat = UserFactory(is_secretariat=True)
    for _ in range(n_orgs):
        org = OrganizationFactory(kind=reporter_org_kind, standing=Standing.SUPPORTER)
        ensure_implementations(organization=org)
        reporter = member_of(org, Role.REPORTER)
        for code in ("OSP1", "J1"):
            accepted(reporter, implementation_of(org, code), secretariat)


@pytest.mark.parametrize("n_orgs", [1, 6])
def test_list_query_counts_do_not_grow(catalogue, django_assert_max_num_queries, n_orgs):
    build_community(n_orgs)
    viewer = member_of(OrganizationFactory(standing=Standing.SUPPORTER))
    client = client_for(viewer)
    for url in ("/api/v1/implementations/", "/api/v1/progress-updates/", "/api/v1/commitments/"):
        with django_assert_max_num_queries(4):
            response = client.get(url, {"page_size": 200})
        assert response.status_code == 200
