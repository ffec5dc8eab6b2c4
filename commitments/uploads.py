"""Checking uploaded evidence: the type comes from the file's first bytes, and the
name's extension must agree with it. The declared content type is ignored."""

import hashlib
import os
import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10

# (magic prefix, content type, extensions that may name it)
SIGNATURES = [
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
]
EXTENSION_FOR = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


class CheckedFile:
    """An upload that passed every check, ready to store."""

    def __init__(self, upload, *, name: str, content_type: str, size: int, sha256: str):
        self.upload = upload
        self.name = name
        self.content_type = content_type
        self.size = size
        self.sha256 = sha256

    @property
    def storage_name(self) -> str:
        # A random name, so nothing the uploader chose reaches the file system.
        return f"{uuid.uuid4().hex}{EXTENSION_FOR[self.content_type]}"


def sniff(head: bytes) -> str | None:
    for magic, content_type, _extensions in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def check_upload(upload) -> CheckedFile:
    """Raise a ValidationError naming the file when it is empty, too large, of a type we
    do not take, or named as something it is not."""
    name = os.path.basename(str(getattr(upload, "name", "") or "")).strip()[:200] or "file"
    size = getattr(upload, "size", None)
    if size is None:
        raise ValidationError(_("%(name)s is not a file.") % {"name": name})
    if size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(_("%(name)s is larger than 10 MB.") % {"name": name})
    upload.seek(0)
    head = upload.read(16)
    content_type = sniff(head)
    if content_type is None:
        raise ValidationError(_("%(name)s is not a PDF, PNG or JPEG file.") % {"name": name})
    extensions = next(ext for _m, ct, ext in SIGNATURES if ct == content_type)
    if not name.lower().endswith(extensions):
        raise ValidationError(
            _("%(name)s is named as another type of file than it contains (%(type)s).")
            % {"name": name, "type": content_type}
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(upload, name=name, content_type=content_type, size=size, sha256=digest.hexdigest())


def check_uploads(uploads) -> list[CheckedFile]:
    uploads = [u for u in (uploads or []) if u is not None]
    if len(uploads) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": _("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS}})
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append(check_upload(upload))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"attachments": errors})
    return checked
