"""Each pytest-xdist worker of tests/run_suite.sh gets its own Redis database, as it gets its own test
database: tests clear the cache and join channel groups, which must not reach the other worker.

Loaded with `-p tests.worker_redis`, so it runs before pytest-django reads the settings (a conftest is
too late); the servers a test starts inherit the changed REDIS_URL.
"""

import os
import re

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_url = re.fullmatch(r"(rediss?://[^/?]+)/?\d*", os.environ.get("REDIS_URL", ""))
if _worker.startswith("gw") and _url:
    # Databases 15, 14, ...: the URL's own database stays for the serial pass and the developer.
    os.environ["REDIS_URL"] = f"{_url[1]}/{15 - int(_worker[2:]) % 8}"
