# One image for every keypool service, the console and the compose demo; SERVICE picks which
# one runs (pool-service, order-fulfillment-service, notification-service, sendgrid-sink, console).
# Built once by docker-compose.yml's `image` service and tagged keypool:local.
# Node 24, the newest LTS line that package.json's engines (>=20 <25) accept; Node 20 is
# end-of-life. tools/docker/prove.sh builds a local stand-in under this name where no image
# registry is reachable.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig*.json ./
COPY libs libs
COPY apps apps
COPY tools tools
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE}
ENV NODE_ENV=production TS_NODE_BASEURL=/app/dist TS_NODE_PROJECT=/app/tsconfig.base.json
# kafkajs 2.2.4 passes a negative delay to setTimeout (throttledUntil -1 minus now); Node 24
# warns about it at each start and runs it after 1 ms, as Node 20 did silently.
# Heap: V8 keeps what it is allowed to keep. With Node's defaults a service held 200-250 MiB RSS
# after a 10,000-order burst; a 4 MiB young generation and a 128 MiB old one keep it at 135-145
# (live heap 40-50 MiB), within issue 11's 160 MiB, for more collections (README, Measured).
# `npm run bench` runs the compiled services with these same options.
ENV NODE_OPTIONS="--disable-warning=TimeoutNegativeWarning --max-old-space-size=128 --max-semi-space-size=4"
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/tsconfig.base.json ./
# The console's pages, where its compiled server (dist/apps/console/src) looks for them; uPlot,
# which it also serves, is a production dependency and stays in node_modules after the prune.
COPY --from=build /app/apps/console/public dist/apps/console/public
# The base image's user `node`, by number, so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
ARG SERVICE=pool-service
ENV SERVICE=${SERVICE}
CMD ["sh", "-c", "exec node -r tsconfig-paths/register dist/apps/${SERVICE}/src/main.js"]
