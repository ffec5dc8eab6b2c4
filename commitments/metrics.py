"""Transparency metric definitions, read from data (commitments/data/transparency_metrics.json)
so another initiative can define its own. Settings may point at another file."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import translation

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "transparency_metrics.json"
COUNT, SHARE = "count", "share"


@dataclass(frozen=True)
class Metric:
    key: str
    type: str
    labels: tuple[tuple[str, str], ...]
    at_most: str | None = None
    share_of: str | None = None

    @property
    def label(self) -> str:
        labels = dict(self.labels)
        language = (translation.get_language() or "en").split("-")[0]
        return labels.get(language) or labels.get("en") or self.key

    @property
    def is_share(self) -> bool:
        return self.type == SHARE


@cache
def _load(path: str) -> dict[str, tuple[Metric, ...]]:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    result = {}
    for kind, entries in document["metrics"].items():
        result[kind] = tuple(
            Metric(
                key=entry["key"],
                type=entry["type"],
                labels=tuple(sorted(entry.get("labels", {}).items())),
                at_most=entry.get("at_most"),
                share_of=entry.get("share_of"),
            )
            for entry in entries
        )
    return result


def definitions() -> dict[str, tuple[Metric, ...]]:
    return _load(str(getattr(settings, "COMMITMENTS_TRANSPARENCY_METRICS", DEFAULT_PATH)))


def metrics_for(kind: str) -> tuple[Metric, ...]:
    return definitions().get(kind, ())


def all_metric_keys() -> list[str]:
    """Every key across kinds, in file order: the columns of an export that compares organisations."""
    return list(dict.fromkeys(metric.key for metrics in definitions().values() for metric in metrics))
