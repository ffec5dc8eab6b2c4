"""Small helpers shared by the registry's page views."""

from django.core.paginator import Page, Paginator
from django.utils.http import url_has_allowed_host_and_scheme

PAGE_SIZE = 25


def paginate(request, queryset, *, per_page: int = PAGE_SIZE, param: str = "page") -> Page:
    """A page of the queryset; a missing, non-numeric or out-of-range number gives the nearest page."""
    return Paginator(queryset, per_page).get_page(request.GET.get(param))


def safe_next(request, default: str) -> str:
    """The `next` field when it points back into this site, else the default."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
