#!/usr/bin/env bash
# Runs every test of every workspace against a throwaway PostgreSQL and Redis (see scripts/test-stack.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
export TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
exec node --import tsx scripts/test-stack.ts "$@"
