# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing scripts
# Shared settings for tools/stack/up.sh and down.sh. Sourced, not executed, so
# both scripts agree on where the broker's pid file, data and logs live.

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$STACK_DIR/../.." && pwd)"

# Newest Kafka on Maven Central that kafkajs 2.2.4 was verified against
# (see README.md for the check); 4.1.1 and 3.9.1 pass the same check.
KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
# The KRaft controller needs a listener of its own; keep it next to the broker
# port so that two stacks on different KAFKA_PORTs do not collide.
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_HOST=127.0.0.1

CACHE_DIR="$REPO_ROOT/.cache/kafka"
# Jars are per version and survive down.sh --wipe: re-downloading is the slow part.
LIBS_DIR="$CACHE_DIR/$KAFKA_VERSION/libs"
# Runtime state is per port, so a second stack on another port is independent.
RUN_DIR="$CACHE_DIR/run-$KAFKA_PORT"
DATA_DIR="$RUN_DIR/data"
LOG_DIR="$RUN_DIR/logs"
PID_FILE="$RUN_DIR/kafka.pid"
LOCK_DIR="$CACHE_DIR/.lock-$KAFKA_PORT"

log() { printf '[stack] %s\n' "$*"; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# True if $1 is a live process that is *our* broker. Checking the command line
# guards against a stale pid file whose number was reused by something else.
is_our_broker() {
  local pid="$1"
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  ps -p "$pid" -o args= 2>/dev/null | grep -q 'kafka\.Kafka'
}

read_pid() {
  if [ -f "$PID_FILE" ]; then tr -dc '0-9' <"$PID_FILE"; fi
}

# mkdir is atomic everywhere (flock is Linux-only), so it serves as the lock
# that stops two concurrent up.sh/down.sh runs from starting two brokers or
# clobbering each other's pid file. A lock left by a killed run is reclaimed.
acquire_lock() {
  mkdir -p "$CACHE_DIR"
  local waited=0 holder
  until mkdir "$LOCK_DIR" 2>/dev/null; do
    holder="$(cat "$LOCK_DIR/pid" 2>/dev/null || true)"
    if [ -n "$holder" ] && ! kill -0 "$holder" 2>/dev/null; then
      rm -rf "$LOCK_DIR"
      continue
    fi
    if [ "$waited" -ge 300 ]; then
      die "another stack script (pid ${holder:-?}) holds $LOCK_DIR for 5 min; remove it if stale"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "$$" >"$LOCK_DIR/pid"
  trap release_lock EXIT
}

release_lock() {
  rm -rf "$LOCK_DIR"
}
