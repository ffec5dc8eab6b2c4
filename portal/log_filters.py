"""Logging filters. A refusal (403) is the site working as designed: Django logs it with the
PermissionDenied's traceback, which buried real errors in the logs; one line is enough."""

import logging


class RefusalWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
