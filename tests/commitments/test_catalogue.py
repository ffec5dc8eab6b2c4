import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import translation

from commitments.models import Commitment, CommitmentGroup, CommitmentRevision
from commitments.services import create_commitment, load_catalogue, retire_commitment, revise_commitment
from commitments.services.catalogue import DEFAULT_CATALOGUE
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_loader_creates_the_call_and_the_industry_plan():
    counts = load_catalogue()

    assert counts["created"] == 34
    assert Commitment.objects.filter(group=CommitmentGroup.CALL).count() == 25
    assert Commitment.objects.filter(group=CommitmentGroup.INDUSTRY_INDIVIDUAL).count() == 5
    assert Commitment.objects.filter(group=CommitmentGroup.INDUSTRY_COLLABORATIVE).count() == 4
    assert Commitment.objects.filter(code__startswith="G", group="call").count() == 5
    assert Commitment.objects.filter(audience="providers", group="call").count() == 7
    assert Commitment.objects.filter(audience="all", group="call").count() == 13


def test_every_commitment_has_three_languages_and_a_public_link():
    load_catalogue()
    for commitment in Commitment.objects.select_related("current_revision"):
        revision = commitment.current_revision
        assert set(revision.translations) == {"en", "fr", "ar"}
        assert all(entry["title"] and entry["description"] for entry in revision.translations.values())
        assert revision.source_url.startswith("https://www.christchurchcall.org/")


def test_loader_is_idempotent():
    load_catalogue()
    counts = load_catalogue()

    assert counts == {"created": 0, "revised": 0, "updated": 0, "retired": 0, "unchanged": 34, "conflicts": 0}
    assert CommitmentRevision.objects.count() == 34


def test_changed_text_creates_a_revision_and_keeps_the_old_one(tmp_path):
    load_catalogue()
    document = json.loads(DEFAULT_CATALOGUE.read_text())
    document["commitments"][0]["translations"]["en"]["title"] = "A revised title"
    changed = tmp_path / "catalogue.json"
    changed.write_text(json.dumps(document))

    counts = load_catalogue(path=changed)

    assert counts["revised"] == 1 and counts["unchanged"] == 33
    g1 = Commitment.objects.select_related("current_revision").get(code="G1")
    assert g1.current_revision.number == 2
    assert g1.title == "A revised title"
    assert list(g1.revisions.values_list("number", flat=True)) == [1, 2]
    assert load_catalogue(path=changed)["revised"] == 0


def test_retired_entry_retires_the_commitment(tmp_path):
    load_catalogue()
    document = json.loads(DEFAULT_CATALOGUE.read_text())
    document["commitments"][0]["retired"] = True
    changed = tmp_path / "catalogue.json"
    changed.write_text(json.dumps(document))

    assert load_catalogue(path=changed)["retired"] == 1
    assert not Commitment.objects.get(code="G1").is_active
    assert load_catalogue(path=changed)["retired"] == 0


def test_bad_file_stores_nothing(tmp_path):
    document = json.loads(DEFAULT_CATALOGUE.read_text())
    document["commitments"][5]["audience"] = "martians"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))

    with pytest.raises(ValidationError):
        load_catalogue(path=bad)
    assert Commitment.objects.count() == 0


def test_text_follows_the_active_language_with_english_fallback():
    load_catalogue()
    g1 = Commitment.objects.select_related("current_revision").get(code="G1")
    revision = g1.current_revision
    revision.translations.pop("ar")

    with translation.override("fr"):
        assert g1.title == revision.translations["fr"]["title"]
    with translation.override("ar"):
        assert g1.title == revision.translations["en"]["title"]


def test_only_the_secretariat_curates():
    with pytest.raises(PermissionDenied):
        create_commitment(
            actor=UserFactory(),
            code="X1",
            audience="all",
            group="call",
            order=1,
            translations={"en": {"title": "T", "description": "D"}},
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", "bad code!"),
        ("audience", "nobody"),
        ("translations", {"fr": {"title": "Seulement", "description": "en français"}}),
        ("translations", {"xx": {"title": "T", "description": "D"}}),
        ("source_url", "javascript:alert(1)"),
    ],
)
def test_create_commitment_rejects_bad_input(secretariat, field, value):
    fields = {
        "code": "X1",
        "audience": "all",
        "group": "call",
        "order": 1,
        "translations": {"en": {"title": "T", "description": "D"}},
        "source_url": "https://example.org/x",
    }
    fields[field] = value
    with pytest.raises(ValidationError) as excinfo:
        create_commitment(actor=secretariat, **fields)
    assert field in excinfo.value.message_dict
    assert not Commitment.objects.exists()


def test_revise_with_same_text_writes_nothing(secretariat):
    commitment = create_commitment(
        actor=secretariat, code="X1", audience="all", group="call", order=1,
        translations={"en": {"title": "T", "description": "D"}},
    )  # fmt: skip
    assert (
        revise_commitment(
            actor=secretariat, commitment=commitment, translations={"en": {"title": "T", "description": "D"}}
        )
        is None
    )
    revision = revise_commitment(actor=secretariat, commitment=commitment, source_url="https://example.org/new")
    assert revision.number == 2
    retire_commitment(actor=secretariat, commitment=commitment)
    assert commitment.is_active is False and commitment.retired_at is not None


def test_load_catalogue_command(capsys):
    call_command("load_catalogue")
    call_command("load_catalogue")
    out = capsys.readouterr().out
    assert "34 created" in out and "34 unchanged" in out
