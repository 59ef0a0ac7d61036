#!/usr/bin/env bash
# `npm run bench`: figures next to baselines of the same run; nothing here asserts on time.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d node_modules/kafkajs ] || npm ci --no-audit --no-fund --loglevel=error
bash tools/stack/up.sh >/dev/null
exec node -r @swc-node/register tools/bench/main.ts
