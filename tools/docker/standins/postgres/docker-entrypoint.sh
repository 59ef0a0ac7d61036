#!/bin/bash
# The stand-in's entrypoint: the subset of the official postgres image's entrypoint that
# docker-compose.yml relies on. First start: initdb, then authentication as the variables say.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    method="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
  elif [ "${POSTGRES_HOST_AUTH_METHOD:-}" = trust ]; then
    method=trust
  else
    echo "Error: database is uninitialized and superuser password is not specified (set POSTGRES_PASSWORD)." >&2
    exit 1
  fi
  pwfile=()
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    printf '%s\n' "$POSTGRES_PASSWORD" > /tmp/pwfile
    pwfile=(--pwfile=/tmp/pwfile)
  fi
  initdb --username="${POSTGRES_USER:-postgres}" --auth-local=trust --auth-host="$method" "${pwfile[@]}" >/dev/null
  rm -f /tmp/pwfile
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all $method" >> "$PGDATA/pg_hba.conf"
  echo "PostgreSQL init process complete; ready for start up."
fi
exec "$@"
