#!/usr/bin/env bash
# `npm run bench`: figures next to baselines of the same run; nothing here asserts on time.
# The services run compiled from dist/, as the Dockerfile runs them (BENCH_FROM=source: through swc).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d node_modules/kafkajs ] || npm ci --no-audit --no-fund --loglevel=error
bash tools/stack/up.sh >/dev/null
if [ "${BENCH_FROM:-build}" = build ]; then
  echo "== building dist/ (npm run build)"
  npm run --silent build || echo "the build reported type errors; the bench runs what it emitted"
fi
exec node -r @swc-node/register tools/bench/main.ts
