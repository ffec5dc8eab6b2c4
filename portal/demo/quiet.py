"""Seeding writes through the services, which notify people: reviews accepted, alerts,
invitations. The demo's people are fictional, so those emails are held back while seeding
(counted, not printed or sent), and the tasks that would send them run inline here rather
than on a worker that would send them after the seeding process has gone."""

import logging
from contextlib import contextmanager

from django.conf import settings
from django.core import mail

from portal.celery import app as celery_app


@contextmanager
def emails_held_back():
    """Yields the list the held-back emails collect in."""
    backend, eager = settings.EMAIL_BACKEND, celery_app.conf.task_always_eager
    previous_outbox = getattr(mail, "outbox", None)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    celery_app.conf.task_always_eager = True
    mail.outbox = []
    trace = logging.getLogger("celery.app.trace")  # one "Task … succeeded" line per held-back email
    level = trace.level
    trace.setLevel(logging.WARNING)
    try:
        yield mail.outbox
    finally:
        settings.EMAIL_BACKEND, celery_app.conf.task_always_eager = backend, eager
        trace.setLevel(level)
        if previous_outbox is None:
            del mail.outbox
        else:
            mail.outbox = previous_outbox
