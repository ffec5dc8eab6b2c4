import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from commitments.models import ProgressAttachment, ProgressUpdate
from commitments.services import edit_progress, review_progress
from commitments.uploads import MAX_ATTACHMENT_BYTES
from portal.models import Role
from tests.portal.factories import UserFactory

from .factories import member_of, record, yesterday

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()]


def test_pdf_png_and_jpeg_are_stored_with_the_type_found_in_the_content(reporter, osp1, media_root):
    update = record(
        reporter,
        osp1,
        attachments=[upload("report.PDF", PDF), upload("chart.png", PNG, "text/html"), upload("photo.jpeg", JPEG)],
    )
    files = list(update.attachments.order_by("id"))
    assert [(f.name, f.content_type, f.size) for f in files] == [
        ("report.PDF", "application/pdf", len(PDF)),
        ("chart.png", "image/png", len(PNG)),
        ("photo.jpeg", "image/jpeg", len(JPEG)),
    ]
    # Stored under random names, never the uploader's.
    assert len(stored_files(media_root)) == 3
    assert not any("report" in p.name for p in stored_files(media_root))
    assert update.versions.get().data["attachments"] == ["report.PDF", "chart.png", "photo.jpeg"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pdf", b"", "empty"),
        ("fake.pdf", b"<html><script>alert(1)</script></html>", "not a PDF, PNG or JPEG"),
        ("image.pdf", PNG, "named as another type"),
        ("report.png", PDF, "named as another type"),
        ("report.exe", PDF, "named as another type"),
        ("report", PDF, "named as another type"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(reporter, osp1, media_root, name, content, message):
    with pytest.raises(ValidationError) as exc:
        record(reporter, osp1, attachments=[upload("good.pdf", PDF), upload(name, content, "application/pdf")])
    assert message in " ".join(exc.value.message_dict["attachments"])
    assert not ProgressUpdate.objects.exists()
    assert not ProgressAttachment.objects.exists()
    assert stored_files(media_root) == []


def test_a_file_over_10_mb_is_refused(reporter, osp1, media_root):
    big = upload("big.pdf", PDF + b"0" * (MAX_ATTACHMENT_BYTES - len(PDF) + 1))
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        record(reporter, osp1, attachments=[big])
    assert not ProgressUpdate.objects.exists() and stored_files(media_root) == []
    exactly = upload("max.pdf", PDF + b"0" * (MAX_ATTACHMENT_BYTES - len(PDF)))
    assert record(reporter, osp1, attachments=[exactly]).attachments.get().size == MAX_ATTACHMENT_BYTES


def test_field_errors_and_file_errors_are_reported_together(reporter, osp1, media_root):
    with pytest.raises(ValidationError) as exc:
        record(reporter, osp1, progress=500, attachments=[upload("x.pdf", b"")])
    assert set(exc.value.message_dict) == {"progress", "attachments"}
    assert stored_files(media_root) == []


def test_a_failure_after_files_are_written_removes_them(reporter, osp1, media_root, monkeypatch):
    from commitments.services import progress

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(progress, "_save_version", broken)
    with pytest.raises(RuntimeError):
        record(reporter, osp1, attachments=[upload("a.pdf", PDF)])
    assert stored_files(media_root) == [] and not ProgressAttachment.objects.exists()


def test_edit_adds_files_to_a_returned_update(reporter, osp1, secretariat):
    update = record(reporter, osp1, attachments=[upload("a.pdf", PDF)])
    review_progress(actor=secretariat, update=update, decision="return", comment="Add the chart")
    edit_progress(actor=reporter, update=update, attachments=[upload("chart.png", PNG)])
    assert sorted(update.attachments.values_list("name", flat=True)) == ["a.pdf", "chart.png"]


def download(client, attachment):
    return client.get(reverse("commitments:attachment", args=[attachment.pk]))


def test_download_follows_the_updates_visibility(client, provider, reporter, osp1, secretariat, government_reporter):
    update = record(reporter, osp1, visibility="secretariat", attachments=[upload("secret.pdf", PDF)])
    attachment = update.attachments.get()
    # Awaiting review: only the organisation and the secretariat.
    assert download(client, attachment).status_code == 404
    client.force_login(government_reporter)
    assert download(client, attachment).status_code == 404
    client.force_login(member_of(provider, Role.MEMBER))
    response = download(client, attachment)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and "secret.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    review_progress(actor=secretariat, update=update, decision="accept")
    client.force_login(government_reporter)  # accepted, but secretariat-only
    assert download(client, attachment).status_code == 404
    client.force_login(secretariat)
    assert download(client, attachment).status_code == 200


def test_public_attachment_is_public_and_missing_is_404(client, reporter, osp1, secretariat):
    update = record(reporter, osp1, attachments=[upload("public.png", PNG)])
    review_progress(actor=secretariat, update=update, decision="accept")
    attachment = update.attachments.get()
    assert download(client, attachment).status_code == 200
    assert client.get(reverse("commitments:attachment", args=[999999])).status_code == 404


def test_form_upload(client, reporter, osp1):
    client.force_login(reporter)
    data = {"status": "limited", "progress": "40", "as_of": yesterday().isoformat(), "visibility": "public"}
    response = client.post(
        reverse("commitments:report", args=[osp1.pk]), {**data, "attachments": [upload("a.pdf", PDF)]}
    )
    assert response.status_code == 302
    assert ProgressAttachment.objects.get().name == "a.pdf"
    response = client.post(
        reverse("commitments:report", args=[osp1.pk]), {**data, "attachments": [upload("a.pdf", PNG)]}
    )
    assert response.status_code == 200
    assert "named as another type" in str(response.context["form"].errors["attachments"])
    assert ProgressUpdate.objects.count() == 1


def test_api_multipart_upload_and_listing(reporter, osp1, secretariat):
    client = APIClient()
    client.force_authenticate(reporter)
    body = {
        "implementation": osp1.pk,
        "status": "limited",
        "progress": 30,
        "as_of": yesterday().isoformat(),
        "visibility": "public",
        "evidence_links": ["https://example.org/a", "https://example.org/b"],
        "attachments": [upload("a.pdf", PDF), upload("b.jpg", JPEG)],
    }
    response = client.post("/api/v1/progress-updates/", body, format="multipart")
    assert response.status_code == 201, response.data
    assert [a["name"] for a in response.data["attachments"]] == ["a.pdf", "b.jpg"]
    assert response.data["evidence_links"] == ["https://example.org/a", "https://example.org/b"]
    assert response.data["attachments"][0]["url"] == reverse(
        "commitments:attachment", args=[response.data["attachments"][0]["id"]]
    )

    bad = {**body, "attachments": [upload("evil.jpg", b"GIF89a....")]}
    response = client.post("/api/v1/progress-updates/", bad, format="multipart")
    assert response.status_code == 400 and "attachments" in response.data
    empty = {**body, "attachments": [upload("empty.pdf", b"")]}
    response = client.post("/api/v1/progress-updates/", empty, format="multipart")
    assert response.status_code == 400 and "empty" in str(response.data["attachments"])
    assert ProgressUpdate.objects.count() == 1

    anonymous = APIClient().get("/api/v1/progress-updates/")
    assert anonymous.data["count"] == 0  # not accepted yet


@pytest.mark.parametrize("n_updates", [1, 6])
def test_progress_update_list_query_count_with_attachments(reporter, osp1, n_updates, django_assert_max_num_queries):
    for _ in range(n_updates):
        record(reporter, osp1, attachments=[upload("a.pdf", PDF), upload("b.png", PNG)])
    client = APIClient()
    client.force_authenticate(reporter)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/progress-updates/")
    assert response.data["count"] == n_updates
    assert all(len(item["attachments"]) == 2 for item in response.data["results"])


def test_other_users_never_see_attachment_metadata(reporter, osp1, secretariat):
    update = record(reporter, osp1, visibility="secretariat", attachments=[upload("a.pdf", PDF)])
    review_progress(actor=secretariat, update=update, decision="accept")
    outsider = UserFactory()
    client = APIClient()
    client.force_authenticate(outsider)
    assert client.get("/api/v1/progress-updates/").data["count"] == 0
    assert client.get(f"/api/v1/progress-updates/{update.pk}/").status_code == 404
