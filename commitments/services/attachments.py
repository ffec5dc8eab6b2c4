"""Storing evidence files checked by commitments.uploads."""

import contextlib

from django.core.files.storage import default_storage

from portal.services import actor_or_none

from ..models import ProgressAttachment, ProgressUpdate
from ..uploads import CheckedFile


@contextlib.contextmanager
def files_removed_on_error():
    """Django has no rollback hook, so a service writing files wraps its transaction in
    this: if the block fails, the files it wrote are removed again and nothing is stored."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def store_attachments(
    *, update: ProgressUpdate, files: list[CheckedFile], actor, written: list[str]
) -> list[ProgressAttachment]:
    """Call inside the service's transaction, after every rule has passed."""
    created = []
    for checked in files:
        attachment = ProgressAttachment(
            update=update,
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor_or_none(actor),
        )
        attachment.file.save(checked.storage_name, checked.upload, save=False)
        written.append(attachment.file.name)
        attachment.save()
        created.append(attachment)
    return created
