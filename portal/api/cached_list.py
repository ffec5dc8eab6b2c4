"""API lists served from portal.page_cache: one page of results computed once per audience,
query, language and the versions of its data, then read back for everyone in that audience."""

from django.http import HttpResponse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from portal import page_cache


class CachedListMixin:
    """A viewset's `list` through the fragment cache. The viewset names its data's versions
    and says what of the caller changes the list (`list_cache_audience`); the key adds the
    site's address (the `next`/`previous` links are absolute), the query string and the day
    (lists that flag what is overdue). JSON, what clients ask for, is cached as the bytes sent:
    reading back a page's data and encoding it again cost as much as the rest of the request."""

    list_cache_name: str
    list_cache_versions: tuple[str, ...]

    def list_cache_audience(self) -> str:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        renderer = request.accepted_renderer
        as_json = type(renderer) is JSONRenderer  # the browsable API renders per request
        data = page_cache.cached_value(
            f"api:{self.list_cache_name}:{'json' if as_json else 'data'}",
            audience=self.list_cache_audience(),
            parts=(
                request.build_absolute_uri("/"),
                sorted(request.query_params.lists()),
                timezone.localdate().isoformat(),
                request.accepted_media_type,  # `; indent=4` changes the bytes
            ),
            version_names=self.list_cache_versions,
            compute=lambda: self._list_data(request, renderer if as_json else None, *args, **kwargs),
        )
        if as_json:
            return HttpResponse(data, content_type=renderer.media_type)
        return Response(data)

    def _list_data(self, request, renderer, *args, **kwargs):
        data = super().list(request, *args, **kwargs).data
        if renderer is None:
            return data
        return renderer.render(data, request.accepted_media_type, self.get_renderer_context())
