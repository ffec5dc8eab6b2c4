"""Digest sections contributed by other apps.

The registry does not import the apps that report progress; each registers a provider
in its AppConfig.ready():

    register_section(MyProvider())

A provider returns the sections one recipient may see for one digest window, and may
offer topics (commitment codes, say) that users can choose to follow. Providers must
read through their app's own visibility selectors and run a fixed number of queries
per digest, whatever the data."""

import datetime
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class DigestRequest:
    user: object
    frequency: str
    scope: str  # a DigestScope value
    topics: tuple[str, ...]  # chosen codes when scope is "commitments"
    since: datetime.datetime
    until: datetime.datetime
    language: str


@dataclass
class DigestItem:
    title: str
    detail: str = ""
    url: str = ""  # absolute
    progress: int | None = None  # 0 to 100, drawn as a bar


@dataclass
class DigestSection:
    key: str
    title: str
    items: list[DigestItem] = field(default_factory=list)
    more: int = 0  # items left out of a long list
    intro: str = ""
    order: int = 100  # lower first: own organisation, then the community, overdue, deadlines


class SectionProvider(Protocol):
    name: str

    def sections(self, request: DigestRequest) -> list[DigestSection]: ...

    def topic_choices(self) -> list[tuple[str, str]]: ...


_providers: dict[str, SectionProvider] = {}


def register_section(provider: SectionProvider) -> None:
    """Registering the same name again replaces the earlier provider (ready() may run twice in tests)."""
    _providers[provider.name] = provider


def providers() -> list[SectionProvider]:
    return list(_providers.values())


def topic_choices() -> list[tuple[str, str]]:
    return [choice for provider in providers() for choice in provider.topic_choices()]


def build_sections(request: DigestRequest) -> list[DigestSection]:
    sections = [section for provider in providers() for section in provider.sections(request)]
    return sorted((s for s in sections if s.items or s.more), key=lambda s: s.order)
