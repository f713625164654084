#!/usr/bin/env bash
# Quick start: runs the whole system on embedded defaults (see README). Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
exec node --import tsx scripts/start.ts "$@"
