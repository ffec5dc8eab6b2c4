"""The production ASGI app, with the per-user flood limit lifted.

The benchmark sends from one user faster than a person may (20 messages in 10 s);
everything else, the limit's cache counter included, runs as in production (but for the room's
heartbeat interval, when BENCH_HEARTBEAT_SECONDS is set).
"""

import os
import sys

from django.conf import settings

from portal.asgi import application  # first: it sets Django up

# The site plus bench/urls.py's minimal view (bench/load.py's baseline); URLs resolve lazily.
settings.ROOT_URLCONF = "bench.urls"

# bench/ws_scale.py --heartbeat: a beat fills a hub's backlog from the database (a cheaper path),
# so a run measuring the live fan-out can keep it out of the way.
if os.environ.get("BENCH_HEARTBEAT_SECONDS"):
    settings.INCIDENT_HEARTBEAT_SECONDS = float(os.environ["BENCH_HEARTBEAT_SECONDS"])

for name, module in list(sys.modules.items()):
    if name.startswith("incidents.services") and hasattr(module, "FLOOD_LIMIT"):
        module.FLOOD_LIMIT = 10**9

__all__ = ["application"]
