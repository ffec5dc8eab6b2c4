"""Progress-update attachments that must be refused: wrong types, lying extensions,
oversized and empty files, archive bombs disguised as PDF or PNG, image decompression
bombs and polyglots. Refused through the service, the form and the API alike, with an
error that names the file, and nothing stored: no update, no attachment row, no file."""

import gzip
import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from commitments.models import ProgressAttachment, ProgressUpdate
from commitments.uploads import MAX_ATTACHMENT_BYTES, check_upload
from tests.commitments.factories import record, yesterday

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

BOMB_BYTES = 10 * MAX_ATTACHMENT_BYTES  # what the archives below unpack to: ten times the upload limit


def png(width: int, height: int, rows: bytes = b"\x00\x00") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def jpeg(width: int, height: int, comment: bytes = b"") -> bytes:
    com = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment if comment else b""
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0\x00\x0b\x08" + struct.pack(">HH", height, width) + b"\x01\x01\x11\x00"
    return b"\xff\xd8" + app0 + com + sof0 + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x00" * 16 + b"\xff\xd9"


PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = png(1, 1)
JPEG = jpeg(640, 480)


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    block = b"\x00" * (1024 * 1024)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(BOMB_BYTES // len(block)):
            member.write(block)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bombs():
    # zlib.compress of zeros: about a thousand to one. Made once for the module.
    return {"zip": zip_bomb(), "gzip": gzip.compress(b"\x00" * BOMB_BYTES, compresslevel=9)}


# (name, content or a key of `bombs`, words the error must contain)
REFUSED = [
    ("empty.pdf", b"", "is empty"),
    ("big.pdf", PDF + b"0" * (MAX_ATTACHMENT_BYTES - len(PDF) + 1), "larger than 10 MB"),
    ("notes.pdf", b"plain text, not a PDF", "not a PDF, PNG or JPEG"),
    ("animation.png", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "not a PDF, PNG or JPEG"),
    ("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not a PDF"),
    ("page.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "not a PDF, PNG or JPEG"),
    ("program.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56, "not a PDF, PNG or JPEG"),
    ("chart.pdf", PNG, "named as another type"),  # lying extensions
    ("report.png", PDF, "named as another type"),
    ("report.pdf.exe", PDF, "named as another type"),
    ("photo.png", JPEG, "named as another type"),
    ("report", PDF, "named as another type"),
    ("report.pdf", "zip", "not a PDF, PNG or JPEG"),  # archive bombs disguised by their name
    ("chart.png", "gzip", "not a PDF, PNG or JPEG"),
    ("evidence.pdf", "pdf+zip", "contains an archive"),  # polyglots: also an archive
    ("chart.png", "png+zip", "contains an archive"),
    ("evidence.pdf", PDF + b"Rar!\x1a\x07\x01\x00" + b"\x00" * 32, "contains an archive"),
    ("evidence.pdf", PDF + b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 32, "contains an archive"),
    ("evidence.pdf", b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>\n%%EOF", "web page markup"),
    ("photo.jpg", jpeg(640, 480, b"<script>alert(1)</script>"), "web page markup"),
    ("huge.png", png(100_000, 100_000), "too large an image"),  # decompression bombs: declared pixels
    ("huge.jpg", jpeg(65_000, 65_000), "too large an image"),
    ("flat.png", png(0, 10), "not a valid image"),
]


def content_of(content, bombs) -> bytes:
    if isinstance(content, bytes):
        return content
    if content == "pdf+zip":
        return PDF + bombs["zip"]
    if content == "png+zip":
        return PNG + bombs["zip"]
    return bombs[content]


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")  # the declared type is ignored


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def nothing_stored(media_root) -> bool:
    files = [path for path in media_root.rglob("*") if path.is_file()]
    return not ProgressUpdate.objects.exists() and not ProgressAttachment.objects.exists() and not files


def report_fields():
    return {"status": "limited", "progress": "40", "as_of": yesterday().isoformat(), "visibility": "public"}


def test_good_files_still_go_through(reporter, osp1, media_root):
    update = record(
        reporter, osp1, attachments=[upload("a.pdf", PDF), upload("b.png", PNG), upload("c.jpg", jpeg(4000, 3000))]
    )
    assert [a.content_type for a in update.attachments.all()] == ["application/pdf", "image/png", "image/jpeg"]


@pytest.mark.parametrize(("name", "content", "words"), REFUSED, ids=[f"{n}-{i}" for i, (n, *_r) in enumerate(REFUSED)])
def test_the_service_the_form_and_the_api_refuse(client, reporter, osp1, media_root, bombs, name, content, words):
    data = content_of(content, bombs)
    with pytest.raises(ValidationError) as refused:
        record(reporter, osp1, attachments=[upload("fine.pdf", PDF), upload(name, data)])
    messages = refused.value.message_dict["attachments"]
    assert len(messages) == 1 and words in messages[0] and name in messages[0], messages
    assert nothing_stored(media_root)

    client.force_login(reporter)
    response = client.post(
        reverse("commitments:report", args=[osp1.pk]), {**report_fields(), "attachments": [upload(name, data)]}
    )
    assert response.status_code == 200  # the form again, with its error
    assert words in " ".join(response.context["form"].errors["attachments"])
    assert nothing_stored(media_root)

    api = APIClient()
    api.force_authenticate(reporter)
    body = {**report_fields(), "implementation": osp1.pk, "attachments": [upload(name, data)]}
    response = api.post("/api/v1/progress-updates/", body, format="multipart")
    assert response.status_code == 400
    assert words in " ".join(response.json()["attachments"])
    assert nothing_stored(media_root)


@pytest.mark.parametrize(
    ("body", "format_"),
    [
        ({"attachments": "not a file"}, "multipart"),
        ({"attachments": ["x", 1]}, "json"),
        ({"attachments": [{"name": "a.pdf", "content": "JVBERi0="}]}, "json"),
        ({"attachments": 7}, "json"),
    ],
)
def test_the_api_refuses_what_is_not_a_file(reporter, osp1, media_root, body, format_):
    api = APIClient()
    api.force_authenticate(reporter)
    response = api.post(
        "/api/v1/progress-updates/", {**report_fields(), "implementation": osp1.pk, **body}, format=format_
    )
    assert response.status_code == 400 and "attachments" in response.json()
    assert nothing_stored(media_root)


MAGICS = [b"", b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", b"\xff\xd8\xff", b"PK\x03\x04"]


@settings(max_examples=200, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    magic=st.sampled_from(MAGICS),
    rest=st.binary(max_size=2000),
    name=st.text(max_size=30) | st.sampled_from(["a.pdf", "a.png", "a.jpg", "a.jpeg", "a.PDF", "a.gif", ".pdf"]),
)
def test_any_bytes_are_checked_without_an_unexpected_error(magic, rest, name):
    """Whatever the bytes and the name: a checked file, or a ValidationError naming it."""
    try:
        upload = SimpleUploadedFile(name or "x", magic + rest)
    except SuspiciousFileOperation:  # a name like "/" or "..": Django's upload handler never makes one
        assume(False)
    try:
        checked = check_upload(upload)
    except ValidationError as refused:
        assert refused.messages and all(message.strip() for message in refused.messages)
    else:
        assert checked.content_type in {"application/pdf", "image/png", "image/jpeg"}
        assert checked.size == len(magic + rest)
