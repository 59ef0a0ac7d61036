#!/usr/bin/env bash
# Stop the Kafka broker that tools/stack/up.sh started from this checkout.
# Downloaded jars stay in .cache/kafka/<version>/libs for the next up.sh.
#
#   tools/stack/down.sh           # stop, keep topics/offsets for the next start
#   tools/stack/down.sh --wipe    # stop and delete the broker's data and logs
#                                 # (same as KAFKA_WIPE=1)
set -euo pipefail

# shellcheck source=tools/stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A graceful KRaft shutdown (flush, close logs, controller resign) usually
# takes a few seconds; only fall back to SIGKILL when it is clearly stuck,
# since a killed broker replays its logs on the next start.
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

wipe="${KAFKA_WIPE:-0}"
for arg in "$@"; do
  case "$arg" in
    --wipe) wipe=1 ;;
    -h | --help)
      sed -n '2,8p' "$0"
      exit 0
      ;;
    *) die "unknown argument: $arg (expected --wipe)" ;;
  esac
done

if [ -n "${KAFKA_BROKERS:-}" ]; then
  log "KAFKA_BROKERS is set: that Kafka is managed elsewhere, nothing to stop"
  exit 0
fi

acquire_lock

pid="$(read_pid)"
if is_our_broker "$pid"; then
  log "stopping Kafka broker pid $pid (port $KAFKA_PORT) ..."
  kill -TERM "$pid" 2>/dev/null || true
  waited=0
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt "$KAFKA_STOP_TIMEOUT" ]; do
    sleep 1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running after ${KAFKA_STOP_TIMEOUT}s: sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    # SIGKILL is not instantaneous; don't let a --wipe race the dying JVM.
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  log "stopped after ${waited}s"
else
  log "no broker started from this checkout is running on port $KAFKA_PORT"
fi
rm -f "$PID_FILE"

if [ "$wipe" = 1 ]; then
  log "wiping ${RUN_DIR#"$REPO_ROOT"/} (data, logs, config); jars are kept"
  rm -rf "$RUN_DIR"
fi
