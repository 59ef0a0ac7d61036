#!/usr/bin/env bash
# `npm run bench`: benchmarks print figures; nothing here asserts on time.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d node_modules/kafkajs ] || npm ci --no-audit --no-fund --loglevel=error
bash tools/stack/up.sh >/dev/null
echo "== end to end (BENCH_ORDERS=${BENCH_ORDERS:-10000})"
node -r @swc-node/register tools/bench/e2e-throughput.ts
