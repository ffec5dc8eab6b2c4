"""TAXII status resources for objects added through a collection. Adding is synchronous, so
a status is complete when the POST answers with it; it is also kept in the cache for a day
for GET …/status/<id>/, for the user who made it only (another user, or an expired or lost
status, is a 404). The cache holds nothing that must survive (portal/cache.py): the POST's
answer is the record, and each indicator added is audited and in the room."""

import uuid
from datetime import datetime

from django.core.cache import cache

from ..exchange import stix

KEEP_SECONDS = 24 * 3600


def _key(status_id: str) -> str:
    return f"taxii-status:{status_id}"


def _detail(result, requested_at: str, message: str) -> dict:
    return {"id": result.id or "", "version": result.version or requested_at, "message": message}


def record_status(*, user, results, requested_at: datetime) -> dict:
    """The status resource of one POST (incidents.services.exchange results), kept for `user`."""
    at = stix.timestamp(requested_at)
    successes = [_detail(r, at, r.result) for r in results if r.kept]
    failures = [_detail(r, at, r.detail or r.result) for r in results if not r.kept]
    status = {
        "id": str(uuid.uuid4()),
        "status": "complete",
        "request_timestamp": at,
        "total_count": len(results),
        "success_count": len(successes),
        "successes": successes,
        "failure_count": len(failures),
        "failures": failures,
        "pending_count": 0,
        "pendings": [],
    }
    cache.set(_key(status["id"]), {"user": user.pk, "status": status}, KEEP_SECONDS)
    return status


def status_for(user, status_id: str) -> dict | None:
    kept = cache.get(_key(status_id))
    if not kept or kept.get("user") != user.pk:
        return None
    return kept["status"]
