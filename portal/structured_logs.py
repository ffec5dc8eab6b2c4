"""Structured logs: one JSON object a line in production, readable lines in development,
each carrying the request id of the request (or the task id of the Celery task) that
logged it.

The code logs with the standard library (`logging.getLogger(__name__)`) or structlog;
both go through structlog's ProcessorFormatter, which adds the bound context (the
request id, from contextvars) to every record. django-structlog does the binding too, but
also logs every request's full path, which carries secrets here (iCalendar links,
acknowledge links), and does not answer with the id: this middleware is its small part."""

import re
import uuid

import structlog

REQUEST_ID_HEADER = "X-Request-ID"
# An id from the balancer (nginx's $request_id) is kept if it looks like one, so its access
# log and ours share it; anything else is replaced, so a client cannot forge log lines.
UPSTREAM_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")

SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.stdlib.ExtraAdder(allow=("status_code",)),  # never `request`: its repr has the query string
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def logging_config(*, as_json: bool, level: str) -> dict:
    """Django's LOGGING: the portal's one console handler, formatted by structlog."""
    if as_json:
        renderer = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        # Plain tracebacks: no colours, no local variables (they may hold secrets).
        renderer = [structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)]
    formatter = {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": SHARED_PROCESSORS,
        "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
    }
    handler = {"class": "logging.StreamHandler", "filters": ["refusal_without_traceback"], "formatter": "structured"}
    if as_json:
        # What container platforms collect; the real stdout, which a Celery worker does not redirect to its logger.
        handler["stream"] = "ext://sys.__stdout__"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"refusal_without_traceback": {"()": "portal.log_filters.RefusalWithoutTraceback"}},
        "formatters": {"structured": formatter},
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.channels.server": {"level": "WARNING"},
            # Django's own console handler (DEBUG only) would print each of its lines a second time, unformatted.
            "django": {"handlers": [], "level": "INFO"},
        },
    }


def configure_structlog() -> None:
    """structlog.get_logger() loggers hand their events to the standard library's handlers."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def request_id_of(request) -> str:
    upstream = request.headers.get(REQUEST_ID_HEADER, "")
    return upstream if UPSTREAM_ID.fullmatch(upstream) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Binds the request's id to its log lines and answers with it (X-Request-ID).

    The binding is left in place after the response, on purpose: Django logs a 4xx or 5xx
    after the middleware has returned, and that line must carry the id too. Each request
    starts afresh (under ASGI each request has its own context anyway)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_of(request)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request.request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


def bind_task(task_id=None, task=None, **kwargs) -> None:
    """task_prerun: the task's log lines carry its id and name."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(task_id=task_id, task=getattr(task, "name", None))


def unbind_task(**kwargs) -> None:
    structlog.contextvars.clear_contextvars()
