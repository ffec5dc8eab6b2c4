import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from commitments.models import Annotation
from commitments.services import annotate_progress, moderate_annotation
from portal.models import OrganizationKind, Role, Standing
from tests.helpers.api_client import api
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory

from .factories import accepted, implementation_of, member_of, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def civil_society(db):
    return OrganizationFactory(kind=OrganizationKind.CIVIL_SOCIETY, standing=Standing.SUPPORTER, name="Watchdog")


@pytest.fixture
def watcher(civil_society):
    return MembershipFactory(organization=civil_society, role=Role.MEMBER).user


@pytest.fixture
def public_update(reporter, osp1, secretariat):
    return accepted(reporter, osp1, secretariat, narrative="We did it all.")


def test_civil_society_member_annotates_a_public_report(watcher, civil_society, public_update):
    annotation = annotate_progress(actor=watcher, update=public_update, body="Not **quite**. <script>x</script>")
    assert annotation.organization == civil_society and annotation.author == watcher
    assert "<strong>quite</strong>" in annotation.body_html and "<script" not in annotation.body_html


@pytest.mark.parametrize("standing", [Standing.APPLICANT, Standing.SUSPENDED])
def test_only_supporting_civil_society_annotates(public_update, standing, reporter):
    org = OrganizationFactory(kind=OrganizationKind.CIVIL_SOCIETY, standing=standing)
    with pytest.raises(PermissionDenied):
        annotate_progress(actor=member_of(org), update=public_update, body="x")
    government = OrganizationFactory(kind=OrganizationKind.GOVERNMENT, standing=Standing.SUPPORTER)
    with pytest.raises(PermissionDenied):
        annotate_progress(actor=member_of(government), update=public_update, body="x")
    with pytest.raises(PermissionDenied):
        annotate_progress(actor=UserFactory(), update=public_update, body="x")
    assert not Annotation.objects.exists()


def test_only_public_accepted_updates_are_annotated(watcher, reporter, osp1, secretariat):
    awaiting = record(reporter, osp1)
    supporters_only = accepted(reporter, osp1, secretariat, visibility="supporters")
    for update in (awaiting, supporters_only):
        with pytest.raises(ValidationError):
            annotate_progress(actor=watcher, update=update, body="x")
    public = accepted(reporter, osp1, secretariat)
    with pytest.raises(ValidationError):
        annotate_progress(actor=watcher, update=public, body="   ")
    with pytest.raises(ValidationError):
        annotate_progress(actor=watcher, update=public, body="x" * 5001)
    assert not Annotation.objects.exists()


def test_moderation_hides_and_restores_with_a_reason(client, watcher, civil_society, public_update, secretariat):
    annotation = annotate_progress(actor=watcher, update=public_update, body="Independent words")
    url = reverse("commitments:scorecard", args=[public_update.implementation.organization.slug])
    assert "Independent words" in client.get(url).content.decode()
    assert "Watchdog" in client.get(url).content.decode()
    with pytest.raises(PermissionDenied):
        moderate_annotation(actor=watcher, annotation=annotation, hidden=True, reason="mine")
    with pytest.raises(ValidationError):
        moderate_annotation(actor=secretariat, annotation=annotation, hidden=True, reason=" ")
    moderate_annotation(actor=secretariat, annotation=annotation, hidden=True, reason="Personal data")
    with pytest.raises(ValidationError):  # a second click changes nothing
        moderate_annotation(actor=secretariat, annotation=annotation, hidden=True, reason="again")
    assert "Independent words" not in client.get(url).content.decode()
    client.force_login(watcher)  # the annotating organisation sees it, and why
    html = client.get(url).content.decode()
    assert "Independent words" in html and "Personal data" in html
    moderate_annotation(actor=secretariat, annotation=annotation, hidden=False, reason="Fixed")
    client.logout()
    assert "Independent words" in client.get(url).content.decode()


def test_shown_on_the_commitment_page(client, watcher, public_update):
    annotate_progress(actor=watcher, update=public_update, body="Seen from outside")
    html = client.get(reverse("commitments:commitment", args=[public_update.implementation.commitment_id]))
    assert "Seen from outside" in html.content.decode()


def test_annotate_page(client, watcher, public_update, reporter):
    url = reverse("commitments:annotate", args=[public_update.pk])
    client.force_login(reporter)
    assert client.get(url).status_code == 403
    client.force_login(watcher)
    assert client.get(url).status_code == 200
    assert client.post(url, {"body": ""}).status_code == 200
    assert client.post(url, {"body": "Fair"}).status_code == 302
    assert Annotation.objects.get().body == "Fair"


def test_api_create_list_and_moderate(watcher, public_update, secretariat, reporter, osp1):
    response = api(watcher).post("/api/v1/annotations/", {"update": public_update.pk, "body": "Hmm"}, format="json")
    assert response.status_code == 201, response.data
    assert response.data["organization"]["name"] == "Watchdog"
    pk = response.data["id"]
    assert api().get("/api/v1/annotations/").data["count"] == 1
    assert api(reporter).post(f"/api/v1/annotations/{pk}/moderate/", {"hidden": True, "reason": "x"}).status_code == 403
    response = api(secretariat).post(
        f"/api/v1/annotations/{pk}/moderate/", {"hidden": True, "reason": "Off topic"}, format="json"
    )
    assert response.status_code == 200 and response.data["is_hidden"] is True
    assert api().get("/api/v1/annotations/").data["count"] == 0
    assert api().get(f"/api/v1/annotations/{pk}/").status_code == 404
    assert api(watcher).get(f"/api/v1/annotations/{pk}/").data["moderation_reason"] == "Off topic"
    assert api(secretariat).get("/api/v1/annotations/", {"hidden": "true"}).data["count"] == 1
    assert api(secretariat).get("/api/v1/annotations/", {"hidden": "maybe"}).status_code == 400
    # Bad input: a 4xx, never a 500, and nothing stored.
    secret = accepted(reporter, osp1, secretariat, visibility="secretariat")
    assert api(watcher).post("/api/v1/annotations/", {"update": secret.pk, "body": "x"}).status_code == 404
    assert api(watcher).post("/api/v1/annotations/", {"update": "abc", "body": "x"}).status_code == 400
    assert api(watcher).post("/api/v1/annotations/", {"update": public_update.pk}).status_code == 400
    assert api().post("/api/v1/annotations/", {"update": public_update.pk, "body": "x"}).status_code in (401, 403)
    assert Annotation.objects.count() == 1


@pytest.mark.parametrize("n", [1, 5])
def test_annotation_list_query_count(watcher, provider, secretariat, catalogue, n, django_assert_max_num_queries):
    reporter = member_of(provider, Role.REPORTER)
    for code in ("OSP1", "J1", "IND3", "OSP2", "J2")[:n]:
        update = accepted(reporter, implementation_of(provider, code), secretariat)
        annotate_progress(actor=watcher, update=update, body="note")
    with django_assert_max_num_queries(4):
        assert api().get("/api/v1/annotations/").data["count"] == n
