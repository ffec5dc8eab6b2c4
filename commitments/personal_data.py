"""This app's part of a person's data download (portal.personal_data): what they wrote."""

from .models import Annotation, ProgressUpdate


def personal_data(user) -> dict:
    updates = (
        ProgressUpdate.objects.filter(author=user)
        .select_related("implementation__commitment", "implementation__organization")
        .order_by("created_at")
    )
    annotations = Annotation.objects.filter(author=user).select_related("organization").order_by("created_at")
    return {
        "progress_updates_written": [
            {
                "id": u.pk,
                "commitment": u.implementation.commitment.code,
                "organization": u.implementation.organization.name,
                "as_of": u.as_of,
                "status": u.status,
                "progress": u.progress,
                "narrative": u.narrative,
                "review_state": u.review_state,
            }
            for u in updates
        ],
        "annotations_written": [
            {"id": a.pk, "organization": a.organization.name, "body": a.body, "created_at": a.created_at}
            for a in annotations
        ],
    }
