"""The search page's results as a test reads them."""

from django.urls import reverse


def search_results(client, user, words: str, kind: str) -> str:
    """The results part of /search/ for `user` (None: a visitor), or "" when nothing was found."""
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("portal:search"), {"q": words, "kind": kind})
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.find('class="search-group"') :] if 'class="search-group"' in page else ""
