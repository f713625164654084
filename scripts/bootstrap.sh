#!/usr/bin/env bash
# Installs whatever this checkout needs and is missing: pnpm, Debian packages, node modules, the
# generated Prisma client, the worker's build. Safe to run any number of times; a second run does (almost)
# nothing.
#
#   bash scripts/bootstrap.sh            # what `npm start` needs (redis-server)
#   bash scripts/bootstrap.sh --test     # what `npm test` needs too (chromium for the portal tests)
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9
export TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 PUPPETEER_SKIP_DOWNLOAD=1
want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
node_minor=$(node -p 'process.versions.node.split(".")[1]' 2>/dev/null || echo 0)
if (( node_major < 20 || (node_major == 20 && node_minor < 19) )); then
  say "Node.js >= 20.19 is required (found $(node -v 2>/dev/null || echo none))." >&2
  exit 1
fi

# pnpm: corepack cannot verify signatures against this registry mirror, so install the pinned pnpm with npm.
if [[ "$(pnpm -v 2>/dev/null || true)" != "$PNPM_VERSION" ]]; then
  say "installing pnpm $PNPM_VERSION"
  npm install -g --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
fi

apt_packages=()
command -v redis-server >/dev/null || apt_packages+=(redis-server)
if (( want_test )); then
  [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] || apt_packages+=(chromium)
fi
if (( ${#apt_packages[@]} )); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "installing ${apt_packages[*]} with apt-get"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 "${apt_packages[@]}" >/dev/null
  elif [[ -n "${REDIS_URL:-}" && ${#apt_packages[@]} -eq 1 && "${apt_packages[0]}" == redis-server ]]; then
    : # an external Redis is configured; no local server needed
  else
    say "missing: ${apt_packages[*]}. Install them (Debian/Ubuntu: sudo apt-get install ${apt_packages[*]})," >&2
    say "or set REDIS_URL to a running Redis." >&2
    exit 1
  fi
fi

# Node modules: a frozen install is a no-op (about a second) when nothing changed.
pnpm install --frozen-lockfile --prefer-offline --reporter=silent

# The Prisma client is generated code (gitignored); regenerate when the schema is newer.
schema=packages/db/prisma/schema.prisma
client=packages/db/src/generated/prisma/client.ts
if [[ ! -f $client || $schema -nt $client ]]; then
  say "generating the Prisma client"
  pnpm --filter @wa-fleet/db run db:generate >/dev/null
fi

# The tenant worker runs as built JavaScript (apps/worker/dist/main.mjs): build it when missing or older
# than any of its inputs (a no-op, a fraction of a second, when current). The control plane checks again
# before every worker start.
node apps/worker/scripts/build.mjs --if-stale
