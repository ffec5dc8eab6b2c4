"""The catalogue, progress updates and transparency reports in the portal's search
(commitments/search.py), by the rules of the pages: an update awaiting review or for the
secretariat only is found by its organisation and the secretariat, nobody else."""

import pytest
from django.urls import reverse
from django.utils import translation

from portal.models import Role
from tests.helpers.search import search_results

from .factories import accepted, member_of, record, supporter

pytestmark = pytest.mark.django_db


def found(client, user, words, kind):
    return search_results(client, user, words, kind)


def test_an_update_awaiting_review_is_found_by_its_organisation_and_the_secretariat(
    client, reporter, provider_member, osp1, secretariat
):
    record(reporter, osp1, narrative="Our lighthouse classifier shipped")
    other = member_of(supporter(), Role.ADMIN)
    for user in (reporter, provider_member, secretariat):
        assert "<mark>lighthouse</mark>" in found(client, user, "lighthouse", "commitments.progress")
    for user in (other, None):
        assert "lighthouse" not in found(client, user, "lighthouse", "commitments.progress")


def test_an_accepted_public_update_is_found_by_anyone(client, reporter, osp1, secretariat):
    accepted(reporter, osp1, secretariat, narrative="Our lighthouse classifier shipped")
    assert "<mark>lighthouse</mark>" in found(client, None, "lighthouse", "commitments.progress")


def test_a_secretariat_only_update_is_not_found_by_other_supporters(client, reporter, osp1, secretariat):
    accepted(reporter, osp1, secretariat, narrative="Lighthouse internals", visibility="secretariat")
    other = member_of(supporter(), Role.ADMIN)
    assert "ighthouse" not in found(client, other, "lighthouse", "commitments.progress")
    assert "<mark>Lighthouse</mark>" in found(client, secretariat, "lighthouse", "commitments.progress")


def test_commitments_are_found_in_the_readers_language(client, catalogue):
    code, commitment = next(iter(catalogue.items()))
    word = commitment.current_revision.text("title", "en").split()[-1]
    assert code in found(client, None, word, "commitments.commitments")
    with translation.override("fr"):
        french = commitment.current_revision.text("title", "fr").split()[-1]
    response = client.get(
        reverse("portal:search"), {"q": french, "kind": "commitments.commitments"}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert code in response.content.decode()


@pytest.mark.parametrize("size", [1, 8])
def test_the_query_count_does_not_grow_with_the_updates(
    client, reporter, osp1, secretariat, size, django_assert_max_num_queries
):
    for _ in range(size):
        accepted(reporter, osp1, secretariat, narrative="Lighthouse report")
    client.force_login(reporter)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("portal:search"), {"q": "lighthouse"})
    assert "<mark>Lighthouse</mark>" in response.content.decode()
