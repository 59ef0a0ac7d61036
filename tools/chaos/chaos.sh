#!/usr/bin/env bash
# `npm run chaos`: faults against the whole system on a private Kafka broker (CHAOS_KAFKA_PORT,
# default 19092) that the run starts, restarts and stops; see README.md, "Chaos".
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d node_modules/kafkajs ] || npm ci --no-audit --no-fund --loglevel=error
exec node -r @swc-node/register tools/chaos/main.ts "$@"
