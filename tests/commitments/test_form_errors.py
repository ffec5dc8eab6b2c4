"""Forms sent back with errors, as the accessibility audit asked: a summary at the top with
role="alert" (focused on load by site.js), each error linked to its field, and the page
title starting with "Error:"."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def test_the_progress_form_summarises_its_errors(client, reporter, osp1):
    client.force_login(reporter)
    url = reverse("commitments:report", args=[osp1.pk])
    assert not _title(client.get(url).content.decode()).startswith("Error:")
    sent = {"status": "limited", "progress": "many", "as_of": "", "visibility": "public"}
    html = client.post(url, sent).content.decode()
    summary = html[html.index("data-error-summary") :]
    assert 'role="alert"' in html[html.index("error-summary") - 80 : html.index("data-error-summary")]
    assert '<a href="#id_progress">' in summary and '<a href="#id_as_of">' in summary
    assert _title(html).startswith("Error:")
    for anchor in re.findall(r'<a href="#(id_\w+)">', summary):
        assert f'id="{anchor}"' in html  # every link reaches its field


def test_allauth_forms_summarise_their_errors_too(client):
    html = client.post(reverse("account_signup"), {"email": "not-an-email", "password1": "x"}).content.decode()
    assert "data-error-summary" in html and '<a href="#id_email">' in html
    assert _title(html).startswith("Error:")


def test_error_summary_in_french(client, reporter, osp1):
    client.force_login(reporter)
    url = reverse("commitments:report", args=[osp1.pk])
    html = client.post(url, {"progress": "x"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Il y a un problème" in html and _title(html).startswith("Erreur")


def test_sign_up_is_spelled_one_way_and_the_reset_link_is_tall_enough(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert "Signup" not in html and "Sign Up" not in html and "Sign up" in html
    login = client.get(reverse("account_login")).content.decode()
    assert 'class="target-link"' in login and "Forgot your password?" in login


def test_page_titles_name_their_object(client, reporter, osp1):
    client.force_login(reporter)
    html = client.get(reverse("commitments:report", args=[osp1.pk])).content.decode()
    assert _title(html).startswith("Report progress: OSP1")
    french = client.get(reverse("commitments:report", args=[osp1.pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "OSP1" in _title(french) and "Report progress" not in _title(french)
