#!/usr/bin/env bash
# `npm run demo`: install, start the stack (Kafka from Maven, databases), then run the demo.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -d node_modules/kafkajs ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
bash tools/stack/up.sh
exec node -r @swc-node/register tools/demo/demo.ts "$@"
