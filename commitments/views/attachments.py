from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control

from .. import permissions


def download_attachment(request, pk):
    """Only to those who may see the update (the same selector as the pages). Always a
    download with the type found at upload and no sniffing, so a file cannot run as a page."""
    attachment = permissions.access_attachment(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    patch_cache_control(response, private=True, no_store=True)
    return response
