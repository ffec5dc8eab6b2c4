"""The digest email: an HTML part that mail clients render (tables, inline styles, bars
drawn with table cells, dir="rtl" for Arabic) and a plain-text part, with one-click
unsubscribe headers (RFC 8058)."""

import hashlib
import threading

from cachetools import LRUCache
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from . import conf
from .tokens import unsubscribe_token

BAR_WIDTH = 160  # pixels
TEXT_BAR_WIDTH = 20  # characters, in the plain-text part

# Rendered contents by what they show: a pure function of the key, so never stale; bounded.
_rendered_content: LRUCache = LRUCache(maxsize=128)
_content_lock = threading.Lock()


def unsubscribe_url(user) -> str:
    return conf.site_url() + reverse("portal:unsubscribe", args=[unsubscribe_token(user)])


def bar_cells(progress: int | None) -> dict | None:
    """Widths of the filled and empty cells of a progress bar."""
    if progress is None:
        return None
    progress = max(0, min(100, int(progress)))
    filled = round(BAR_WIDTH * progress / 100)
    marks = round(TEXT_BAR_WIDTH * progress / 100)
    return {
        "percent": progress,
        "filled": filled,
        "empty": BAR_WIDTH - filled,
        "width": BAR_WIDTH,
        "text": "#" * marks + "-" * (TEXT_BAR_WIDTH - marks),
    }


def section_rows(digest) -> list[dict]:
    return [
        {
            "section": section,
            "items": [{"item": item, "bar": bar_cells(item.progress)} for item in section.items],
        }
        for section in digest.sections
    ]


def content_parts(digest) -> tuple[str, str]:
    """The digest's content (window and sections) as HTML table rows and as plain text, in
    the active language. Recipients of one audience and window get equal sections, so each
    distinct content is rendered once per process: the key is the content itself."""
    shown = repr((translation.get_language(), digest.since, digest.until, digest.sections))
    key = hashlib.sha256(shown.encode()).digest()
    with _content_lock:
        parts = _rendered_content.get(key)
    if parts is None:
        context = {"digest": digest, "sections": section_rows(digest)}
        parts = (
            render_to_string("portal/email/_digest_content.html", context),
            render_to_string("portal/email/_digest_content.txt", context),
        )
        with _content_lock:
            _rendered_content[key] = parts
    return parts


def digest_context(digest) -> dict:
    """What the preview page renders. Call with the digest's language active."""
    return {**_frame_context(digest), "sections": section_rows(digest)}


def _frame_context(digest) -> dict:
    """What the email around the content shows: the same for every recipient but their links."""
    return {
        "digest": digest,
        "site_url": conf.site_url(),
        "settings_url": conf.site_url() + reverse("portal:notification_settings"),
        "unsubscribe_url": unsubscribe_url(digest.user),
        "rtl": translation.get_language_bidi(),
        "language": translation.get_language(),
    }


def digest_message(digest, *, to: str) -> EmailMultiAlternatives:
    with translation.override(digest.language):
        content_html, content_text = content_parts(digest)
        context = {**_frame_context(digest), "content_html": content_html, "content_text": content_text}
        subject = " ".join(render_to_string("portal/email/digest_subject.txt", context).split())
        text = render_to_string("portal/email/digest_body.txt", context)
        html = render_to_string("portal/email/digest_body.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message
