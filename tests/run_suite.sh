#!/usr/bin/env bash
# `make test`: the whole suite in two passes.
#  1. Everything but the drills and browser journeys, on TEST_WORKERS processes (pytest-xdist, 2 by
#     default: this machine has 2 cores). Each worker has its own test database (pytest-django adds
#     the worker's id) and, with REDIS_URL, its own Redis database (tests/worker_redis.py).
#  2. The drills (tests/reliability: they restart PostgreSQL and Redis under everything else that
#     runs) and the browser journeys, one at a time.
# Usage: tests/run_suite.sh "<marker expression to leave out, or empty>" [pytest arguments...]
set -uo pipefail
bin=${BIN:-.venv/bin}
skip=$1
shift
workers=${TEST_WORKERS:-2}
serial="reliability or browser"
not_skipped=${skip:+ and not ($skip)}

parallel=()
# Each worker chooses its own Redis database in tests/worker_redis.py.
[ "$workers" -gt 1 ] && parallel=(-n "$workers" --dist loadfile -p tests.worker_redis)
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"  # for -p tests.worker_redis

status=0
run() {
  "$bin/pytest" "$@"
  local code=$?
  # 5: nothing selected in this pass (say, only browser tests were asked for).
  if [ "$code" -ne 0 ] && [ "$code" -ne 5 ]; then status=$code; fi
}
run "${parallel[@]}" -m "not ($serial)$not_skipped" "$@"
run -m "($serial)$not_skipped" "$@"
exit "$status"
