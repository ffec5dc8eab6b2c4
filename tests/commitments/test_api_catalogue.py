"""The catalogue editor's API (#15 API parity): the secretariat edits a commitment's wording
(a new revision), its audience, group and order, retires and reinstates it, and anyone reads
its revisions — through the same services as the secretariat's pages."""

import pytest

from commitments.models import Commitment, CommitmentRevision
from portal.models import AuditEvent
from tests.helpers.api_client import api
from tests.portal.factories import SecretariatFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(commitment, action=""):
    return f"/api/v1/commitments/{commitment.pk}/" + (f"{action}/" if action else "")


def test_new_wording_in_one_language_is_a_new_revision_and_keeps_the_others(catalogue, secretariat):
    g1 = catalogue["G1"]
    before = g1.current_revision
    response = api(secretariat).patch(
        url(g1),
        {"translations": {"fr": {"title": "Nouveau titre", "description": "Nouvelle description."}}},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert response.data["revision"] == before.number + 1
    assert response.data["translations"]["fr"] == {"title": "Nouveau titre", "description": "Nouvelle description."}
    assert response.data["translations"]["en"] == before.translations["en"]
    assert AuditEvent.objects.filter(action="commitment.revised", target="G1").exists()

    revisions = api().get(url(g1, "revisions")).json()
    assert [r["number"] for r in revisions] == [before.number + 1, before.number]
    assert revisions[1]["translations"] == before.translations


def test_audience_group_and_order_change_in_place_without_a_revision(catalogue, secretariat):
    g1 = catalogue["G1"]
    revisions = CommitmentRevision.objects.filter(commitment=g1).count()
    response = api(secretariat).patch(url(g1), {"order": 99}, format="json")
    assert response.status_code == 200 and response.data["order"] == 99
    assert CommitmentRevision.objects.filter(commitment=g1).count() == revisions


@pytest.mark.parametrize(
    "body",
    [
        {"translations": {"en": {"title": "", "description": ""}}},
        {"translations": {"xx": {"title": "T", "description": "D"}}},
        {"translations": "a string"},
        {"source_url": "javascript:alert(1)"},
        {"audience": "citizens"},
        {"order": -1},
        {"code": "G99"},
        # The wording is valid but the audience is not: all or nothing, no revision is written.
        {"translations": {"fr": {"title": "Valide", "description": "Valide."}}, "audience": "nobody"},
    ],
)
def test_bad_input_is_refused_and_changes_nothing(catalogue, secretariat, body):
    g1 = catalogue["G1"]
    revisions = list(CommitmentRevision.objects.filter(commitment=g1).values_list("pk", flat=True))
    before = Commitment.objects.values().get(pk=g1.pk)
    response = api(secretariat).patch(url(g1), body, format="json")
    assert response.status_code == 400, response.data
    assert list(CommitmentRevision.objects.filter(commitment=g1).values_list("pk", flat=True)) == revisions
    assert Commitment.objects.values().get(pk=g1.pk) == before


def test_retire_and_reinstate(catalogue, secretariat):
    g1 = catalogue["G1"]
    client = api(secretariat)
    assert client.post(url(g1, "retire")).json()["is_active"] is False
    listed = {c["code"] for c in api().get("/api/v1/commitments/", {"page_size": 200}).json()["results"]}
    assert "G1" not in listed
    assert client.post(url(g1, "reinstate")).json()["is_active"] is True
    assert [e.action for e in AuditEvent.objects.filter(target="G1").order_by("pk")][-2:] == [
        "commitment.retired",
        "commitment.reinstated",
    ]


def test_only_the_secretariat_with_two_factor_edits(catalogue):
    g1 = catalogue["G1"]
    for user in (UserFactory(), SecretariatFactory(totp=False)):
        client = api(user)
        assert client.patch(url(g1), {"order": 5}, format="json").status_code == 403
        assert client.post(url(g1, "retire")).status_code == 403
    assert api().patch(url(g1), {"order": 5}, format="json").status_code == 401
    g1.refresh_from_db()
    assert g1.order != 5 and g1.is_active
