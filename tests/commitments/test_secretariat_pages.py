import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments.models import Commitment, Implementation, ProgressUpdate, ReviewState
from portal.models import Role
from tests.portal.factories import UserFactory

from .factories import accepted, implementation_of, member_of, record, yesterday

pytestmark = pytest.mark.django_db


SECRETARIAT_URLS = ["review_queue", "overdue", "catalogue_editor", "annotation_moderation"]


@pytest.mark.parametrize("name", SECRETARIAT_URLS)
def test_secretariat_pages_require_secretariat_with_totp(client, catalogue, reporter, name):
    url = reverse(f"commitments:{name}")
    assert client.get(url).status_code == 302  # sign in
    client.force_login(reporter)
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(is_secretariat=True))  # no two-factor yet
    response = client.get(url)
    assert response.status_code == 302 and "totp" in response["Location"]


def test_review_queue_accept_and_send_back(client, secretariat, reporter, osp1, provider):
    first = record(reporter, osp1, narrative="First")
    second = record(reporter, osp1, narrative="Second")
    client.force_login(secretariat)
    html = client.get(reverse("commitments:review_queue")).content.decode()
    assert "First" in html and "Second" in html
    client.post(reverse("commitments:review_update", args=[first.pk]), {"decision": "accept"})
    response = client.post(reverse("commitments:review_update", args=[second.pk]), {"decision": "return"})
    assert response.status_code == 302  # no comment: refused with a message
    second.refresh_from_db()
    assert second.review_state == ReviewState.SUBMITTED
    client.post(reverse("commitments:review_update", args=[second.pk]), {"decision": "return", "comment": "Link?"})
    client.post(reverse("commitments:review_update", args=[second.pk]), {"decision": "bogus"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.review_state, second.review_state) == (ReviewState.ACCEPTED, ReviewState.RETURNED)
    assert client.post(reverse("commitments:review_update", args=[999999]), {"decision": "accept"}).status_code == 404

    # The reporter sees why and edits the update, which goes back to the queue.
    client.force_login(reporter)
    edit = reverse("commitments:edit_update", args=[second.pk])
    assert "Link?" in client.get(edit).content.decode()
    response = client.post(
        edit,
        {"status": "limited", "progress": "35", "as_of": yesterday().isoformat(), "visibility": "public",
         "evidence_links": "https://example.org/link"},
    )  # fmt: skip
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.review_state == ReviewState.SUBMITTED and second.progress == 35
    bad = client.post(edit, {"status": "complete", "progress": "10", "as_of": "x", "visibility": "public"})
    assert bad.status_code == 200
    assert client.get(reverse("commitments:edit_update", args=[first.pk])).status_code == 403  # accepted
    client.force_login(member_of(provider, Role.MEMBER))
    assert client.get(edit).status_code == 403


def test_overdue_lists(client, secretariat, provider, reporter, government, government_reporter):
    long_ago = timezone.now() - datetime.timedelta(days=800)
    Implementation.objects.update(created_at=long_ago)
    accepted(reporter, implementation_of(provider, "OSP1"), secretariat)
    client.force_login(secretariat)
    html = client.get(reverse("commitments:overdue")).content.decode()
    assert government.name in html and provider.name in html
    total = Implementation.objects.count() - 1
    assert f"{total} implementations" in html

    own = reverse("commitments:organization_overdue", args=[provider.slug])
    client.force_login(reporter)
    html = client.get(own).content.decode()
    assert provider.name in html and government.name not in html
    client.force_login(government_reporter)
    assert client.get(own).status_code == 404
    client.logout()
    assert client.get(own).status_code == 302


def test_catalogue_editor_revises_retires_and_reinstates(client, secretariat, catalogue):
    g1 = catalogue["G1"]
    client.force_login(secretariat)
    assert "G1" in client.get(reverse("commitments:catalogue_editor")).content.decode()
    url = reverse("commitments:edit_commitment", args=[g1.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["title_fr"] = "Nouveau titre"
    assert client.post(url, data).status_code == 302
    g1.refresh_from_db()
    assert g1.current_revision.number == 2
    assert g1.current_revision.translations["fr"]["title"] == "Nouveau titre"
    assert client.post(url, data).status_code == 302  # unchanged: no new revision
    g1.refresh_from_db()
    assert g1.current_revision.number == 2
    bad = client.post(url, {**data, "title_en": "", "order": "-3", "source_url": "javascript:alert(1)"})
    assert bad.status_code == 200 and set(bad.context["form"].errors) >= {"title_en", "order", "source_url"}

    standing = reverse("commitments:retire_or_reinstate", args=[g1.pk])
    client.post(standing, {"action": "retire"})
    assert not Commitment.objects.get(pk=g1.pk).is_active
    client.post(standing, {"action": "reinstate"})
    assert Commitment.objects.get(pk=g1.pk).is_active
    client.post(standing, {"action": "explode"})
    assert client.get(standing).status_code == 405


def test_moderation_page(client, secretariat, reporter, osp1):
    from commitments.services import annotate_progress
    from portal.models import OrganizationKind, Standing
    from tests.portal.factories import OrganizationFactory

    update = accepted(reporter, osp1, secretariat)
    civil = OrganizationFactory(kind=OrganizationKind.CIVIL_SOCIETY, standing=Standing.ENDORSES)
    annotation = annotate_progress(actor=member_of(civil), update=update, body="Doubtful")
    client.force_login(secretariat)
    assert "Doubtful" in client.get(reverse("commitments:annotation_moderation")).content.decode()
    moderate = reverse("commitments:moderate_annotation", args=[annotation.pk])
    client.post(moderate, {"action": "hide", "reason": ""})
    annotation.refresh_from_db()
    assert not annotation.is_hidden
    client.post(moderate, {"action": "hide", "reason": "Abusive"})
    annotation.refresh_from_db()
    assert annotation.is_hidden
    assert "Doubtful" in client.get(reverse("commitments:annotation_moderation"), {"hidden": "1"}).content.decode()


@pytest.mark.parametrize("n_orgs", [1, 4])
def test_secretariat_page_query_counts(client, secretariat, catalogue, n_orgs, django_assert_max_num_queries):
    from commitments.services import ensure_implementations
    from portal.models import OrganizationKind, Standing
    from tests.portal.factories import OrganizationFactory

    for _ in range(n_orgs):
        org = OrganizationFactory(kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
        ensure_implementations(organization=org)
        reporter = member_of(org, Role.REPORTER)
        for code in ("OSP1", "J1"):
            record(reporter, implementation_of(org, code))
    client.force_login(secretariat)
    for name in SECRETARIAT_URLS:
        with django_assert_max_num_queries(12):
            assert client.get(reverse(f"commitments:{name}")).status_code == 200
    assert ProgressUpdate.objects.count() == 2 * n_orgs
    client.force_login(reporter)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("commitments:organization_overdue", args=[org.slug])).status_code == 200
