"""No incident page or API answer is kept by a browser or a shared cache: each carries
`Cache-Control: private, no-store` (as portal's attachments do), so TLP:AMBER and RED content
does not outlive the session on a shared computer, in the back/forward cache, or on a proxy.

Every incident response gets it, whatever its TLP: a list mixes levels, a TLP can be raised
after a page was served, and an error or a redirect costs nothing to leave uncached, while a
rule per level would have to be right in every view. Function views take `no_store` as their
outermost decorator (so the 405 of require_POST and login redirects carry it too); API views
take `NoStoreMixin` first among their bases. tests/incidents/test_no_store.py walks the URL
conf so that a new route cannot go without it."""

from functools import wraps

from django.utils.cache import patch_cache_control


def keep_out_of_caches(response):
    patch_cache_control(response, private=True, no_store=True)
    return response


def no_store(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return keep_out_of_caches(view(request, *args, **kwargs))

    return wrapped


class NoStoreMixin:
    """For DRF views: finalize_response also sees the answers made from exceptions (403, 404, 400)."""

    def finalize_response(self, request, response, *args, **kwargs):
        return keep_out_of_caches(super().finalize_response(request, response, *args, **kwargs))
