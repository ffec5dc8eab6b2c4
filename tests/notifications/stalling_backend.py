"""A file email backend that can stall for good before its Nth message, so a test can kill
the worker at a known point: after the delivery was claimed, before the message was sent."""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileBackend

STALLED_MARKER = "STALLED"

_sent_in_this_process = 0


class SimulatedCrash(BaseException):
    """Raised instead of stalling when the test runs without a worker (eagerly)."""


class EmailBackend(FileBackend):
    def send_messages(self, email_messages):
        global _sent_in_this_process
        stall_at = int(os.environ.get("TEST_STALL_AT_MESSAGE") or 0)
        _sent_in_this_process += len(email_messages)
        if stall_at and _sent_in_this_process >= stall_at:
            Path(self.file_path, STALLED_MARKER).write_text(email_messages[0].to[0])
            if os.environ.get("TEST_STALL_RAISES"):
                raise SimulatedCrash(email_messages[0].to[0])
            time.sleep(120)  # the test kills the worker long before this ends
        return super().send_messages(email_messages)


def reset() -> None:
    global _sent_in_this_process
    _sent_in_this_process = 0
