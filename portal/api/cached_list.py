"""API lists served from portal.page_cache: one page of results computed once per audience,
query, language and the versions of its data, then read back for everyone in that audience."""

from django.utils import timezone
from rest_framework.response import Response

from portal import page_cache


class CachedListMixin:
    """A viewset's `list` through the fragment cache. The viewset names its data's versions
    and says what of the caller changes the list (`list_cache_audience`); the key adds the
    site's address (the `next`/`previous` links are absolute), the query string and the day
    (lists that flag what is overdue)."""

    list_cache_name: str
    list_cache_versions: tuple[str, ...]

    def list_cache_audience(self) -> str:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        data = page_cache.cached_value(
            f"api:{self.list_cache_name}",
            audience=self.list_cache_audience(),
            parts=(
                request.build_absolute_uri("/"),
                sorted(request.query_params.lists()),
                timezone.localdate().isoformat(),
            ),
            version_names=self.list_cache_versions,
            compute=lambda: super(CachedListMixin, self).list(request, *args, **kwargs).data,
        )
        return Response(data)
