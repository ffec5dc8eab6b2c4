#!/bin/sh
# Runs a command with its process type's own Prometheus multiprocess directory, emptied first
# (docs/operations.md, "Monitoring"): every process of the type writes its figures there and
# any one of them answers /metrics for all. Usage: metrics-dir.sh TYPE command...
# METRICS_DIR (default /tmp/callportal-metrics) holds one directory per type; never share one.
set -e
type=$1
shift
dir="${METRICS_DIR:-/tmp/callportal-metrics}/$type"
rm -rf "$dir"
mkdir -p "$dir"
export PROMETHEUS_MULTIPROC_DIR="$dir"
exec "$@"
