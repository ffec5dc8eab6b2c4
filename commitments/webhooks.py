"""Progress events for organisations' own systems (portal.webhooks): `progress.updated`
and `report.published`.

Who gets what (docs/operations.md, "Webhooks"), following the update's visibility:
- The organisation's own endpoints hear of every change to its own updates (recorded,
  edited, withdrawn, accepted, sent back), with the content when the update is visible to
  supporters or the public. A secretariat-only update is announced by reference only (id,
  commitment, visibility, review state, link): the content stays with people.
- Other organisations' endpoints (supporters and endorsers) hear of an update only once
  the secretariat accepts it, and only when it is public.
- A published transparency report is public: every supporter's and endorser's endpoints.

The services call these inside their transaction, so the delivery rows commit with the
change and are queued once it has (portal.webhooks.services.emit_event)."""

from django.urls import reverse

from portal.models import PARTICIPATING_STANDINGS
from portal.notifications import conf
from portal.webhooks.models import WebhookEndpoint, WebhookEvent
from portal.webhooks.services import emit_event

from .models import ProgressUpdate, ReviewState, TransparencyReport, Visibility

# The community whose systems may hear of public progress; applicants and suspended or
# withdrawn organisations do not.
# The most an organisation's own systems receive of its own updates.
OWN_CONTENT_VISIBILITIES = (Visibility.PUBLIC, Visibility.SUPPORTERS)


def community_organizations(*, exclude: int | None = None) -> list[int]:
    """Supporters and endorsers with an active endpoint (one query)."""
    qs = WebhookEndpoint.objects.filter(is_active=True, organization__standing__in=PARTICIPATING_STANDINGS)
    if exclude is not None:
        qs = qs.exclude(organization_id=exclude)
    return list(qs.values_list("organization_id", flat=True).distinct())


def _organization(organization) -> dict:
    return {"id": organization.pk, "name": organization.name, "slug": organization.slug}


def update_reference(update: ProgressUpdate) -> dict:
    implementation = update.implementation
    return {
        "id": update.pk,
        "organization": _organization(implementation.organization),
        "commitment": implementation.commitment.code,
        "visibility": update.visibility,
        "review_state": update.review_state,
        "url": conf.site_url() + reverse("commitments:scorecard", args=[implementation.organization.slug]),
    }


def update_content(update: ProgressUpdate) -> dict:
    return {
        **update_reference(update),
        "status": update.status,
        "progress": update.progress,
        "as_of": update.as_of,
        "narrative": update.narrative,
        "justification": update.justification,
        "evidence_links": list(update.evidence_links),
    }


def announce_progress(*, update_id: int) -> None:
    """Call inside the transaction that changed the update, after the change. Most
    organisations have no endpoint: one small query says whether anyone listens at all
    before the update is loaded and its payload built."""
    if not WebhookEndpoint.objects.filter(is_active=True).exists():
        return
    update = ProgressUpdate.objects.select_related("implementation__organization", "implementation__commitment").get(
        pk=update_id
    )
    own = update.implementation.organization_id
    if update.visibility in OWN_CONTENT_VISIBILITIES:
        own_payload = {"update": update_content(update)}
    else:
        own_payload = {"update": update_reference(update), "content_withheld": True}
    emit_event(organization_ids=[own], event=WebhookEvent.PROGRESS_UPDATED, payload=own_payload)
    if update.review_state == ReviewState.ACCEPTED and update.visibility == Visibility.PUBLIC:
        others = community_organizations(exclude=own)
        if others:
            emit_event(
                organization_ids=others, event=WebhookEvent.PROGRESS_UPDATED, payload={"update": update_content(update)}
            )


def announce_report_published(*, report_id: int) -> None:
    """Call inside the transaction that published the report."""
    report = TransparencyReport.objects.select_related("organization").get(pk=report_id)
    organization_ids = community_organizations()
    if report.organization_id not in organization_ids:
        organization_ids.append(report.organization_id)
    payload = {
        "report": {
            "id": report.pk,
            "organization": _organization(report.organization),
            "period_kind": report.period_kind,
            "year": report.year,
            "number": report.number,
            "period_start": report.period_start,
            "period_end": report.period_end,
            "metrics": report.metrics,
            "published_at": report.published_at,
            "url": conf.site_url() + reverse("commitments:transparency", args=[report.organization.slug]),
        }
    }
    emit_event(organization_ids=organization_ids, event=WebhookEvent.REPORT_PUBLISHED, payload=payload)
