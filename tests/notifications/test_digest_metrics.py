"""Digest throughput on the metrics page: every finished digest delivery counted by outcome."""

import pytest
from prometheus_client import REGISTRY

from portal.notifications import digests

from .test_exactly_once import news, queued_digest  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def sent(outcome: str) -> float:
    return REGISTRY.get_sample_value("callportal_digests_total", {"outcome": outcome}) or 0.0


def test_each_digest_sent_is_counted_once(queued_digest):  # noqa: F811
    before = {outcome: sent(outcome) for outcome in ("sent", "done")}
    assert digests.send_digest(delivery_id=queued_digest.pk) == "sent"
    assert digests.send_digest(delivery_id=queued_digest.pk) == "done"  # a rerun sends nothing
    assert sent("sent") - before["sent"] == 1
    assert sent("done") - before["done"] == 1
