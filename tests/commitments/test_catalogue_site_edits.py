"""`load_catalogue` never silently overwrites wording edited in the site (#15): a file that
has not changed since the last load leaves the edit alone; one that changed too is a conflict,
reported and not applied unless asked."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from commitments.models import Commitment
from commitments.services import edit_commitment, load_catalogue
from commitments.services.catalogue import DEFAULT_CATALOGUE

pytestmark = pytest.mark.django_db


def g1():
    return Commitment.objects.select_related("current_revision").get(code="G1")


def edit_in_the_site(secretariat, title="Edited in the site"):
    commitment = g1()
    translations = {**commitment.current_revision.translations}
    translations["en"] = {**translations["en"], "title": title}
    edit_commitment(actor=secretariat, commitment=commitment, translations=translations)


def file_with_g1_title(tmp_path, title):
    document = json.loads(DEFAULT_CATALOGUE.read_text())
    document["commitments"][0]["translations"]["en"]["title"] = title
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(document))
    return path


def test_reloading_the_same_file_keeps_the_site_edit(secretariat):
    load_catalogue()
    edit_in_the_site(secretariat)
    counts = load_catalogue()
    assert (counts["revised"], counts["conflicts"], counts["unchanged"]) == (0, 0, 34)
    assert g1().title == "Edited in the site"


def test_a_file_changed_after_a_site_edit_is_a_conflict_reported_and_not_applied(secretariat, tmp_path):
    load_catalogue()
    edit_in_the_site(secretariat)
    counts = load_catalogue(path=file_with_g1_title(tmp_path, "Changed in the file"))
    assert (counts["revised"], counts["conflicts"], counts.conflicting_codes) == (0, 1, ["G1"])
    assert g1().title == "Edited in the site" and g1().current_revision.number == 2


def test_the_conflict_is_applied_only_when_asked(secretariat, tmp_path):
    load_catalogue()
    edit_in_the_site(secretariat)
    path = file_with_g1_title(tmp_path, "Changed in the file")
    counts = load_catalogue(path=path, overwrite_site_edits=True)
    assert (counts["revised"], counts["conflicts"]) == (1, 0)
    assert g1().title == "Changed in the file" and g1().current_revision.created_by is None
    assert load_catalogue(path=path)["revised"] == 0  # the file's wording is in force again


def test_a_file_change_without_a_site_edit_still_revises(tmp_path):
    load_catalogue()
    counts = load_catalogue(path=file_with_g1_title(tmp_path, "Changed in the file"))
    assert (counts["revised"], counts["conflicts"]) == (1, 0)


def test_the_command_names_the_conflicting_commitment(secretariat, tmp_path):
    load_catalogue()
    edit_in_the_site(secretariat)
    out, err = StringIO(), StringIO()
    call_command("load_catalogue", str(file_with_g1_title(tmp_path, "Changed in the file")), stdout=out, stderr=err)
    assert "1 conflicts" in out.getvalue()
    assert "G1: edited in the site and changed in the file" in err.getvalue()
    assert g1().title == "Edited in the site"
