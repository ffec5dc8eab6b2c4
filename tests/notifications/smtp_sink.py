"""A local SMTP server for tests (aiosmtpd): it can refuse the first messages with a
temporary error, or refuse some recipients for good."""

import socket
from email import message_from_bytes

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SinkHandler:
    def __init__(self, *, refuse_first: int = 0, unknown: frozenset[str] = frozenset()):
        self.refusals_left = refuse_first
        self.unknown = unknown
        self.messages = []
        self.refused = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.unknown:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refusals_left > 0:
            self.refusals_left -= 1
            self.refused += 1
            return "451 4.3.0 Busy, try again later"
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


class SmtpSink:
    def __init__(self, **handler_options):
        self.handler = SinkHandler(**handler_options)
        self.port = free_port()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()

    def configure(self, settings) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = self.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5

    def recipients(self) -> list[str]:
        return [message["To"] for message in self.handler.messages]
