#!/usr/bin/env bash
# The README's test command. On a fresh machine of this kind it installs and starts all the
# tests need (npm packages, Chromium, openssl, the Kafka broker, the databases), runs type checks, the
# architecture lint and every jest suite, then stops what it started.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '\n[test] %s\n' "$*"; }

if ! command -v chromium >/dev/null; then
  say "installing Debian's chromium for the browser test"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

if ! command -v openssl >/dev/null; then
  say "installing openssl for the SASL_SSL broker test's certificates"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssl >/dev/null
fi

say "npm ci"
npm ci --no-audit --no-fund --loglevel=error

if [ "${KEYPOOL_STACK:-local}" = containers ]; then
  # jest's globalSetup starts Kafka and PostgreSQL with testcontainers (a Docker engine is
  # needed: tools/docker/prove.sh installs one and builds the images on this kind of machine).
  say "KEYPOOL_STACK=containers: no local stack; jest starts Kafka and PostgreSQL in Docker"
  export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
else
  # Stop the broker afterwards only if this run started it.
  source tools/stack/lib.sh
  broker_was_running=0
  if [ -n "${KAFKA_BROKERS:-}" ] || is_our_broker "$(read_pid)"; then broker_was_running=1; fi
  say "starting the stack (Kafka from Maven, PostgreSQL databases)"
  bash tools/stack/up.sh
  if [ "$broker_was_running" = 0 ]; then trap 'say "stopping the broker"; bash tools/stack/down.sh' EXIT; fi
fi

say "type check (everything, then the production build's own set as the Dockerfile compiles it)"
npx tsc -p tsconfig.json --noEmit
npx tsc -p tsconfig.build.json --noEmit

say "lint (Nx module boundaries, the test kit out of production code, typescript-eslint's type-checked rules)"
NX_DAEMON=false npx nx show projects >/dev/null
NX_DAEMON=false npx eslint apps libs e2e tools --max-warnings 0
say "format (prettier --check; npm run format writes it)"
npm run --silent format:check

say "jest"
# The SASL_SSL test starts a broker of its own; plain `npx jest` leaves it out, npm test runs it.
export KEYPOOL_SASL_SSL_TEST=1
# The broker-restart test (a private broker stopped for 15 s under a consumer and the relay).
export KEYPOOL_BROKER_RESTART_TEST=1
mkdir -p .cache
rm -f .cache/jest-results.json
npx jest --ci --json --outputFile=.cache/jest-results.json "$@" || true
node tools/ci/summarize-jest.js .cache/jest-results.json
