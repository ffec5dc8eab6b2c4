"""Checking uploaded evidence: the type comes from the file's first bytes, and the
name's extension must agree with it. The declared content type is ignored.

Nothing here decodes a file; what a reader would have to unpack is bounded instead: an
image may not declare more pixels than MAX_IMAGE_PIXELS (a small PNG or JPEG can declare
billions, which a viewer then tries to allocate), and a file that is also an archive or
a web page (a polyglot, read as one or the other depending on the program) is refused."""

import hashlib
import os
import re
import struct
import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
MAX_IMAGE_PIXELS = 100_000_000  # more than any camera or screenshot; less than a decompression bomb
JPEG_HEADER_SCAN_BYTES = 1024 * 1024  # the frame header comes before the image data
ZIP_TAIL_BYTES = 22 + 0xFFFF  # an end-of-central-directory record and its longest comment

# Markup a browser or an HTML-sniffing program would run, near the start of the file.
MARKUP = re.compile(rb"<(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed)[\s>/]", re.IGNORECASE)
MARKUP_SCAN_BYTES = 1024
# Archives that extractors find anywhere in a file (self-extracting archives work that way).
ARCHIVE_MAGICS = (b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")

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


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = b"".join(upload.chunks()) if hasattr(upload, "chunks") else upload.read()
    upload.seek(0)
    return data


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the IHDR chunk, which must come first; None without one
    (then no program can decode the file, and nothing is unpacked)."""
    if data[12:16] != b"IHDR" or len(data) < 24:
        return None
    return struct.unpack(">II", data[16:24])


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the first start-of-frame marker; None if there is none."""
    position, end = 2, min(len(data), JPEG_HEADER_SCAN_BYTES)
    while position + 4 <= end:
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            position += 2
            continue
        if marker == 0xDA:  # start of scan: the image data follows, no frame header came
            return None
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and position + 9 <= end:
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def is_zip(data: bytes) -> bool:
    """A ZIP archive is read from its end: an end-of-central-directory record whose comment
    runs exactly to the end of the file. Appended to a PDF or an image, it makes a polyglot."""
    tail_start = max(0, len(data) - ZIP_TAIL_BYTES)
    position = data.rfind(b"PK\x05\x06", tail_start)
    while position >= 0:
        if position + 22 <= len(data):
            (comment_length,) = struct.unpack("<H", data[position + 20 : position + 22])
            if position + 22 + comment_length == len(data):
                return True
        position = data.rfind(b"PK\x05\x06", tail_start, position)
    return False


def check_content(data: bytes, *, name: str, content_type: str) -> None:
    """Refuse what a reader would unpack without bound, or read as something else."""
    if data.startswith(b"PK\x03\x04") or is_zip(data) or any(magic in data for magic in ARCHIVE_MAGICS):
        raise ValidationError(_("%(name)s contains an archive; attach the documents themselves.") % {"name": name})
    if MARKUP.search(data[:MARKUP_SCAN_BYTES]):
        raise ValidationError(_("%(name)s contains web page markup; it is not accepted as evidence.") % {"name": name})
    size = png_size(data) if content_type == "image/png" else jpeg_size(data) if content_type == "image/jpeg" else None
    if size is not None:
        width, height = size
        if width == 0 or height == 0:
            raise ValidationError(_("%(name)s is not a valid image.") % {"name": name})
        if width * height > MAX_IMAGE_PIXELS:
            raise ValidationError(
                _("%(name)s is too large an image: %(width)d by %(height)d pixels, more than %(limit)d million.")
                % {"name": name, "width": width, "height": height, "limit": MAX_IMAGE_PIXELS // 1_000_000}
            )


def check_upload(upload) -> CheckedFile:
    """Raise a ValidationError naming the file when it is empty, too large, of a type we
    do not take, named as something it is not, or refused by check_content."""
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
    data = _read_all(upload)  # at most MAX_ATTACHMENT_BYTES, checked above
    check_content(data, name=name, content_type=content_type)
    return CheckedFile(upload, name=name, content_type=content_type, size=size, sha256=hashlib.sha256(data).hexdigest())


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
