"""Reads the mail the app server wrote with Django's file-based email backend."""

import email
import re
import shutil
import time
from dataclasses import dataclass
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path

# The file backend ends every message with a line of 79 dashes.
SEPARATOR = re.compile(rb"^-{79}$", re.MULTILINE)
LINK = re.compile(r"https?://[^\s<>\"']+")
WAIT_SECONDS = 10


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    body: str

    def links(self) -> list[str]:
        return LINK.findall(self.body)

    def link_containing(self, fragment: str) -> str:
        matches = [link for link in self.links() if fragment in link]
        assert matches, f"no link containing {fragment!r} in the mail {self.subject!r}:\n{self.body}"
        return matches[0]


def _plain_text(message: Message) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def _parse(raw: bytes) -> Mail:
    message = email.message_from_bytes(raw.strip(), policy=default_policy)
    to = tuple(address.strip().lower() for address in str(message.get("To", "")).split(","))
    return Mail(to=to, subject=str(message.get("Subject", "")), body=_plain_text(message))


class Mailbox:
    def __init__(self, path: Path):
        self.path = path

    def clear(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True)

    def messages(self) -> list[Mail]:
        found = []
        for file in sorted(self.path.glob("*.log"), key=lambda f: f.stat().st_mtime_ns):
            found.extend(_parse(raw) for raw in SEPARATOR.split(file.read_bytes()) if raw.strip())
        return found

    def messages_to(self, address: str) -> list[Mail]:
        return [mail for mail in self.messages() if address.lower() in mail.to]

    def wait_for(self, address: str, *, subject_contains: str = "") -> Mail:
        """The latest mail to `address`; waits a little, since the server writes it
        while the browser may already be showing the next page."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            mails = [m for m in self.messages_to(address) if subject_contains.lower() in m.subject.lower()]
            if mails:
                return mails[-1]
            if time.monotonic() > deadline:
                subjects = [(m.to, m.subject) for m in self.messages()]
                raise AssertionError(f"no mail to {address} about {subject_contains!r}; the mailbox holds {subjects}")
            time.sleep(0.1)
