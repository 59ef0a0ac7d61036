#!/usr/bin/env bash
# npm run keys:rotate -- <pool-service|order-fulfillment-service|notification-service> [--apply] [--batch-size <rows>]
# Runs the service's own rotation entry (apps/<service>/src/keys/rotate-keys.ts) with the
# environment given: that service's DATABASE_URL, DATA_ENCRYPTION_KEYS, DATA_ENCRYPTION_ACTIVE_KEY.
set -euo pipefail
cd "$(dirname "$0")/../.."
service="${1:-}"
case "$service" in
  pool-service | order-fulfillment-service | notification-service) shift ;;
  *)
    echo "usage: npm run keys:rotate -- <pool-service|order-fulfillment-service|notification-service> [--apply] [--batch-size <rows>]" >&2
    echo "  without --apply it only counts what it would re-encrypt; see README.md, section Keys" >&2
    exit 2
    ;;
esac
exec node -r @swc-node/register "apps/$service/src/keys/rotate-keys.ts" "$@"
