"""Celery tasks of the registry: adapters that take ids and call one function."""

import logging

from celery import shared_task

from . import emails

logger = logging.getLogger(__name__)


@shared_task(
    name="portal.send_registry_email",
    autoretry_for=(OSError,),  # SMTP and network errors are transient; a bad template is not
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def send_registry_email_task(*, kind: str, object_id: int) -> None:
    emails.send_registry_email(kind=kind, object_id=object_id)
