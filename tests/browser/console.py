"""What the pages of one test printed and fetched, kept for assertions and for the
artifacts of a failed test."""

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page, Response


@dataclass
class Entry:
    page: int
    kind: str  # a console message type ("log", "error", ...), "pageerror" or "http"
    text: str

    def __str__(self):
        return f"[page {self.page}] {self.kind}: {self.text}"


@dataclass
class BrowserLog:
    pages: list[Page] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.on("page", self._watch_page)

    def _watch_page(self, page: Page) -> None:
        number = len(self.pages) + 1
        self.pages.append(page)
        page.on("console", lambda message: self._console(number, message))
        page.on("pageerror", lambda error: self._add(number, "pageerror", _describe(error)))
        page.on("response", lambda response: self._response(number, response))

    def _add(self, page: int, kind: str, text: str) -> None:
        self.entries.append(Entry(page, kind, text))

    def _console(self, page: int, message: ConsoleMessage) -> None:
        location = message.location
        where = f" ({location['url']}:{location['lineNumber']})" if location.get("url") else ""
        self._add(page, message.type, message.text + where)

    def _response(self, page: int, response: Response) -> None:
        if response.status >= 500:
            self._add(page, "http", f"{response.status} {response.request.method} {response.url}")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and server errors, in order."""
        return [str(e) for e in self.entries if e.kind in ("error", "pageerror", "http") and not _is_favicon(e)]

    def server_errors(self) -> list[str]:
        return [str(e) for e in self.entries if e.kind == "http"]

    def save(self, folder: Path) -> list[Path]:
        """A screenshot of every page still open, and the whole log."""
        paths = []
        for number, page in enumerate(self.pages, start=1):
            if page.is_closed():
                continue
            path = folder / f"page-{number}.png"
            try:
                page.screenshot(path=path, full_page=True)
            except Error as error:  # a crashed or navigating page: the log still says what happened
                self._add(number, "harness", f"no screenshot: {error.message}")
                continue
            paths.append(path)
        log = folder / "console.log"
        urls = [
            f"[page {n}] at {page.url if not page.is_closed() else '(closed)'}" for n, page in enumerate(self.pages, 1)
        ]
        log.write_text("\n".join(urls + [str(e) for e in self.entries]) + "\n")
        paths.append(log)
        return paths


def _is_favicon(entry: Entry) -> bool:
    # Chromium asks for /favicon.ico on its own when a page names no icon: not the page's doing.
    return entry.kind == "error" and "/favicon.ico:" in entry.text


def _describe(error: Error) -> str:
    return f"{error.name}: {error.message}" if getattr(error, "name", None) else str(error)
