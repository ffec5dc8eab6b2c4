"""The search page: every kind the apps registered (portal.search.registry), grouped by kind."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ..search import selectors
from ..search.forms import SearchForm


@require_safe
@never_cache  # results may come from TLP:RED rooms: never kept by a shared cache or the browser's
def search_page(request):
    form = SearchForm(request.GET if "q" in request.GET else None)
    results, status = None, 200
    if form.is_bound:
        if form.is_valid():
            results = selectors.search(
                request.user,
                form.cleaned_data["q"],
                kind=form.cleaned_data["kind"],
                page=selectors.page_number(request.GET.get("page")),
            )
        else:
            status = 400
    return render(request, "portal/search.html", {"form": form, "results": results}, status=status)
