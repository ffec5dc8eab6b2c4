"""History you can see (#15): a commitment's wordings with a diff and the updates written
against each; a progress update's edits; French and Arabic flagged when the English moved on."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from commitments import selectors
from commitments.diffs import word_diff_html
from commitments.services import edit_commitment, edit_progress
from portal.models import OrganizationKind, Role
from tests.helpers.api_client import api

from .factories import accepted, implementation_of, member_of, record, supporter

pytestmark = pytest.mark.django_db


def revise(secretariat, commitment, **languages):
    translations = {**commitment.current_revision.translations}
    for language, title in languages.items():
        translations[language] = {**translations[language], "title": title}
    edit_commitment(actor=secretariat, commitment=commitment, translations=translations)
    commitment.refresh_from_db()
    return commitment


def test_a_word_diff_marks_removed_and_added_words_and_escapes_the_text():
    html = word_diff_html("Remove <b>terrorist</b> content now", "Remove <b>violent</b> content now fast")
    assert html.startswith("Remove <del>&lt;b&gt;terrorist&lt;/b&gt; </del><ins>&lt;b&gt;violent&lt;/b&gt; </ins>")
    assert "fast</ins>" in html and "<b>" not in html
    assert word_diff_html("same words", "same words") == "same words"


def test_french_and_arabic_are_flagged_stale_when_only_the_english_changes(catalogue, secretariat):
    g1 = revise(secretariat, catalogue["G1"], en="A new English title")
    newest, first = selectors.commitment_history(secretariat, g1)[:2]
    assert (newest.revision.number, first.revision.number) == (2, 1)
    assert [w.language for w in newest.wordings if w.stale] == ["fr", "ar"]
    assert not any(w.stale for w in first.wordings)
    english = newest.wordings[0]
    assert english.changed and "<ins>" in english.title and "<del>" in english.title

    g1 = revise(secretariat, g1, fr="Un nouveau titre")
    latest = selectors.commitment_history(secretariat, g1)[0]
    assert [w.language for w in latest.wordings if w.stale] == ["ar"]
    assert not latest.from_file and first.from_file


def test_each_revision_lists_the_updates_written_against_it_that_the_reader_may_see(catalogue, secretariat):
    provider = supporter(kind=OrganizationKind.PROVIDER)
    reporter = member_of(provider, Role.REPORTER)
    osp1 = implementation_of(provider, "OSP1")
    before = accepted(reporter, osp1, secretariat)
    revise(secretariat, catalogue["OSP1"], en="Reworded")
    after = accepted(reporter, osp1, secretariat, progress=60)
    draft = record(reporter, osp1, progress=70)
    history = {e.revision.number: e for e in selectors.commitment_history(secretariat, catalogue["OSP1"])}
    assert [u.pk for u in history[1].updates] == [before.pk]
    assert {u.pk for u in history[2].updates} == {after.pk, draft.pk}
    public = {e.revision.number: e for e in selectors.commitment_history(AnonymousUser(), catalogue["OSP1"])}
    assert [u.pk for u in public[2].updates] == [after.pk]  # the draft is its organisation's


@pytest.mark.parametrize("revisions", [1, 6])
def test_the_history_page_runs_fixed_queries(client, catalogue, secretariat, revisions, django_assert_max_num_queries):
    g1 = catalogue["G1"]
    for n in range(revisions):
        g1 = revise(secretariat, g1, en=f"Title {n}")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("commitments:commitment_history", args=[g1.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Revision {revisions + 1}" in html and "<ins>" in html and "may be out of date" in html


def test_the_commitment_page_links_to_its_wording_history(client, catalogue):
    g1 = catalogue["G1"]
    html = client.get(reverse("commitments:commitment", args=[g1.pk])).content.decode()
    assert reverse("commitments:commitment_history", args=[g1.pk]) in html


def test_an_update_shows_its_edits_to_its_organisation_and_the_secretariat(client, catalogue, secretariat):
    provider = supporter(kind=OrganizationKind.PROVIDER)
    reporter = member_of(provider, Role.REPORTER)
    update = record(reporter, implementation_of(provider, "OSP1"), narrative="We removed content.")
    edit_progress(actor=reporter, update=update, narrative="We removed violent content.")
    url = reverse("commitments:update_history", args=[update.pk])
    for user in (reporter, member_of(provider, Role.MEMBER), secretariat):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert "Version 2" in html and "<ins>violent </ins>" in html, user
    client.force_login(member_of(supporter(kind=OrganizationKind.PROVIDER), Role.ADMIN))
    assert client.get(url).status_code == 404  # not theirs to see at all


def test_a_public_update_shows_its_edits_only_to_its_organisation(client, catalogue, secretariat):
    provider = supporter(kind=OrganizationKind.PROVIDER)
    reporter = member_of(provider, Role.REPORTER)
    update = accepted(reporter, implementation_of(provider, "OSP1"), secretariat)
    url = reverse("commitments:update_history", args=[update.pk])
    client.force_login(member_of(supporter(kind=OrganizationKind.PROVIDER), Role.ADMIN))
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 403
    assert client.get(reverse("commitments:update_history", args=[999999])).status_code == 404
    entries = selectors.update_history(update)
    assert [e.version.number for e in entries] == [2, 1]  # accepting is an edit of its review state
    assert entries[0].changes[0][0] == "Review"


def history_api(update_id) -> str:
    return f"/api/v1/progress-updates/{update_id}/history/"


def test_the_api_lists_an_updates_edits_to_the_readers_of_its_page(catalogue, secretariat):
    provider = supporter(kind=OrganizationKind.PROVIDER)
    reporter = member_of(provider, Role.REPORTER)
    update = record(reporter, implementation_of(provider, "OSP1"), narrative="We removed content.")
    edit_progress(actor=reporter, update=update, narrative="We removed violent content.", progress=40)
    for user in (reporter, member_of(provider, Role.MEMBER), secretariat):
        response = api(user).get(history_api(update.pk))
        assert response.status_code == 200, user
        newest, first = response.json()
        assert (newest["number"], first["number"]) == (2, 1)
        assert newest["changed"] == ["progress", "narrative"]
        assert newest["data"]["narrative"] == "We removed violent content."
        assert newest["edited_by"] == reporter.display_name
    stranger = member_of(supporter(kind=OrganizationKind.PROVIDER), Role.ADMIN)
    assert api(stranger).get(history_api(update.pk)).status_code == 404  # a draft: not theirs to see at all
    assert api(reporter).get(history_api(999999)).status_code == 404


def test_the_api_refuses_a_public_updates_edits_to_other_readers(catalogue, secretariat):
    provider = supporter(kind=OrganizationKind.PROVIDER)
    update = accepted(member_of(provider, Role.REPORTER), implementation_of(provider, "OSP1"), secretariat)
    stranger = member_of(supporter(kind=OrganizationKind.PROVIDER), Role.ADMIN)
    assert api(stranger).get(f"/api/v1/progress-updates/{update.pk}/").status_code == 200
    assert api(stranger).get(history_api(update.pk)).status_code == 403


@pytest.mark.parametrize("edits", [1, 8])
def test_the_history_api_runs_fixed_queries(catalogue, edits, django_assert_max_num_queries):
    provider = supporter(kind=OrganizationKind.PROVIDER)
    reporter = member_of(provider, Role.REPORTER)
    update = record(reporter, implementation_of(provider, "OSP1"))
    for n in range(edits):
        edit_progress(actor=reporter, update=update, narrative=f"Edit {n}")
    client = api(reporter)
    with django_assert_max_num_queries(6):
        response = client.get(history_api(update.pk))
    assert len(response.json()) == edits + 1
