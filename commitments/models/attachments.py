"""Files attached to a progress update as evidence. The type is decided from the
content when the file arrives (commitments.uploads), never from its name."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .progress import ProgressUpdate


class ProgressAttachment(models.Model):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.PROTECT, related_name="attachments")
    # Stored under a random name: the uploader's name is kept only for display.
    file = models.FileField(upload_to="progress/%Y/%m/", max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["update", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(content_type__in=("application/pdf", "image/png", "image/jpeg")),
                name="attachment_content_type_valid",
            ),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="attachment_not_empty"),
        ]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name
